# Tests for clients/artcast_core/power.py, hand-checked numbers.
#
# Plain `def test_*` functions with no pytest import, so the same file runs
# under CPython (pytest) and under the MicroPython unix port (see
# mp_runner.py and test_power_core_micropython.py).

from artcast_core import power


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol * max(1.0, abs(b))


def raises(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc as e:
        return str(e)
    raise AssertionError("%s not raised by %r%r" % (exc.__name__, fn, args))


def test_constants_are_the_documented_figures():
    assert power.MA_PER_RGB_PIXEL == 60
    assert power.MA_PER_RGBW_PIXEL == 80
    assert power.IDLE_MA_PER_PIXEL == 1
    assert close(power.SAFETY_MARGIN, 0.2)


def test_strip_current_full_white_rgb():
    # 60 pixels * (1 mA idle + 60 mA white) = 3660 mA
    assert close(power.strip_current_ma(60, 1.0), 3660)


def test_strip_current_scales_with_brightness_not_idle():
    # 144 * (1 + 0.25 * 60) = 144 * 16 = 2304 mA
    assert close(power.strip_current_ma(144, 0.25), 2304)
    # dark strip still draws the idle current: 100 * 1 mA
    assert close(power.strip_current_ma(100, 0), 100)


def test_strip_current_rgbw():
    # 30 * (1 + 80) = 2430 mA
    assert close(power.strip_current_ma(30, 1.0, channels=4), 2430)


def test_strip_current_rejects_bad_input():
    assert "brightness" in raises(ValueError, power.strip_current_ma, 10, 1.5)
    assert "pixel_count" in raises(ValueError, power.strip_current_ma, -1, 0.5)
    assert "pixel_count" in raises(TypeError, power.strip_current_ma, "60", 0.5)
    assert "channels" in raises(ValueError, power.strip_current_ma, 10, 0.5, 5)


def test_supply_needed_has_twenty_percent_margin():
    assert close(power.supply_needed_ma(5000), 6000)
    assert close(power.usable_ma(6000), 5000)


def test_brightness_cap_hand_checked():
    # 4 A supply -> 3333.3 mA usable; minus 60 idle = 3273.3; / 3600 = 0.909
    assert close(power.brightness_cap(60, 4000), 0.90)
    # 10 A -> 8333.3 - 300 = 8033.3; / 18000 = 0.446
    assert close(power.brightness_cap(300, 10000), 0.44)
    # reserve for an ESP32: 3333.3 - 250 - 60 = 3023.3; / 3600 = 0.839
    assert close(power.brightness_cap(60, 4000, reserve_ma=250), 0.83)
    # RGBW: 2 A -> 1666.7 - 30 = 1636.7; / (30 * 80) = 0.681
    assert close(power.brightness_cap(30, 2000, channels=4), 0.68)


def test_brightness_cap_is_safe_at_the_cap():
    for count, supply in ((60, 4000), (300, 10000), (8, 500), (1000, 20000)):
        cap = power.brightness_cap(count, supply)
        assert 0 <= cap <= 1
        assert power.supply_needed_ma(power.strip_current_ma(count, cap)) <= supply + 1e-6
        if cap < 1:
            # one step brighter would be too much
            assert power.supply_needed_ma(power.strip_current_ma(count, cap + 0.01)) > supply


def test_brightness_cap_limits():
    assert power.brightness_cap(8, 10000) == 1.0      # big supply: no cap
    assert power.brightness_cap(0, 1000) == 1.0       # no pixels
    assert power.brightness_cap(100, 100) == 0.0      # cannot even idle


def test_shared_cap_counts_every_strip():
    # 6 A -> 5000 usable; idle 90; full 60*60 + 30*80 = 6000; 4910/6000 = 0.818
    assert close(power.shared_brightness_cap([(60, 3), (30, 4)], 6000), 0.81)


def test_servo_figures():
    assert power.servo_current_ma(4, "micro") == 1000
    assert power.servo_stall_ma(4, "micro") == 3200
    assert power.servo_current_ma(2, "standard") == 1200
    assert power.servo_stall_ma(1, "large") == 3500
    msg = raises(ValueError, power.servo_current_ma, 1, "huge")
    assert "huge" in msg and "micro" in msg


def test_power_budget():
    b = power.power_budget(60, 0.5, servo_count=2)
    assert close(b["strip_ma"], 1860)            # 60 * (1 + 30)
    assert close(b["strip_supply_ma"], 2232)     # * 1.2
    assert b["servo_ma"] == 500
    assert b["servo_stall_ma"] == 1600
    assert close(b["total_supply_ma"], 2832)     # (1860 + 500) * 1.2


def test_wire_drop():
    # 3 A * 2 m of 18 AWG (20.95 ohm/km) = 3 * 0.0419 = 0.1257 V
    assert close(power.wire_drop_v(3000, 1.0, 18), 0.1257)
    raises(ValueError, power.wire_drop_v, 1000, 1.0, 7)


def test_wire_gauge_current_limit():
    # 0.5 A over 10 cm: the thinnest power wire suggested (22 AWG) ...
    assert power.wire_gauge(500, 0.1, 5.0)["awg"] == 22
    # ... unless asked for thinner: 26 AWG is rated 1 A
    assert power.wire_gauge(500, 0.1, 5.0, thinnest=26)["awg"] == 26
    assert power.wire_gauge(1500, 0.1, 5.0, thinnest=26)["awg"] == 24
    # 6 A over 10 cm: 16 AWG is the first rated above 6 A (18 AWG: 5 A)
    w = power.wire_gauge(6000, 0.1, 5.0)
    assert w["awg"] == 16 and close(w["mm2"], 1.31)


def test_wire_gauge_voltage_drop_limit():
    # 2 A over 2 m at 5 V: 0.25 V allowed over 4 m of wire.
    # 20 AWG: 2 * 4 * 0.03331 = 0.266 V (too much); 18 AWG: 0.168 V
    w = power.wire_gauge(2000, 2.0, 5.0)
    assert w["awg"] == 18 and close(w["drop_v"], 0.1676)
    # Same current at 12 V allows 0.6 V: 22 AWG (0.424 V) fits
    assert power.wire_gauge(2000, 2.0, 12.0)["awg"] == 22


def test_wire_gauge_none_when_too_far():
    assert power.wire_gauge(20000, 5.0, 5.0) is None


def test_wire_rated_for_the_fuse():
    # 1 A load behind a 10 A fuse: the wire must survive 10 A -> 14 AWG (13 A)
    assert power.wire_gauge(1000, 0.5, 5.0, rated_ma=10000)["awg"] == 14


def test_fuse_rating():
    # 1.86 A * 1.25 = 2.33 A -> 3 A; 3.66 * 1.25 = 4.58 -> 5 A;
    # 6 * 1.25 = 7.5 -> 7.5 A exactly; 24 * 1.25 = 30 -> 30 A; 30 A load -> none
    assert power.fuse_rating(1860) == 3
    assert power.fuse_rating(3660) == 5
    assert power.fuse_rating(6000) == 7.5
    assert power.fuse_rating(24000) == 30
    assert power.fuse_rating(30000) is None
    assert power.fuse_rating(100) == 1
