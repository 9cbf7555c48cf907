"""Request heads the server refuses or accepts at once, never by waiting out
the 10 s head deadline (PROTOCOL.md, "HTTP"), and the guarantees a mutation
of the server once slipped past: the 413 body limit, and the release of a
client that goes away while held."""

import socket
import time

from support.net import http_get
from support.wait import wait_until

FAST = 5.0          # seconds: far below the 10 s head deadline, generous on a busy machine


def exchange(server, raw, timeout=FAST):
    """Send raw bytes, return what the server sends before closing or `timeout`."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as c:
        c.sendall(raw)
        return c.recv(65536)


def test_header_line_over_2kb_is_431(server):
    status, _, body = http_get(server.port, "/artcasts/a", {"X-Big": "y" * 3000})
    assert status == 431 and b"too large" in body
    status, _, _ = http_get(server.port, "/artcasts/a?wait=0", {"X-Fits": "y" * 1900})
    assert status == 204


def test_request_line_over_2kb_is_414(server):
    assert exchange(server, b"GET /artcasts/" + b"a" * 3000 + b" HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 414")
    # and before its end has arrived
    assert exchange(server, b"GET /artcasts/" + b"a" * 3000).startswith(b"HTTP/1.1 414")


def test_bare_lf_request_is_answered_at_once(server):
    server.send("lf/k", 5)
    server.wait_for_datums(1)
    start = time.monotonic()
    data = exchange(server, b"GET /artcasts/lf/k?wait=0 HTTP/1.1\nHost: x\nConnection: close\n\n")
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"5")
    assert time.monotonic() - start < FAST
    data = exchange(server, b"GET /status HTTP/1.0\r\nHost: x\n\r\n")          # mixed line ends
    assert data.startswith(b"HTTP/1.1 200 OK")


def test_expect_100_continue_is_answered_at_once(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=FAST) as c:
        c.sendall(b"POST /artcasts/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        assert c.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"
        c.sendall(b"hello")
        assert c.recv(4096).startswith(b"HTTP/1.1 403")      # HTTP publish is off on this server
    data = exchange(server, b"POST /artcasts/x HTTP/1.1\r\nContent-Length: 5\r\nExpect: teapot\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 417")


def test_body_over_16kb_is_413_before_the_body_is_sent(server):
    """Mutation-proof: without the limit the server waits for a body that
    never comes and recv() times out."""
    data = exchange(server, b"GET /artcasts/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 413")
    data = exchange(server, b"POST /artcasts/a HTTP/1.1\r\nHost: x\r\nContent-Length: 16385\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 413")


def test_bad_content_length_and_chunked_bodies_are_400(server):
    for head in (b"Content-Length: x", b"Content-Length: -1", b"Transfer-Encoding: chunked"):
        data = exchange(server, b"GET /status HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n\r\n")
        assert data.startswith(b"HTTP/1.1 400"), head


def test_a_client_that_leaves_while_held_is_released(server_factory):
    """Mutation-proof: without hub.release() on disconnect the waiter stays
    counted until --poll-timeout, and with --max-clients 1 the next client
    gets 503."""
    s = server_factory("--max-clients", "1", "--poll-timeout", "60")
    for how in ("close", "half-close"):
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"GET /artcasts/r/k HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_until(lambda: s.status()["waiting_clients"] == 1, FAST)
        if how == "close":
            c.close()
        else:
            c.shutdown(socket.SHUT_WR)          # half-close: the request ends too (PROTOCOL.md)
        wait_until(lambda: s.status()["waiting_clients"] == 0, FAST)
        c.close()
    with socket.create_connection(("127.0.0.1", s.port), timeout=FAST) as c:
        c.sendall(b"GET /artcasts/r/k HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_until(lambda: s.status()["waiting_clients"] == 1, FAST)      # held, not refused with 503
        s.send("r/k", 1)
        assert c.recv(4096).startswith(b"HTTP/1.1 200")
