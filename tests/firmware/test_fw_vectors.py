"""The shared mapping vectors (tests/vectors/mapping.json) through the
firmware's outputs and devices, compared at the recording stand-ins: the
bytes a strip would get (wire order turned back into logical colours), the
servo and PWM duty_u16, the pin level."""

import json
import os

from fwboard import HERE

VECTORS = os.path.join(os.path.dirname(HERE), "vectors", "mapping.json")
ONE_DUTY_STEP = 1.0 / 65535


def logical(wire_hex, order):
    data = bytes.fromhex(wire_hex)
    n = len(order)
    pixels = []
    for i in range(0, len(data), n):
        px = [0] * n
        for j, ch in enumerate(order):
            px["RGBW".index(ch)] = data[i + j]
        pixels.append(px)
    return pixels


def test_firmware_matches_shared_vectors(board):
    with open(VECTORS) as f:
        cases = json.load(f)["valid"]
    b = board(None, start=False)
    b.start(script=os.path.join(HERE, "vectors_driver.py"), args=[VECTORS])
    assert b.wait_exit(timeout=60) == 0, b.console()
    assert "DONE %d" % len(cases) in b.console()

    problems = []
    state = {}
    rejected_before = 0
    checked = 0
    for rec in b.records():
        kind = rec[1]
        if kind == "case":
            state = {}
            rejected_before = 0
        elif kind in ("pixels", "pwm", "pin"):
            state[kind] = rec[3]
        elif kind == "pwm_init":
            state["freq"] = rec[3]
        elif kind == "step":
            c, i, rejected = rec[2], rec[3], rec[4]
            case = cases[c]
            step = case["steps"][i]
            dev = case["output"]["device"]
            where = "%s step %d" % (case["name"], i)
            if ("value" in step) and (rejected > rejected_before) != bool(step.get("error")):
                problems.append("%s: value %r rejected=%s" % (where, step["value"], rejected > rejected_before))
            rejected_before = rejected
            expect = step["expect"]
            if dev["type"] == "neopixel" and "pixels" in expect:
                got = logical(state["pixels"], dev.get("order", "GRB"))
                if got != expect["pixels"]:
                    problems.append("%s: pixels %s, expected %s" % (where, got, expect["pixels"]))
            if dev["type"] == "servo":
                duty = state["pwm"] / 65535.0
                pulse = duty * 1000000.0 / state["freq"] if duty else None
                want = expect.get("pulse_us", "-")
                if want is None or "angle" in expect and expect["angle"] is None:
                    if pulse is not None:
                        problems.append("%s: servo not released (duty %s)" % (where, state["pwm"]))
                elif want != "-":
                    # One duty_u16 step at 50 Hz is 0.31 us.
                    if pulse is None or abs(pulse - want) > 0.31:
                        problems.append("%s: pulse %s us, expected %s" % (where, pulse, want))
                if expect.get("angle") is not None:
                    lo, hi = dev.get("angle", [0, 180])
                    p0, p1 = dev.get("pulse", [1000, 2000])
                    angle = lo + (pulse - p0) * (hi - lo) / (p1 - p0) if pulse else None
                    if angle is None or abs(angle - expect["angle"]) > 0.06:
                        problems.append("%s: angle %s, expected %s" % (where, angle, expect["angle"]))
            if dev["type"] == "pin" and "level" in expect and state["pin"] != expect["level"]:
                problems.append("%s: level %s, expected %s" % (where, state["pin"], expect["level"]))
            if dev["type"] == "pin" and "on" in expect:
                on = state["pin"] != (1 if dev.get("active_low") else 0)
                if on != expect["on"]:
                    problems.append("%s: on %s, expected %s" % (where, on, expect["on"]))
            if "late" in expect and rec[5] != expect["late"]:
                problems.append("%s: late %s, expected %s" % (where, rec[5], expect["late"]))
            if dev["type"] == "pwm" and "duty" in expect:
                duty = state["pwm"] / 65535.0
                if abs(duty - expect["duty"]) > ONE_DUTY_STEP:
                    problems.append("%s: duty %s, expected %s" % (where, duty, expect["duty"]))
            checked += 1
    assert checked == sum(len(c["steps"]) for c in cases)
    assert not problems, "\n".join(problems)
