"""The pages in a real headless Chromium, as a visitor (or an attacker's
registration) meets them: license links only to web pages (issue 9.3), a
phone-width list page (11.17), a one-point chart, no favicon 404, and a
misspelt key named as such with its close matches (11.13)."""

import time

import pytest

from support.browser import Browser

HOSTILE = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)", "\tjavascript:alert(1)",
           "java\tscript:alert(1)", "java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>",
           "vbscript:msgbox(1)"]
PROTOCOLS = "[...document.querySelectorAll('a[href]')].map(a => a.protocol).sort().join(' ')"
CHART_BLUE = """(() => {
  const c = document.getElementById('chart'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i + 2] > 150 && d[i] < 100) n++;
  return n; })()"""


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.close()


def wait_known(server, count):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.status()["known_keys"] >= count:
            return
        time.sleep(0.02)
    raise AssertionError("the server knows %d keys, expected %d" % (server.status()["known_keys"], count))


def test_hostile_license_uris_are_never_links(server, browser):
    for i, uri in enumerate(HOSTILE):
        server.register("lic/bad%d" % i, description="bad %d" % i, license={"uri": uri, "title": "License %d" % i})
    server.register("lic/good", license={"uri": "https://creativecommons.org/licenses/by/4.0/", "title": "CC BY"})
    wait_known(server, len(HOSTILE) + 1)
    browser.goto(server.url + "/artcasts")
    browser.wait_for("document.querySelectorAll('#cards .card').length", len(HOSTILE) + 1)
    # every link on the page is http (the live pages, the one good license)
    assert set(browser.evaluate(PROTOCOLS).split()) == {"http:", "https:"}
    assert browser.evaluate("document.querySelectorAll('a[rel=license]').length") == 1
    text = browser.evaluate("document.body.innerText")
    for i in range(len(HOSTILE)):
        assert "License %d" % i in text                      # shown, as text
    for i in range(len(HOSTILE)):
        browser.goto(server.url + "/artcasts/lic/bad%d" % i)
        browser.wait_for("document.title", "Artcast lic/bad%d" % i)
        assert set(browser.evaluate(PROTOCOLS).split()) == {"http:"}
        assert "License %d" % i in browser.evaluate("document.body.innerText")


def test_list_page_fits_a_phone(server, browser, tmp_path):
    long_key = "gallery/" + "north-wall-installation-" * 7 + "lux"
    server.register(long_key, description="A very long description without many breaks: " + "x" * 120,
                    provenance="sensor " + "y" * 80,
                    license={"uri": "https://creativecommons.org/licenses/by-nc-sa/4.0/legalcode", "title": None})
    server.register("test/tick", description="A counter", provenance="tests")
    wait_known(server, 2)
    browser.set_viewport(390, 844)
    for path in ("/artcasts", "/artcasts/" + long_key):
        browser.goto(server.url + path)
        browser.wait_for("document.readyState", "complete")
        browser.wait_for("document.body.innerText.includes('north-wall')", True)
        width = browser.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    browser.screenshot(str(tmp_path / "phone.png"))


def test_one_point_chart_shows_the_point(server, browser):
    server.send("chart/one", 5)
    server.wait_for_datums(1)
    browser.goto(server.url + "/artcasts/chart/one")
    browser.wait_for("document.getElementById('value').textContent", "5")
    browser.wait_for("points.length", 1)
    assert browser.evaluate(CHART_BLUE) > 0


def test_page_views_log_no_404(server_factory, browser, tmp_path):
    log = tmp_path / "access.log"
    server = server_factory("--access-log", str(log))
    server.send("fav/k", 1)
    server.wait_for_datums(1)
    browser.goto(server.url + "/artcasts")
    browser.wait_for("document.readyState", "complete")
    browser.goto(server.url + "/artcasts/fav/k")
    browser.wait_for("document.getElementById('value').textContent", "1")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "wait=0" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.05)
    text = log.read_text()
    assert "GET /artcasts HTTP" in text and "wait=0" in text
    assert '" 404 ' not in text, text
    assert server.get("/favicon.ico")[0] == 204


def test_misspelt_key_page_names_close_matches(server, browser):
    server.send("test/tick", 1)
    server.register("test/now", description="time")
    wait_known(server, 2)
    browser.goto(server.url + "/artcasts/test/tik")
    browser.wait_for("document.getElementById('unknown') !== null", True)
    note = browser.evaluate("document.getElementById('unknown').innerText")
    assert "never seen test/tik" in note and "test/tick" in note
    assert browser.evaluate("document.querySelector('#unknown a').getAttribute('href')") == "/artcasts/test/tick"
    browser.wait_for("document.getElementById('state').textContent", "waiting for the first value…")
    server.send("test/tik", 7)                      # it exists after all: the note goes
    browser.wait_for("document.getElementById('value').textContent", "7")
    assert browser.evaluate("document.getElementById('unknown').hidden") is True
