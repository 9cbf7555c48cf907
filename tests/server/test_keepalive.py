"""HTTP/1.1 keep-alive against the real server (PROTOCOL.md, "Connections"):
answers leave the connection open unless the client asked to close; the
2012 behaviour (close after each answer) stays for clients that ask for it;
the Python clients reuse one connection for many values."""

import asyncio
import json
import socket
import threading
import subprocess
import urllib.request

from artcast_client.watch import HTTPConnection, watch
from artcast_core.http import build_get, keeps_alive, parse_response, response_end
from support.net import read_until_close
from support.wait import wait_until


def read_response(sock, timeout=10.0):
    """One whole response from `sock` (by Content-Length), and whatever follows it."""
    sock.settimeout(timeout)
    data = b""
    while response_end(data) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed after %r" % data[:200])
        data += chunk
    end = response_end(data)
    return data[:end], data[end:]


def closed_by_server(sock, timeout=10.0):
    """True when the server closes `sock` (EOF) within `timeout`, sending nothing more."""
    sock.settimeout(timeout)
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


class Status:
    """/status over one kept-open connection, so polling it opens no connections."""

    def __init__(self, server):
        self.server = server
        self.conn = HTTPConnection("127.0.0.1", server.port)

    def __call__(self):
        data = self.conn.exchange(build_get("127.0.0.1", self.server.port, "/status", keep_alive=True), 10)
        return json.loads(parse_response(data)[2])

    def close(self):
        self.conn.close()


def test_many_requests_on_one_connection(server):
    server.send("ka/k", 1)
    server.wait_for_datums(1)
    status = Status(server)
    accepted = status()["connections_accepted"]
    with socket.create_connection(("127.0.0.1", server.port)) as c:
        for _ in range(5):
            c.sendall(b"GET /artcasts/ka/k?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n")
            response, rest = read_response(c)
            assert rest == b"" and keeps_alive(response) and b"\r\nConnection:" not in response
            assert parse_response(response)[:3:2] == (200, b"1")
        c.sendall(b"GET /artcasts/ka/k?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        etag = parse_response(read_response(c)[0])[1]["etag"]
        c.sendall(("GET /artcasts/ka/k?wait=0 HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\n\r\n" % etag).encode())
        response, _ = read_response(c)                          # a 204 keeps it open too
        assert response.startswith(b"HTTP/1.1 204") and keeps_alive(response)
        c.sendall(b"GET /artcasts/ka/k HTTP/1.1\r\nHost: x\r\n\r\n")      # a long-poll on the same connection
        wait_until(lambda: status()["waiting_clients"] == 1)
        server.send("ka/k", 2)
        response, _ = read_response(c)
        assert parse_response(response)[2] == b"2" and keeps_alive(response)
    assert status()["connections_accepted"] - accepted == 1
    assert status.conn.opened == 1
    status.close()


def test_connection_close_and_http10_close_after_the_answer(server):
    for request in (b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET /status HTTP/1.0\r\n\r\n",                       # a 2012 client
                    b"GET /status HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", server.port)) as c:
            c.sendall(request)
            response, rest = read_response(c)
            assert b"\r\nConnection: close\r\n" in response and not keeps_alive(response)
            assert rest == b"" and closed_by_server(c)


def test_http10_keep_alive_is_honoured(server):
    with socket.create_connection(("127.0.0.1", server.port)) as c:
        for _ in range(2):
            c.sendall(b"GET /status HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            response, _ = read_response(c)
            assert b"\r\nConnection: keep-alive\r\n" in response and response.startswith(b"HTTP/1.1 200")


def test_read_until_close_clients_still_work(server):
    """urllib (what a 2012 Python client used) sends Connection: close and
    reads to the end; curl keeps the connection but reads by Content-Length."""
    server.send("ka/old", {"v": 1})
    server.wait_for_datums(1)
    with urllib.request.urlopen(server.url + "/artcasts/ka/old?wait=0", timeout=10) as r:
        assert json.loads(r.read()) == {"v": 1} and r.headers["Connection"] == "close"
    out = subprocess.run(["curl", "-s", "--max-time", "10", server.url + "/artcasts/ka/old?wait=0",
                          server.url + "/artcasts/ka/old?wait=0&format=text"],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout == '{"v":1}{"v":1}', out
    # a raw HTTP/1.0 request without keep-alive, read until the server closes
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as c:
        c.sendall(b"GET /artcasts/ka/old?wait=0 HTTP/1.0\r\n\r\n")
        data = read_until_close(c)
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b'{"v":1}')


def test_pipelined_requests_are_answered_in_order(server):
    server.send("ka/p", "x")
    server.wait_for_datums(1)
    with socket.create_connection(("127.0.0.1", server.port)) as c:
        c.sendall(b"GET /artcasts/ka/p?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        first, rest = read_response(c)
        while response_end(rest) < 0:
            rest += c.recv(65536)
        second = rest[:response_end(rest)]
        rest = rest[len(second):]
        while response_end(rest) < 0:
            rest += c.recv(65536)
        third = rest
        assert parse_response(first)[2] == b'"x"'
        assert json.loads(parse_response(second)[2])["version"]
        assert third.startswith(b"HTTP/1.1 404") and b"Connection: close" in third
        assert closed_by_server(c)


def feed_values(server, status, key, values):
    """Send each value once the client waits for the next (a thread)."""
    def run():
        seen = status()["datums_received"]
        for value in values:
            wait_until(lambda: status()["waiting_clients"] == 1)
            server.send(key, value)
            seen += 1
            wait_until(lambda: status()["datums_received"] == seen)    # delivered before the next
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_python_client_reuses_one_connection_for_many_values(server):
    status = Status(server)
    server.send("ka/w", 0)
    server.wait_for_datums(1)
    before = status()["connections_accepted"]
    feeder = feed_values(server, status, "ka/w", range(1, 11))
    values = []
    for value in watch(server.url, "ka/w", hold=20):
        values.append(value)
        if value == 10:
            break
    feeder.join()
    assert values == list(range(11))
    assert status()["connections_accepted"] - before == 1      # one TCP connection for 11 values
    status.close()


def test_kinetic_follower_reuses_one_connection(server):
    from artcast_kinetic.follow import follow
    status = Status(server)
    before = status()["connections_accepted"]
    feeder = feed_values(server, status, "ka/f", range(1, 9))
    values, links = [], []

    async def main():
        done = asyncio.Event()

        def on_value(key, value):
            values.append(value)
            if value == 8:
                done.set()
        task = asyncio.ensure_future(follow(server.url, "ka/f", on_value, lambda *a: links.append(a[1]), hold=20))
        try:
            await asyncio.wait_for(done.wait(), 30)
        finally:
            task.cancel()
    asyncio.run(main())
    feeder.join()
    assert values == list(range(1, 9)) and links == [True]
    assert status()["connections_accepted"] - before == 1
    status.close()


def test_client_reconnects_when_the_server_closes_an_idle_connection(server):
    """The server closing a kept-open connection (idle timeout, restart) costs
    the client nothing: the next exchange goes out on a new connection."""
    conn = HTTPConnection("127.0.0.1", server.port)
    request = build_get("127.0.0.1", server.port, "/status", keep_alive=True)
    assert parse_response(conn.exchange(request, 10))[0] == 200
    conn.sock.shutdown(socket.SHUT_RD)          # as if the server had closed it
    server.stop()
    server.start()
    assert parse_response(conn.exchange(request, 10))[0] == 200
    assert conn.opened == 2
