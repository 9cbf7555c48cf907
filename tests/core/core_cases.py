# Tests of the protocol core as plain functions with bare asserts, so the
# same module runs under CPython (pytest, via test_core.py) and under the
# real MicroPython unix port (via the runner in tests/support/micropython.py).

from artcast_core.backoff import Backoff
from artcast_core.datagram import (encode_datum, encode_registration, parse_datum, parse_datum_at, parse_registration,
                                   MAX_DATAGRAM_BYTES)
from artcast_core.errors import WireError
from artcast_core.etag import etag_for, etag_matches
from artcast_core.http import build_get, keeps_alive, parse_response, parse_url, response_complete, response_end
from artcast_core.keys import is_valid_key, key_problem
from artcast_core.longpoll import LongPoll
from artcast_core.negotiate import choose
from artcast_core.values import as_json, as_text


def raises(reason, fn, *args):
    try:
        fn(*args)
    except WireError as exc:
        assert exc.reason == reason, (exc.reason, reason)
        return str(exc)
    raise AssertionError("no WireError(%s)" % reason)


def raises_value_error(fn, *args):
    try:
        fn(*args)
    except WireError:
        raise AssertionError("caller mistakes are ValueError, not WireError")
    except ValueError as exc:
        return str(exc)
    raise AssertionError("no ValueError")


def test_keys():
    for good in ("test/tick", "a", "A-Z.a_z~0-9", "x/" * 99 + "y", "k" * 200):
        assert is_valid_key(good), good
    for bad, word in (("", "empty"), ("k" * 201, "longer"), ("a//b", "empty segment"), ("/a", "empty"),
                      ("a/", "empty"), ("a/./b", "'.'"), ("../a", "'..'"), ("a b", "contains"),
                      ("caf\u00e9", "contains"), (5, "not a string"), (None, "not a string")):
        problem = key_problem(bad)
        assert problem is not None and word in problem, (bad, problem)


def test_parse_datum_any_json_value():
    for payload, value in ((b'["k", 1]', 1), (b'["k", 2.5]', 2.5), (b'["k", "s"]', "s"), (b'["k", null]', None),
                           (b'["k", true]', True), (b'["k", [1, {"a": 2}]]', [1, {"a": 2}]),
                           (b'["k", {"t": -3}]', {"t": -3}), ('["k", "\u00e9"]'.encode("utf-8"), "\u00e9")):
        assert parse_datum(payload) == ("k", value)


def test_parse_datum_errors_by_reason():
    raises("not-utf8", parse_datum, b"\xff\xfe")
    raises("not-json", parse_datum, b"[1,")
    raises("not-pair", parse_datum, b'{"a": 1}')
    raises("not-pair", parse_datum, b'["k"]')
    raises("not-pair", parse_datum, b'["k", 1, {}, 2]')
    raises("bad-play-at", parse_datum, b'["k", 1, 2]')
    raises("bad-key", parse_datum, b'[1, 2]')
    raises("bad-key", parse_datum, b'["a//b", 2]')
    raises("too-large", parse_datum, b"x" * (MAX_DATAGRAM_BYTES + 1))


def test_play_at_datum_forms():
    # The third element is play-at (PROTOCOL.md); the 2012 form is unchanged.
    assert parse_datum_at(b'["k", 1]') == ("k", 1, None)
    assert parse_datum_at(b'["k", 1, {"delay": 0.25}]') == ("k", 1, {"delay": 0.25})
    assert parse_datum_at(b'["k", 1, {"at": 1800000000123, "delay": 1}]') == ("k", 1, {"at": 1800000000123})
    assert parse_datum_at(b'["k", 1, {"later": 1}]') == ("k", 1, None)    # unknown fields ignored
    assert parse_datum(b'["k", 1, {"delay": 0.25}]') == ("k", 1)
    for bad in (b'["k", 1, [0.25]]', b'["k", 1, {"delay": -0.1}]', b'["k", 1, {"delay": 61}]',
                b'["k", 1, {"delay": "1"}]', b'["k", 1, {"at": -5}]', b'["k", 1, {"at": false}]'):
        raises("bad-play-at", parse_datum_at, bad)
    assert encode_datum("k", 1) == b'["k", 1]'
    assert parse_datum_at(encode_datum("k", 1, delay=0.5)) == ("k", 1, {"delay": 0.5})
    assert parse_datum_at(encode_datum("k", 1, at=1234)) == ("k", 1, {"at": 1234})
    assert parse_registration(encode_registration("k", delay=0.25))[1]["delay"] == 0.25
    assert parse_registration(b'["k", {"delay": null}]') == ("k", {"delay": None})
    raises("bad-registration", parse_registration, b'["k", {"delay": 99}]')


def test_longpoll_reads_play_at():
    poll = LongPoll("k")
    poll.handle(200, {"etag": '"a"'}, b"1")
    assert poll.play_at is None                           # a 2012 answer
    poll.handle(200, {"etag": '"b"', "artcast-play-at": "1800000000250"}, b"2")
    assert poll.play_at == 1800000000250
    poll.handle(200, {"etag": '"c"', "artcast-play-at": "soon"}, b"3")
    assert poll.play_at is None                           # garbage: shown at once


def test_registration_roundtrip_and_errors():
    lic = {"uri": "https://creativecommons.org/licenses/by/4.0/", "title": "CC BY"}
    payload = encode_registration("k/a", "Desc", "Prov", lic)
    assert parse_registration(payload) == ("k/a", {"description": "Desc", "provenance": "Prov", "license": lic})
    assert parse_registration(b'["k", {"description": "d", "extra": 1}]') == ("k", {"description": "d"})
    raises("bad-registration", parse_registration, b'["k", 1]')
    raises("bad-registration", parse_registration, b'["k", {"description": 1}]')
    raises("bad-registration", parse_registration, b'["k", {"license": {"title": "t"}}]')
    raises("bad-registration", parse_registration, b'["k", {"license": "CC"}]')


def test_encode_datum_is_the_2012_format_and_checks_caller():
    assert encode_datum("test/tick", 1) == b'["test/tick", 1]'
    assert parse_datum(encode_datum("k", {"a": [1, None]})) == ("k", {"a": [1, None]})
    assert "empty" in raises_value_error(encode_datum, "", 1)
    raises_value_error(encode_datum, "k", "x" * MAX_DATAGRAM_BYTES)
    raises_value_error(encode_datum, "k", object())


def test_etag_derived_from_bytes():
    a = etag_for(b'["k", 1]')
    assert a == etag_for(b'["k", 1]') and a != etag_for(b'["k", 2]')
    assert a.startswith('"') and a.endswith('"') and len(a) == 18
    assert etag_matches(a, a) and etag_matches("W/" + a, a) and etag_matches(a.strip('"'), a)
    assert etag_matches('"zz", ' + a, a) and etag_matches("*", a)
    assert not etag_matches('"zz"', a) and not etag_matches("", a) and not etag_matches(None, a)
    assert etag_matches(a, a.strip('"')) and not etag_matches('"', a)      # an unquoted stored tag; a lone quote


def test_negotiation():
    offered = ["application/json", "text/plain", "text/html"]
    assert choose(None, offered) == "application/json"
    assert choose("", offered) == "application/json"
    assert choose("*/*", offered) == "application/json"
    assert choose("text/*", offered) == "text/plain"
    assert choose("text/html,application/xhtml+xml,*/*;q=0.8", offered) == "text/html"
    assert choose("text/plain;q=0.5, application/json;q=0.6", offered) == "application/json"
    assert choose("application/json;q=0, */*", offered) == "text/plain"
    assert choose("image/png", offered) is None
    assert choose("text/plain;q=bogus", offered) is None


def test_value_formats():
    assert as_text(42) == "42" and as_text(-1.5) == "-1.5" and as_text("hi") == "hi"
    assert as_text(None) == "null" and as_text(False) == "false"
    assert as_text({"a": 1}) == '{"a":1}' and as_json("hi") == '"hi"'


def test_http_helpers():
    assert parse_url("http://h:8888/x/") == ("h", 8888, "/x")
    assert parse_url("http://artcast.local") == ("artcast.local", 80, "")
    raises_value_error(parse_url, "https://h")
    raises_value_error(parse_url, "http://h:port")
    req = build_get("h", 1, "/p", {"If-None-Match": '"e"'})
    assert req.startswith(b"GET /p HTTP/1.1\r\n") and b'If-None-Match: "e"\r\n' in req and req.endswith(b"\r\n\r\n")
    status, headers, body = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nETag: \"x\"\r\n\r\n123extra")
    assert (status, headers["etag"], body) == (200, '"x"', b"123")
    raises("bad-response", parse_response, b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n12")
    raises("bad-response", parse_response, b"garbage\r\n\r\n")
    raises("bad-response", parse_response, b"HTTP/1.1 200")
    whole = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n123"
    assert response_complete(whole) and not response_complete(whole[:-1])
    assert not response_complete(b"HTTP/1.1 200 OK\r\nContent-Len")
    assert response_complete(b"HTTP/1.1 204 No Content\r\nX: y\r\n\r\n")
    assert not response_complete(b"HTTP/1.1 200 OK\r\n\r\nno length: read until close")


def test_keep_alive_helpers():
    assert b"Connection: close" in build_get("h", 1, "/p")
    kept = build_get("h", 1, "/p", {"Accept": "text/plain"}, keep_alive=True)
    assert b"Connection" not in kept and kept.endswith(b"Accept: text/plain\r\n\r\n")
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nETag: \"x\"\r\n\r\n123"
    no_content = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
    assert response_end(first + no_content) == len(first)           # two responses: where the first ends
    assert response_end(no_content) == len(no_content)
    assert response_end(first[:-1]) == -1 and response_end(b"HTTP/1.1 200 OK\r\n\r\nabc") == -1
    assert response_end(b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n") == -1
    assert keeps_alive(first) and keeps_alive(no_content)
    assert not keeps_alive(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    assert not keeps_alive(b"HTTP/1.1 200 OK\r\nCONNECTION: Close\r\n\r\n")
    assert not keeps_alive(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert keeps_alive(b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n")
    poll = LongPoll("k")
    assert b"Connection: close" in poll.request("h", 80)
    assert b"Connection" not in poll.request("h", 80, keep_alive=True)


def test_longpoll_sequence():
    poll = LongPoll("test/tick", hold=20)
    first = poll.request("h", 80)
    assert b"GET /artcasts/test/tick?wait=0 HTTP/1.1" in first and b"If-None-Match" not in first
    assert poll.socket_timeout() == 10
    assert poll.handle(204, {}, b"") == (False, None)
    second = poll.request("h", 80)
    # no datum yet: a tag naming none, so a datum that arrived meanwhile is answered at once
    assert b"?wait=20 " in second and b'If-None-Match: "none"' in second and poll.socket_timeout() == 30
    assert poll.handle(200, {"etag": '"e1"'}, b'{"a": 1}') == (True, {"a": 1})
    assert b'If-None-Match: "e1"' in poll.request("h", 80)
    raises("http-503", poll.handle, 503, {}, b"busy")
    raises("bad-response", poll.handle, 200, {}, b"{nope")
    poll.reset()
    assert b"?wait=0" in poll.request("h", 80) and b'If-None-Match: "e1"' in poll.request("h", 80)
    text = LongPoll("k", fmt="text")
    assert b"format=text" in text.request("h", 80)
    assert text.handle(200, {"etag": '"x"'}, b"21.5") == (True, "21.5")
    raises_value_error(LongPoll, "bad//key")


def test_backoff_grows_caps_and_jitters():
    b = Backoff(base=1, cap=8, rand=lambda: 0.0)
    assert [b.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    b.reset()
    assert b.next_delay() == 0.5
    r = Backoff(base=0.5, cap=30)
    delays = [r.next_delay() for _ in range(50)]
    assert all(0.25 <= d <= 30 for d in delays) and len(set(delays)) > 5
    raises_value_error(Backoff, 0, 1)
