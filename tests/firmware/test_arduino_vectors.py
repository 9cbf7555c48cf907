"""The Arduino sketch's runtime and mapping code (firmware/arduino/
artcast_client/artcast_piece.cpp, artcast_output.cpp) against the shared
vectors, built on the host with g++."""

import json
import os
import subprocess

from arduino_build import SKETCH, build
from fwboard import HERE

VECTORS = os.path.join(os.path.dirname(HERE), "vectors", "mapping.json")
TOLERANCE = 0.01


def build_vectors(tmp_path):
    # The driver plus every portable .cpp of the sketch (not the .ino).
    sources = [os.path.join(SKETCH, n) for n in sorted(os.listdir(SKETCH)) if n.endswith(".cpp")]
    return build(tmp_path, "vectors", [os.path.join(HERE, "arduino_host", "vectors_main.cpp")] + sources)


def parse_state(line):
    fields = dict(part.split("=", 1) for part in line.split()[1:])
    state = {"rejected": int(fields.pop("rejected")), "late": int(fields.pop("late"))}
    for name, text in fields.items():
        if name == "pixels":
            state[name] = [[int(c) for c in px.split(",")] for px in text.split(";")]
        elif name in ("on",):
            state[name] = text == "1"
        elif name == "level":
            state[name] = int(text)
        else:
            state[name] = None if text == "null" else float(text)
    return state


def test_sketch_mapping_matches_shared_vectors(tmp_path):
    binary = build_vectors(tmp_path)
    with open(VECTORS) as f:
        cases = json.load(f)["valid"]
    lines = []
    for case in cases:
        if "power" in case:
            lines.append("POWER %r %r" % (case["power"]["supply_amps"], case["power"].get("reserve_amps", 0)))
        lines.append("CASE " + json.dumps(case["output"]))
        for step in case["steps"]:
            if "idle" in step:
                lines.append("IDLE %r" % step["idle"])
            if "value" in step and "due" in step:
                lines.append("DUE %r %s" % (step["due"], json.dumps(step["value"])))
            elif "value" in step:
                lines.append("VALUE " + json.dumps(step["value"]))
            if "online" in step:
                lines.append("ONLINE %d" % step["online"])
            lines.append("STEP %r" % step.get("dt", 0))
    proc = subprocess.run([binary], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    answers = iter(proc.stdout.splitlines())
    problems = []
    checked = 0
    for case in cases:
        head = next(answers)
        if head != "OK":
            problems.append("%s: refused: %s" % (case["name"], head))
            for _ in case["steps"]:
                next(answers)
            continue
        rejected = 0
        for i, step in enumerate(case["steps"]):
            state = parse_state(next(answers))
            where = "%s step %d" % (case["name"], i)
            was_rejected = state["rejected"] > rejected
            rejected = state["rejected"]
            if "value" in step and was_rejected != bool(step.get("error")):
                problems.append("%s: value %r rejected=%s" % (where, step["value"], was_rejected))
            for name, want in step["expect"].items():
                got = state.get(name)
                if isinstance(want, (int, float)) and not isinstance(want, bool) and name != "level":
                    ok = got is not None and abs(got - want) <= TOLERANCE
                else:
                    ok = got == want
                if not ok:
                    problems.append("%s: %s is %r, expected %r" % (where, name, got, want))
            checked += 1
    assert checked == sum(len(c["steps"]) for c in cases)
    assert not problems, "\n".join(problems)


def test_sketch_refuses_bad_output_descriptions(tmp_path):
    binary = build_vectors(tmp_path)
    bad = [
        ('{"key": "k", "device": {"type": "servo", "pin": "12"}, "mapping": {"type": "direct"}}',
         "device.pin: must be an integer"),
        ('{"key": "k", "device": {"type": "servo", "pin": 12}, "mapping": {"type": "bar", "from": [0, 1]}}',
         "mapping.type: does not fit this device"),
        ('{"key": "k", "device": {"type": "neopixel", "pin": 1, "count": 3}, "mapping": {"type": "gradient", "from": [0, 1]}}',
         "mapping.palette: is required"),
        ('{"key": "k", "device": {"type": "neopixel", "pin": 1, "count": 3}, "mapping": {"type": "direct"}, '
         '"on_disconnect": {"status_pixel": 7}}', "on_disconnect.status_pixel.index: is not a pixel"),
        ('{"key": "k", "device": {"type": "neopixel", "pin": 1, "count": 3}', "output: is not valid JSON"),
        ('{"key": "k", "device": {"type": "pwm", "pin": 1}, "mapping": {"type": "linear", "from": [1, 1]}}',
         "mapping.from: the two ends must differ"),
        ('{"key": "k", "device": {"type": "pin", "pin": 1}, "mapping": {"type": "direct"}, "sync": "yes"}',
         "sync: must be true or false"),
    ]
    proc = subprocess.run([binary], input="".join("CASE %s\n" % b for b, _ in bad),
                          capture_output=True, text=True, timeout=30)
    answers = proc.stdout.splitlines()
    assert len(answers) == len(bad)
    for (text, message), answer in zip(bad, answers):
        assert answer.startswith("ERROR " + message), (text, answer)


URL_VECTORS = os.path.join(os.path.dirname(HERE), "vectors", "server_urls.json")


def test_sketch_server_url_matches_shared_vectors(tmp_path):
    """ARTCAST_SERVER copied from the browser: the sketch's own URL parser
    takes and refuses exactly what the core's parse_url does."""
    binary = build(tmp_path, "urls", [os.path.join(HERE, "arduino_host", "url_main.cpp"),
                                      os.path.join(SKETCH, "artcast_longpoll.cpp"),
                                      os.path.join(SKETCH, "artcast_json.cpp")])
    with open(URL_VECTORS) as f:
        vectors = json.load(f)
    urls = [url for url, _ in vectors["ok"]] + [url for url, _ in vectors["refused"]]
    proc = subprocess.run([binary], input="\n".join(urls) + "\n", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    got = dict(zip(urls, proc.stdout.splitlines()))
    for url, (host, port, prefix) in vectors["ok"]:
        assert got[url] == "OK %s %d %s|" % (host, port, prefix), url
    for url, _ in vectors["refused"]:
        assert got[url] == "NO", url


def clock_commands(case):
    """One "clock" vector as driver commands, and the answers expected."""
    wrap = case.get("wrap")
    bits = 32 if wrap is None else wrap.bit_length() - 1
    assert wrap is None or wrap == 1 << bits
    lines, expect = ["CLOCK %d" % bits], []
    for step in case["steps"]:
        if "sample" in step:
            lines.append("SAMPLE %d %d %d" % tuple(step["sample"]))
            expect.append("USED %d" % step["used"])
        elif "to_local" in step:
            lines.append("TOLOCAL %d" % step["to_local"][0])
            local = step["to_local"][1]
            expect.append("LOCAL " + ("null" if local is None else str(local)))
        elif "rtt" in step:
            lines.append("RTT")
            expect.append("RTT " + ("null" if step["rtt"] is None else str(step["rtt"])))
        elif "due" in step:
            lines.append("ISDUE %d" % step["due"][0])
            expect.append("ISDUE %d" % step["due"][1])
        elif "failed" in step:
            lines.append("FAILED %d" % step["failed"])
        elif "reconnected" in step:
            lines.append("RECONNECTED %d" % step["reconnected"])
        else:
            raise AssertionError("unknown clock step %r" % step)
    return lines, expect


def test_sketch_clock_estimator_matches_shared_vectors(tmp_path):
    binary = build_vectors(tmp_path)
    with open(VECTORS) as f:
        cases = json.load(f)["clock"]
    lines, expect, names = [], [], []
    for case in cases:
        more_lines, more_expect = clock_commands(case)
        lines += more_lines
        expect += more_expect
        names += [case["name"]] * len(more_expect)
    # A spoiled expectation must show up: the checker can fail.
    spoiled_lines, spoiled_expect = clock_commands(
        {"name": "spoiled", "steps": [{"sample": [0, 1000, 10], "used": True}, {"to_local": [1000, 6]}]})
    proc = subprocess.run([binary], input="\n".join(lines + spoiled_lines) + "\n",
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    answers = proc.stdout.splitlines()
    assert len(answers) == len(expect) + len(spoiled_expect)
    problems = ["%s: %s, expected %s" % (name, got, want)
                for name, got, want in zip(names, answers, expect) if got != want]
    assert not problems, "\n".join(problems)
    assert answers[len(expect):] == ["USED 1", "LOCAL 5"] != spoiled_expect
