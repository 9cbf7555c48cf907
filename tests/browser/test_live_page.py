"""The live page in a real headless Chromium updates when datums arrive."""

import pytest

from support.browser import Browser


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.close()


VALUE = "document.getElementById('value').textContent"
STATE = "document.getElementById('state').textContent"


def test_live_page_follows_a_numeric_key(server, browser, tmp_path):
    server.register("test/tick", description="A counter", provenance="tests")
    browser.goto(server.url + "/artcasts/test/tick")       # Chromium sends Accept: text/html
    browser.wait_for(STATE, "waiting for the first value…")
    for value in (3, 7, 5):
        server.send("test/tick", value)
        browser.wait_for(VALUE, str(value))
    assert browser.evaluate("document.getElementById('chart').hidden") is False
    assert browser.evaluate("points.length") == 3
    assert browser.evaluate(STATE) == "live"
    assert "A counter" in browser.evaluate("document.body.innerText")
    browser.screenshot(str(tmp_path / "live.png"))
    assert (tmp_path / "live.png").stat().st_size > 1000


def test_live_page_shows_current_value_at_once_and_strings(server, browser):
    server.send("test/now", "2026-01-01T00:00:00Z")
    server.wait_for_datums(1)
    browser.goto(server.url + "/artcasts/test/now")
    browser.wait_for(VALUE, "2026-01-01T00:00:00Z")
    server.send("test/now", {"a": 1})
    browser.wait_for("JSON.parse(%s).a" % VALUE, 1)
    assert browser.evaluate("document.getElementById('chart').hidden") is True


def test_live_page_survives_server_restart(server, browser):
    browser.goto(server.url + "/artcasts/r/k")
    browser.wait_for(STATE, "waiting for the first value…")
    server.stop()
    browser.wait_for("%s.startsWith('reconnecting')" % STATE, True, timeout=30)
    server.start()
    server.send("r/k", 99)
    # the page backs off (up to 10 s) then long-polls again; keep sending until it shows
    import time
    deadline = time.monotonic() + 25
    while time.monotonic() < deadline and browser.evaluate(VALUE) != "99":
        server.send("r/k", 99)
        time.sleep(0.5)
    assert browser.evaluate(VALUE) == "99"


def test_list_page_links_open_live_pages(server, browser):
    server.register("a/b", description="first")
    server.send("a/b", 1)
    server.wait_for_datums(1)
    browser.goto(server.url + "/")
    browser.wait_for("document.querySelector('a[href=\"/artcasts/a/b\"]') !== null", True)
    browser.evaluate("document.querySelector('a[href=\"/artcasts/a/b\"]').click()")
    browser.wait_for(VALUE, "1")
