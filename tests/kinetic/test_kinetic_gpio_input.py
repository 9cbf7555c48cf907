"""The GPIO input source (sources/artcast_source/gpio.py) and the input
side of the Pi backend layer: a (faked at the lgpio chip) button through
rpi-lgpio's RPi.GPIO, or the simulated backend's recording button,
debounced, sent by the real source module as real loopback multicast to a
real server."""

import doctest
import io
import json
import os
import subprocess
import sys
import threading
import time

import lgpio
import pytest

from artcast_kinetic.backends import choose_backend
from artcast_kinetic.backends.clock import ManualClock
from artcast_kinetic.backends.hardware import HardwareBackend
from artcast_kinetic.backends.rpi_gpio import GpioInput
from artcast_kinetic.backends.simulate import SimulatedBackend
from artcast_source import Source
from artcast_source import gpio as gpio_source
from artcast_source.gpio import Debouncer, Reporter, follow_pin, keyboard, parse_args


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


def run_button(button, clock, presses, until, **kwargs):
    """follow_pin on a manual clock; `presses` [(t, active)] happen as time passes."""
    sent = []
    pending = list(presses)

    def sleep(seconds):
        clock.advance(seconds)
        while pending and pending[0][0] <= clock.now() + 1e-6:
            button.set(pending.pop(0)[1])
    follow_pin(button.read, lambda v: sent.append((round(clock.now(), 3), v)), lambda: clock.now() < until - 1e-6,
               now=clock.now, sleep=sleep, **kwargs)
    return sent


def test_a_simulated_button_is_debounced_and_recorded():
    clock = ManualClock()
    backend = SimulatedBackend(clock=clock)
    button = backend.open_input(17)
    sent = run_button(button, clock, [(0.30, True), (0.31, False), (0.32, True), (0.80, False)], until=2.0,
                      debounce=0.05, every=1.0, poll=0.01)
    # Known after 0.05 s, the bouncing press counts once it held (0.32 + 0.05),
    # the release likewise, then the periodic resend a second later.
    assert sent == [(0.05, False), (0.37, True), (0.85, False), (1.85, False)]
    assert [(round(t, 3), v) for t, v in button.history] == [
        (0.0, False), (0.3, True), (0.31, False), (0.32, True), (0.8, False)]
    assert button.reads == 200
    backend.close()
    assert button.closed


def test_an_input_through_the_hardware_backend(gpio_chip):
    backend = HardwareBackend()
    pir = backend.open_input(4, pull="down", active_low=False)
    assert gpio_chip.of("claim_input", 4)[-1][3] == lgpio.SET_PULL_DOWN
    assert pir.read() is False
    gpio_chip.set_input(4, 1)                       # motion: the PIR drives 3.3 V
    assert pir.read() is True
    assert pir.describe() == "GPIO 4 input (pull down, active high)"
    backend.close()
    assert gpio_chip.of("free", 4)


def test_an_unknown_pull_is_refused():
    with pytest.raises(ValueError, match="pull must be one of up, down, off"):
        SimulatedBackend().open_input(17, pull="sideways")


def test_an_input_source_never_falls_back_to_a_simulated_button():
    assert choose_backend(None, None, {}, fallback=False) == (
        "hardware", "the default (--simulate to run without a Pi)")
    assert choose_backend(None, None, {"ARTCAST_BACKEND": "simulate"}, fallback=False) == (
        "simulate", "chosen by ARTCAST_BACKEND")


def test_backend_options_are_parsed():
    args = parse_args(["--pin", "17", "--key", "a/b", "--simulate"])
    assert args.simulate and args.backend is None
    assert parse_args(["--pin", "17", "--key", "a/b", "--backend", "simulate"]).backend == "simulate"


def test_a_wrong_artcast_backend_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("ARTCAST_BACKEND", "gpio")
    assert gpio_source.main(["--pin", "17", "--key", "a/b", "--ttl", "0", "--multicast-interface",
                             "127.0.0.1"]) == 2
    assert "unknown backend 'gpio' from ARTCAST_BACKEND" in capsys.readouterr().err


def test_enter_toggles_the_simulated_button():
    button = SimulatedBackend().open_input(17)
    out = io.StringIO()
    keyboard(button, lines=["\n", "\n", "\n"], out=out).join(5)
    assert [v for _, v in button.history] == [False, True, False, True]
    assert out.getvalue().splitlines()[1:] == ["artcast-gpio-source: pressed (active)",
                                               "artcast-gpio-source: released",
                                               "artcast-gpio-source: pressed (active)"]


def test_simulate_runs_the_command_without_a_pi(server):
    """artcast-gpio-source --simulate, as a process: Enter presses the button,
    the server gets the value; SIGTERM stops it cleanly."""
    env = dict(os.environ)
    env.pop("ARTCAST_BACKEND", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "artcast_source.gpio", "--simulate", "--pin", "17", "--key", "room-1/button",
         "--data-port", str(server.data_port), "--registration-port", str(server.register_port),
         "--ttl", "0", "--multicast-interface", "127.0.0.1", "--debounce", "0.01", "--poll", "0.005"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        def value():
            status, _, body = server.get("/artcasts/room-1/button?wait=0")
            return json.loads(body) if status == 200 else None

        def wait_for(want):
            deadline = time.monotonic() + 10
            while value() is not want and time.monotonic() < deadline:
                time.sleep(0.02)
            assert value() is want

        wait_for(False)                             # released until someone presses
        for want in (True, False):
            proc.stdin.write("\n")                  # Enter
            proc.stdin.flush()
            wait_for(want)
    finally:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "simulated GPIO 17 input (pull up, active low); press Enter to toggle it" in err
