"""README's first minute, as pasted: `python3 run.py demo` (on a port of
its own, as README shows for a busy 8888) prints the real URL, keeps the
access log out of the terminal, and README's send example reaches it."""

import os
import re
import signal
import socket
import subprocess

from support.checkout import system_python3, user_env
from support.net import free_port, http_get
from support.wait import wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        return f.read()


def test_demo_prints_its_real_url_and_the_readme_send_reaches_it(tmp_path):
    port = free_port()
    demo_line = re.search(r"`(python3 run\.py demo --client-port )8891`", readme()).group(1) + str(port)
    send_line = [line.split("  #")[0].strip() for line in readme().splitlines()
                 if line.startswith("python3 run.py artcast send --local ")][0]
    out_path = tmp_path / "demo.out"
    with open(str(out_path), "w") as out:
        demo = subprocess.Popen(["sh", "-c", "exec " + demo_line.replace("python3", system_python3(), 1)],
                                cwd=REPO, env=user_env(), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_until(lambda: "Ctrl-C stops" in out_path.read_text() or demo.poll() is not None, 120)
        text = out_path.read_text()
        assert "Open  http://127.0.0.1:%d/artcasts/test/tick" % port in text, text
        assert ":8888" not in text
        assert http_get(port, "/artcasts/test/tick", timeout=10)[0] == 200
        # README's example, as pasted (it is the demo's own multicast: loopback, TTL 0)
        sent = subprocess.run(["sh", "-c", send_line.replace("python3", system_python3(), 1)], cwd=REPO,
                              env=user_env(), capture_output=True, text=True, timeout=120)
        assert sent.returncode == 0, sent.stderr
        status, _, body = wait_until(lambda: (lambda r: r if r[0] == 200 else None)(
            http_get(port, "/artcasts/room/light?wait=0", timeout=10)), timeout=10)
        assert body == b'"on"'
        # page views do not scroll the URL away: the access log is in a file
        for _ in range(3):
            http_get(port, "/artcasts")
        assert "GET /artcasts" not in out_path.read_text()
        log = os.path.join(REPO, ".venv", "demo-access.log")
        wait_until(lambda: os.path.exists(log) and "GET /artcasts " in open(log).read(), timeout=10)
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(20)
    assert "Traceback" not in out_path.read_text()


def test_readme_says_what_watch_guarantees():
    text = readme()
    assert "never misses" not in text
    assert "follows the **latest state**" in text and "skips intermediate values" in text


def test_readme_says_how_to_get_the_commands():
    text = readme()
    assert ". .venv/bin/activate" in text and "python3 run.py artcast" in text
    assert "python3 run.py install --pi" in text
