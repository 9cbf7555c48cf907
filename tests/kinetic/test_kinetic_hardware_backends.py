"""The hardware backend through the real libraries, against a real server:
Adafruit neopixel + pixelbuf, rpi-lgpio's RPi.GPIO, servokit + PCA9685.
Only the innermost calls are fakes (kinetic_fakes.py); the assertions are on what
reached them: pixel bytes, PWM duty cycles, pin levels, I2C registers."""

import os
import subprocess
import sys

from artcast_core.piece import check_piece
from artcast_kinetic.backends import choose_backend
from artcast_kinetic.backends.hardware import HardwareBackend, pi_pin_problems

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def piece_for(url, *outputs):
    return check_piece({"server": url, "outputs": list(outputs)})


def test_strip_bytes_fade_in_wire_order(server, clock, pixel_wire, live):
    strip = {"key": "k/strip", "device": {"type": "neopixel", "pin": 18, "count": 3, "order": "GRB",
                                          "brightness": 0.5},
             "mapping": {"type": "direct"}, "motion": {"fade": 1.0}}
    lr = live(piece_for(server.url, strip), HardwareBackend(clock=clock))
    assert pixel_wire.writes == [(0.0, 18, bytes(9))]          # opened dark
    server.send("k/strip", "#ff0000")
    lr.wait_for(lambda: lr.runner.values.get("k/strip") == "#ff0000")
    lr.advance(0.5)
    assert pixel_wire.writes[-1] == (0.5, 18, bytes([0, 64, 0] * 3))    # G R B, half way, brightness 0.5
    lr.advance(0.5)
    assert pixel_wire.writes[-1] == (1.0, 18, bytes([0, 128, 0] * 3))
    count = len(pixel_wire.writes)
    lr.advance(0.5)                                           # fade done: nothing more is written
    assert len(pixel_wire.writes) == count
    lr.stop()
    assert pixel_wire.writes[-1][2] == bytes(9)               # parked dark


def test_rgbw_strip_bytes(server, clock, pixel_wire, live):
    strip = {"key": "k/w", "device": {"type": "neopixel", "pin": 21, "count": 2, "order": "GRBW"},
             "mapping": {"type": "direct"}}
    lr = live(piece_for(server.url, strip), HardwareBackend(clock=clock))
    server.send("k/w", [[1, 2, 3, 4], "#0a0b0c"])
    lr.wait_for(lambda: len(pixel_wire.writes) == 2)
    assert pixel_wire.writes[-1][1:] == (21, bytes([2, 1, 3, 4, 11, 10, 12, 0]))


def test_servo_duty_cycles_with_slew(server, clock, gpio_chip, live):
    servo = {"key": "k/servo", "device": {"type": "servo", "pin": 12},
             "mapping": {"type": "linear", "from": [0, 10]}, "motion": {"slew": 90}}
    lr = live(piece_for(server.url, servo), HardwareBackend(clock=clock))
    assert gpio_chip.modes[12] == 0x200                       # claimed as an output
    assert gpio_chip.of("pwm", 12)[-1][3:] == (50.0, 0.0)     # released: no pulses
    server.send("k/servo", 5)
    lr.wait_for(lambda: gpio_chip.of("pwm", 12)[-1][4] == 7.5, what="1.5 ms of 20 ms")
    server.send("k/servo", 10)
    lr.wait_for(lambda: lr.runner.values.get("k/servo") == 10)
    assert gpio_chip.of("pwm", 12)[-1][4] == 7.5              # slew: waits for the clock
    lr.advance(0.5)
    assert gpio_chip.of("pwm", 12)[-1] == (0.5, "pwm", 12, 50.0, 8.75)    # 135 deg = 1.75 ms
    lr.advance(0.5)
    assert gpio_chip.of("pwm", 12)[-1] == (1.0, "pwm", 12, 50.0, 10.0)    # 180 deg = 2.0 ms
    lr.stop()
    assert gpio_chip.of("pwm", 12)[-1][3:] == (0, 0)          # PWM stopped
    assert gpio_chip.of("free", 12)                           # line released


def test_relay_and_pwm_levels(server, clock, gpio_chip, live):
    relay = {"key": "k/relay", "device": {"type": "pin", "pin": 27, "active_low": True},
             "mapping": {"type": "threshold", "above": 0.5}}
    motor = {"key": "k/motor", "device": {"type": "pwm", "pin": 13, "frequency": 1000, "duty": [0.2, 1.0]},
             "mapping": {"type": "linear", "from": [0, 10]}, "motion": {"fade": 2}}
    lr = live(piece_for(server.url, relay, motor), HardwareBackend(clock=clock))
    assert gpio_chip.of("claim_output", 27)[0][3] == 1        # active low: starts off = level 1
    server.send("k/relay", 1)
    lr.wait_for(lambda: gpio_chip.levels[27] == 0, what="relay on (level 0)")
    server.send("k/motor", 5)
    lr.wait_for(lambda: lr.runner.values.get("k/motor") == 5)
    lr.advance(1.0)                                           # half way through a 2 s fade to level 0.5
    t, _, _, freq, duty = gpio_chip.of("pwm", 13)[-1]
    assert (t, freq) == (1.0, 1000.0) and abs(duty - 40.0) < 1e-9       # 0.2 + 0.8 * 0.25
    lr.advance(1.0)
    t, _, _, freq, duty = gpio_chip.of("pwm", 13)[-1]
    assert (t, freq) == (2.0, 1000.0) and abs(duty - 60.0) < 1e-9
    server.send("k/relay", 0)
    lr.wait_for(lambda: gpio_chip.levels[27] == 1)
    assert [e[3] for e in gpio_chip.of("write", 27)] == [1, 0, 1]     # parked off, on, off
    lr.stop()
    assert gpio_chip.levels[27] == 1 and gpio_chip.of("pwm", 13)[-1][3:] == (0, 0)


def test_pca9685_servo_registers(server, clock, i2c_bus, live):
    servo = {"key": "k/board", "device": {"type": "servo", "pca9685": {"channel": 3}},
             "mapping": {"type": "direct"}}
    lr = live(piece_for(server.url, servo), HardwareBackend(clock=clock, i2c=i2c_bus))
    assert i2c_bus.regs[0xFE] == 121                          # prescale for 50 Hz
    assert i2c_bus.channel_off(3) == 0x1000                   # released: full off
    server.send("k/board", 90)
    lr.wait_for(lambda: i2c_bus.channel_off(3) != 0x1000)
    period_us = 1e6 / (25e6 / 4096 / (121 + 1))
    pulse_us = i2c_bus.channel_off(3) / 4096.0 * period_us
    assert abs(pulse_us - 1500) < 10, pulse_us
    server.send("k/board", 0)
    lr.wait_for(lambda: abs(i2c_bus.channel_off(3) / 4096.0 * period_us - 1000) < 10)
    lr.stop()
    assert i2c_bus.channel_off(3) == 0x1000                   # released on stop


def test_backend_choice_order():
    piece = piece_for("http://h", {"key": "k", "device": {"type": "pin", "pin": 17}, "mapping": {"type": "direct"}})
    assert choose_backend(piece, "simulate", {"ARTCAST_BACKEND": "hardware"}) == ("simulate", "chosen by command line")
    piece["backend"] = "hardware"
    assert choose_backend(piece, None, {"ARTCAST_BACKEND": "simulate"}) == ("hardware", "chosen by piece file")
    piece["backend"] = None
    assert choose_backend(piece, None, {"ARTCAST_BACKEND": "simulate"}) == ("simulate", "chosen by ARTCAST_BACKEND")
    try:
        choose_backend(piece, None, {"ARTCAST_BACKEND": "gpio"})
    except ValueError as e:
        assert str(e) == "unknown backend 'gpio' from ARTCAST_BACKEND (choose hardware or simulate)"
    else:
        raise AssertionError("accepted")


def test_fallback_says_what_it_chose_on_a_pc():
    code = ("from artcast_core.piece import check_piece\n"
            "from artcast_kinetic.backends import choose_backend\n"
            "p = check_piece({'server': 'http://h', 'outputs': [{'key': 'k', 'device': {'type': 'servo', 'pin': 12},"
            " 'mapping': {'type': 'direct'}}]})\n"
            "print(choose_backend(p, None, {}))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RPI_LGPIO", "BLINKA"))}
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(REPO, "clients"), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("('simulate', 'fallback: no Pi hardware here (cannot import RPi.GPIO "
                                  "(RuntimeError: This module can only be run on a Raspberry Pi!)); "
                                  "simulating instead')")


def test_rpi_gpio_comes_from_rpi_lgpio_on_a_pi5(gpio_chip):
    # Pi 5 (and Ubuntu): rpi-lgpio installs the RPi.GPIO module itself.
    from importlib.metadata import files
    import RPi.GPIO as GPIO
    shipped = [str(f) for f in files("rpi-lgpio")]
    assert "RPi/GPIO/__init__.py" in shipped
    assert os.path.realpath(GPIO.__file__).endswith(os.path.join("RPi", "GPIO", "__init__.py"))
    assert GPIO.RPI_INFO["TYPE"] == "Pi 5 Model B"


def test_pi_pin_checks():
    piece = piece_for("http://h",
                      {"key": "k", "device": {"type": "neopixel", "pin": 17, "count": 3}, "mapping": {"type": "direct"}},
                      {"key": "k", "device": {"type": "pin", "pin": 40}, "mapping": {"type": "direct"}})
    assert pi_pin_problems(piece) == [
        "outputs[0].device.pin: a NeoPixel strip on a Pi needs GPIO 10, 12, 18 or 21 (got 17)",
        "outputs[1].device.pin: GPIO 40 does not exist on a Raspberry Pi header (BCM 0-27)"]


def test_room_sensors_example_on_the_real_libraries(server, clock, pixel_wire, gpio_chip, live):
    # The shipped example, unchanged but for the server: a relay, a PWM lamp
    # with a fade, and a strip coloured by a field of an object value.
    from artcast_core.piece import load_piece
    with open(os.path.join(REPO, "clients", "examples", "room-sensors.json")) as f:
        piece = load_piece(f.read())
    lr = live(piece, HardwareBackend(clock=clock), server=server.url)
    lr.wait_for(lambda: all(lr.runner.online.values()), what="three keys online")
    server.send("room-1/button", True)
    server.send("room-1/motion", True)
    server.send("weather/now", {"temp": 12.5, "wind": 4})
    lr.wait_for(lambda: len(lr.runner.values) == 3)
    assert gpio_chip.levels[27] == 0                          # relay board is active low: on
    lr.advance(1.0)                                           # lamp: half of a 2 s fade to level 1
    _, _, _, freq, duty = gpio_chip.of("pwm", 13)[-1]
    assert freq == 1000.0 and abs(duty - 55.0) < 1e-9         # 10 % + 90 % * 0.5
    lr.advance(2.0)                                           # strip: 3 s fade done
    # 12.5 C is half way along the palette: between #00ffff and #ffff00 -> (128, 255, 128),
    # at brightness 0.5 -> (64, 128, 64), sent G R B
    assert pixel_wire.writes[-1][1:] == (18, bytes([128, 64, 64] * 30))
    server.send("weather/now", {"wind": 4})                   # no "temp": ignored, strip holds
    lr.wait_for(lambda: 2 in lr.runner.errors)
    assert lr.runner.errors[2] == "value has no field temp"
    assert pixel_wire.writes[-1][2] == bytes([128, 64, 64] * 30)


def test_strip_pins_are_blinkas_pi_pins():
    # On a real Pi, board.D18 is the strip's pin object; check board_pin()
    # against Blinka's own Raspberry Pi 4 board definition (needs `gpiod`).
    code = ("import board\n"
            "from artcast_kinetic.backends.blinka_strip import board_pin\n"
            "print([board_pin(n) is getattr(board, 'D%d' % n) for n in (10, 12, 18, 21)], board_pin(18).id)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLINKA")}
    env.update(BLINKA_FORCECHIP="BCM2XXX", BLINKA_FORCEBOARD="RASPBERRY_PI_4B")
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(REPO, "clients"), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr[-1500:]
    assert out.stdout.strip() == "[True, True, True, True] 18"
