"""The dashboard, the full-screen view, the live page's QR code and the
devices roster in a real headless Chromium, against a real server fed by
real loopback multicast. Screenshots are decoded and checked: the colour
swatch, the sparkline and the stale marker are on screen, not just in the DOM."""

import json
import time

import segno

from fwboard import wifi_config
from support.png import read_png

CARD = "document.querySelector('.card[data-key=\"%s\"]')"


def value_of(key):
    return CARD % key + "?.querySelector('.value').textContent"


def phone(browser, width=360, height=740):
    browser.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=True)


def shot(browser, tmp_path, name):
    path = tmp_path / name
    browser.screenshot(str(path))
    return read_png(path.read_bytes())


def box_of(browser, expression):
    """The CSS-pixel box of an element (scrolled into view first)."""
    browser.evaluate(expression + ".scrollIntoView({block: 'center'})")
    r = browser.evaluate("(() => { const b = %s.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })()"
                         % expression)
    return tuple(int(v) for v in r)


def orange(r, g, b):
    return r > 230 and 110 < g < 160 and b < 40


def blue(r, g, b):
    return r < 80 and 60 < g < 130 and b > 170


def red(r, g, b):
    return 150 < r < 210 and g < 70 and b < 70


def test_dashboard_shows_every_key_live_at_360px(server, browser, tmp_path):
    server.register("d/temp", description="Studio <b>temp</b>", provenance="DS18B20 by the window",
                    license={"uri": "https://creativecommons.org/licenses/by/4.0/", "title": "CC BY 4.0"})
    server.send("d/temp", 20)
    server.send("d/colour", "#ff8800")
    server.send("d/obj", {"a": [1, 2]})
    server.wait_for_datums(3)
    phone(browser)
    browser.goto(server.url + "/artcasts")
    browser.wait_for(value_of("d/temp"), "20")
    browser.wait_for(value_of("d/colour"), "#ff8800")
    browser.wait_for(value_of("d/obj"), '{"a":[1,2]}')
    for value in (21, 25, 22, 24):
        server.send("d/temp", value)
        browser.wait_for(value_of("d/temp"), str(value))
    server.send("d/new", "a key the page did not list")     # new keys appear too
    browser.wait_for(value_of("d/new"), "a key the page did not list")
    assert browser.evaluate(CARD % "d/temp" + ".querySelector('.value').classList.contains('num')")
    assert browser.evaluate("getComputedStyle(%s.querySelector('.swatch')).backgroundColor" % (CARD % "d/colour")) \
        == "rgb(255, 136, 0)"
    points = browser.evaluate(CARD % "d/temp" + ".querySelector('polyline').getAttribute('points')")
    assert len(points.split()) == 5
    text = browser.evaluate("document.body.innerText")
    assert "Studio <b>temp</b>" in text and "DS18B20 by the window" in text and "CC BY 4.0" in text
    assert browser.evaluate("document.querySelectorAll('#cards b').length") == 0
    assert browser.evaluate("document.querySelector('a[rel=license]').href").startswith("https://creativecommons")
    assert "updated" in browser.evaluate(CARD % "d/temp" + ".querySelector('.ago').textContent")
    assert browser.evaluate("document.documentElement.scrollWidth") <= 360, "the page fits 360 px"
    # on screen: the swatch is orange, the sparkline blue
    swatch = box_of(browser, CARD % "d/colour" + ".querySelector('.swatch')")
    image = shot(browser, tmp_path, "colour.png")
    assert image.width == 360
    assert image.count(orange, swatch) > 200
    spark = box_of(browser, CARD % "d/temp" + ".querySelector('svg.spark')")
    image = shot(browser, tmp_path, "spark.png")
    assert image.count(blue, spark) > 40
    # the filter box
    browser.evaluate("(() => { const f = document.getElementById('filter'); f.value = 'studio'; "
                     "f.dispatchEvent(new Event('input')); })()")
    assert browser.evaluate("[...document.querySelectorAll('.card')].filter(c => !c.hidden).map(c => c.dataset.key)") \
        == ["d/temp"]


def test_a_key_that_goes_quiet_is_marked_stale(server, browser, tmp_path):
    browser.goto(server.url + "/artcasts")
    browser.wait_for("document.getElementById('state').textContent", "live")
    for value in range(6):                  # a beat every 0.3 s, then silence
        server.send("q/beat", value)
        browser.wait_for(value_of("q/beat"), str(value))
        time.sleep(0.3)
    stale = CARD % "q/beat" + ".classList.contains('stale')"
    assert browser.evaluate(stale) is False
    card = box_of(browser, CARD % "q/beat")
    before = shot(browser, tmp_path, "fresh.png").count(red, card)
    browser.wait_for(stale, True, timeout=10)
    after = shot(browser, tmp_path, "stale.png").count(red, box_of(browser, CARD % "q/beat"))
    assert before < 20 and after > 100, (before, after)
    assert browser.evaluate(CARD % "q/beat" + ".querySelector('.badge').offsetWidth") > 0
    server.send("q/beat", 99)               # it speaks again: no longer stale
    browser.wait_for(stale, False, timeout=10)


def test_the_json_listing_is_unchanged(server):
    server.register("j/k", description="d")
    server.send("j/k", 1)
    server.wait_for_datums(1)
    deadline = time.monotonic() + 5
    while server.status()["registrations_received"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    status, headers, body = server.get("/artcasts")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert json.loads(body) == [{"key": "j/k", "description": "d", "provenance": None, "license": None}]


def test_full_view_and_qr_code(server, browser):
    server.send("w/big", 42)
    server.wait_for_datums(1)
    browser.goto(server.url + "/artcasts/w/big?view=full")
    browser.wait_for("document.getElementById('value').textContent", "42")
    size = browser.evaluate("parseFloat(getComputedStyle(document.getElementById('value')).fontSize)")
    assert size > 60
    server.send("w/big", 43)
    browser.wait_for("document.getElementById('value').textContent", "43")
    # the live page's QR code encodes the page's own URL (as the browser reached it)
    host = "127.0.0.1:%d" % server.port
    page = server.get("/artcasts/w/big", {"Accept": "text/html", "Host": host})[2].decode()
    expected = segno.make("http://%s/artcasts/w/big" % host, error="m").svg_inline(scale=3, title="QR code")
    assert expected in page
    browser.goto(server.url + "/artcasts/w/big")
    browser.wait_for("document.getElementById('value').textContent", "43")
    assert browser.evaluate("document.querySelector('.qr svg path').getAttribute('d').length") > 200
    assert browser.evaluate("document.querySelector('a[href=\"/artcasts/w/big?view=full\"]') !== null")
    # the live page names its browser in GET /devices
    deadline = time.monotonic() + 10
    names = []
    while time.monotonic() < deadline:
        names = [d["name"] for d in json.loads(server.get("/devices")[2])["devices"]]
        if any(n.startswith("browser-") for n in names):
            break
        time.sleep(0.1)
    assert any(n.startswith("browser-") for n in names), names


def test_roster_shows_a_firmware_board_then_marks_it_offline(server_factory, board, browser, tmp_path):
    expected = tmp_path / "class.txt"
    expected.write_text("kit-01\nkit-02\n")
    server = server_factory("--poll-timeout", "1", "--expected-devices", str(expected))
    server.get("/artcasts/r/k?wait=0", {"Artcast-Device": "<i>evil</i>; fw=<script>"})
    strip = {"key": "r/k", "device": {"type": "neopixel", "pin": 16, "count": 2},
             "mapping": {"type": "bar", "from": [0, 2], "colour": "#ff0000"}}
    b = board(wifi_config(server.url, [strip], hostname="kit-01"))
    phone(browser)
    browser.goto(server.url + "/devices")
    row = "document.querySelector('tr[data-name=\"kit-01\"]')"
    browser.wait_for(row + "?.querySelector('.state').textContent", "waiting", timeout=20)
    assert browser.evaluate(row + ".cells[3].textContent") == "r/k"
    assert "1 of 2 expected online" in browser.evaluate("document.getElementById('counts').textContent")
    assert browser.evaluate("document.querySelector('tr[data-name=\"kit-02\"] .state').textContent") == "offline"
    assert "<i>evil</i>" in browser.evaluate("document.body.innerText")
    assert browser.evaluate("document.querySelectorAll('#rows i').length") == 0
    assert browser.evaluate("document.documentElement.scrollWidth") <= 360
    b.stop()
    browser.wait_for(row + "?.querySelector('.state').textContent", "offline", timeout=20)
    names = browser.evaluate("[...document.querySelectorAll('#rows tr')].map(r => r.dataset.name + ':' + r.className)")
    assert names == ["<i>evil</i>:offline", "kit-01:offline", "kit-02:offline"], names   # offline first
    image = shot(browser, tmp_path, "roster.png")
    assert image.count(red) > 20        # the offline state is shown in red


def test_sparkline_starts_from_the_history_endpoint(server, browser):
    """The history route comes from another branch: the page is checked
    against its documented shape, [{"t", "value", "etag"}, ...] oldest
    first, served here by a stand-in for fetch() of .../history only."""
    server.send("h/temp", 30)
    server.wait_for_datums(1)
    now = time.time()
    history = [{"t": now - 40 + i, "value": v, "etag": '"%016x"' % i} for i, v in enumerate([10, 14, 12, 18, 16])]
    browser.call("Page.addScriptToEvaluateOnNewDocument", source="""
      const realFetch = window.fetch;
      window.fetch = (url, opts) => String(url).includes('/history?')
        ? Promise.resolve(new Response(%s, {status: 200, headers: {'Content-Type': 'application/json'}}))
        : realFetch(url, opts);""" % json.dumps(json.dumps(history)))
    browser.goto(server.url + "/artcasts")
    browser.wait_for(value_of("h/temp"), "30")
    points = CARD % "h/temp" + ".querySelector('polyline').getAttribute('points').split(' ').length"
    browser.wait_for(points, 6)             # five from history, then the live value
    server.send("h/temp", 31)
    browser.wait_for(points, 7)


def test_a_server_without_history_answers_the_page_at_once(server):
    """Until the history route exists, the page's request must not be held
    as a long-poll for a key named ".../history" (it would take one of the
    browser's few connections for 25 s)."""
    started = time.monotonic()
    status, _, _ = server.get("/artcasts/h/temp/history?n=60&wait=0")
    assert status in (200, 204, 404) and time.monotonic() - started < 2


def test_sparkline_draws_the_real_history_at_once(server, browser):
    """With the server's own GET /artcasts/<key>/history: values sent before
    the page opened are on the sparkline as soon as it loads."""
    for value in (3, 9, 4, 8, 5):
        server.send("hist/k", value)
        time.sleep(0.05)        # separate bursts: each datum its own history entry
    deadline = time.monotonic() + 5
    while len(json.loads(server.get("/artcasts/hist/k/history")[2])) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    browser.goto(server.url + "/artcasts")
    browser.wait_for(value_of("hist/k"), "5")
    browser.wait_for(CARD % "hist/k" + ".querySelector('polyline').getAttribute('points').split(' ').length", 5)
