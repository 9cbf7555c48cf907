"""Play-at on the Pi client (PROTOCOL.md, "Shared time and play-at"):
a real server, real datagrams, the runner on the backend's ManualClock.
Nothing sleeps: the held value waits for clock.advance()."""

import asyncio
import time

import pytest

from artcast_core.clock import SPACING_MS, ClockEstimator
from artcast_core.datagram import encode_datum
from artcast_core.piece import check_piece
from artcast_kinetic.backends.simulate import SimulatedBackend
from artcast_kinetic.runner import SETTLE_S
from artcast_kinetic.shared_time import keep_time

SYNCED = {"key": "k/sync", "device": {"type": "pin", "pin": 17}, "mapping": {"type": "direct"}}
UNSYNCED = {"key": "k/sync", "device": {"type": "pin", "pin": 18}, "mapping": {"type": "direct"}, "sync": False}


def start(server, live, clock):
    backend = SimulatedBackend(clock=clock)
    lr = live(check_piece({"server": server.url, "outputs": [SYNCED, UNSYNCED]}), backend)
    est = lr.runner.estimator
    lr.wait_for(lambda: lr.runner.online["k/sync"] is True, what="online")
    assert est.best is None and server.status()["requests_served"] <= 3   # no /clock asked yet
    # The first value with a play-at is shown at once and starts the clock
    # samples (the ManualClock does not move during a round trip: rtt 0;
    # it moves SPACING_MS between the burst's samples while the server's
    # clock does not, so each sample's bounds cross the last one's and the
    # newest of the burst alone is the estimate).
    server.send_raw(encode_datum("k/sync", False, delay=0))
    take_burst(lr, est)
    assert lr.runner.unsynced == 1
    return lr, backend.devices


def take_burst(lr, est):
    """Move the backend clock through the burst: its samples are due
    SPACING_MS apart on that clock."""
    lr.wait_for(lambda: est.best is not None, what="the first clock sample")
    deadline = time.monotonic() + 20
    while est.taken:                    # 0 again when the burst is done
        assert time.monotonic() < deadline, "the burst did not finish"
        taken = est.taken
        lr.advance(SPACING_MS / 1000.0)
        until = time.monotonic() + 1
        while est.taken == taken and time.monotonic() < until:
            time.sleep(0.005)


def test_a_value_is_held_until_its_play_at_then_shown(server, live, clock):
    lr, (synced, unsynced) = start(server, live, clock)
    est = lr.runner.estimator
    at = est.best[2] + 2000                     # server ms -> exactly 2 s on the local clock
    start_s = clock.now()
    assert est.to_local(at) == start_s * 1000 + 2000
    server.send_raw(encode_datum("k/sync", True, at=at))
    lr.wait_for(lambda: lr.runner.values.get("k/sync") is True, what="the value to arrive")
    assert unsynced.state is True               # "sync": false shows it at once
    assert synced.state is False                # held
    lr.advance(1.9)
    assert synced.state is False
    # The frame task wakes SETTLE_S early and settles the rest on the
    # clock (a real clock: a short precise sleep, not asyncio's whole ms).
    lr.advance(0.1 - SETTLE_S)
    lr.wait_for(lambda: clock.settled, what="the last stretch")
    assert synced.state is False and clock.settled == [pytest.approx(SETTLE_S)]
    lr.advance(SETTLE_S + 1e-9)                 # (a hair more: float sums of the steps)
    lr.wait_for(lambda: synced.state is True, what="the due moment")
    assert synced.history[-1][0] == pytest.approx(start_s + 2.0)   # written at the play-at, on the backend clock
    assert lr.runner.runtime.late == 0


def test_a_late_value_is_applied_at_once_and_counted(server, live, clock):
    lr, (synced, unsynced) = start(server, live, clock)
    at = lr.runner.estimator.best[2] - 1000     # a second ago on the server's clock
    server.send_raw(encode_datum("k/sync", True, at=at))
    lr.wait_for(lambda: synced.state is True, what="the late value, at once")
    assert lr.runner.runtime.late == 1 and synced.history[-1][0] == clock.now()


def test_a_value_without_play_at_is_shown_at_once(server, live, clock):
    lr, (synced, unsynced) = start(server, live, clock)
    server.send("k/sync", True)
    lr.wait_for(lambda: synced.state is True and unsynced.state is True)
    assert lr.runner.runtime.late == 0 and lr.runner.runtime.pending == []


class SkewedClock:
    """A clock running in real time but an hour behind the server's: the
    offset is injected here, at the test's clock layer."""

    OFFSET = 3600.0

    def now(self):
        return time.time() - self.OFFSET

    async def sleep(self, seconds):
        await asyncio.sleep(seconds)


def test_the_estimate_finds_an_offset_server_clock(server):
    clock = SkewedClock()
    est = ClockEstimator()

    async def go():
        started = asyncio.Event()
        started.set()                   # as after the first play-at
        task = asyncio.ensure_future(keep_time(server.url, est, clock, started))
        deadline = time.monotonic() + 10
        while (est.best is None or est.taken) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        task.cancel()
    asyncio.run(go())
    assert est.best is not None and est.taken == 0 and est.rtt() < 1000
    server_now = 1_800_000_000_000
    # The server's clock is (the host's wall clock at its start, advanced
    # monotonically), so it reads one hour ahead of this client's.
    error = est.to_local(server_now) - (server_now - SkewedClock.OFFSET * 1000)
    assert abs(error) <= est.rtt() / 2 + 20, error
