# Runs tests/vectors/mapping.json against the Python core (artcast_core).
#
# Plain Python that also runs on MicroPython: the same runner is used by
# the CPython tests, by the MicroPython unix port run of the core tests and
# can be reused by the firmware tests. run_case() returns a list of
# problems (empty when the implementation matches the vector).

import json

from artcast_core.clock import ClockEstimator
from artcast_core.mapping import MappingError, pin_level, servo_pulse_us
from artcast_core.piece import check_outputs
from artcast_core.runtime import PieceRuntime
from artcast_core.piece_fields import PieceError

TOLERANCE = 0.01


def _here():
    try:
        path = __file__
    except NameError:  # pragma: no cover
        path = "tests/core_mapping/vector_runner.py"
    cut = path.rfind("/")
    return path[:cut] if cut >= 0 else "."


def load_vectors(path=None):
    if path is None:
        path = _here() + "/../vectors/mapping.json"
    with open(path) as f:
        return json.load(f)


def _close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE


def observe(output, state):
    """Device state -> the dict of fields the vectors compare."""
    kind = output.kind
    if kind == "neopixel":
        return {"pixels": [list(p) for p in state]}
    if kind == "servo":
        return {"angle": state, "pulse_us": servo_pulse_us(output.device, state)}
    if kind == "pin":
        return {"on": state, "level": pin_level(output.device, state)}
    return {"duty": state}


def _compare(name, i, seen, expect):
    problems = []
    for field in sorted(expect):
        want = expect[field]
        got = seen.get(field)
        if field in ("angle", "pulse_us", "duty"):
            ok = _close(got, want)
        else:
            ok = got == want
        if not ok:
            problems.append("%s step %d: %s is %r, expected %r" % (name, i, field, got, want))
    return problems


def run_case(case):
    """Run one valid case through the shared piece runtime on a simulated
    millisecond clock (as the firmware's; whole ms keep dt exact)."""
    name = case["name"]
    spec = check_outputs([case["output"]])[0]
    piece = {"power": None, "outputs": [spec]}
    if "power" in case:
        piece["power"] = {"supply_volts": 5, "supply_amps": case["power"]["supply_amps"],
                          "reserve_amps": case["power"].get("reserve_amps", 0)}
    runtime = PieceRuntime(piece, _ignore, _elapsed_ms)
    out = runtime.outputs[0]
    now = 1000
    runtime.start(now)
    problems = []
    steps = case["steps"]
    for i in range(len(steps)):
        step = steps[i]
        now += _ms(step.get("idle", 0))   # time passes, no frame runs
        if "value" in step:
            due = now + _ms(step["due"]) if "due" in step else None
            failed = runtime.accept(spec["key"], step["value"], now, due)
            for _, e in failed:
                if not isinstance(e, MappingError):   # a bug, not a refusal
                    problems.append("%s step %d: value %r raised %r" % (name, i, step["value"], e))
            rejected = bool(failed)
            if rejected != bool(step.get("error")):
                problems.append("%s step %d: value %r %s" % (
                    name, i, step["value"], "was rejected" if rejected else "was accepted, expected an error"))
        if "online" in step:
            runtime.link(spec["key"], step["online"], now)
        now += _ms(step.get("dt", 0))
        runtime.frame(now)
        seen = observe(out, out.last)
        seen["late"] = runtime.late
        problems.extend(_compare(name, i, seen, step["expect"]))
    return problems


def _ignore(index, state):
    pass


def _ms(seconds):
    # Round half away from zero: a play-at may lie in the past (negative).
    return int(seconds * 1000 + 0.5) if seconds >= 0 else -int(-seconds * 1000 + 0.5)


def _elapsed_ms(now, then):
    return (now - then) / 1000.0


def run_invalid(case):
    try:
        check_outputs(case["outputs"])
    except PieceError as e:
        if e.path != case["path"]:
            return ["%s: error names %r, expected %r (%s)" % (case["name"], e.path, case["path"], e)]
        return []
    return ["%s: was accepted, expected an error at %s" % (case["name"], case["path"])]


def _wrapping(period):
    half = period // 2

    def diff(a, b):
        return ((a - b + half) % period) - half

    def add(t, ms):
        return (t + ms) % period
    return diff, add


def run_clock_case(case):
    """One "clock" case through artcast_core.clock.ClockEstimator (with
    wrapping local ticks when the case says so) -> list of problems."""
    name = case["name"]
    if "wrap" in case:
        diff, add = _wrapping(case["wrap"])
        est = ClockEstimator(diff=diff, add=add)
    else:
        est = ClockEstimator()
    problems = []
    steps = case["steps"]
    for i in range(len(steps)):
        step = steps[i]
        if "sample" in step:
            t0, server_ms, t1 = step["sample"]
            used = est.sample(t0, server_ms, t1)
            if used != step["used"]:
                problems.append("%s step %d: sample used is %r, expected %r" % (name, i, used, step["used"]))
        elif "to_local" in step:
            got = est.to_local(step["to_local"][0])
            if got != step["to_local"][1]:
                problems.append("%s step %d: to_local is %r, expected %r" % (name, i, got, step["to_local"][1]))
        elif "rtt" in step:
            got = est.rtt()
            if got != step["rtt"]:
                problems.append("%s step %d: rtt is %r, expected %r" % (name, i, got, step["rtt"]))
        elif "due" in step:
            got = est.due(step["due"][0])
            if got != step["due"][1]:
                problems.append("%s step %d: due is %r, expected %r" % (name, i, got, step["due"][1]))
        elif "failed" in step:
            est.failed(step["failed"])
        elif "reconnected" in step:
            est.reconnected(step["reconnected"])
        else:
            problems.append("%s step %d: unknown step %r" % (name, i, step))
    return problems
