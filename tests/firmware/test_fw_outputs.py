"""What reaches the pins: servo PWM with slew, strip fades, pins, PWM.

Each test runs the firmware (main.py under the MicroPython unix port) against
the real server and reads the recording stand-ins' history: every duty and
pixel write with its ticks_ms time stamp.
"""

from fwboard import wifi_config

SERVO_HZ = 50


def duty_to_angle(duty):
    # Default servo: pulse 1000..2000 us for 0..180 degrees at 50 Hz.
    pulse_us = duty / 65535.0 * 1000000.0 / SERVO_HZ
    return (pulse_us - 1000.0) / 1000.0 * 180.0


def test_servo_slews_at_its_limit(server, board):
    servo = {"key": "arm", "device": {"type": "servo", "pin": 17},
             "mapping": {"type": "linear", "from": [0, 100], "to": [0, 180]},
             "motion": {"slew": 90}}
    server.send("arm", 0)
    server.wait_for_datums(1)
    b = board(wifi_config(server.url, [servo]))
    first = b.wait_for(lambda r: r[2] == 17 and r[3] > 0, kind="pwm", what="servo at 0 degrees")
    assert abs(duty_to_angle(first[3]) - 0) < 0.5
    assert b.records("pwm_init")[0][2:] == [17, 50]
    server.send("arm", 50)  # -> 90 degrees, at most 90 deg/s: about a second
    last = b.wait_for(lambda r: abs(duty_to_angle(r[3]) - 90) < 0.2, kind="pwm", what="servo at 90")
    moves = [r for r in b.records("pwm") if r[0] > first[0] and r[0] <= last[0]]
    assert len(moves) > 10, "the servo jumped instead of slewing: %r" % moves
    angles = [duty_to_angle(r[3]) for r in moves]
    assert angles == sorted(angles)
    for a, b_ in zip(moves, moves[1:]):
        dt = (b_[0] - a[0]) / 1000.0
        step = duty_to_angle(b_[3]) - duty_to_angle(a[3])
        assert step <= 90 * dt + 1.5, "moved %.1f deg in %.3f s" % (step, dt)
    assert (last[0] - moves[0][0]) / 1000.0 >= 0.9


def test_strip_fades_between_colours(server, board):
    strip = {"key": "glow", "device": {"type": "neopixel", "pin": 16, "count": 2, "order": "RGB"},
             "mapping": {"type": "gradient", "from": [0, 1], "palette": ["#000000", "#ffffff"]},
             "motion": {"fade": 1.0}}
    server.send("glow", 0)
    server.wait_for_datums(1)
    b = board(wifi_config(server.url, [strip]))
    b.wait_for(lambda r: True, kind="wifi_connect")
    server.send("glow", 1)
    done = b.wait_for(lambda r: r[3] == "ff" * 6, kind="pixels", what="white")
    fade = [r for r in b.records("pixels") if r[3] not in ("00" * 6,) and r[0] <= done[0]]
    levels = [bytes.fromhex(r[3])[0] for r in fade]
    assert len(levels) > 10 and levels == sorted(levels), levels
    # Both pixels, all three channels, move together (RGB order: r, g, b).
    assert all(len(set(bytes.fromhex(r[3]))) == 1 for r in fade)
    assert (done[0] - fade[0][0]) / 1000.0 >= 0.85


def test_pin_threshold_and_pwm_level(server, board):
    outputs = [
        {"key": "temp", "device": {"type": "pin", "pin": 5},
         "mapping": {"type": "threshold", "above": 20}},
        {"key": "temp", "device": {"type": "pin", "pin": 18, "active_low": True},
         "mapping": {"type": "threshold", "above": 20}},
        {"key": "speed", "device": {"type": "pwm", "pin": 19, "frequency": 2000, "duty": [0.2, 1.0]},
         "mapping": {"type": "linear", "from": [0, 10]}},
    ]
    b = board(wifi_config(server.url, outputs))
    b.wait_for(lambda r: True, kind="wifi_connect")
    # Parked at start: pin 5 low, relay pin 18 high (active low = off), PWM off.
    assert [r[2:] for r in b.records("pin")][:2] == [[5, 0], [18, 1]]
    assert b.records("pwm_init")[0][2:] == [19, 2000]
    server.send("temp", 25)
    b.wait_for(lambda r: r[2:] == [5, 1], kind="pin", what="pin 5 high")
    b.wait_for(lambda r: r[2:] == [18, 0], kind="pin", what="relay on (low)")
    server.send("speed", 5)  # level 0.5 -> duty 0.2 + 0.8 * 0.5 = 0.6
    b.wait_for(lambda r: r[2:] == [19, int(0.6 * 65535 + 0.5)], kind="pwm", what="60% duty")
    server.send("temp", 15)
    b.wait_for(lambda r: r[2:] == [5, 0], kind="pin", what="pin 5 low again")
    server.send("speed", "fast")  # wrong type: logged, ignored, no crash
    b.wait_console("speed: ignored value")
    assert b.records("pwm")[-1][2:] == [19, int(0.6 * 65535 + 0.5)]
    server.send("speed", 10)
    b.wait_for(lambda r: r[2:] == [19, 65535], kind="pwm", what="full duty")


def test_ctrl_c_parks_every_output(server, board):
    import signal
    outputs = [
        {"key": "c", "device": {"type": "neopixel", "pin": 16, "count": 2},
         "mapping": {"type": "direct"}},
        {"key": "a", "device": {"type": "servo", "pin": 17},
         "mapping": {"type": "threshold", "above": 0, "on": 90, "off": 0}},
        {"key": "a", "device": {"type": "pin", "pin": 18, "active_low": True},
         "mapping": {"type": "threshold", "above": 0}},
    ]
    server.send("c", [1, 2, 3])
    server.send("a", 1)
    server.wait_for_datums(2)
    b = board(wifi_config(server.url, outputs))
    b.wait_for(lambda r: r[3] == "020103" * 2, kind="pixels", what="strip lit")
    b.wait_for(lambda r: r[2] == 17 and r[3] > 0, kind="pwm", what="servo driven")
    b.wait_for(lambda r: r[2:] == [18, 0], kind="pin", what="relay on")
    mark = b.mark()
    b.proc.send_signal(signal.SIGINT)   # Ctrl-C on the USB console
    b.wait_exit()
    parked = [r[1:] for r in b.records()[mark:] if r[1] != "wdt_feed"]
    assert ["pixels", 16, "000000" * 2] in parked
    assert ["pwm", 17, 0] in parked and ["pwm_deinit", 17] in parked
    assert ["pin", 18, 1] in parked   # active-low relay: off is high
