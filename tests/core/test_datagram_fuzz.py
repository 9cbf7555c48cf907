"""Property-based fuzzing of the datagram parsers (issue 9, "Tests"): whatever
bytes arrive, parse_datum and parse_registration return a value every
response can carry, or raise WireError; nothing else. The fixed hostile
corpus (hostile_cases.py) also runs under the real MicroPython unix port."""

import json
import os

import hostile_cases
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artcast_core.datagram import parse_datum, parse_registration
from artcast_core.errors import WireError
from artcast_core.values import as_json, as_text
from support.micropython import run_test_module

CASES = sorted(name for name in dir(hostile_cases) if name.startswith("test_"))

# Any character, lone surrogates included (st.text leaves them out).
any_char = st.integers(0, 0x10FFFF).map(chr)
any_text = st.lists(any_char, max_size=12).map("".join)
numbers = st.one_of(st.integers(-2 ** 70, 2 ** 70), st.floats(allow_nan=True, allow_infinity=True))
values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, any_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)),
    max_leaves=40)
keys = st.one_of(st.sampled_from(["k", "test/tick", "a//b", "", "x" * 201]), any_text)


def encoded(pair, ascii_only):
    """JSON text of `pair` as bytes, lone surrogates escaped (ascii) or raw."""
    text = json.dumps(pair, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


structured = st.builds(encoded, st.tuples(keys, values).map(list), st.booleans())
registrations = st.builds(
    encoded,
    st.tuples(keys, st.fixed_dictionaries({}, optional={
        "description": st.one_of(st.none(), any_text, values),
        "provenance": st.one_of(st.none(), any_text),
        "license": st.one_of(st.none(), values, st.fixed_dictionaries(
            {"uri": st.one_of(any_text, values)}, optional={"title": st.one_of(st.none(), any_text, values)})),
    })).map(list),
    st.booleans())
TOKENS = [b"[", b"]", b"{", b"}", b'"', b",", b":", b'"k"', b"1", b"-", b"e999", b".5", b"NaN", b"Infinity",
          b"\\ud800", b"\\udc00", b"\\ud83d\\ude00", b"\\\\", b"\\u", b"null", b"true", b" ", b"\xff", b"\xed\xa0\x80"]
token_soup = st.lists(st.sampled_from(TOKENS), max_size=60).map(b"".join)
deep = st.builds(lambda n, o, c: b'["k", ' + o * n + c * n + b"]", st.integers(0, 3000),
                 st.sampled_from([b"[", b'{"a":[']), st.sampled_from([b"]", b"]}"]))
payloads = st.one_of(st.binary(max_size=9000), structured, token_soup, deep)

FUZZ = settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def servable(value):
    """What every response does with a value: JSON (strict), text, UTF-8."""
    json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    as_json(value).encode("utf-8")
    as_text(value).encode("utf-8")


@FUZZ
@given(st.one_of(payloads, registrations))
def test_parse_datum_returns_servable_values_or_raises_wire_error(payload):
    try:
        key, value = parse_datum(payload)
    except WireError as exc:
        assert exc.reason and str(exc)
        return
    servable(value)
    key.encode("ascii")


@FUZZ
@given(st.one_of(registrations, payloads))
def test_parse_registration_returns_servable_text_or_raises_wire_error(payload):
    try:
        key, meta = parse_registration(payload)
    except WireError as exc:
        assert exc.reason and str(exc)
        return
    servable(meta)
    for field in ("description", "provenance"):
        assert meta.get(field) is None or isinstance(meta[field], str)


@pytest.mark.parametrize("name", CASES)
def test_hostile_corpus_cpython(name):
    getattr(hostile_cases, name)()


def test_hostile_corpus_micropython():
    passed, failed = run_test_module(os.path.join(os.path.dirname(__file__), "hostile_cases.py"))
    assert failed == []
    assert sorted(passed) == CASES
