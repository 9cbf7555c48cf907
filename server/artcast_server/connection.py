"""One client connection: read a request, answer it, and (HTTP/1.1
keep-alive) read the next one on the same connection.

`Connection` is an asyncio protocol, not a task with streams: it collects
a head (deadline HEAD_TIMEOUT, at most MAX_HEAD bytes), hands it to the
server, which runs microdot's dispatch to its end without suspending, and
writes the response in one write. A request that must wait is parked in the
hub as this object itself (the route answers `Held`, listen.py parks): no
coroutine, future or timer stays behind, and `deliver()` writes the datum's
bytes, built once for every waiter, when it comes.

After an answer the connection stays open for the next request unless the
client asked to close (HTTP/1.0 without `Connection: keep-alive`, or
`Connection: close`), the server is full (--max-connections) or stopping.
An idle kept-open connection is closed after IDLE_TIMEOUT. Pipelined
requests are served in order, one at a time.

Reads go into one buffer the server owns (READ_SIZE bytes, shared by every
connection: a read is handled before the next one starts), and only the
bytes read are copied out. asyncio's plain Protocol would have the
transport allocate 256 KB for every read and shrink it: above glibc's
mmap threshold that is an mmap, an mremap and a munmap per request, which
more than doubled the system time per delivery in some server processes.

A client that does not read cannot pin memory: at most WRITE_CHUNK bytes of
an answer wait in user space (the transport's high-water mark is 0, so
`pause_writing()` fires as soon as anything waits; the rest of a large
answer is written as the kernel takes it), nothing more is read from the
connection until the answer has gone, and an answer that has not gone
within WRITE_TIMEOUT aborts the connection.

`encode()` and `parse_head()` are the two halves of the wire: a microdot
Response to bytes, and a request head to its parts. `Heads` remembers what
recent heads parsed to: a fleet of kits polling one key sends the same bytes
after every datum (same key, same ETag, same headers), so after the first of
them a head is one dict lookup, not a parse.
"""

import asyncio

from microdot import Request
from microdot.microdot import NoCaseDict

from artcast_server.responses import add_common_headers, error

HEAD_TIMEOUT = 10.0          # seconds for a whole request head to arrive
IDLE_TIMEOUT = 30.0          # seconds a kept-open connection may wait for its next request
WRITE_TIMEOUT = 30.0         # seconds for an answer to be taken by the client
WRITE_CHUNK = 64 * 1024      # bytes of one answer that may wait in user space
MAX_HEAD = 16 * 1024         # bytes of request line + headers
MAX_LINE = Request.max_readline   # 2 KB: a longer header line is 431, a longer request line 414
MAX_BODY = 16 * 1024         # a GET has none; anything larger is refused (413)
READ_SIZE = 64 * 1024        # bytes one read may take (the server's shared read buffer)

# What an answer says about the connection (its `Connection` header):
CLOSE = "close"              # the server closes after this answer
KEEP = ""                    # HTTP/1.1: persistent by default, no header needed
KEEP_10 = "keep-alive"       # HTTP/1.0 client that asked for keep-alive

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def encode(response, mode=CLOSE):
    """A microdot Response -> the bytes on the wire (one write)."""
    response.complete()
    lines = ["HTTP/1.1 %d %s" % (response.status_code, response.reason or "OK")]
    for name, value in response.headers.items():
        for item in (value if isinstance(value, list) else [value]):
            lines.append("%s: %s" % (name, item))
    if mode:
        lines.append("Connection: " + mode)
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    if response.is_head:
        return head
    body = response.body
    return head + (body.encode("utf-8") if isinstance(body, str) else body)


class BadHead(ValueError):
    """A request head we refuse; `status` says how (400, 414, 431)."""

    def __init__(self, status, message):
        ValueError.__init__(self, message)
        self.status = status


def head_end(buffer, pos=0):
    """Where the head starting at `pos` ends: (end of head, start of body),
    or None while incomplete. Lines may end in CRLF or a bare LF (RFC 9112
    2.2). Only the bytes up to the first CRLF blank line are searched twice,
    so a buffer of many pipelined requests costs linear time."""
    crlf = buffer.find(b"\n\r\n", pos)
    lf = buffer.find(b"\n\n", pos, crlf + 1 if crlf >= 0 else len(buffer))
    if lf >= 0:
        return lf, lf + 2
    if crlf >= 0:
        return crlf, crlf + 3
    return None


class Fields(NoCaseDict):
    """A request's header fields, stored under lower-case names as they are
    parsed, so a lookup lowers its key once and is one dict lookup (microdot's
    NoCaseDict keeps the sender's spelling and maps every lookup through a
    second dict: a tenth of the server's time per request). Still a
    NoCaseDict for microdot's Request; names iterate in lower case."""

    def __init__(self, lowered=None):
        dict.__init__(self, lowered or ())
        self.keymap = {}

    def __setitem__(self, key, value):
        dict.__setitem__(self, key.lower(), value)

    def __getitem__(self, key):
        return dict.__getitem__(self, key.lower())

    def __delitem__(self, key):
        dict.__delitem__(self, key.lower())

    def __contains__(self, key):
        return dict.__contains__(self, key.lower())

    def get(self, key, default=None):
        return dict.get(self, key.lower(), default)


def parse_head(head):
    """Request line and headers -> (method, url, version, Fields).

    Raises BadHead for garbage; returns None for an empty head."""
    try:
        text = head.decode()
    except UnicodeError:
        raise BadHead(400, "request head is not UTF-8")
    first, _, rest = text.partition("\n")
    first = first.strip()
    if not first:
        return None
    if len(first) > MAX_LINE:
        raise BadHead(414, "request line too long")
    parts = first.split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadHead(400, "not an HTTP/1.x request line")
    method, url, version = parts
    fields = Fields()
    if rest:
        long_lines = len(rest) > MAX_LINE       # else no line can be too long: one check, not one per line
        store = dict.__setitem__                # the names are lowered here already
        for line in rest.split("\n"):
            if long_lines and len(line) > MAX_LINE:
                raise BadHead(431, "header line too long")
            name, sep, value = line.partition(":")
            name = name.lstrip()
            if not sep or not name or name[-1] in " \t":
                raise BadHead(400, "malformed header line")
            store(fields, name.lower(), value.strip())
    return method, url, version[5:], fields


class Heads:
    """Request head bytes -> (method, url, version, fields, body length,
    connection mode), for the last few hundred distinct heads (all of them forgotten when full: a stream of distinct
    heads costs what it did without this). The answers are shared between
    requests, so nothing may change a request's fields (nothing does: microdot
    and the routes only read them)."""

    SIZE = 256          # distinct heads remembered
    LONGEST = 1024      # bytes: a longer head is parsed every time (and not kept)

    def __init__(self):
        self.parsed = {}

    def parse(self, head):
        """None for a blank line; BadHead for garbage (nothing kept). The body
        length is None when it is unreadable (400)."""
        parsed = self.parsed.get(head)
        if parsed is None:
            parsed = parse_head(head)
            if parsed is None:
                return None
            method, url, version, fields = parsed
            parsed = method, url, version, fields, _content_length(fields), wants_keep_alive(version, fields)
            if len(head) <= self.LONGEST:
                if len(self.parsed) >= self.SIZE:
                    self.parsed.clear()
                self.parsed[head] = parsed
        return parsed


def wants_keep_alive(version, fields):
    """The connection mode the client asked for (CLOSE, KEEP or KEEP_10)."""
    tokens = fields.get("connection", "").lower()
    if "close" in tokens:
        return CLOSE
    if version == "1.0":
        return KEEP_10 if "keep-alive" in tokens else CLOSE
    return KEEP


READING, PARKED, WRITING, DONE = 0, 1, 2, 3
STREAMING = 4       # an event stream or a /follow wait (events.py): `follower` owns the connection


class Connection(asyncio.BufferedProtocol):
    """One client connection: requests in, answers out, one at a time."""

    __slots__ = ("server", "transport", "peer", "buffer", "state", "tick", "key", "media", "head", "log",
                 "mode", "paused", "out", "expect", "follower")

    def __init__(self, server):
        self.server = server
        self.transport = self.peer = None
        self.buffer = b""
        self.state = READING
        self.tick = self.key = self.media = self.log = self.out = self.expect = self.follower = None
        self.mode = None            # None until the first request: then CLOSE, KEEP or KEEP_10
        self.head = self.paused = False

    # --- asyncio callbacks ----------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        self.peer = transport.get_extra_info("peername")
        server = self.server
        server.connections[self] = None
        hub = server.hub
        hub.connections_accepted += 1
        hub.connections_open += 1
        transport.set_write_buffer_limits(0)        # pause_writing() once anything waits in user space
        if len(server.connections) > server.max_connections:
            self.mode = CLOSE
            return self.respond(server.too_many)
        server.deadlines.add(self, HEAD_TIMEOUT)

    def get_buffer(self, sizehint):
        return self.server.read_buffer

    def buffer_updated(self, nbytes):
        self.data_received(bytes(self.server.read_buffer[:nbytes]))

    def data_received(self, data):
        buffer = self.buffer
        if self.state != READING:
            # a pipelined request while the last is held or being written: keep it for later
            if len(buffer) + len(data) > MAX_HEAD + MAX_BODY:
                return self.abort()
            self.buffer = buffer + data
            return
        if buffer:
            self.buffer = buffer + data
        else:
            self.buffer = data
            if self.mode is not None and self.tick is not None:
                # the first bytes of a request on a kept-open connection: not idle any more
                # (serve_buffer starts the head timeout if the head is not all here)
                self.server.deadlines.discard(self)
        self.serve_buffer()

    def pause_writing(self):
        self.paused = True

    def resume_writing(self):
        self.paused = False
        if self.out is not None:
            out, self.out = self.out, None
            self.write(out)
            if self.paused:
                return
        if self.state == WRITING:
            self.server.deadlines.discard(self)
            self.transport.resume_reading()
            self.next_request()
            self.serve_buffer()

    def connection_lost(self, exc):
        server = self.server
        server.connections.pop(self, None)
        server.hub.connections_open -= 1
        if self.state == PARKED:
            server.hub.release(self)
        elif self.tick is not None:
            server.deadlines.discard(self)
        if self.follower is not None:
            self.follower.close()
        self.state = DONE
        self.out = None

    # --- requests ---------------------------------------------------------------

    def serve_buffer(self):
        """Serve the requests in the buffer, one at a time, while reading."""
        buffer = self.buffer
        pos = 0
        while self.state == READING and pos < len(buffer):
            taken = self.take_request(buffer, pos)
            if taken < 0:
                break
            pos = taken
        if pos:
            self.buffer = buffer[pos:]
        if self.state == READING and self.buffer and (pos or self.tick is None):
            # part of a head (a new one, or the next pipelined one): its own deadline
            if self.tick is not None:
                self.server.deadlines.discard(self)
            self.server.deadlines.add(self, HEAD_TIMEOUT)

    def take_request(self, buffer, pos):
        """Dispatch the request at buffer[pos:]; where the next one starts,
        or -1 while it is incomplete (or was refused)."""
        ends = head_end(buffer, pos)
        if ends is None:
            if len(buffer) - pos > MAX_HEAD:
                self.fail(431)
            elif len(buffer) - pos > MAX_LINE and buffer.find(b"\n", pos) < 0:
                self.fail(414)
            return -1
        end, start = ends
        if end - pos > MAX_HEAD:
            self.fail(431)
            return -1
        try:
            parsed = self.server.heads.parse(buffer[pos:end])
        except BadHead as exc:
            self.fail(exc.status)
            return -1
        if parsed is None:                  # a blank line between requests (RFC 9112 2.2)
            return start
        fields, length = parsed[3], parsed[4]
        if length is None:
            self.fail(400)
            return -1
        if length > MAX_BODY:
            self.fail(413)
            return -1
        if len(buffer) < start + length:
            if self.expect is None:
                expect = fields.get("Expect")
                if expect is not None:
                    if expect.lower() != "100-continue":
                        self.fail(417)
                        return -1
                    self.transport.write(CONTINUE)      # the client sends its body only now
                self.expect = True
            return -1                       # wait for the rest of the body
        self.expect = None
        if self.tick is not None:
            self.server.deadlines.discard(self)
        self.mode = parsed[5]
        self.server.dispatch(self, parsed, buffer[start:start + length])
        return start + length

    def park(self, key, hold, media, etag=None):
        """Wait in the hub for the next datum of `key` (one `etag`, the request's
        If-None-Match, names does not wake it). False: answer "nothing new" now."""
        if not self.server.hub.hold(key, self, hold, etag):
            return False
        self.media = media
        self.state = PARKED
        return True

    # --- answers ----------------------------------------------------------------

    def deliver(self, datum):
        """The hub's answer: the datum (or None: nothing new) -> write now.
        A connection that closes is closed right after the whole fan-out
        (server.close_soon), so the last waiter does not wait behind
        everyone else's close."""
        server = self.server
        mode = CLOSE if server.stopping else self.mode
        if datum is not None:
            data = server.datum_bytes(datum, self.media, self.head, mode)
        else:
            data = server.no_content[mode]
        self.state = WRITING
        self.write(data)
        server.hub.requests += 1
        if self.log is not None:
            server.log_later(self.log, 200 if datum is not None else 204, data)
        if mode == CLOSE and not self.paused and self.out is None:
            self.state = DONE
            server.close_soon(self.transport)
        else:
            self.mode = mode
            self.written()
            if self.state == READING and self.buffer:
                server.loop.call_soon(self.serve_buffer)     # a pipelined request, after the fan-out

    def respond(self, data):
        """Write a whole answer, then go on as the connection's mode says."""
        if self.server.stopping:
            self.mode = CLOSE
        self.state = WRITING
        self.write(data)
        self.written()          # serve_buffer() goes on with a pipelined request, if any

    def write(self, data):
        """Hand `data` to the transport, at most WRITE_CHUNK bytes ahead of the
        kernel: the rest waits in `out` (a view, not a copy) for resume_writing()."""
        transport = self.transport
        if len(data) > WRITE_CHUNK:
            view = memoryview(data)
            while len(view) > WRITE_CHUNK:
                transport.write(view[:WRITE_CHUNK])
                view = view[WRITE_CHUNK:]
                if self.paused:
                    self.out = view
                    return
            data = view
        transport.write(data)

    def written(self):
        """The answer is with the transport (or partly waiting in `out`)."""
        if self.paused or self.out is not None:
            # the client is slow to read: read nothing more until it has taken
            # this answer, and give it WRITE_TIMEOUT to do so
            if self.mode != CLOSE or self.out is not None:
                self.transport.pause_reading()
            else:
                self.state = DONE
                self.transport.close()          # asyncio flushes first; the deadline bounds that
            self.server.deadlines.add(self, WRITE_TIMEOUT)
            return
        self.next_request()

    def next_request(self):
        """The answer has gone (or is with the kernel): close, or read the next request."""
        if self.mode == CLOSE:
            self.state = DONE
            self.transport.close()
            return
        self.state = READING
        self.server.deadlines.add(self, IDLE_TIMEOUT)

    def fail(self, status):
        """Refuse a request the server cannot read, and close."""
        messages = {400: "Bad request: not an HTTP/1.x request line and headers",
                    408: "Request head not received in time", 413: "Request body too large",
                    414: "Request line too long", 417: "Expectation not supported",
                    431: "Request header fields too large"}
        if self.tick is not None:
            self.server.deadlines.discard(self)
        response = error(status, messages[status])
        add_common_headers(response, self.server.settings)
        self.server.hub.requests += 1
        self.mode = CLOSE
        self.respond(encode(response))

    def expire(self):
        """A deadline of this connection passed."""
        state = self.state
        if state == READING:
            if self.buffer or self.mode is None:
                self.fail(408)              # the head did not arrive in time (slowloris)
            else:
                self.state = DONE           # idle keep-alive: close quietly
                self.transport.close()
        elif state != PARKED:
            self.abort()                    # an answer not taken within WRITE_TIMEOUT

    def abort(self):
        if self.state == PARKED:
            self.server.hub.release(self)
        elif self.tick is not None:
            self.server.deadlines.discard(self)
        if self.follower is not None:
            self.follower.close()
        self.state = DONE
        self.out = None
        self.transport.abort()


def _content_length(fields):
    """The body length: 0 without Content-Length, None when it is unreadable
    or a Transfer-Encoding is used (bodies here are never chunked)."""
    if "Transfer-Encoding" in fields:
        return None
    text = fields.get("Content-Length")
    if text is None:
        return 0
    text = text.strip()
    if not text.isdigit():
        return None
    return int(text)
