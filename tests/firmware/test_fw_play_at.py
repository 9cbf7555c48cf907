"""The firmware (MicroPython's unix port running main.py) honours play-at
from a real server: it samples GET /clock, holds a value until its
Artcast-Play-At on its own ticks_ms, shows a late one at once.

Only lower bounds are asserted (a value must never show before its
moment); how soon after is the benchmark's business (tests/bench/skew.py).
The unix port's ticks_ms is CLOCK_MONOTONIC in ms, as CPython's
time.monotonic(), so the test can read the board's record times."""

import json
import time

from artcast_core.datagram import encode_datum, encode_registration
from fwboard import FIRMWARE, STUBS, wifi_config
from support.micropython import run_micropython

SYNCED = {"key": "k/sync", "device": {"type": "pin", "pin": 5}, "mapping": {"type": "direct"}}
UNSYNCED = {"key": "k/sync", "device": {"type": "pin", "pin": 6}, "mapping": {"type": "direct"}, "sync": False}


def server_to_monotonic_ms(server):
    """This process's estimate: server ms -> time.monotonic() ms (best of 5)."""
    best = None
    for _ in range(5):
        t0 = time.monotonic() * 1000
        ms = json.loads(server.get("/clock")[2])["ms"]
        t1 = time.monotonic() * 1000
        if best is None or t1 - t0 < best[0]:
            best = (t1 - t0, (t0 + t1) / 2, ms)
    rtt, mid, ref = best
    return lambda server_ms: mid + (server_ms - ref), rtt


def online(server, b):
    b.wait_for(lambda r: r[2] == 5, kind="pin", what="the synced pin set up")
    deadline = time.monotonic() + 10
    while server.status()["waiting_clients"] < 1:     # the long-poll is held: the board is online
        assert time.monotonic() < deadline, b.console()
        time.sleep(0.02)


def test_firmware_holds_a_value_until_its_play_at(server, board):
    b = board(wifi_config(server.url, [SYNCED, UNSYNCED]))
    online(server, b)
    to_local, rtt = server_to_monotonic_ms(server)
    server.send_raw(encode_registration("k/sync", delay=0.4), server.register_port)
    deadline = time.monotonic() + 5
    while server.status()["registrations_received"] < 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # The first play-at value is shown at once (no estimate yet) and starts the clock samples.
    server.send("k/sync", 2)
    b.wait_for(lambda r: r[2] == 6 and r[3] == 1, kind="pin", what="the first value")
    b.wait_console("artcast: server clock found")
    mark = b.mark()
    server.send("k/sync", False)
    unsynced = b.wait_for(lambda r: r[2] == 6 and r[3] == 0, kind="pin", since=mark, what="the unsynced pin")
    synced = b.wait_for(lambda r: r[2] == 5 and r[3] == 0, kind="pin", since=mark, what="the synced pin")
    play_at = int(server.get("/artcasts/k/sync?wait=0")[1]["artcast-play-at"])
    due = to_local(play_at)
    # Never before its moment (allowing both clock estimates' error) ...
    assert synced[0] >= due - rtt / 2 - 15, (synced[0], due)
    # ... while the output with "sync": false showed it on arrival.
    assert synced[0] - unsynced[0] >= 300
    assert "after its play-at" not in b.console()


def test_firmware_shows_a_late_value_at_once_and_says_so(server, board):
    b = board(wifi_config(server.url, [SYNCED]))
    online(server, b)
    past = json.loads(server.get("/clock")[2])["ms"] - 5000
    server.send_raw(encode_datum("k/sync", 0, at=past))     # shown at once: no estimate yet
    b.wait_console("artcast: server clock found")
    server.send_raw(encode_datum("k/sync", 0, at=past + 1))
    b.wait_console("value arrived after its play-at (1 late so far)")
    mark = b.mark()
    server.send_raw(encode_datum("k/sync", True, at=past + 2))
    b.wait_for(lambda r: r[2] == 5 and r[3] == 1, kind="pin", since=mark, what="the late value")


LAZY = """
import json, sys
from artcast_fw import app, config
a = app.App(config.check(json.loads(%r)))
print("artcast_fw.timekeeper" in sys.modules, a.timekeeper)
a._on_online("k/sync", True)
a._on_value("k/sync", 1, None)              # a plain artcast: still no clock
print("artcast_fw.timekeeper" in sys.modules, a.timekeeper)
a._on_value("k/sync", 0, 123456)            # the first play-at loads it, online
tk = a.timekeeper
print(tk.used, tk.online, a.outputs.estimator is tk.estimator, a.outputs.unsynced)
a.close()
"""


def test_timekeeper_loads_with_the_first_play_at():
    # Heap (firmware/README.md): a board following plain artcasts never
    # loads the clock code; the first play-at value loads it, shown at once.
    cfg = json.dumps(wifi_config("http://127.0.0.1:9", [SYNCED]))
    proc = run_micropython(code=LAZY % cfg, micropypath=[STUBS, FIRMWARE])
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert proc.stdout.split("\n")[:3] == ["False None", "False None", "True True True 1"], proc.stdout


SETTLE = """
import json
from artcast_fw import config
from artcast_fw.outputs import Outputs

us = [1000000]                      # the board's time in microseconds
slept = []


def clock():                        # ticks_ms: the same clock, floored
    return us[0] // 1000


def ticks_us():
    return us[0]


def sleep_us(n):
    slept.append(n)
    us[0] += n


class SameClock:                    # server ms == ticks
    def to_local(self, server_ms):
        return server_ms


outs = Outputs(config.check_piece(json.loads(%r)), clock=clock, estimator=SameClock())
outs.on_value("k/sync", True, 1010)         # due at ticks 1010
print(outs.tick(clock()), outs.settle(sleep_us, ticks_us), slept)   # woken SETTLE_MS early; not yet
us[0] = 1008400                             # the loop woke 1.6 ms before the moment
print(outs.settle(sleep_us, ticks_us), us[0], slept)
outs.tick(clock())
print(outs.runtime.outputs[0].last, outs.runtime.late)
outs.on_value("k/sync", False, 1012)
us[0] = 1012000                             # woken late: nothing to settle
print(outs.settle(sleep_us, ticks_us), len(slept))
"""


def test_the_last_stretch_before_a_play_at_is_one_precise_sleep():
    # A poll's ms timeout wakes up to a ms late: the loop is woken
    # SETTLE_MS early and settle() sleeps once, to the middle of the due
    # millisecond (ticks_ms floors), from how far into the current ms the
    # board is (fake clocks: nothing sleeps).
    cfg = json.dumps({"server": "http://127.0.0.1:9", "outputs": [SYNCED]})
    proc = run_micropython(code=SETTLE % cfg, micropypath=[STUBS, FIRMWARE])
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert proc.stdout.split("\n")[:4] == ["8 False []", "True 1010500 [2100]", "True 0", "False 1"], proc.stdout
