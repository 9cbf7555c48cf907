# Motion maths (slew, fade) and the value mapping helpers.
# Plain functions and bare asserts (also run under MicroPython).

from artcast_core.colour import as_hex, palette_at, parse_colour, wire_bytes
from artcast_core.mapping import MappingError, select, servo_duty, pwm_duty
from artcast_core.motion import Fade, Slew, jump


def test_slew_never_exceeds_its_rate():
    s = Slew(30)
    s.set_target(0)
    s.step(0)
    s.set_target(100)
    seen = [s.step(0.1) for _ in range(40)]
    steps = [seen[0]] + [seen[i] - seen[i - 1] for i in range(1, len(seen))]
    assert max(steps) <= 3.0 + 1e-9
    assert seen[-1] == 100 and not s.moving()


def test_slew_first_target_and_release_jump():
    s = Slew(1)
    s.set_target(170)
    assert s.step(0) == 170
    s.set_target(None)
    assert s.step(0) is None
    s.set_target(10)
    assert s.step(0) == 10


def test_slew_without_rate_jumps():
    s = Slew(None)
    s.set_target(0)
    s.set_target(180)
    assert s.step(0.01) == 180


def test_fade_scalar_and_retarget():
    f = Fade(1.0)
    jump(f, 0.0)
    f.set_target(1.0)
    assert f.step(0.25) == 0.25
    f.set_target(0.0)            # from 0.25 back down over a full second
    assert abs(f.step(0.5) - 0.125) < 1e-9
    assert f.step(10) == 0.0 and not f.moving()


def test_fade_zero_seconds_jumps():
    f = Fade(0)
    jump(f, [(0, 0, 0)])
    f.set_target([(9, 9, 9)])
    assert f.step(0) == [(9, 9, 9)]


def test_select_paths():
    value = {"a": {"b": [5, {"c": 7}]}}
    assert select(value, ["a", "b", "1", "c"]) == 7
    for path, msg in ((["a", "x"], "value has no field a.x"),
                      (["a", "b", "9"], "value has no item a.b.9"),
                      (["a", "b", "x"], "value at a.b is a list, not an object"),
                      (["a", "b", "0", "z"], "value has no field a.b.0.z (it is not an object)")):
        try:
            select(value, path)
        except MappingError as e:
            assert str(e) == msg, str(e)
        else:
            raise AssertionError(path)


def test_colours():
    assert parse_colour("#FF8000", 3) == (255, 128, 0)
    assert parse_colour("#01020304", 4) == (1, 2, 3, 4)
    assert as_hex((1, 2, 255)) == "#0102ff"
    assert palette_at([(0, 0, 0)], 0.7) == (0, 0, 0)
    assert wire_bytes([(1, 2, 3, 4)], "GRBW") == bytes([2, 1, 3, 4])
    assert wire_bytes([(1, 2, 3), (4, 5, 6)], "BRG") == bytes([3, 1, 2, 6, 4, 5])


def test_duty_units():
    servo = {"angle": [0, 180], "pulse": [1000, 2000], "frequency": 50}
    assert abs(servo_duty(servo, 90) - 0.075) < 1e-12      # 1.5 ms of 20 ms
    assert servo_duty(servo, None) == 0.0
    assert pwm_duty({"duty": [0.1, 0.9]}, 0.5) == 0.5
    assert pwm_duty({"duty": [0.1, 0.9]}, 0) == 0.0


def test_unusable_numbers_are_mapping_errors():
    from artcast_core.mapping import map_value
    servo = {"type": "servo", "angle": [0, 180]}
    linear = {"type": "linear", "from": [0, 10], "to": [0, 180]}
    for value in (10 ** 400, float("nan"), float("inf"), "5", None, [5], {"v": 5}):
        try:
            map_value(linear, servo, value)
        except MappingError:
            pass
        else:
            raise AssertionError("accepted %r" % (value,))
    assert map_value(linear, servo, True) == 18.0
