# artcast_core.text under CPython (test_text.py) and real MicroPython, with
# bare asserts like core_cases.py.

from artcast_core.text import printable, strip_controls

NASTY = "a\x1b]0;owned\x07\x1b[2J\rb\x00\x7f\x9b31m"


def test_printable_escapes_terminal_controls():
    out = printable(NASTY)
    for byte in ("\x1b", "\x07", "\r", "\x00", "\x7f", "\x9b"):
        assert byte not in out, repr(out)
    assert out == "a\\x1b]0;owned\\x07\\x1b[2J\\rb\\x00\\x7f\\x9b31m", out


def test_printable_keeps_ordinary_text():
    for text in ("", "42", "hello world", "caf\u00e9", "\u2603 snow", "C:\\temp", "tab\\t literal"):
        assert printable(text) == text


def test_printable_newlines_escaped_unless_kept():
    assert printable("a\nb") == "a\\nb"
    assert printable("a\nb\tc", True) == "a\nb\\tc"


def test_printable_bidi_overrides_escaped():
    assert printable("abc\u202edef") == "abc\\u202edef"


def test_printable_non_strings():
    assert printable(12) == "12"


def test_strip_controls_leaves_nothing_to_interpret():
    assert strip_controls("a\r\nSet-Cookie: x\x00\x1b") == "aSet-Cookie: x"
    assert strip_controls("caf\u00e9") == "caf\u00e9"
