# Key patterns, plain asserts: run under CPython (pytest) and MicroPython
# (test_patterns_micropython.py), as the firmware may follow patterns too.

from artcast_core.patterns import any_matches, key_matches, pattern_problem


def test_exact_pattern_names_one_key():
    assert key_matches("room/light", "room/light")
    assert not key_matches("room/light", "room/light/2")
    assert not key_matches("room/light", "room")


def test_star_matches_one_or_more_whole_segments_at_the_end():
    assert key_matches("room/*", "room/light")
    assert key_matches("room/*", "room/2/light")
    assert not key_matches("room/*", "room")
    assert not key_matches("room/*", "roomy/light")
    assert key_matches("*", "anything/at/all")


def test_bad_patterns_are_named():
    assert pattern_problem("room/*") is None
    assert pattern_problem("*") is None
    assert "end in" in pattern_problem("ro*m")
    assert "end in" in pattern_problem("*/x")
    assert "empty segment" in pattern_problem("a//*")
    assert pattern_problem(3) == "pattern is not a string"


def test_any_matches():
    assert any_matches(["a/*", "b"], "b")
    assert not any_matches(["a/*", "b"], "c")
