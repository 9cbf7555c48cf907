"""Every client names itself to the server (PROTOCOL.md, "Devices"): the
core LongPoll and Follow send Artcast-Device; the MicroPython firmware,
the Arduino sketch and artcast-kinetic each show up in GET /devices of a
real server under their configured (or default) name."""

import asyncio
import json
import socket
import time

from arduino_build import build_sketch
from fwboard import wifi_config

from artcast_core import VERSION
from artcast_core.follow import Follow
from artcast_core.longpoll import LongPoll
from artcast_kinetic.follow import follow


def device_rows(server):
    return {row["name"]: row for row in json.loads(server.get("/devices")[2])["devices"]}


def wait_for_device(server, name, state=None, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = device_rows(server).get(name)
        if row is not None and (state is None or row["state"] == state):
            return row
        time.sleep(0.05)
    raise AssertionError("%s not %s in %r" % (name, state or "listed", device_rows(server)))


def test_core_requests_carry_the_header_only_when_named():
    poll = LongPoll("a/b")
    assert b"Artcast-Device" not in poll.request("h", 1)
    poll.device = "kit-07; fw=1.2.0"
    assert b"\r\nArtcast-Device: kit-07; fw=1.2.0\r\n" in poll.request("h", 1)
    assert b"\r\nArtcast-Device: kit-9\r\n" in Follow(["a", "b/*"], device="kit-9").request("h", 1)


def test_micropython_firmware_names_itself(server, board):
    strip = {"key": "dev/k", "device": {"type": "neopixel", "pin": 16, "count": 2},
             "mapping": {"type": "bar", "from": [0, 2], "colour": "#ff0000"}}
    board(wifi_config(server.url, [strip], hostname="kit-07"))
    row = wait_for_device(server, "kit-07", "waiting")
    assert row["fw"] == VERSION and row["keys"] == ["dev/k"]


def test_arduino_sketch_names_itself(server, board, tmp_path):
    strip = {"key": "ino/k", "device": {"type": "neopixel", "pin": 16, "count": 2},
             "mapping": {"type": "bar", "from": [0, 2], "colour": "#00ff00"}}
    binary = build_sketch(tmp_path, server=server.url, strip=strip, servo="", hold=5, hostname="kit-ino")
    b = board(None, start=False)
    b.start(binary=binary)
    row = wait_for_device(server, "kit-ino", "waiting")
    assert row["keys"] == ["ino/k"]


def test_kinetic_follower_names_itself(server):
    async def run():
        task = asyncio.ensure_future(follow(server.url, "kin/k", lambda k, v: None, lambda k, o, r: None, hold=5))
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                name = socket.gethostname()[:64]
                rows = await asyncio.get_running_loop().run_in_executor(None, device_rows, server)
                if name in rows and rows[name]["state"] == "waiting":
                    return rows[name]
            raise AssertionError("kinetic client not listed")
        finally:
            task.cancel()
    row = asyncio.run(run())
    assert row["fw"] == VERSION and row["keys"] == ["kin/k"]
