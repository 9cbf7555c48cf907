"""Timing of /events and /follow on the hub's fake clock (no sleeping):
heartbeats every 15 s and only while streams are open, `id:` at most once
a second but always within it, /follow's hold ending in 204. The real
HTTPServer in this process (tests/support/inprocess.py)."""

import asyncio
import json

from support.fakeclock import FakeClock
from support.inprocess import InProcess


async def read_until(reader, marker, timeout=5.0):
    data = b""
    while marker not in data:
        data += await asyncio.wait_for(reader.read(65536), timeout)
    return data


def publish(hub, key, value):
    hub.publish(key, value, json.dumps([key, value]).encode())


def run(coro):
    asyncio.run(coro)


def test_heartbeat_and_throttled_ids():
    async def go():
        clock = FakeClock()
        async with InProcess(poll_timeout=25, clock=clock, call_later=clock.call_later) as srv:
            hub = srv.hub
            publish(hub, "a", 1)
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
            writer.write(b"GET /events?keys=a,b HTTP/1.1\r\nHost: x\r\n\r\n")
            first = await read_until(reader, b"data: ")
            assert b"id: " in first                     # the current values end with a cursor
            clock.advance(0.2)
            publish(hub, "a", 2)
            publish(hub, "b", 3)
            events = await read_until(reader, b'"value":3')
            assert events.count(b"event: datum") == 2 and b"id: " not in events   # within ID_EVERY
            clock.advance(1.0)
            block = await read_until(reader, b"\n\n")
            assert block.startswith(b"id: ") and block.count(b".") == 1      # both keys in the cursor
            clock.advance(15.0)
            assert b": heartbeat" in await read_until(reader, b": heartbeat")
            writer.close()
            for _ in range(100):
                if not srv.http.app.followers.streams:
                    break
                await asyncio.sleep(0.01)
            assert not srv.http.app.followers.streams
            assert hub.waiting == 0
            assert srv.http.app.followers.heartbeat is None      # an idle server keeps no timer
    run(go())


def test_follow_hold_ends_in_204_on_the_clock():
    async def go():
        clock = FakeClock()
        async with InProcess(poll_timeout=25, clock=clock, call_later=clock.call_later) as srv:
            publish(srv.hub, "f", 1)
            first = await srv.get("/follow?keys=f&wait=0")
            cursor = first.json["cursor"]
            task = asyncio.ensure_future(srv.get("/follow?keys=f&wait=5&after=" + cursor))
            for _ in range(100):
                if srv.hub.waiting:
                    break
                await asyncio.sleep(0.01)
            assert srv.hub.waiting == 1 and not task.done()
            clock.advance(4.0)
            await asyncio.sleep(0.05)
            assert not task.done()
            clock.advance(1.3)
            result = await asyncio.wait_for(task, 5)
            assert result.status_code == 204 and srv.hub.waiting == 0
    run(go())


def test_a_server_behind_never_sends_an_older_datum_to_a_client_ahead():
    """The ordering rule (PROTOCOL.md, "ETag") holds for cursors: server B
    missed datum 2 that server A sent the client; resuming on B, the client
    is not sent B's older datum 1 (by /events or /follow); B's copy of datum 2
    is not sent again; datum 3 is."""
    async def go():
        async with InProcess(poll_timeout=25) as a, InProcess(poll_timeout=1) as b:
            for hub in (a.hub, b.hub):
                publish(hub, "k", 1)
            publish(a.hub, "k", 2)                          # B misses this one
            reader, writer = await asyncio.open_connection("127.0.0.1", a.port)
            writer.write(b"GET /events?keys=k HTTP/1.1\r\nHost: x\r\n\r\n")
            first = await read_until(reader, b'"value":2')
            cursor = first.split(b"id: ")[1].split(b"\n")[0].decode()
            writer.close()
            held = await b.get("/follow?keys=k&after=" + cursor)
            assert held.status_code == 204                  # held for the next datum, never datum 1
            reader, writer = await asyncio.open_connection("127.0.0.1", b.port)
            writer.write(("GET /events?keys=k HTTP/1.1\r\nHost: x\r\nLast-Event-ID: %s\r\n\r\n" % cursor).encode())
            head = await read_until(reader, b"retry: ")
            publish(b.hub, "k", 2)                          # B gets datum 2 late: the client has it
            publish(b.hub, "k", 3)
            rest = await read_until(reader, b'"value":3')
            assert b'"value":1' not in head + rest and b'"value":2' not in head + rest
            writer.close()
    run(go())
