"""One client connection: read the request head, answer once, close.

`Connection` is an asyncio.Protocol, not a task with streams: it collects
the head (deadline HEAD_TIMEOUT, at most MAX_HEAD bytes), hands it to the
server, which runs microdot's dispatch to its end without suspending, and
writes the response in one write. A request that must wait is parked in the
hub as this object itself (see responses.held_response): no coroutine,
future or timer stays behind, and `deliver()` writes the datum's bytes,
built once for every waiter, when it comes.

`encode()` and `parse_head()` are the two halves of the wire: a microdot
Response to bytes, and a request head to a microdot Request.
"""

import asyncio

from microdot.microdot import NoCaseDict, Request

from artcast_server.app import add_common_headers
from artcast_server.responses import error

HEAD_TIMEOUT = 10.0          # seconds for the whole request head to arrive
MAX_HEAD = 16 * 1024         # bytes of request line + headers
MAX_LINE = Request.max_readline
MAX_BODY = 16 * 1024         # a GET has none; anything larger is refused (413)


def encode(response):
    """A microdot Response -> the bytes on the wire (one write)."""
    response.complete()
    lines = ["HTTP/1.1 %d %s" % (response.status_code, response.reason or "OK")]
    for name, value in response.headers.items():
        for item in (value if isinstance(value, list) else [value]):
            lines.append("%s: %s" % (name, item))
    lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    if response.is_head:
        return head
    body = response.body
    return head + (body.encode("utf-8") if isinstance(body, str) else body)


def parse_head(app, head, body, peer):
    """Request line and headers -> a microdot Request, as Request.create
    would build it. ValueError/IndexError/UnicodeError for garbage; None for
    an empty request."""
    lines = head.decode().split("\r\n")
    first = lines[0].strip()
    if not first:
        return None
    method, url, version = first.split()
    version = version.split("/", 1)[1]
    fields = {}
    for line in lines[1:]:
        if len(line) > MAX_LINE:
            raise ValueError("header line too long")
        name, value = line.strip().split(":", 1)
        fields[name] = value.strip()
    return Request(app, peer, method, url, version, NoCaseDict(fields), body=body)


READING, PARKED_STATE, DONE = 0, 1, 2


class Connection(asyncio.Protocol):
    """One client connection: read the head, dispatch, answer once, close."""

    __slots__ = ("server", "transport", "buffer", "state", "tick", "key", "media", "head", "log")

    def __init__(self, server):
        self.server = server
        self.transport = None
        self.buffer = b""
        self.state = READING
        self.tick = self.key = self.media = self.log = None
        self.head = False

    def connection_made(self, transport):
        self.transport = transport
        self.server.connections[self] = None
        self.server.head_deadlines.add(self, HEAD_TIMEOUT)

    def data_received(self, data):
        if self.state != READING:
            return
        buffer = self.buffer = self.buffer + data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > MAX_HEAD or (len(buffer) > MAX_LINE and buffer.find(b"\r\n") < 0):
                self.fail(431 if len(buffer) > MAX_HEAD else 400)
            return
        if end > MAX_HEAD:
            return self.fail(431)
        length = _content_length(buffer, end)
        if length > MAX_BODY:
            return self.fail(413)
        if len(buffer) < end + 4 + length:
            return                      # wait for the rest of the body
        self.server.head_deadlines.discard(self)
        self.buffer = b""
        self.server.dispatch(self, buffer[:end], buffer[end + 4:end + 4 + length])

    def park(self, key, hold, media):
        """Called by the route (via request.g.park): wait in the hub."""
        if not self.server.hub.hold(key, self, hold):
            return False
        self.media = media
        self.state = PARKED_STATE
        return True

    def deliver(self, datum):
        """The hub's answer: the datum (or None: nothing new) -> write now,
        close right after the whole fan-out (server.close_soon), so the last
        waiter is not kept waiting behind everyone else's close."""
        server = self.server
        data = server.datum_bytes(datum, self.media, self.head) if datum is not None else server.no_content
        self.state = DONE
        self.transport.write(data)
        server.close_soon(self.transport)
        server.hub.requests += 1
        if self.log is not None:
            server.log_later(self.log, 200 if datum is not None else 204, data)

    def respond(self, data):
        self.state = DONE
        self.transport.write(data)
        self.transport.close()

    def fail(self, status):
        messages = {400: "Bad request: not an HTTP/1.x request line and headers",
                    408: "Request head not received in time", 413: "Request body too large",
                    431: "Request head too large"}
        self.server.head_deadlines.discard(self)
        response = error(status, messages[status])
        add_common_headers(response, self.server.settings)
        self.server.hub.requests += 1
        self.respond(encode(response))

    def expire(self):
        """The head did not arrive within HEAD_TIMEOUT (slowloris)."""
        if self.state == READING and self.transport is not None:
            self.fail(408)

    def connection_lost(self, exc):
        server = self.server
        server.connections.pop(self, None)
        if self.state == READING:
            server.head_deadlines.discard(self)
        elif self.state == PARKED_STATE:
            server.hub.release(self)
        self.state = DONE


def _content_length(buffer, end):
    """Content-Length from the head, 0 when absent (microdot itself answers a bad one with 400)."""
    at = buffer.find(b"ength:", 0, end)
    while at >= 0:
        if buffer[at - 11:at].lower() == b"\r\ncontent-l":
            stop = buffer.find(b"\r\n", at, end + 2)
            try:
                return max(0, int(buffer[at + 6:stop]))
            except ValueError:
                return 0
        at = buffer.find(b"ength:", at + 6, end)
    return 0
