"""Hostile datagrams against a real server (issue 9, items 1, 2, 3, 5, 7).

Each bad datagram is dropped and counted by reason; none costs a good datum
drained in the same wake, strands a waiter, or breaks a response.
"""

import contextlib
import json
import signal
import socket
import threading
import time

import pytest

from artcast_core.datagram import MAX_DEPTH, MAX_REGISTRATION_BYTES, MAX_TEXT
from support.wait import wait_until

DEEP = b'["evil/deep", ' + b"[" * 1000 + b"]" * 1000 + b"]"


def nested(depth, inner=b"1"):
    return b"[" * depth + inner + b"]" * depth


def dropped(server):
    return server.status()["datagrams_dropped"]


@contextlib.contextmanager
def one_wake(server):
    """Everything sent inside arrives in the server's socket while it is
    stopped, so it drains all of it in the same wake when it continues."""
    server.proc.send_signal(signal.SIGSTOP)
    try:
        yield
        time.sleep(0.05)     # loopback delivery is synchronous; a little slack for the kernel
    finally:
        server.proc.send_signal(signal.SIGCONT)


def test_deep_datagrams_never_lose_the_good_ones_in_the_same_wake(server):
    assert len(DEEP) < 8192
    with one_wake(server):
        for i in range(50):
            server.send("good/k%d" % i, i)
            server.send_raw(DEEP)
    server.wait_for_datums(50)
    for i in (0, 17, 49):
        status, _, body = server.get("/artcasts/good/k%d?wait=0" % i)
        assert status == 200 and json.loads(body) == i
    assert dropped(server) == {"too-deep": 50}
    log = server.stderr()
    assert "nests deeper than" in log
    assert "Traceback" not in log and "RecursionError" not in log
    assert log.count("datagram dropped") <= 10          # the error log's rate limit holds


@pytest.mark.parametrize("fmt", ["json", "text", "html"])
def test_depth_just_under_the_limit_is_served_in_every_format(server, fmt):
    server.send_raw(b'["deep/ok", ' + nested(MAX_DEPTH - 2, b'{"a": [1]}') + b"]")
    server.send_raw(b'["deep/no", ' + nested(MAX_DEPTH + 1) + b"]")
    server.wait_for_datums(1)
    wait_until(lambda: dropped(server).get("too-deep") == 1, what="the too-deep drop")
    status, headers, body = server.get("/artcasts/deep/ok?wait=0&format=" + fmt)
    assert status == 200
    if fmt != "html":
        assert json.loads(body) == json.loads(nested(MAX_DEPTH - 2, b'{"a": [1]}'))
    assert server.get("/artcasts/deep/no?wait=0")[0] == 204


NOT_JSON_NUMBERS = [b"NaN", b"Infinity", b"-Infinity", b"1e999999", b"-1e999999", b'{"a": [NaN]}']


def test_numbers_json_cannot_carry_are_dropped_in_data_and_registrations(server):
    for number in NOT_JSON_NUMBERS:
        server.send_raw(b'["num/k", ' + number + b"]")
        server.send_raw(b'["num/k", {"description": ' + number + b"}]", server.register_port)
    server.send("num/k", 1.5)
    server.wait_for_datums(1)
    wait_until(lambda: dropped(server).get("bad-number") == 2 * len(NOT_JSON_NUMBERS),
               what="every bad-number drop")
    status, _, body = server.get("/artcasts/num/k?wait=0")
    assert status == 200 and json.loads(body) == 1.5
    assert json.loads(server.get("/artcasts")[2]) == [{"key": "num/k"}]


def test_lone_surrogates_are_dropped_and_never_strand_a_waiter(server_factory):
    server = server_factory("--poll-timeout", "3")
    results = {}

    def wait_text():
        results["text"] = server.get("/artcasts/sur/k?format=text", timeout=10)
    waiter = threading.Thread(target=wait_text)
    waiter.start()
    wait_until(lambda: server.status()["waiting_clients"] == 1, what="the waiter")
    server.send_raw(b'["sur/k", "\\ud800"]')
    server.send_raw(b'["sur/k", {"x": "a\\udfffb"}]')
    server.send_raw(b'["sur/k", {"description": "\\ud83d"}]', server.register_port)
    server.send_raw(b'["sur/k", {"license": {"uri": "http://x/", "title": "\\udc00"}}]', server.register_port)
    server.send("sur/k", "\U0001f600 ok")               # a real surrogate pair is fine
    waiter.join(10)
    status, headers, body = results["text"]
    assert status == 200 and body.decode("utf-8") == "\U0001f600 ok"
    assert dropped(server) == {"bad-text": 4}
    assert server.get("/artcasts?format=html")[0] == 200


def test_long_registrations_are_dropped_by_reason(server):
    too_long = [
        {"description": "d" * (MAX_TEXT["description"] + 1)},
        {"provenance": "p" * (MAX_TEXT["provenance"] + 1)},
        {"license": {"uri": "http://x/" + "u" * MAX_TEXT["uri"], "title": None}},
        {"license": {"uri": "http://x/", "title": "t" * (MAX_TEXT["title"] + 1)}},
        {"description": "d" * 400, "provenance": "p" * 190, "extra": "x" * 1500},   # over the total
    ]
    for meta in too_long:
        server.send_raw(json.dumps(["reg/k", meta]).encode(), server.register_port)
    assert len(json.dumps(["reg/k", too_long[-1]])) > MAX_REGISTRATION_BYTES
    at_limit = {"description": "d" * MAX_TEXT["description"], "provenance": "p" * MAX_TEXT["provenance"],
                "license": {"uri": "http://x/" + "u" * (MAX_TEXT["uri"] - 9), "title": "t" * MAX_TEXT["title"]}}
    server.send_raw(json.dumps(["reg/k", at_limit]).encode(), server.register_port)
    wait_until(lambda: server.status()["registrations_received"] == 1, what="the good registration")
    wait_until(lambda: dropped(server).get("registration-too-long") == len(too_long), what="the drops")
    listing = json.loads(server.get("/artcasts")[2])
    assert listing == [dict(at_limit, key="reg/k")]


def test_kernel_drops_are_reported(server):
    """Flood a stopped server past its receive buffer (bounded: 3,000 datagrams
    of 1 KB on loopback); /status then shows what the kernel dropped."""
    assert server.status()["datagrams_dropped_by_kernel"] == 0
    payload = b'["flood/k", "' + b"x" * 1000 + b'"]'
    with one_wake(server):
        for _ in range(3000):
            try:
                server.send_raw(payload)
            except OSError:          # ENOBUFS on a busy machine: the flood is the point
                pass
    count = wait_until(lambda: server.status()["datagrams_dropped_by_kernel"], what="kernel drops")
    received = server.status()["datums_received"]
    assert count > 0 and received > 0
    assert count + received <= 3000


def test_kernel_drops_count_is_exact_on_a_tiny_buffer():
    """kernel_drops() against the kernel's own accounting: sent - read = dropped."""
    from artcast_server.multicast import kernel_drops, open_multicast_socket
    from support.net import free_port, loopback_sender
    port = free_port(socket.SOCK_DGRAM)
    sock = open_multicast_socket("224.1.1.1", port, "127.0.0.1")
    sender = loopback_sender()
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        assert kernel_drops([sock]) == 0
        for i in range(200):
            sender.sendto(b'["k", %d]' % i, ("224.1.1.1", port))
        read = 0
        while True:
            try:
                sock.recv(100)
                read += 1
            except BlockingIOError:
                break
        assert 0 < read < 200
        assert kernel_drops([sock]) == 200 - read
    finally:
        sock.close()
        sender.close()
