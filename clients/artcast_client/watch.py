"""watch() and awatch(): follow one key; the I/O shells around LongPoll.

Both keep one TCP connection open for all their requests (HTTP/1.1
keep-alive, PROTOCOL.md) and open a new one when the server has closed it;
`HTTPConnection` and `AsyncHTTPConnection` are that reuse, for any client.
"""

import asyncio
import json
import socket
import time

from artcast_core.backoff import Backoff
from artcast_core.errors import WireError
from artcast_core.http import build_get, keeps_alive, parse_response, parse_url, response_end
from artcast_core.longpoll import DEFAULT_HOLD, LongPoll

MAX_RESPONSE = 1 << 20


class _Closed(Exception):
    """The server closed a reused connection before answering: ask again on a new one."""


def _take(data, chunk):
    """Add `chunk` to the response read so far; (data, end or -1)."""
    data += chunk
    if len(data) > MAX_RESPONSE:
        raise WireError("bad-response", "response larger than %d bytes" % MAX_RESPONSE)
    return data, response_end(data)


class HTTPConnection:
    """One kept-open connection to host:port for request/response exchanges.

    A request that finds the connection closed by the server (its idle
    timeout, a restart) before any answer byte is sent again once on a new
    connection: requests here are GETs, safe to repeat.

        conn = HTTPConnection("127.0.0.1", 8888)
        data = conn.exchange(build_get(host, port, "/status", keep_alive=True), timeout=10)
    """

    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.sock = None
        self.opened = 0          # connections opened (for tests and curiosity)

    def exchange(self, request, timeout):
        try:
            return self._exchange(request, timeout)
        except _Closed:
            return self._exchange(request, timeout)

    def _exchange(self, request, timeout):
        reused = self.sock is not None
        if not reused:
            self.sock = socket.create_connection((self.host, self.port), timeout=timeout)
            self.opened += 1
        sock = self.sock
        sock.settimeout(timeout)
        data, end = b"", -1
        try:
            sock.sendall(request)
            while end < 0:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data, end = _take(data, chunk)
        except (ConnectionError, WireError) as exc:
            self.close()
            if reused and not data and isinstance(exc, ConnectionError):
                raise _Closed()
            raise
        except OSError:
            self.close()
            raise
        if end < 0:                          # the server closed: the response ends here
            self.close()
            if reused and not data:
                raise _Closed()
            return data
        if end != len(data) or not keeps_alive(data):
            self.close()                     # asked to close, or out of step: start afresh next time
        return data[:end]

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class AsyncHTTPConnection:
    """The asyncio form of HTTPConnection."""

    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.reader = self.writer = None
        self.opened = 0

    async def exchange(self, request, timeout):
        """Send one request, read one whole response (bytes), within `timeout`.
        Raises OSError, asyncio.TimeoutError or WireError."""
        async def run():
            try:
                return await self._exchange(request)
            except _Closed:
                return await self._exchange(request)
        try:
            return await asyncio.wait_for(run(), timeout)
        except BaseException:
            self.close()
            raise

    async def _exchange(self, request):
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.opened += 1
        data, end = b"", -1
        try:
            self.writer.write(request)
            await self.writer.drain()
            while end < 0:
                chunk = await self.reader.read(65536)
                if not chunk:
                    break
                data, end = _take(data, chunk)
        except ConnectionError:
            self.close()
            if reused and not data:
                raise _Closed()
            raise
        if end < 0:
            self.close()
            if reused and not data:
                raise _Closed()
            return data
        if end != len(data) or not keeps_alive(data):
            self.close()
        return data[:end]

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


def _get_json(url, path, timeout):
    host, port, prefix = parse_url(url)
    conn = HTTPConnection(host, port)
    try:
        data = conn.exchange(build_get(host, port, prefix + path, {"Accept": "application/json"}), timeout)
    finally:
        conn.close()
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
    each newer one, on one kept-open connection. It follows the state:
    values that change faster than a round trip are skipped, never the
    newest. Reconnects forever;
    `on_error(exc, delay)` hears about failures."""
    host, port, prefix = parse_url(url)
    poll = LongPoll(key, hold=hold, prefix=prefix, fmt=fmt)
    backoff = backoff or Backoff()
    conn = HTTPConnection(host, port)
    try:
        while True:
            try:
                data = conn.exchange(poll.request(host, port, keep_alive=True), poll.socket_timeout())
                changed, value = poll.handle_bytes(data)
            except (OSError, WireError) as exc:
                conn.close()
                delay = backoff.next_delay()
                if on_error is not None:
                    on_error(exc, delay)
                poll.reset()
                sleep(delay)
                continue
            backoff.reset()
            if changed:
                yield value
    finally:
        conn.close()


async def aexchange(host, port, request, timeout):
    """Send one request on a new connection, read one whole response (bytes),
    within `timeout`. Raises OSError, asyncio.TimeoutError or WireError."""
    conn = AsyncHTTPConnection(host, port)
    try:
        return await conn.exchange(request, timeout)
    finally:
        conn.close()


async def awatch(url, key, hold=DEFAULT_HOLD, fmt="json", on_error=None, backoff=None):
    """The asyncio form of watch()."""
    host, port, prefix = parse_url(url)
    poll = LongPoll(key, hold=hold, prefix=prefix, fmt=fmt)
    backoff = backoff or Backoff()
    conn = AsyncHTTPConnection(host, port)
    try:
        while True:
            try:
                data = await conn.exchange(poll.request(host, port, keep_alive=True), poll.socket_timeout())
                changed, value = poll.handle_bytes(data)
            except (OSError, WireError, asyncio.TimeoutError) as exc:
                conn.close()
                delay = backoff.next_delay()
                if on_error is not None:
                    on_error(exc, delay)
                poll.reset()
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            if changed:
                yield value
    finally:
        conn.close()
