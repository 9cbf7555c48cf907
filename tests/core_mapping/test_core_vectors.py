# The shared vectors (tests/vectors/mapping.json) against the Python core.
# Plain functions and bare asserts: pytest runs them under CPython and
# test_core_mapping_micropython.py runs this same module under MicroPython.

from vector_runner import load_vectors, run_case, run_clock_case, run_invalid


def test_vectors_file_documents_its_format():
    data = load_vectors()
    assert isinstance(data["_format"], list) and len(data["_format"]) > 10
    assert len(data["valid"]) >= 25 and len(data["invalid"]) >= 30


def test_vector_names_are_unique():
    data = load_vectors()
    names = [c["name"] for c in data["valid"] + data["invalid"]]
    assert len(names) == len(set(names))


def test_every_valid_vector_matches():
    problems = []
    for case in load_vectors()["valid"]:
        problems.extend(run_case(case))
    assert not problems, "\n".join(problems)


def test_every_invalid_vector_is_refused_naming_the_field():
    problems = []
    for case in load_vectors()["invalid"]:
        problems.extend(run_invalid(case))
    assert not problems, "\n".join(problems)


def test_vectors_cover_every_mapping_and_device_type():
    mappings = set()
    devices = set()
    for case in load_vectors()["valid"]:
        mappings.add(case["output"]["mapping"]["type"])
        devices.add(case["output"]["device"]["type"])
    assert mappings == set(["linear", "threshold", "gradient", "bar", "direct"])
    assert devices == set(["neopixel", "servo", "pin", "pwm"])


def test_a_wrong_expectation_is_caught():
    # The runner must be able to fail: spoil one expectation on purpose.
    case = load_vectors()["valid"][0]
    spoiled = {"name": "spoiled", "output": case["output"],
               "steps": [{"value": 15, "expect": {"angle": 91}}]}
    assert run_case(spoiled) == ["spoiled step 0: angle is 90.0, expected 91"]


def test_every_clock_vector_matches():
    problems = []
    for case in load_vectors()["clock"]:
        problems.extend(run_clock_case(case))
    assert not problems, "\n".join(problems)


def test_a_wrong_clock_expectation_is_caught():
    spoiled = {"name": "spoiled", "steps": [{"sample": [0, 1000, 10], "used": True},
                                            {"to_local": [1000, 6]}, {"due": [10, True]}, {"rtt": 9}]}
    assert run_clock_case(spoiled) == ["spoiled step 1: to_local is 5, expected 6",
                                       "spoiled step 2: due is False, expected True",
                                       "spoiled step 3: rtt is 10, expected 9"]


def test_play_at_vectors_cover_held_late_and_unsynced():
    cases = [c for c in load_vectors()["valid"] if c["name"].startswith("play-at:")]
    steps = [s for c in cases for s in c["steps"]]
    assert any(s.get("due", 0) > 0 for s in steps) and any(s.get("due", 0) < 0 for s in steps)
    assert any(c["output"].get("sync") is False for c in cases)
    assert any(s["expect"].get("late") for s in steps)
