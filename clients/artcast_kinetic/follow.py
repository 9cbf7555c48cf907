"""Follow one key over asyncio streams: the shared LongPoll state machine
(artcast_core.longpoll) plus Backoff, with the sockets added here.

    async def on_value(key, value): ...
    async def on_link(key, online, reason): ...
    await follow("http://127.0.0.1:8888", "test/tick", on_value, on_link)

The first request asks ?wait=0 (the current value at once), then every
request carries If-None-Match with the last ETag, so a slow loop never
misses the latest state. A refused connection, a server that dies
mid-poll, a cut or garbled response, or silence past the socket timeout
all count as "offline": on_link(key, False, reason) is called once, the
poll starts over with wait=0, and reconnects back off with jitter.
"""

import asyncio
import logging

from artcast_core.backoff import Backoff
from artcast_core.errors import WireError
from artcast_core.http import parse_response, parse_url
from artcast_core.longpoll import DEFAULT_HOLD, LongPoll

log = logging.getLogger("artcast.kinetic")

MAX_RESPONSE = 1 << 20   # a datum is at most 8 KiB; anything huge is not ours

def _complete(data):
    """True once `data` holds a whole response (by Content-Length)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = data[:end].lower()
    if head.startswith(b"http/1.1 204") or head.startswith(b"http/1.0 204") or b" 304 " in head.split(b"\r\n")[0]:
        return True
    marker = b"\r\ncontent-length:"
    at = head.find(marker)
    if at < 0:
        return False   # read until the server closes
    line_end = head.find(b"\r\n", at + 2)
    length_text = head[at + len(marker):line_end if line_end >= 0 else len(head)]
    try:
        length = int(length_text.strip())
    except ValueError:
        return False
    return len(data) - (end + 4) >= length


async def exchange(host, port, request, timeout):
    """Send one request, read one whole response (bytes). Raises OSError,
    asyncio.TimeoutError or WireError."""
    async def run():
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            await writer.drain()
            data = b""
            while not _complete(data):
                chunk = await reader.read(65536)
                if not chunk:
                    break
                data += chunk
                if len(data) > MAX_RESPONSE:
                    raise WireError("bad-response", "response larger than %d bytes" % MAX_RESPONSE)
            return data
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, asyncio.CancelledError):
                pass
    return await asyncio.wait_for(run(), timeout)


async def follow(url, key, on_value, on_link, hold=DEFAULT_HOLD, backoff=None, sleep=None):
    """Follow `key` forever (until cancelled).

    on_value(key, value) and on_link(key, online, reason) may be plain
    functions or coroutines. `sleep` is for tests (defaults to asyncio.sleep).
    """
    host, port, prefix = parse_url(url)
    poll = LongPoll(key, hold=hold, prefix=prefix)
    backoff = backoff or Backoff()
    sleep = sleep or asyncio.sleep
    online = None
    while True:
        try:
            data = await exchange(host, port, poll.request(host, port), poll.socket_timeout())
            status, headers, body = parse_response(data)
            changed, value = poll.handle(status, headers, body)
        except (OSError, asyncio.TimeoutError, WireError) as e:
            reason = _reason(e)
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
            await _call(on_value, key, value)


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
