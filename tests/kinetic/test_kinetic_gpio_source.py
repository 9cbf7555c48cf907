"""The GPIO input source: a (faked at the lgpio chip) button through
rpi-lgpio's RPi.GPIO, debounced, sent by the real source module as real
loopback multicast to a real server."""

import doctest
import json
import threading
import time

import lgpio
import pytest

from artcast_kinetic import gpio_source
from artcast_kinetic.gpio_source import Debouncer, GpioInput, Reporter, follow_pin, parse_args
from artcast_source import Source


def test_docstring_examples():
    assert doctest.testmod(gpio_source).failed == 0


def test_debounce_ignores_bounces_shorter_than_the_window():
    d = Debouncer(0.05)
    readings = [(0.000, False), (0.060, False), (0.100, True), (0.101, False), (0.103, True), (0.104, False),
                (0.106, True), (0.140, True), (0.157, True), (0.200, False), (0.230, True), (0.300, True)]
    changes = [(t, v) for t, raw in readings for v in [d.update(raw, t)] if v is not None]
    assert changes == [(0.06, False), (0.157, True)]


def test_reporter_sends_changes_and_periodically():
    r = Reporter(every=10)
    assert r.due(False, None, 0) is False          # nothing known yet
    assert r.due(True, False, 1) is True           # first value
    assert r.due(False, False, 5) is False
    assert r.due(True, True, 6) is True            # a change: at once
    assert r.due(False, True, 15.9) is False
    assert r.due(False, True, 16) is True          # 10 s after the last send


def test_bad_arguments_are_refused(capsys):
    for argv, message in ((["--pin", "99", "--key", "a/b"], "--pin: a Raspberry Pi GPIO is 0-27"),
                          (["--pin", "17", "--key", "a//b"], "--key: key has an empty segment")):
        with pytest.raises(SystemExit) as e:
            parse_args(argv)
        assert e.value.code == 2
        assert message in capsys.readouterr().err
    args = parse_args(["--pin", "4", "--key", "room-1/motion", "--pull", "down", "--active-high"])
    assert (args.pin, args.pull, args.active_low, args.every) == (4, "down", False, 30.0)


def test_button_press_reaches_the_server(server, gpio_chip):
    pin = GpioInput(17, pull="up", active_low=True)
    assert gpio_chip.of("claim_input", 17)[-1][3] == lgpio.SET_PULL_UP
    gpio_chip.set_input(17, 1)                      # released: pulled up
    source = Source(data_port=server.data_port, register_port=server.register_port, ttl=0,
                    interface="127.0.0.1")
    artcast = source.artcast("room-1/button", description="door button")
    sent = []

    def send(value):
        sent.append(value)
        artcast.send(value)

    running = [True]
    thread = threading.Thread(target=follow_pin, args=(pin.read, send, lambda: running[0]),
                              kwargs={"debounce": 0.15, "every": 0.4, "poll": 0.002}, daemon=True)
    thread.start()
    try:
        def value():
            status, _, body = server.get("/artcasts/room-1/button?wait=0")
            return json.loads(body) if status == 200 else None

        deadline = time.monotonic() + 5
        while value() is not False and time.monotonic() < deadline:
            time.sleep(0.01)
        assert value() is False
        for level in (0, 1, 0, 1, 0):               # a bouncing contact, then held down
            gpio_chip.set_input(17, level)
            time.sleep(0.002)
        deadline = time.monotonic() + 5
        while value() is not True and time.monotonic() < deadline:
            time.sleep(0.01)
        assert value() is True
        assert sent[:2] == [False, True]            # one change, not five
        time.sleep(0.9)                             # periodic resends of the held state
        assert sent.count(True) >= 2 and sent[1:] == [True] * (len(sent) - 1)
        listing = json.loads(server.get("/artcasts", {"Accept": "application/json"})[2])
        assert any(item["key"] == "room-1/button" and item.get("description") == "door button"
                   for item in listing)
    finally:
        running[0] = False
        thread.join(2)
        source.close()
        pin.close()
    assert gpio_chip.of("free", 17)
