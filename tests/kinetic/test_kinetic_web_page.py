"""The --simulate web page in a real browser (headless Chromium): its
script fetches /state and draws the strip's pixels, the servo's angle and
the link state, from a real artcast-kinetic following a real server."""

import json
import re
import subprocess

from support.browser import chromium_path as chromium
from support.net import http_get
from test_kinetic_cli import EXAMPLE, Running


def dom(url):
    result = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                             "--virtual-time-budget=3000", url], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_page_draws_the_live_state(server):
    run = Running("--simulate", "--no-view", "--server", server.url, "--web-port", "0", EXAMPLE)
    try:
        run.wait_for(lambda: "live view: http://127.0.0.1:" in run.stderr(), what="the web page")
        port = int(re.search(r"live view: http://127\.0\.0\.1:(\d+)/", run.stderr()).group(1))

        def state():
            return json.loads(http_get(port, "/state")[2])

        server.send("test/tick", 15)
        run.wait_for(lambda: state()["outputs"][0]["pixels"][0] == "#006600", what="value shown, fade done")
        page = dom("http://127.0.0.1:%d/" % port)
        pixels = re.findall(r'class="px" style="background:(#[0-9a-f]{6})"', page)
        assert len(pixels) == 30                   # the browser ran the page's script: one per LED
        assert pixels == [p[:7] for p in state()["outputs"][0]["pixels"]]
        assert pixels[0] == "#006600" and pixels[15:29] == ["#000003"] * 14
        assert "100.0°" in page and "test/tick = 15" in page and "online" in page
        assert "<svg" in page                      # the servo arm is drawn
    finally:
        assert run.stop() == 0
