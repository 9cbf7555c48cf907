# The shared piece runtime (artcast_core.runtime), driven as the Pi client
# and the firmware drive it: times in, device states out through one write
# call. Plain functions and bare asserts (also run under MicroPython).

from artcast_core.mapping import MappingError
from artcast_core.piece import check_outputs
from artcast_core.runtime import PieceRuntime


def piece(*outputs):
    return {"power": None, "outputs": check_outputs(list(outputs))}


def pwm(key="k", fade=1, **extra):
    out = {"key": key, "device": {"type": "pwm", "pin": 13}, "mapping": {"type": "linear", "from": [0, 10]},
           "motion": {"fade": fade}}
    out.update(extra)
    return out


def strip(key="k", fade=1, **extra):
    out = {"key": key, "device": {"type": "neopixel", "pin": 18, "count": 2}, "mapping": {"type": "direct"},
           "motion": {"fade": fade}}
    out.update(extra)
    return out


class Recorder:
    def __init__(self):
        self.writes = []

    def __call__(self, index, state):
        self.writes.append((index, state))

    def last(self, index=0):
        for i, state in reversed(self.writes):
            if i == index:
                return state
        return "never written"


def test_a_fade_after_idle_lasts_its_full_time():
    # The ordering rule: a minute with no frames, then a value. Motion is
    # caught up to the value's arrival first, so the fade starts there;
    # otherwise the first frame would see 60.5 s pass and jump to the end.
    rec = Recorder()
    rt = PieceRuntime(piece(pwm()), rec)
    rt.start(0.0)
    rt.accept("k", 10, 0.0)
    rt.frame(1.0)
    assert rec.last() == 1.0 and not rt.moving()
    rt.accept("k", 0, 60.0)                     # idle until now: no frames ran
    rt.frame(60.5)
    assert rec.last() == 0.5, rec.writes
    assert rt.moving()
    rt.frame(61.0)
    assert rec.last() == 0.0 and not rt.moving()


def test_back_online_after_idle_fades_in_from_dark():
    # The same rule for link news: "safe" goes dark while offline, and the
    # last value fades back in from the moment the link returns.
    rec = Recorder()
    rt = PieceRuntime(piece(strip(on_disconnect="safe")), rec)
    rt.start(0.0)
    rt.accept("k", "#ffffff", 0.0)
    rt.frame(1.0)
    rt.link("k", False, 1.0)
    rt.frame(1.0)
    assert rec.last() == [(0, 0, 0), (0, 0, 0)]
    rt.link("k", True, 100.0)
    rt.frame(100.5)
    assert rec.last() == [(128, 128, 128), (128, 128, 128)], rec.writes
    assert rt.online == {"k": True}


def test_nothing_is_written_before_start():
    rec = Recorder()
    rt = PieceRuntime(piece(pwm(fade=0)), rec)
    assert rt.accept("k", 5, 0.0) == ()
    assert rec.writes == [] and rt.values == {"k": 5}
    rt.start(3.0)
    assert rec.writes == [(0, 0.5)]


def test_writes_only_what_changed():
    rec = Recorder()
    rt = PieceRuntime(piece(pwm(key="a", fade=0), pwm(key="b", fade=0, device={"type": "pwm", "pin": 14})), rec)
    rt.start(0.0)
    assert rec.writes == [(0, 0.0), (1, 0.0)]
    rt.accept("b", 10, 1.0)
    assert len(rec.writes) == 2                 # taken, shown by the next frame
    rt.frame(1.0)
    assert rec.writes[2:] == [(1, 1.0)]
    rt.accept("b", 10, 2.0)
    rt.frame(3.0)
    assert len(rec.writes) == 3


def test_a_value_that_does_not_fit_is_reported_and_the_rest_go_on():
    rec = Recorder()
    rt = PieceRuntime(piece(pwm(fade=0), strip(fade=0, device={"type": "neopixel", "pin": 18, "count": 1})), rec)
    rt.start(0.0)
    failed = rt.accept("k", "#ff0000", 1.0)     # a colour: fine for the strip, not for the pwm
    rt.frame(1.0)
    assert [i for i, e in failed] == [0] and isinstance(failed[0][1], MappingError)
    assert rt.errors[0] == str(failed[0][1]) and 1 not in rt.errors
    assert rec.last(1) == [(255, 0, 0)] and rec.last(0) == 0.0
    failed = rt.accept("k", 5, 2.0)             # a number: fine for the pwm, not for the strip
    rt.frame(2.0)
    assert [i for i, e in failed] == [1]
    assert 0 not in rt.errors and 1 in rt.errors
    assert rec.last(0) == 0.5 and rec.last(1) == [(255, 0, 0)]


def test_a_bug_in_one_output_is_reported_not_raised():
    rec = Recorder()
    rt = PieceRuntime(piece(pwm(fade=0), pwm(fade=0, device={"type": "pwm", "pin": 14})), rec)
    rt.start(0.0)

    def broken(value):
        raise ZeroDivisionError("boom")
    rt.outputs[0].accept = broken
    failed = rt.accept("k", 10, 1.0)
    rt.frame(1.0)
    assert [i for i, e in failed] == [0] and isinstance(failed[0][1], ZeroDivisionError)
    assert rt.errors[0] == "ZeroDivisionError: boom"
    assert rec.last(1) == 1.0


def test_keys_once_in_piece_order_and_park():
    rec = Recorder()
    rt = PieceRuntime(piece(pwm(key="b", fade=0), strip(key="a", fade=0),
                            pwm(key="b", fade=0, device={"type": "pwm", "pin": 14})), rec)
    assert rt.keys == ["b", "a"] and rt.online == {"a": None, "b": None}
    rt.start(0.0)
    rt.accept("a", "#ffffff", 0.0)
    rt.accept("b", 10, 0.0)
    rt.park()
    assert [out.last for out in rt.outputs] == [0.0, [(0, 0, 0), (0, 0, 0)], 0.0]


def test_a_clock_that_goes_back_moves_nothing():
    rec = Recorder()
    rt = PieceRuntime(piece(pwm()), rec)
    rt.start(10.0)
    rt.accept("k", 10, 10.0)
    rt.frame(5.0)                               # e.g. a wrapped counter read wrongly
    assert rec.last() == 0.0 and rt.moving()


def test_elapsed_is_the_shells_own():
    # The firmware counts milliseconds (ticks_diff); the runtime only ever
    # asks the shell's elapsed() for seconds.
    rec = Recorder()
    rt = PieceRuntime(piece(pwm()), rec, lambda now, then: (now - then) / 1000.0)
    rt.start(1000)
    rt.accept("k", 10, 1000)
    rt.frame(1250)
    assert rec.last() == 0.25
