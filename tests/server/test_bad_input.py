"""Bad input gets a clear answer and nothing breaks (PROTOCOL.md, "Datagrams" and "HTTP")."""

import json
import socket
import time

import pytest

from support.net import http_get
from support.wait import wait_until


BAD_DATAGRAMS = [
    (b"\xff\xfe", "not-utf8"),
    (b"{not json", "not-json"),
    (b'{"key": "a", "value": 1}', "not-pair"),
    (b'["a"]', "not-pair"),
    (b'["a", 1, {}, 2]', "not-pair"),
    (b'["a", 1, 2]', "bad-play-at"),
    (b'[1, 2]', "bad-key"),
    (b'["a//b", 1]', "bad-key"),
    (b'["../etc", 1]', "bad-key"),
    (b'["' + b"k" * 201 + b'", 1]', "bad-key"),
    (b'["a", "' + b"x" * 9000 + b'"]', "too-large"),
]


def test_bad_datagrams_are_counted_by_reason_and_server_keeps_serving(server):
    for payload, _ in BAD_DATAGRAMS:
        server.send_raw(payload)
    server.send("ok/key", 1)
    server.wait_for_datums(1)
    time.sleep(0.2)
    expected = {}
    for _, reason in BAD_DATAGRAMS:
        expected[reason] = expected.get(reason, 0) + 1
    assert server.status()["datagrams_dropped"] == expected
    assert json.loads(server.get("/artcasts/ok/key?wait=0")[2]) == 1
    assert "datagram dropped" in server.stderr()


def test_dropped_datagram_log_names_the_sender(server):
    """The error log says who sent a bad datagram (data and registration
    ports), so a technician can find the misbehaving source."""
    sender = server.sender
    sender.bind(("127.0.0.1", 0))
    port = sender.getsockname()[1]
    server.send_raw(b"{not json")
    server.send_raw(b'["a//b"]', server.register_port)
    wait_until(lambda: server.stderr().count("(from 127.0.0.1:%d)" % port) == 2, timeout=30,
               what=lambda: "two drop lines naming the sender in: " + server.stderr())
    lines = [line for line in server.stderr().splitlines() if "datagram dropped" in line]
    assert sorted(line.split(" WARNING ", 1)[1] for line in lines) == [
        "data datagram dropped: datagram is not JSON (from 127.0.0.1:%d)" % port,
        "registration datagram dropped: datagram is not a JSON array [key, value] (from 127.0.0.1:%d)" % port]


def test_bad_registrations_dropped(server):
    for payload in (b'["k", 5]', b'["k", {"description": 5}]', b'["k", {"license": "CC"}]',
                    b'["k", {"license": {"title": "no uri"}}]'):
        server.send_raw(payload, server.register_port)
    server.register("k", description="good")
    time.sleep(0.3)
    st = server.status()
    assert st["datagrams_dropped"] == {"bad-registration": 4}
    assert json.loads(server.get("/artcasts")[2]) == [{"key": "k", "description": "good",
                                                        "provenance": None, "license": None}]


def test_error_log_is_rate_limited(server):
    for i in range(200):
        server.send_raw(b"junk %d" % i)
    server.send("ok/key", 1)
    server.wait_for_datums(1)
    time.sleep(0.2)
    assert server.status()["datagrams_dropped"]["not-json"] == 200
    assert server.stderr().count("datagram dropped") <= 10


@pytest.mark.parametrize("path", ["/artcasts/a//b", "/artcasts/a/../b", "/artcasts/a/./b",
                                  "/artcasts/" + "k" * 201, "/artcasts/a%20b", "/artcasts/caf%C3%A9"])
def test_invalid_key_is_400(server, path):
    status, _, body = server.get(path, timeout=3)
    assert status == 400 and b"key" in body


ALLOWED = "(allowed: A-Z a-z 0-9 . _ ~ - and /)"


@pytest.mark.parametrize("path, message", [
    ("/artcasts/caf%C3%A9", "Bad key: key contains 'é' " + ALLOWED),
    ("/artcasts/a%20b", "Bad key: key contains ' ' " + ALLOWED),
    ("/artcasts/x%00y", "Bad key: key contains '\\x00' " + ALLOWED),       # shown escaped, never raw
    ("/artcasts/100%", "Bad key: key contains '%' " + ALLOWED),
    ("/artcasts/room%2Flight", "Bad key: key is percent-encoded: write it as 'room/light' "
                               "(keys need no escaping in URLs)"),
    ("/artcasts/caf%C3%A9/history", "Bad key: key contains 'é' " + ALLOWED),
])
def test_percent_encoded_key_names_the_decoded_character(server, path, message):
    status, _, body = server.get(path, timeout=10)
    assert (status, body.decode("utf-8")) == (400, message + "\n")


def test_unknown_path_404_and_wrong_method_405(server):
    assert server.get("/nothing/here")[0] == 404
    status, headers, _ = server.get("/artcasts/a", method="DELETE")
    assert status == 405


def test_max_keys(server_factory):
    s = server_factory("--max-keys", "3")
    for i in range(5):
        s.send("k/%d" % i, i)
    s.wait_for_datums(3)
    time.sleep(0.2)
    st = s.status()
    assert st["known_keys"] == 3 and st["datagrams_dropped"] == {"too-many-keys": 2}
    assert json.loads(s.get("/artcasts/k/2?wait=0")[2]) == 2   # old keys still served


def test_max_clients_503_with_retry_after(server_factory):
    s = server_factory("--max-clients", "2")
    socks = []
    for _ in range(2):
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"GET /artcasts/m/k HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(c)
    deadline = time.time() + 5
    while s.status()["waiting_clients"] < 2 and time.time() < deadline:
        time.sleep(0.02)
    status, headers, _ = s.get("/artcasts/m/k")
    assert status == 503 and headers["retry-after"]
    s.send("m/k", 1)            # the two held requests still get the value
    for c in socks:
        c.settimeout(5)
        assert b"200 OK" in c.recv(4096)
        c.close()


def test_slowloris_head_dropped_after_10s(server):
    c = socket.create_connection(("127.0.0.1", server.port))
    c.sendall(b"GET /artcasts/a HTTP/1.1\r\nHost: x\r\n")    # never finishes the head
    c.settimeout(15)
    start = time.monotonic()
    data = c.recv(4096)
    assert data == b"" or data.startswith(b"HTTP/1.1 408")
    assert 9 <= time.monotonic() - start < 14
    c.close()
    assert server.get("/status")[0] == 200


def test_oversize_headers_rejected(server):
    status, _, _ = http_get(server.port, "/artcasts/a", {"X-Big": "y" * 3000})
    assert status == 431
    many = {"X-H%d" % i: "v" * 1000 for i in range(20)}
    status, _, _ = http_get(server.port, "/artcasts/a", many)
    assert status == 431


def test_garbage_request_line_is_400(server):
    c = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    c.sendall(b"HELLO\r\n\r\n")
    assert c.recv(4096).startswith(b"HTTP/1.1 400")
    c.close()
    assert server.get("/status")[0] == 200


def test_client_that_disconnects_while_waiting(server):
    for _ in range(20):
        c = socket.create_connection(("127.0.0.1", server.port))
        c.sendall(b"GET /artcasts/d/k HTTP/1.1\r\nHost: x\r\n\r\n")
        c.close()
    time.sleep(0.2)
    server.send("d/k", 1)
    time.sleep(0.2)
    assert json.loads(server.get("/artcasts/d/k?wait=0")[2]) == 1
