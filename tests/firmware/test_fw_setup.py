"""First boot: the setup access point and page (real HTTP to microdot running
under MicroPython), saving config.json, and the two ways back into setup."""

import time
import urllib.error
import urllib.parse
import urllib.request

from fwboard import wifi_config
from support.net import free_port

MAIN = "from artcast_fw import app\napp.main(setup_host='127.0.0.1', setup_port=%d)\n"


def start_setup(board, cfg=None, inputs=""):
    port = free_port()
    b = board(cfg, start=False)
    b.start(code=MAIN % port, inputs=inputs)
    url = "http://127.0.0.1:%d/" % port
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return b, url, r.read().decode()
        except OSError:
            if time.monotonic() > deadline or b.proc.poll() is not None:
                raise AssertionError("no setup page:\n" + b.console())
            time.sleep(0.05)


def post(url, fields):
    data = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(url, data=data, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_first_boot_setup_then_follow(server, board):
    b, url, html = start_setup(board)
    assert 'name="ssid"' in html and 'name="server"' in html and 'name="key0"' in html
    ap = b.records("ap")[0][2]
    assert ap["essid"] == "artcast-setup-abcd" and ap["password"] == "artcast-setup"
    assert b.records("wdt_init") == []  # no watchdog racing a teacher's typing

    status, page = post(url, {"ssid": "gallery", "password": "sculpture",
                              "server": "artcast.local", "key0": "room/temp", "key1": "room/temp"})
    assert status == 400 and "server: server URL must start with http://" in page
    assert not b.records("reset")

    status, page = post(url, {"ssid": "gallery", "password": "sculpture",
                              "server": server.url, "key0": "test/tick", "key1": "bad key!"})
    assert status == 400 and "outputs[1].key" in page

    status, page = post(url, {"ssid": "gallery", "password": "sculpture",
                              "server": server.url, "key0": "test/tick", "key1": "test/tick"})
    assert status == 200 and "Saved" in page
    assert b.wait_exit() == 77 and b.records("reset")
    saved = b.read_config()
    assert saved["wifi"] == {"ssid": "gallery", "password": "sculpture"}
    assert saved["server"] == server.url and saved["setup"] is False
    assert [o["key"] for o in saved["outputs"]] == ["test/tick", "test/tick"]

    # After the reset: normal mode, following the key the teacher typed.
    server.send("test/tick", 30)
    server.wait_for_datums(1)
    b.start()
    b.wait_for(lambda r: r[2] == 17 and r[3] > 0, kind="pwm", what="servo moving")
    b.wait_for(lambda r: r[2] == 16 and r[3] != "00" * 24, kind="pixels", what="strip lit")


def test_button_held_at_boot_opens_setup(server, board):
    cfg = wifi_config(server.url, [{"key": "a", "device": {"type": "pin", "pin": 5},
                                    "mapping": {"type": "direct"}}], setup_button=0)
    b, url, html = start_setup(board, cfg, inputs="0=0")
    assert 'value="gallery"' in html  # the saved network, to edit
    assert "sculpture" not in html    # never echo the password
    # Saving with an empty password keeps the saved one.
    status, _ = post(url, {"ssid": "gallery", "password": "", "server": server.url,
                           "key0": "b", "outputs": ""})
    assert status == 200 and b.wait_exit() == 77
    saved = b.read_config()
    assert saved["wifi"]["password"] == "sculpture" and saved["outputs"][0]["key"] == "b"


def test_button_pressed_just_after_reset_opens_setup(server, board):
    # GPIO0 held *during* reset would start the ROM's flashing mode, so the
    # button is pressed after the firmware has started.
    cfg = wifi_config(server.url, [{"key": "a", "device": {"type": "pin", "pin": 5},
                                    "mapping": {"type": "direct"}}], setup_button=0)
    port = free_port()
    b = board(cfg, start=False)
    b.start(code=MAIN % port)
    time.sleep(0.6)
    b.press("0=0")
    b.wait_for(lambda r: True, kind="ap", what="setup access point")
    assert not b.records("wifi_connect")


def test_button_not_held_runs_normally(server, board):
    cfg = wifi_config(server.url, [{"key": "a", "device": {"type": "pin", "pin": 5},
                                    "mapping": {"type": "direct"}}], setup_button=0)
    b = board(cfg, inputs="0=1")
    b.wait_for(lambda r: True, kind="wifi_connect", what="normal mode")
    assert not b.records("ap")


def test_config_flag_and_bad_config_open_setup(server, board):
    cfg = wifi_config(server.url, [{"key": "a", "device": {"type": "pin", "pin": 5},
                                    "mapping": {"type": "direct"}}], setup=True)
    b, url, html = start_setup(board, cfg)
    assert b.records("ap")
    b.stop()
    bad = wifi_config(server.url, [{"key": "a", "device": {"type": "pin", "pin": "5"},
                                    "mapping": {"type": "direct"}}])
    b, url, html = start_setup(board, bad)
    message = "outputs[0].device.pin: must be an integer"
    assert message in html and message in b.console()


def test_setup_page_names_a_broken_outputs_box(board):
    b, url, html = start_setup(board)
    status, page = post(url, {"ssid": "gallery", "password": "sculpture", "server": "http://pi:8888",
                              "key0": "test/tick", "key1": "test/tick", "outputs": "[{"})
    assert status == 400 and "outputs: the box is not valid JSON" in page
    assert 'value="gallery"' in page and 'value="http://pi:8888"' in page   # typed values kept
    assert not b.records("reset")
