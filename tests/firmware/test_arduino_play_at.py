"""The Arduino sketch (host build, real server) honours play-at: it samples
GET /clock once a value carries a play-at, then holds values until their
Artcast-Play-At on millis(). The shim's millis() is CLOCK_MONOTONIC, as
time.monotonic() here, so the test reads the record times directly. Only
lower bounds are asserted (never before the moment)."""

import json
import time

from arduino_build import build_sketch
from artcast_core.datagram import encode_registration
from test_fw_play_at import server_to_monotonic_ms

STRIP = {"key": "k/sync", "device": {"type": "neopixel", "pin": 16, "count": 4},
         "mapping": {"type": "bar", "from": [0, 4], "colour": "#00ff00"}}
SERVO = {"key": "k/sync", "device": {"type": "servo", "pin": 17},
         "mapping": {"type": "linear", "from": [0, 100]}, "sync": False}
GREEN, DARK = "ff0000", "000000"


def test_sketch_holds_a_value_until_its_play_at(server, board, tmp_path):
    server.send_raw(encode_registration("k/sync", delay=0.4), server.register_port)
    deadline = time.monotonic() + 5
    while server.status()["registrations_received"] < 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    binary = build_sketch(tmp_path, server=server.url, strip=STRIP, servo=SERVO)
    b = board(None, start=False)
    b.start(binary=binary)
    deadline = time.monotonic() + 10
    while server.status()["waiting_clients"] < 1:
        assert time.monotonic() < deadline, b.console()
        time.sleep(0.02)
    server.send("k/sync", 1)          # the first play-at: shown at once, starts the clock samples
    b.wait_for(lambda r: r[3] == GREEN + DARK * 3, kind="pixels", what="the first value")
    b.wait_console("artcast: server clock found")
    to_local, rtt = server_to_monotonic_ms(server)
    mark = b.mark()
    server.send("k/sync", 3)
    unsynced = b.wait_for(lambda r: r[3] == 1030, kind="servo_us", since=mark, what="the servo (sync false)")
    synced = b.wait_for(lambda r: r[3] == GREEN * 3 + DARK, kind="pixels", since=mark, what="the strip")
    due = to_local(int(server.get("/artcasts/k/sync?wait=0")[1]["artcast-play-at"]))
    assert synced[0] >= due - rtt / 2 - 15, (synced[0], due)
    assert synced[0] - unsynced[0] >= 300
    assert "after its play-at" not in b.console()
    assert json.loads(server.get("/artcasts/k/sync?wait=0")[2]) == 3
