"""A source's license text can never make a key unreadable for the smallest
clients (issue 9.8): with the longest title a registration may carry (in
multi-byte characters, so the RFC 8187 title* alone would be about 1 KB) the
Arduino sketch (1,024 bytes of response) and the MicroPython firmware still
follow the value, because the server caps the Link header (PROTOCOL.md, "The
license Link header"). Longer titles (the 900 and 7,900 characters of the
issue) never get that far: the registration is dropped at the datagram
(registration-too-long; tests/server/test_datagram_hostile.py)."""

import time

from arduino_build import build_sketch
from artcast_core.datagram import MAX_TEXT
from fwboard import wifi_config

LONG_URI = "https://example.org/licenses/" + "u" * 120


def register(server, key, title):
    server.register(key, description="d", license={"uri": LONG_URI, "title": title})
    deadline = time.monotonic() + 10
    while server.status()["registrations_received"] < 1:
        assert time.monotonic() < deadline, "registration not received"
        time.sleep(0.02)


def test_arduino_sketch_reads_a_value_with_the_longest_title(server, board, tmp_path):
    register(server, "lic/k", "T\u00e9" * (MAX_TEXT["title"] // 2))
    server.send("lic/k", 2)
    server.wait_for_datums(1)
    strip = {"key": "lic/k", "device": {"type": "neopixel", "pin": 16, "count": 4},
             "mapping": {"type": "bar", "from": [0, 4], "colour": "#00ff00"}}
    binary = build_sketch(tmp_path, server="http://127.0.0.1:%d" % server.port, strip=strip, servo="")
    b = board(None, start=False)
    b.start(binary=binary)
    b.wait_for(lambda r: r[3] == "ff0000" * 2 + "000000" * 2, kind="pixels", what="2 of 4 green", timeout=30)


def test_micropython_firmware_reads_a_value_with_the_longest_title(server, board):
    register(server, "lic/m", "\u2603" * MAX_TEXT["title"])
    server.send("lic/m", 1)
    server.wait_for_datums(1)
    strip = {"key": "lic/m", "device": {"type": "neopixel", "pin": 16, "count": 4},
             "mapping": {"type": "bar", "from": [0, 4], "colour": "#ff0000"}}
    b = board(wifi_config("http://127.0.0.1:%d" % server.port, [strip]))
    b.wait_for(lambda r: r[3] == "00ff00" + "000000" * 3, kind="pixels", what="1 of 4 red", timeout=30)
