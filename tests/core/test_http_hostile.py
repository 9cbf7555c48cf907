"""The core's HTTP response parser against hostile bytes: a fixed corpus
under CPython and the real MicroPython port (http_hostile_cases.py), and a
hypothesis property test (CPython) that the only exception is WireError."""

import os

import http_hostile_cases
import pytest
from hypothesis import given, settings, strategies as st

from artcast_core.errors import WireError
from artcast_core.http import parse_response, response_complete
from artcast_core.longpoll import LongPoll
from support.micropython import run_test_module

CASES = sorted(name for name in dir(http_hostile_cases) if name.startswith("test_"))


@pytest.mark.parametrize("name", CASES)
def test_cpython(name):
    getattr(http_hostile_cases, name)()


def test_micropython_runs_every_case():
    passed, failed = run_test_module(os.path.join(os.path.dirname(__file__), "http_hostile_cases.py"))
    assert failed == []
    assert sorted(passed) == CASES


# Responses that get past the first checks, so the fuzzer reaches the
# header, Content-Length and body paths and not only "no header".
_token = st.binary(max_size=40)
_status = st.one_of(st.sampled_from([b"200", b"204", b"304", b"404", b"500", b"503"]),
                    st.binary(min_size=0, max_size=5))
_header = st.one_of(
    st.tuples(st.sampled_from([b"Content-Length", b"ETag", b"Link", b"content-length"]), _token),
    st.tuples(_token, _token))
_body = st.one_of(st.binary(max_size=200),
                  st.sampled_from([b"42", b"[1, 2]", b'"\\ud800"', b"NaN", b"1e999999", b"[" * 500]))


@st.composite
def responses(draw):
    head = b"HTTP/1." + draw(st.sampled_from([b"0", b"1", b"x"])) + b" " + draw(_status) + b" " + draw(_token)
    for name, value in draw(st.lists(_header, max_size=6)):
        head += b"\r\n" + name + b":" + draw(st.sampled_from([b"", b" ", b"\t"])) + value
    return head + b"\r\n\r\n" + draw(_body)


def _check(data):
    response_complete(data)   # must not raise at all
    try:
        parse_response(data)
    except WireError:
        pass
    for fmt in ("json", "text"):
        for primed in (False, True):
            poll = LongPoll("test/tick", fmt=fmt)
            if primed:
                poll.handle(204, {}, b"")
            try:
                poll.handle_bytes(data)
            except WireError:
                pass


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_wire_error(data):
    _check(data)


@settings(max_examples=600, deadline=None)
@given(responses())
def test_response_shaped_bytes_raise_only_wire_error(data):
    _check(data)
