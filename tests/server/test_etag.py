"""ETag / If-None-Match / ?after= / ?wait= semantics (PROTOCOL.md)."""

import json
import threading
import time

from artcast_core.etag import etag_for


def test_wait_zero_answers_current_value_or_204(server):
    status, _, _ = server.get("/artcasts/e/k?wait=0", timeout=2)
    assert status == 204
    server.send("e/k", 1)
    server.wait_for_datums(1)
    status, headers, body = server.get("/artcasts/e/k?wait=0", timeout=2)
    assert status == 200 and json.loads(body) == 1 and headers["etag"]


def etag_then_newer(server):
    """Send 1 and read its ETag, then send 2: the client's tag is now old."""
    server.send("e/k", 1)
    server.wait_for_datums(1)
    old = server.get("/artcasts/e/k?wait=0")[1]["etag"]
    server.send("e/k", 2)
    server.wait_for_datums(2)
    return old


def test_if_none_match_different_answers_at_once(server):
    old = etag_then_newer(server)
    start = time.monotonic()
    status, headers, body = server.get("/artcasts/e/k", {"If-None-Match": old}, timeout=3)
    assert status == 200 and json.loads(body) == 2
    assert headers["etag"] != old
    assert time.monotonic() - start < 2


def test_after_query_is_the_same_as_if_none_match(server):
    old = etag_then_newer(server)
    status, _, body = server.get("/artcasts/e/k?after=" + old.strip('"'), timeout=3)
    assert status == 200 and json.loads(body) == 2


def test_matching_etag_waits_for_next(server):
    server.send("e/k", 1)
    server.wait_for_datums(1)
    current = server.get("/artcasts/e/k?wait=0")[1]["etag"]
    assert server.get("/artcasts/e/k?wait=0", {"If-None-Match": current})[0] == 204
    threading.Timer(0.3, server.send, ("e/k", 3)).start()
    start = time.monotonic()
    status, _, body = server.get("/artcasts/e/k", {"If-None-Match": current})
    assert status == 200 and json.loads(body) == 3 and time.monotonic() - start >= 0.25


def test_slow_client_never_misses_latest_state(server):
    """A client that sends back its ETag sees the latest value however many
    datums it slept through."""
    server.send("e/k", 0)
    server.wait_for_datums(1)
    etag = server.get("/artcasts/e/k?wait=0")[1]["etag"]
    for i in range(1, 20):
        server.send("e/k", i)
    server.wait_for_datums(20)
    status, headers, body = server.get("/artcasts/e/k", {"If-None-Match": etag}, timeout=3)
    assert json.loads(body) == 19


def test_etag_is_identical_on_two_servers(server_factory):
    a = server_factory()
    b = server_factory(data_port=a.data_port, register_port=a.register_port)
    a.send("e/shared", {"v": 1})                   # one datagram, both servers hear it
    a.wait_for_datums(1)
    b.wait_for_datums(1)
    ea = a.get("/artcasts/e/shared?wait=0")[1]["etag"]
    eb = b.get("/artcasts/e/shared?wait=0")[1]["etag"]
    assert ea == eb == etag_for(b'["e/shared", {"v": 1}]')


def test_poll_timeout_gives_204(server_factory):
    s = server_factory("--poll-timeout", "0.5")
    start = time.monotonic()
    status, headers, body = s.get("/artcasts/e/none")
    assert status == 204 and body == b""
    assert 0.4 <= time.monotonic() - start < 3
    assert headers["access-control-allow-origin"] == "*"


def test_wait_shorter_than_timeout(server):
    start = time.monotonic()
    status, _, _ = server.get("/artcasts/e/none?wait=0.3")
    assert status == 204 and 0.25 <= time.monotonic() - start < 3


def test_wait_is_capped_by_poll_timeout(server_factory):
    s = server_factory("--poll-timeout", "0.4")
    start = time.monotonic()
    assert s.get("/artcasts/e/none?wait=100")[0] == 204
    assert time.monotonic() - start < 3


def test_poll_timeout_zero_holds_until_datum(server_factory):
    s = server_factory("--poll-timeout", "0")
    threading.Timer(1.2, s.send, ("e/late", "x")).start()
    status, _, body = s.get("/artcasts/e/late", timeout=5)
    assert status == 200 and body == b'"x"'


def test_bad_wait_is_400(server):
    for bad in ("abc", "-1", "nan", "inf"):
        status, _, body = server.get("/artcasts/e/k?wait=" + bad)
        assert status == 400, bad
        assert b"wait" in body
