"""The control page in a real headless Chromium: moving the slider publishes
with the token, and a client waiting on the key receives the value."""

import json
import threading

import pytest

from support.browser import Browser
from publish_support import TOKEN, post, wait_until


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.close()


def set_token(browser, token):
    browser.evaluate("tokenBox.value = %s; tokenBox.dispatchEvent(new Event('change'))" % json.dumps(token))


def test_slider_publishes_and_a_waiting_client_receives(server_factory, browser, tmp_path):
    server = server_factory("--publish-token", TOKEN)
    server.send("room/dimmer", 10)
    server.wait_for_datums(1)
    browser.call("Emulation.setDeviceMetricsOverride", width=390, height=800, deviceScaleFactor=1, mobile=True)
    browser.goto(server.url + "/artcasts/room/dimmer/control")
    browser.wait_for("document.body.dataset.control", "slider")
    assert browser.evaluate("document.documentElement.scrollWidth") <= 390     # fits a phone
    set_token(browser, TOKEN)
    got = {}
    etag = server.get("/artcasts/room/dimmer?wait=0")[1]["etag"]
    waiter = threading.Thread(target=lambda: got.update(answer=server.get(
        "/artcasts/room/dimmer", headers={"If-None-Match": etag}, timeout=20)))
    waiter.start()
    wait_until(lambda: server.status()["waiting_clients"] >= 1, what="the client to wait")
    browser.evaluate("const s = document.getElementById('slider'); s.value = 73; s.dispatchEvent(new Event('input'))")
    waiter.join(20)
    status, _, body = got["answer"]
    assert status == 200 and json.loads(body) == 73
    browser.wait_for("document.getElementById('result').textContent", "sent 73")
    assert browser.evaluate("localStorage.getItem('artcast-token')") == TOKEN
    browser.screenshot(str(tmp_path / "control.png"))
    assert (tmp_path / "control.png").stat().st_size > 3000


def test_control_kinds_follow_value_and_registration(server_factory, browser):
    server = server_factory("--publish-token", TOKEN)
    server.send("room/colour", "#ff8800")
    server.send("room/on", True)
    server.wait_for_datums(2)
    browser.goto(server.url + "/artcasts/room/colour/control")
    browser.wait_for("document.body.dataset.control", "colour")
    set_token(browser, TOKEN)
    browser.evaluate("const c = document.getElementById('colour'); c.value = '#00ff00'; c.dispatchEvent(new Event('input'))")
    wait_until(lambda: server.get("/artcasts/room/colour?wait=0")[2] == b'"#00ff00"', what="the colour")
    browser.goto(server.url + "/artcasts/room/on/control")
    browser.wait_for("document.body.dataset.control", "toggle")
    browser.evaluate("document.getElementById('toggle').click()")
    wait_until(lambda: server.get("/artcasts/room/on?wait=0")[2] == b"false", what="the toggle")


def test_wrong_token_is_reported_on_the_page_and_nothing_is_sent(server_factory, browser):
    server = server_factory("--publish-token", TOKEN)
    server.send("room/word", "<img src=x onerror=alert(1)>")
    server.wait_for_datums(1)
    browser.goto(server.url + "/artcasts/room/word/control")
    browser.wait_for("document.body.dataset.control", "text")
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    set_token(browser, "wrong-token")
    browser.evaluate("document.getElementById('text').value = '5'; document.querySelector('#control button').click()")
    browser.wait_for("document.getElementById('result').textContent.startsWith('not sent (401)')", True)
    assert server.status()["datums_received"] == 1


def test_registration_choices_become_buttons_and_min_max_unit_shape_the_slider(server_factory, browser):
    server = server_factory("--publish-token", TOKEN)
    server.register("room/scene", description="Scene", choices=["calm", "storm"])
    server.register("room/temp", unit="°C", min=-10, max=40)
    server.send("room/temp", 21)
    server.wait_for_datums(1)
    wait_until(lambda: "choices" in json.dumps(json.loads(server.get("/artcasts")[2])), what="the registration")
    browser.goto(server.url + "/artcasts/room/scene/control")
    browser.wait_for("document.body.dataset.control", "choices")
    assert browser.evaluate("[...document.querySelectorAll('#control button')].map(b => b.textContent)") == \
        ["calm", "storm"]
    set_token(browser, TOKEN)
    browser.evaluate("document.querySelectorAll('#control button')[1].click()")
    wait_until(lambda: server.get("/artcasts/room/scene?wait=0")[2] == b'"storm"', what="the chosen value")
    browser.goto(server.url + "/artcasts/room/temp/control")
    browser.wait_for("document.body.dataset.control", "slider")
    assert browser.evaluate("[slider.min, slider.max]") == ["-10", "40"]
    assert browser.evaluate("document.getElementById('slider-value').textContent") == "21 °C"
