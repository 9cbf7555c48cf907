"""A fixed corpus of hostile HTTP responses for the core's response parser,
run under CPython (test_http_hostile.py) and the real MicroPython port:
parse_response and LongPoll.handle_bytes may only raise WireError, and
header bytes outside printable ASCII come out as "?", never UnicodeError.

Plain asserts and no pytest, so the MicroPython runner can import it."""

from artcast_core.errors import WireError
from artcast_core.http import header_text, parse_response
from artcast_core.longpoll import LongPoll

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"e1\"\r\n"


def _with_body(body, extra=b""):
    return OK_HEAD + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


# Each entry: a response a broken or hostile server could send.
CORPUS = [
    b"",
    b"\r\n\r\n",
    b"\x00\x00\x00\r\n\r\n",
    b"HTTP/1.1\r\n\r\n",
    b"HTTP/1.1 \r\n\r\n",
    b"HTTP/1.1 2000 OK\r\n\r\n",
    b"HTTP/1.1 -20 OK\r\n\r\n",
    b"HTTP/1.1 +20 OK\r\n\r\n",
    b"HTTP/1.1 2_0 OK\r\n\r\n",
    b"HTTP/1.1 \xc3\xa9\xc3\xa9\xc3\xa9 OK\r\n\r\n",
    b"HTTP/1.1 \xff\xfe\xfd OK\r\n\r\n",
    b"\xff\xfeHTTP/1.1 200 OK\r\n\r\n",
    b"HTTP/1.1 200 \xff\xfe\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n123456",
    b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n123456",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1_0\r\n\r\n1234567890",
    b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n1",
    b"HTTP/1.1 200 OK\r\nContent-Length: \xd9\xa3\r\n\r\n123",   # Arabic-Indic 3
    b"HTTP/1.1 200 OK\r\nContent-Length: \xc2\xb2\r\n\r\n12",     # superscript 2
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12",
    b"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n12",
    _with_body(b"1", b"Link: <http://x/l>; rel=\"license\"; title=\"caf\xc3\xa9\"\r\n"),
    _with_body(b"1", b"Link: <http://x/l>; title=\"caf\xe9\"\r\n"),      # latin-1 é
    _with_body(b"1", b"X-\xff\xfe: \xff\r\n"),
    _with_body(b"1", b"no colon at all \xc3\r\n"),
    _with_body(b"1", b"X: a\x00b\x1b[2Jc\r\n"),
    _with_body(b"1", b"X: " + b"\xc3\xa9" * 2000 + b"\r\n"),
    _with_body(b"\xff\xfe"),                              # body not UTF-8
    _with_body(b"\xc3"),                                  # cut UTF-8
    _with_body(b"NaN"),
    _with_body(b"{\"a\": "),
    _with_body(b"[" * 3000),                              # deep nesting, cut
    _with_body(b"[" * 3000 + b"]" * 3000),                # deep nesting, whole
    b"HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\n\xff\xfe\xc3\x00",
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 6\r\n\r\ncaf\xc3\xa9\xc3",
    b"HTTP/1.1 204 No Content\r\nETag: \"\xc3\xa9\"\r\n\r\n",
]


def _only_wire_errors(fn, data):
    try:
        fn(data)
    except WireError:
        pass


def test_parse_response_only_raises_wire_error():
    for data in CORPUS:
        _only_wire_errors(parse_response, data)


def test_longpoll_only_raises_wire_error():
    for fmt in ("json", "text"):
        for data in CORPUS:
            _only_wire_errors(LongPoll("test/tick", fmt=fmt).handle_bytes, data)
            primed = LongPoll("test/tick", fmt=fmt)
            primed.handle(204, {}, b"")
            _only_wire_errors(primed.handle_bytes, data)


def test_non_ascii_link_header_is_kept_as_question_marks():
    data = _with_body(b"42", b"Link: <http://x/l>; rel=\"license\"; title=\"caf\xc3\xa9\"\r\n")
    status, headers, body = parse_response(data)
    assert status == 200 and body == b"42"
    assert headers["link"] == '<http://x/l>; rel="license"; title="caf??"', headers["link"]
    poll = LongPoll("test/tick")
    assert poll.handle_bytes(data) == (True, 42)
    assert poll.etag == '"e1"'


def test_header_text_never_fails():
    assert header_text(b"") == ""
    assert header_text(b"a\tb") == "a b"
    assert header_text(bytes(range(256))) == "?" * 9 + " " + "?" * 22 + "".join(chr(c) for c in range(32, 127)) + "?" * 129


def test_bad_numbers_are_wire_errors():
    for data in (b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n123456",
                 b"HTTP/1.1 -20 OK\r\n\r\n",
                 b"HTTP/1.1 200 OK\r\nContent-Length: \xc2\xb2\r\n\r\n12"):
        try:
            parse_response(data)
        except WireError as e:
            assert e.reason == "bad-response"
        else:
            assert False, data


def test_error_status_message_has_no_control_characters():
    poll = LongPoll("test/tick")
    try:
        poll.handle_bytes(b"HTTP/1.1 500 Oops\r\nContent-Length: 6\r\n\r\n\x1b[2J\xff!")
    except WireError as e:
        assert e.reason == "http-500"
        assert "\x1b" not in str(e) and "?[2J?!" in str(e), str(e)
    else:
        assert False
