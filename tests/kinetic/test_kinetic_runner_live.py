"""The piece runner against a real artcast-server, real datagrams on loopback,
with the simulate backend's recording devices (history of every write)."""

import logging

from artcast_core.piece import check_piece
from artcast_kinetic.backends.simulate import SimulatedBackend


def piece_for(server, *outputs, **top):
    data = {"server": server.url, "outputs": list(outputs)}
    data.update(top)
    return check_piece(data)


SERVO = {"key": "test/tick", "device": {"type": "servo", "pin": 12},
         "mapping": {"type": "linear", "from": [0, 10]}, "motion": {"slew": 90}}
STRIP = {"key": "test/tick", "device": {"type": "neopixel", "pin": 18, "count": 4},
         "mapping": {"type": "bar", "from": [0, 4], "colour": "#00ff00"},
         "on_disconnect": {"action": "hold", "status_pixel": {"index": 3, "colour": "#ff0000"}}}


def test_current_value_shown_at_once_then_follows(server, live, clock):
    server.send("test/tick", 5)
    server.wait_for_datums(1)
    backend = SimulatedBackend(clock=clock)
    lr = live(piece_for(server, SERVO, STRIP), backend)
    servo, strip = backend.devices
    lr.wait_for(lambda: servo.state == 90.0, what="the current value (wait=0)")
    # the strip got the same value: 5 clamps to a full bar
    lr.wait_for(lambda: strip.state == [(0, 255, 0)] * 4)
    server.send("test/tick", 2)
    lr.wait_for(lambda: strip.state == [(0, 255, 0)] * 2 + [(0, 0, 0)] * 2, what="bar of 2")
    # slew: 90 deg/s, from 90 toward 36 -> nothing moves until the clock does
    assert servo.state == 90.0
    lr.advance(0.2)
    assert abs(servo.state - 72.0) < 1e-9
    lr.advance(0.5)
    assert abs(servo.state - 36.0) < 1e-9
    times = [t for t, _ in servo.history]
    assert times == sorted(times) and times[-1] == clock.now()


def test_two_keys_are_followed_concurrently(server, live, clock):
    backend = SimulatedBackend(clock=clock)
    relay = {"key": "room/a", "device": {"type": "pin", "pin": 17}, "mapping": {"type": "direct"}}
    lamp = {"key": "room/b", "device": {"type": "pwm", "pin": 13}, "mapping": {"type": "direct"}}
    lr = live(piece_for(server, relay, lamp), backend)
    pin, pwm = backend.devices
    lr.wait_for(lambda: lr.runner.online == {"room/a": True, "room/b": True}, what="both polls online")
    server.send("room/b", 0.5)
    lr.wait_for(lambda: pwm.state == 0.5)
    assert pin.state is False
    server.send("room/a", True)
    lr.wait_for(lambda: pin.state is True)
    assert pin.states() == [False, True] and pwm.states() == [0.0, 0.5]


def test_wrong_type_value_is_logged_and_ignored(server, live, clock, caplog):
    backend = SimulatedBackend(clock=clock)
    lr = live(piece_for(server, dict(SERVO, motion={})), backend)
    servo = backend.devices[0]
    server.send("test/tick", 10)
    lr.wait_for(lambda: servo.state == 180.0)
    with caplog.at_level(logging.WARNING, logger="artcast.kinetic"):
        server.send("test/tick", "ten")
        lr.wait_for(lambda: lr.runner.values.get("test/tick") == "ten", what="the bad value to arrive")
        lr.wait_for(lambda: 0 in lr.runner.errors)
    assert servo.state == 180.0
    assert "outputs[0] (test/tick): ignored value 'ten': value 'ten' is not a number" in caplog.text
    server.send("test/tick", 0)
    lr.wait_for(lambda: servo.state == 0.0, what="the next good value")
    assert 0 not in lr.runner.errors


def test_server_restart_during_a_long_poll(server, live, clock):
    backend = SimulatedBackend(clock=clock)
    safe_servo = dict(SERVO, motion={}, on_disconnect="safe")
    lr = live(piece_for(server, safe_servo, STRIP), backend)
    servo, strip = backend.devices
    server.send("test/tick", 1)
    lr.wait_for(lambda: servo.state == 18.0 and strip.state[0] == (0, 255, 0))
    server.stop()                                  # the poll in flight is cut
    lr.wait_for(lambda: lr.runner.online["test/tick"] is False, what="offline")
    assert servo.state is None                     # safe: released
    assert strip.state == [(0, 255, 0), (0, 0, 0), (0, 0, 0), (255, 0, 0)]   # hold + status pixel
    server.start()                                 # same ports, empty memory
    lr.wait_for(lambda: lr.runner.online["test/tick"] is True, what="back online")
    assert strip.state[3] == (0, 0, 0)             # status pixel off again
    server.send("test/tick", 3)
    lr.wait_for(lambda: servo.state == 54.0, what="a value after the restart")
    assert strip.state == [(0, 255, 0)] * 3 + [(0, 0, 0)]


def test_value_between_first_answer_and_long_poll_is_not_missed(server, clock, monkeypatch, live):
    # Make the race certain: the datum reaches the server right after the
    # first (wait=0 -> 204) answer and before the long-poll is sent.
    from artcast_client.watch import AsyncHTTPConnection
    real_exchange = AsyncHTTPConnection.exchange
    calls = []

    async def exchange(self, request, timeout):
        data = await real_exchange(self, request, timeout)
        calls.append(request)
        if len(calls) == 1:
            assert data.startswith(b"HTTP/1.1 204") or data.startswith(b"HTTP/1.0 204"), data[:40]
            server.send("door/bell", True)
            server.wait_for_datums(1)
        return data

    monkeypatch.setattr(AsyncHTTPConnection, "exchange", exchange)
    backend = SimulatedBackend(clock=clock)
    bell = {"key": "door/bell", "device": {"type": "pin", "pin": 17}, "mapping": {"type": "direct"}}
    lr = live(piece_for(server, bell), backend, hold=20)
    pin = backend.devices[0]
    lr.wait_for(lambda: pin.state is True, timeout=5, what="the datum sent in the gap")
    assert b"If-None-Match" in calls[1]


def test_power_cap_is_applied_and_logged(server, clock, caplog, live):
    strip = {"key": "k/strip", "device": {"type": "neopixel", "pin": 18, "count": 10}, "mapping": {"type": "direct"}}
    backend = SimulatedBackend(clock=clock)
    with caplog.at_level(logging.INFO, logger="artcast.kinetic"):
        lr = live(piece_for(server, strip, power={"supply_amps": 0.5}), backend)
    assert "the 0.5 A supply in \"power\" caps this strip's brightness at 0.67 (the piece asks for 1.00)" in caplog.text
    server.send("k/strip", "#ffffff")
    lr.wait_for(lambda: backend.devices[0].state == [(171, 171, 171)] * 10)
