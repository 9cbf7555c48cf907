# Hostile datagrams for the core's parsers, as plain functions with bare
# asserts: the same module runs under CPython (test_datagram_fuzz.py) and
# under the real MicroPython unix port. The only exception either parser may
# raise is WireError, whose reason names what was wrong.

from artcast_core.datagram import MAX_DEPTH, parse_datum, parse_registration
from artcast_core.errors import WireError


def _deep(depth, open_=b"[", close=b"]"):
    return b'["k", ' + open_ * depth + close * depth + b"]"


# (payload, reason); reason None: accepted. Some reasons differ by
# interpreter (MicroPython's json refuses NaN as not JSON): a tuple lists both.
CORPUS = [
    (_deep(1000), "too-deep"),
    (_deep(4000), "too-deep"),
    (_deep(MAX_DEPTH + 1), "too-deep"),
    (_deep(MAX_DEPTH), None),
    (b'["k", ' + b'{"a":' * 40 + b"1" + b"}" * 40 + b"]", "too-deep"),
    (b"[" * 5000, ("not-json", "too-deep")),
    (b'["k", NaN]', ("bad-number", "not-json")),
    (b'["k", Infinity]', ("bad-number", "not-json")),
    (b'["k", -Infinity]', ("bad-number", "not-json")),
    (b'["k", 1e999999]', "bad-number"),
    (b'["k", [1, -1e400]]', "bad-number"),
    (b'["k", {"x": 1e999}]', "bad-number"),
    (b'["k", "\\ud800"]', "bad-text"),
    (b'["k", "\\udfff tail"]', "bad-text"),
    (b'["k", "\\ud800\\u0041"]', "bad-text"),
    (b'["k", "\\ud800\\ud800"]', "bad-text"),
    (b'["k", {"\\udc00": 1}]', "bad-text"),
    (b'["k", "\\\\ud800"]', None),                # an escaped backslash, then "ud800"
    (b'["k", "\\ud83d\\ude00"]', None),           # a real pair
    (b'["k", "\\u00e9\\u0000"]', None),
    (b"\xed\xa0\x80", ("not-utf8", "not-json")),
    (b"\xff", "not-utf8"),
    (b"", "not-json"),
    (b"[", "not-json"),
    (b'["k"', "not-json"),
    (b'["k", 1', "not-json"),
    (b'["k", "unterminated]', "not-json"),
    (b'["k", tru]', "not-json"),
    (b"null", "not-pair"),
    (b"{}", "not-pair"),
    (b'[["k"], 1]', "bad-key"),
    (b'[null, 1]', "bad-key"),
    (b'["a b", 1]', "bad-key"),
    (b'["k", 1]' + b" " * 9000, "too-large"),
]

REGISTRATIONS = [
    (b'["k", {"description": NaN}]', ("bad-number", "not-json")),
    (b'["k", {"description": "\\ud800"}]', "bad-text"),
    (b'["k", {"license": {"uri": "\\udc00", "title": null}}]', "bad-text"),
    (b'["k", {"description": [' + b"[" * 100 + b"]" * 100 + b"]}]", "too-deep"),
    (b'["k", {"description": "' + b"d" * 501 + b'"}]', "registration-too-long"),
    (b'["k", {"provenance": "' + b"p" * 201 + b'"}]', "registration-too-long"),
    (b'["k", {"license": {"uri": "' + b"u" * 301 + b'"}}]', "registration-too-long"),
    (b'["k", {"license": {"uri": "u", "title": "' + b"t" * 121 + b'"}}]', "registration-too-long"),
    (b'["k", {"x": "' + b"x" * 3000 + b'"}]', "registration-too-long"),
    (b'["k", {"license": "CC"}]', "bad-registration"),
    (b'["k", {"license": {"uri": 5}}]', "bad-registration"),
    (b'["k", {"description": 5}]', "bad-registration"),
    (b'["k", []]', "bad-registration"),
    (b'["k", {"description": "' + b"d" * 500 + b'", "license": null}]', None),
]


def _check(parse, cases):
    for payload, expected in cases:
        try:
            parse(payload)
            got = None
        except WireError as exc:
            got = exc.reason
        # any other exception escapes and fails the test: that is the point
        allowed = expected if isinstance(expected, tuple) else (expected,)
        assert got in allowed, (payload[:60], got, expected)


def test_hostile_datums_raise_only_wire_errors():
    _check(parse_datum, CORPUS)


def test_hostile_registrations_raise_only_wire_errors():
    _check(parse_registration, REGISTRATIONS)
    for payload, _ in CORPUS:       # every hostile datum is also a bad registration
        try:
            parse_registration(payload)
        except WireError:
            pass
