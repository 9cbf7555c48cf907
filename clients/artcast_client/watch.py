"""watch() and awatch(): follow one key; the I/O shells around LongPoll."""

import asyncio
import json
import socket
import time

from artcast_core.backoff import Backoff
from artcast_core.errors import WireError
from artcast_core.http import build_get, parse_response, parse_url, response_complete
from artcast_core.longpoll import DEFAULT_HOLD, LongPoll

MAX_RESPONSE = 1 << 20


def _exchange(host, port, request, timeout):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while not response_complete(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) > MAX_RESPONSE:
                raise WireError("bad-response", "response larger than %d bytes" % MAX_RESPONSE)
    return data


def _get_json(url, path, timeout):
    host, port, prefix = parse_url(url)
    data = _exchange(host, port, build_get(host, port, prefix + path, {"Accept": "application/json"}), timeout)
    status, headers, body = parse_response(data)
    if status != 200:
        raise WireError("http-%d" % status, "%s answered %d: %s" % (url, status, body[:200].decode("utf-8", "replace")))
    return headers, json.loads(body.decode("utf-8"))


def fetch(url, path, timeout=10.0):
    """GET `path` once and return the decoded JSON (for /artcasts, /status)."""
    return _get_json(url, path, timeout)[1]


def _next_page(link):
    """The target of `Link: <...>; rel="next"`, or None."""
    for part in (link or "").split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            return part[part.index("<") + 1:part.index(">")]
    return None


def fetch_listing(url, max_pages=20, timeout=10.0):
    """Every entry of GET /artcasts, following the server's pages
    (Link rel="next"), at most `max_pages` of them (PROTOCOL.md)."""
    entries, path = [], "/artcasts"
    for _ in range(max_pages):
        headers, page = _get_json(url, path, timeout)
        entries.extend(page)
        path = _next_page(headers.get("link"))
        if path is None or not path.startswith("/artcasts?"):
            break
    return entries


def watch(url, key, hold=DEFAULT_HOLD, fmt="json", on_error=None, backoff=None, sleep=time.sleep):
    """Yield the latest value of `key`: the current one first (if any), then
    each newer one. It follows the state: values that change faster than a
    round trip are skipped, never the newest. Reconnects forever;
    `on_error(exc, delay)` hears about failures."""
    host, port, prefix = parse_url(url)
    poll = LongPoll(key, hold=hold, prefix=prefix, fmt=fmt)
    backoff = backoff or Backoff()
    while True:
        try:
            data = _exchange(host, port, poll.request(host, port), poll.socket_timeout())
            changed, value = poll.handle_bytes(data)
        except (OSError, WireError) as exc:
            delay = backoff.next_delay()
            if on_error is not None:
                on_error(exc, delay)
            poll.reset()
            sleep(delay)
            continue
        backoff.reset()
        if changed:
            yield value


async def aexchange(host, port, request, timeout):
    """Send one request, read one whole response (bytes), within `timeout`.
    Raises OSError, asyncio.TimeoutError or WireError."""
    async def run():
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            await writer.drain()
            data = b""
            while not response_complete(data):
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


async def awatch(url, key, hold=DEFAULT_HOLD, fmt="json", on_error=None, backoff=None):
    """The asyncio form of watch()."""
    host, port, prefix = parse_url(url)
    poll = LongPoll(key, hold=hold, prefix=prefix, fmt=fmt)
    backoff = backoff or Backoff()
    while True:
        try:
            data = await aexchange(host, port, poll.request(host, port), poll.socket_timeout())
            changed, value = poll.handle_bytes(data)
        except (OSError, WireError, asyncio.TimeoutError) as exc:
            delay = backoff.next_delay()
            if on_error is not None:
                on_error(exc, delay)
            poll.reset()
            await asyncio.sleep(delay)
            continue
        backoff.reset()
        if changed:
            yield value
