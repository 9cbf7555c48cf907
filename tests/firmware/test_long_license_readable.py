"""A source's license text can never make a key unreadable for the smallest
clients (issue 9.8): with a 900-character title the Arduino sketch (1,024
bytes of response) and with an 7,900-character one the MicroPython
firmware (8,192 bytes) still follow the value, because the server caps the
Link header (PROTOCOL.md, "The license Link header")."""

import time

from arduino_build import build_sketch
from fwboard import wifi_config

LONG_URI = "https://example.org/licenses/" + "u" * 120


def register(server, key, title):
    server.register(key, description="d", license={"uri": LONG_URI, "title": title})
    deadline = time.monotonic() + 10
    while server.status()["registrations_received"] < 1:
        assert time.monotonic() < deadline, "registration not received"
        time.sleep(0.02)


def test_arduino_sketch_reads_a_value_with_a_900_character_title(server, board, tmp_path):
    register(server, "lic/k", "T\u00e9" * 450)
    server.send("lic/k", 2)
    server.wait_for_datums(1)
    strip = {"key": "lic/k", "device": {"type": "neopixel", "pin": 16, "count": 4},
             "mapping": {"type": "bar", "from": [0, 4], "colour": "#00ff00"}}
    binary = build_sketch(tmp_path, server="http://127.0.0.1:%d" % server.port, strip=strip, servo="")
    b = board(None, start=False)
    b.start(binary=binary)
    b.wait_for(lambda r: r[3] == "ff0000" * 2 + "000000" * 2, kind="pixels", what="2 of 4 green", timeout=30)


def test_micropython_firmware_reads_a_value_with_a_7900_character_title(server, board):
    register(server, "lic/m", "T" * 7900)
    server.send("lic/m", 1)
    server.wait_for_datums(1)
    strip = {"key": "lic/m", "device": {"type": "neopixel", "pin": 16, "count": 4},
             "mapping": {"type": "bar", "from": [0, 4], "colour": "#ff0000"}}
    b = board(wifi_config("http://127.0.0.1:%d" % server.port, [strip]))
    b.wait_for(lambda r: r[3] == "00ff00" + "000000" * 3, kind="pixels", what="1 of 4 red", timeout=30)
