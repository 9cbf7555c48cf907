"""What a connection may cost: idle keep-alive connections close after
IDLE_TIMEOUT, an answer the client does not take is aborted after
WRITE_TIMEOUT with at most WRITE_CHUNK bytes waiting in user space,
--max-connections bounds them all. In-process (the real HTTPServer on a
loopback socket) on a fake clock: deadlines pass without sleeping."""

import asyncio
import socket

from artcast_server.connection import IDLE_TIMEOUT, WRITE_CHUNK, WRITE_TIMEOUT, WRITING
from artcast_server.hub import Hub
from support.fakeclock import FakeClock
from support.inprocess import InProcess


def fake_server(**kwargs):
    clock = FakeClock()
    return InProcess(hub=Hub(clock=clock, call_later=clock.call_later), **kwargs), clock


async def until(condition, timeout=10.0):
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met within %.0f s" % timeout)


async def request(reader, writer, raw):
    writer.write(raw)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    return head + await asyncio.wait_for(reader.readexactly(length), 5)


def test_idle_connection_closes_after_idle_timeout():
    async def go():
        srv, clock = fake_server()
        async with srv:
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
            status = b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
            assert (await request(reader, writer, status)).startswith(b"HTTP/1.1 200")
            clock.advance(IDLE_TIMEOUT - 1)                    # idle, but not for long enough
            assert (await request(reader, writer, status)).startswith(b"HTTP/1.1 200")
            clock.advance(IDLE_TIMEOUT + 0.5)
            assert await asyncio.wait_for(reader.read(), 5) == b""      # closed quietly, no 408
            await until(lambda: not srv.http.connections)
            writer.close()
    asyncio.run(go())


def test_partial_head_on_a_kept_connection_gets_the_head_timeout():
    async def go():
        srv, clock = fake_server()
        async with srv:
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
            assert (await request(reader, writer, b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")).startswith(b"HTTP/1.1 200")
            writer.write(b"GET /status HTTP/1.1\r\n")            # and never the rest
            await until(lambda: len(srv.http.connections) == 1)
            conn = next(iter(srv.http.connections))
            await until(lambda: conn.buffer)
            clock.advance(10.5)
            assert (await asyncio.wait_for(reader.read(), 5)).startswith(b"HTTP/1.1 408")
            writer.close()
    asyncio.run(go())


LISTING_REQUESTS = 30
LISTINGS = b"GET /artcasts HTTP/1.1\r\nHost: x\r\n\r\n" * LISTING_REQUESTS   # pipelined: far more than the kernel takes


def big_listing(hub):
    """Registrations enough for /artcasts pages of their largest size (about 256 KB)."""
    for i in range(1200):
        hub.register("big/%04d" % i, {"description": "x" * 7000})


def slow_reader(port):
    """A client with a tiny receive buffer that never reads."""
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.connect(("127.0.0.1", port))
    return c


def test_an_answer_not_taken_waits_bounded_and_is_aborted_after_the_write_deadline():
    async def go():
        srv, clock = fake_server()
        async with srv:
            big_listing(srv.hub)
            c = slow_reader(srv.port)
            c.sendall(LISTINGS + b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n" * 50)
            await until(lambda: len(srv.http.connections) == 1)
            conn = next(iter(srv.http.connections))
            await until(lambda: conn.state == WRITING and conn.paused)
            assert conn.transport.get_write_buffer_size() <= WRITE_CHUNK      # the rest of a page waits as a view
            assert conn.transport.is_reading() is False                      # pipelined requests wait
            res = await srv.get("/status")                                   # others are served meanwhile
            assert res.status_code == 200 and res.json["connections_open"] >= 2
            clock.advance(WRITE_TIMEOUT - 1)
            assert conn in srv.http.connections
            clock.advance(2)
            await until(lambda: conn not in srv.http.connections)
            c.close()
    asyncio.run(go())


def test_a_slow_reader_that_catches_up_gets_everything():
    async def go():
        srv, clock = fake_server()
        async with srv:
            big_listing(srv.hub)
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
            writer.write(LISTINGS + b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            await asyncio.sleep(0.05)
            total = 0
            for _ in range(LISTING_REQUESTS):
                listing = await request(reader, writer, b"")
                assert listing.startswith(b"HTTP/1.1 200") and listing.endswith(b"]")
                total += len(listing)
            assert total > 6000000
            status = await request(reader, writer, b"")
            assert status.startswith(b"HTTP/1.1 200") and b'"version"' in status
            writer.close()
    asyncio.run(go())


def test_max_connections_refuses_more_and_stops_keeping_alive_at_the_limit():
    async def go():
        async with InProcess(max_connections=2) as srv:
            r1, w1 = await asyncio.open_connection("127.0.0.1", srv.port)
            first = await request(r1, w1, b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"Connection: close" not in first                # 1 of 2: kept open
            r2, w2 = await asyncio.open_connection("127.0.0.1", srv.port)
            second = await request(r2, w2, b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"Connection: close" in second                   # at the limit: closed after the answer
            assert await asyncio.wait_for(r2.read(), 5) == b""
            r3, w3 = await asyncio.open_connection("127.0.0.1", srv.port)
            r4, w4 = await asyncio.open_connection("127.0.0.1", srv.port)
            refused = await asyncio.wait_for(r4.read(), 5)
            assert refused.startswith(b"HTTP/1.1 503") and b"Retry-After: 5" in refused
            for w in (w1, w2, w3, w4):
                w.close()
    asyncio.run(go())


class FullTransport:
    """A transport whose kernel buffer is full: everything written waits in
    user space, and the protocol is paused as asyncio would (high-water 0)."""

    def __init__(self):
        self.buffered = 0
        self.protocol = None

    def write(self, data):
        self.buffered += len(data)
        self.protocol.pause_writing()


def test_a_large_answer_waits_as_a_view_with_one_chunk_in_the_transport():
    from artcast_server.connection import Connection
    conn = Connection(server=None)
    conn.transport = transport = FullTransport()
    transport.protocol = conn
    answer = b"x" * (10 * WRITE_CHUNK + 5)
    conn.write(answer)
    assert transport.buffered == WRITE_CHUNK                 # one chunk handed over, not 640 KB
    assert len(conn.out) == len(answer) - WRITE_CHUNK and conn.out.obj is answer     # the rest: a view, no copy
