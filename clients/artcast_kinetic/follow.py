"""Follow one key over asyncio streams: the shared LongPoll state machine
(artcast_core.longpoll) plus Backoff, with the sockets added here.

    async def on_value(key, value): ...
    async def on_link(key, online, reason): ...
    await follow("http://127.0.0.1:8888", "test/tick", on_value, on_link)

The first request asks ?wait=0 (the current value at once), then every
request carries If-None-Match with the last ETag, so a slow loop never
misses the latest state. All requests go over one kept-open connection
(HTTP/1.1 keep-alive), reopened when the server closes it. A refused connection, a server that dies
mid-poll, a cut or garbled response, or silence past the socket timeout
all count as "offline": on_link(key, False, reason) is called once, the
poll starts over with wait=0, and reconnects back off with jitter.
"""

import asyncio
import logging

from artcast_client.watch import AsyncHTTPConnection  # one asyncio exchange for every Python client
from artcast_core.backoff import Backoff
from artcast_core.errors import WireError
from artcast_core.http import parse_response, parse_url
from artcast_core.longpoll import DEFAULT_HOLD, LongPoll

log = logging.getLogger("artcast.kinetic")

def default_device():
    """The Artcast-Device header of this Pi: its host name and our version."""
    import socket
    from artcast_core import VERSION
    return "%s; fw=%s" % (socket.gethostname()[:64], VERSION)


async def follow(url, key, on_value, on_link, hold=DEFAULT_HOLD, backoff=None, sleep=None, play_at=False,
                 device=None):
    """Follow `key` forever (until cancelled).

    on_value(key, value) and on_link(key, online, reason) may be plain
    functions or coroutines. `sleep` is for tests (defaults to asyncio.sleep).
    play_at=True: on_value(key, value, play_at) gets the value's
    Artcast-Play-At too (server ms, or None; see shared_time.py).
    `device` names this client in the server's GET /devices (default: the host name).
    """
    host, port, prefix = parse_url(url)
    poll = LongPoll(key, hold=hold, prefix=prefix)
    poll.device = device or default_device()
    backoff = backoff or Backoff()
    sleep = sleep or asyncio.sleep
    online = None
    conn = AsyncHTTPConnection(host, port)
    try:
        while True:
            try:
                data = await conn.exchange(poll.request(host, port, keep_alive=True), poll.socket_timeout())
                status, headers, body = parse_response(data)
                changed, value = poll.handle(status, headers, body)
            except (OSError, asyncio.TimeoutError, WireError) as e:
                reason = _reason(e)
                conn.close()
                poll.reset()
                if online is not False:
                    online = False
                    log.warning("%s: server %s unreachable (%s); retrying with backoff", key, url, reason)
                    await _call(on_link, key, False, reason)
                delay = backoff.next_delay()
                log.debug("%s: next try in %.1f s", key, delay)
                await sleep(delay)
                continue
            backoff.reset()
            if online is not True:
                online = True
                log.info("%s: following on %s", key, url)
                await _call(on_link, key, True, "connected")
            if changed:
                if play_at:     # on_value(key, value, its Artcast-Play-At or None)
                    await _call(on_value, key, value, poll.play_at)
                else:
                    await _call(on_value, key, value)
    finally:
        conn.close()


def _reason(e):
    if isinstance(e, asyncio.TimeoutError):
        return "no answer in time"
    if isinstance(e, WireError):
        return "%s: %s" % (e.reason, e)
    return "%s: %s" % (type(e).__name__, e)


async def _call(fn, *args):
    result = fn(*args)
    if asyncio.iscoroutine(result):
        await result
