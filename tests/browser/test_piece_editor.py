"""The piece editor in a real headless Chromium: a piece built through the
page of `artcast-kinetic --edit` (and of `artcast-server --pieces`) is
saved, passes the shared validator, and the page's preview shows what the
simulator shows; a pin conflict is shown next to the pin's field."""

import json
import subprocess
import sys
import time

import pytest

from artcast_core.colour import as_hex
from artcast_core.piece import load_piece
from artcast_kinetic.backends.simulate import SimulatedBackend
from artcast_kinetic.runner import PieceRunner
from support.browser import Browser
from support.net import free_port, http_get


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.close()


@pytest.fixture
def editor(tmp_path):
    """editor(path, *args) -> the port of a running artcast-kinetic --edit."""
    procs = []

    def start(path, *args):
        port = free_port()
        err = open(str(tmp_path / "editor.stderr"), "ab")
        procs.append(subprocess.Popen([sys.executable, "-m", "artcast_kinetic.cli", "--edit", str(path),
                                       "--edit-port", str(port)] + list(args), stdout=err, stderr=err))
        err.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if http_get(port, "/api/info", timeout=1)[0] == 200:
                    return port
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the editor did not start: " + (tmp_path / "editor.stderr").read_text())
    yield start
    for p in procs:
        p.terminate()
        p.wait(10)


def set_field(browser, path, value, event="change"):
    """Set the input or select whose data-path is `path`, as a user would."""
    ok = browser.evaluate("""(function(){
        var e = document.querySelector('[data-path="%s"]');
        if (!e || !e.matches('input,select')) { return false; }
        e.value = %s; e.dispatchEvent(new Event('%s', {bubbles: true})); return true; })()"""
                          % (path, json.dumps(value), event))
    assert ok, "no field " + path


def click(browser, selector):
    assert browser.evaluate("(function(){var e=document.querySelector(%s); if(!e){return false;} e.click(); return true;})()"
                            % json.dumps(selector)), selector


def message_for(path):
    return "document.querySelector('.msg[data-for=\"%s\"]').textContent" % path


def simulated_pixels(piece, key, value):
    runner = PieceRunner(piece, SimulatedBackend())
    runner.open_devices()
    runner.deliver(key, value)
    return [as_hex(p)[:7] for p in runner.backend.devices[0].state]


def test_build_a_strip_piece_in_the_kinetic_editor(server, browser, editor, tmp_path):
    server.register("test/tick", description="<img src=x onerror=alert(1)> a counter")
    server.send("test/tick", 2)
    server.wait_for_datums(1)
    path = tmp_path / "piece.json"
    port = editor(path, "--server", server.url)
    browser.goto("http://127.0.0.1:%d/" % port)
    browser.wait_for("!!(window.artcastEditor && window.artcastEditor.piece())", True)
    browser.wait_for("document.querySelectorAll('#keys option').length", 1)
    click(browser, "#add-output")
    set_field(browser, "outputs[0].key", "test/tick")
    set_field(browser, "outputs[0].device.pin", "18")
    set_field(browser, "outputs[0].device.count", "4")
    set_field(browser, "outputs[0].mapping.type", "gradient")
    set_field(browser, "outputs[0].mapping.from[0]", "0")
    set_field(browser, "outputs[0].mapping.from[1]", "4")
    set_field(browser, "outputs[0].mapping.palette[0]", "#0000ff", "input")
    set_field(browser, "outputs[0].mapping.palette[1]", "#ff0000", "input")
    browser.wait_for("document.getElementById('general-messages').textContent", "No problems found.")
    # The preview: the key's current value through the simulator, drawn as pixels.
    browser.wait_for("document.querySelectorAll('#preview .px').length", 4)
    click(browser, "#save")
    browser.wait_for("document.getElementById('save-status').textContent", "saved")
    with open(str(path)) as f:
        saved = json.load(f)
    piece = load_piece(json.dumps(saved))            # the shared validator accepts it
    assert saved["outputs"][0]["mapping"]["palette"] == ["#0000ff", "#ff0000"]
    assert saved["outputs"][0]["device"] == {"type": "neopixel", "pin": 18, "count": 4}
    expected = simulated_pixels(piece, "test/tick", 2)
    assert expected == ["#800080"] * 4                # half way from blue to red
    shown = browser.evaluate("Array.prototype.map.call(document.querySelectorAll('#preview .px'),"
                             " function(e){return e.title.slice(0, 7);})")
    assert shown == expected
    # A registered description is text, never markup.
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert browser.evaluate("window.artcastErrors") == []

    # A second output on the same pin: the shared validator's message, next to that pin.
    click(browser, "#add-output")
    set_field(browser, "outputs[1].key", "test/tick")
    set_field(browser, "outputs[1].device.pin", "18")
    browser.wait_for("%s.indexOf('GPIO 18 is already used by outputs[0]') >= 0" % message_for("outputs[1].device.pin"), True)
    click(browser, "#save")
    browser.wait_for("document.getElementById('save-status').textContent.indexOf('not saved') == 0", True)
    with open(str(path)) as f:
        assert json.load(f) == saved                  # the file is untouched
    # Fixed: saved again, and the previous version kept.
    set_field(browser, "outputs[1].device.pin", "12")
    browser.wait_for("document.getElementById('general-messages').textContent", "No problems found.")
    click(browser, "#save")
    browser.wait_for("document.getElementById('save-status').textContent", "saved")
    with open(str(path) + ".bak") as f:
        assert json.load(f) == saved
    with open(str(path)) as f:
        assert len(json.load(f)["outputs"]) == 2
    # Reorder and remove.
    pins = "window.artcastEditor.piece().outputs.map(function(o){return o.device.pin;})"
    click(browser, '.output[data-index="1"] .move-up')
    browser.wait_for(pins, [12, 18])
    click(browser, '.output[data-index="0"] .remove')
    browser.wait_for(pins, [18])
    assert browser.evaluate("document.querySelectorAll('fieldset.output').length") == 1


def test_server_editor_flags_strapping_pins_and_saves_a_piece(server_factory, browser, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    (folder / "_default.json").write_text(json.dumps({"outputs": [
        {"key": "test/tick", "device": {"type": "pwm", "pin": 13}, "mapping": {"type": "direct"}}]}))
    server = server_factory("--pieces", str(folder))
    browser.goto(server.url + "/pieces/")
    browser.wait_for("!!(window.artcastEditor && window.artcastEditor.piece())", True)
    assert browser.evaluate("document.querySelector('[data-path=\"_board\"]').value") == "esp32"
    set_field(browser, "outputs[0].device.pin", "12")
    browser.wait_for("%s.indexOf('GPIO 12 is a strapping pin') >= 0" % message_for("outputs[0].device.pin"), True)
    set_field(browser, "outputs[0].device.pin", "7")
    browser.wait_for("%s.indexOf('flash chip') >= 0" % message_for("outputs[0].device.pin"), True)
    set_field(browser, "outputs[0].device.pin", "25")
    browser.wait_for("document.getElementById('general-messages').textContent", "No problems found.")
    click(browser, "#save")
    browser.wait_for("document.getElementById('save-status').textContent", "saved")
    status, _, body = http_get(server.port, "/artcasts/_piece/kit-3?wait=0")
    assert status == 200 and json.loads(body)["outputs"][0]["device"]["pin"] == 25
    assert browser.evaluate("window.artcastErrors") == []
