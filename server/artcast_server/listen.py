"""The TCP side: the listen socket and one small protocol object per connection.

microdot parses requests and routes them; this module owns what microdot's
built-in server does not let us set, and the hot path of a long-poll server:

- the listen backlog (a thousand devices reconnect at once after every datum);
- a deadline for the request head (slowloris) and a cap on its size;
- no task, stream or coroutine per connection: `Connection` is an
  asyncio.Protocol that collects the head, runs microdot's dispatch to its
  end synchronously, writes the response in one write and closes;
- a request that must wait is parked in the hub as that Connection itself
  (see responses.held_response), so a waiting client costs a few hundred
  bytes; when the datum comes the hub hands it to every waiter and each
  gets the same bytes, built once per datum, format and method;
- a graceful shutdown that answers every held request.

    server = HTTPServer(app, hub, settings, access_log)
    await server.start(open_listen_socket("127.0.0.1", 8888))
"""

import asyncio
import gc
import socket

from microdot.microdot import NoCaseDict, Request

from artcast_server.app import add_common_headers
from artcast_server.deadlines import Deadlines
from artcast_server.responses import PARKED, error, no_content, value_response

HEAD_TIMEOUT = 10.0          # seconds for the whole request head to arrive
MAX_HEAD = 16 * 1024         # bytes of request line + headers
MAX_LINE = Request.max_readline
MAX_BODY = 16 * 1024         # a GET has none; anything larger is refused (413)
BACKLOG = 4096               # the kernel caps this at net.core.somaxconn
LOG_DELAY = 0.1              # seconds an access-log line may wait to be written with others


def open_listen_socket(host, port, backlog=BACKLOG):
    """Bind before dropping privileges (port 80 needs root)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def raise_open_files(wanted):
    """Make room for `wanted` open sockets: raise the soft RLIMIT_NOFILE towards
    the hard limit. systemd starts services with a soft limit of 1024, which
    would cap a gallery at about a thousand waiting devices. Returns the limit."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


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
        """The hub's answer: the datum (or None: nothing new) -> write, close."""
        server = self.server
        data = server.datum_bytes(datum, self.media, self.head) if datum is not None else server.no_content
        self.state = DONE
        self.transport.write(data)
        self.transport.close()
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


class HTTPServer:
    """Serves a microdot app on a bound socket, one request per connection."""

    def __init__(self, app, hub, settings, access_log=None):
        self.app = app
        self.hub = hub
        self.settings = settings
        self.access_log = access_log
        self.server = None
        self.connections = {}           # every open Connection (for shutdown)
        self.head_deadlines = Deadlines(Connection.expire)
        self.pending_log = []
        self.loop = None
        response = no_content()
        add_common_headers(response, settings)
        self.no_content = encode(response)

    async def start(self, sock):
        self.loop = asyncio.get_running_loop()
        raise_open_files(self.hub.max_clients + 1024)     # the waiting plus those coming and going
        self.server = await self.loop.create_server(lambda: Connection(self), sock=sock, backlog=BACKLOG)
        gc.freeze()     # start-up objects are permanent: full collections need not scan them mid-fan-out

    def datum_bytes(self, datum, media, head):
        """The whole response for `datum`, built once per format and method."""
        key = (media, head)
        data = datum.rendered.get(key)
        if data is None:
            response = value_response(datum, media, self.hub.meta(datum.key))
            add_common_headers(response, self.settings)
            response.is_head = head
            data = datum.rendered[key] = encode(response)
        return data

    def dispatch(self, conn, head, body):
        try:
            request = parse_head(self.app, head, body, conn.transport.get_extra_info("peername"))
        except (ValueError, IndexError, UnicodeError):
            return conn.fail(400)
        if request is None:
            conn.state = DONE
            return conn.transport.close()       # connected and closed without a request
        request.g.park = conn.park
        conn.head = request.method == "HEAD"
        self._step(conn, request, self.app.dispatch_request(request))

    def _step(self, conn, request, coro):
        """Run microdot's dispatch; our routes finish without suspending, but
        should one await something, resume it when that is done."""
        try:
            awaited = coro.send(None)
        except StopIteration as done:
            return self._answer(conn, request, done.value)
        except Exception as exc:            # a bug, not bad input: log it, answer 500
            self.loop.call_exception_handler({"message": "request failed", "exception": exc})
            response = error(500, "Internal server error (see the error log)")
            add_common_headers(response, self.settings)
            return self._answer(conn, request, response)
        if awaited is None:
            self.loop.call_soon(self._step, conn, request, coro)
        else:
            awaited._asyncio_future_blocking = False
            awaited.add_done_callback(lambda _: self._step(conn, request, coro))

    def _answer(self, conn, request, response):
        if self.access_log is not None:
            peer = request.client_addr
            conn.log = (peer[0] if peer else None, "%s %s HTTP/%s" % (request.method, request.url, request.http_version),
                        request.headers.get("Referer", "-"), request.headers.get("User-Agent", "-"))
        if response is PARKED:
            return                          # the hub calls conn.deliver() later
        self.hub.requests += 1
        datum = getattr(response, "datum", None)
        data = self.datum_bytes(datum, response.media, conn.head) if datum is not None else encode(response)
        if conn.state != DONE:
            conn.respond(data)
        if conn.log is not None:
            self.log_later(conn.log, response.status_code, data)

    def log_later(self, log, status, data):
        """Access-log in batches, LOG_DELAY s after the first of them: not between
        a datum's writes, and one write for many requests. No timer when idle."""
        if not self.pending_log:
            self.loop.call_later(LOG_DELAY, self._write_log)
        self.pending_log.append((log, status, len(data) - data.find(b"\r\n\r\n") - 4))

    def _write_log(self):
        pending, self.pending_log = self.pending_log, []
        if not pending:
            return
        self.access_log.log_many([log + (status, size) for log, status, size in pending])

    async def shutdown(self, grace=1.5):
        """Stop accepting, answer held requests, give writes `grace` seconds."""
        if self.server is not None:
            self.server.close()
        self.hub.close()
        for conn in list(self.connections):
            if conn.state == READING:
                conn.state = DONE
                conn.transport.close()
        self.head_deadlines.close()
        deadline = self.loop.time() + grace
        while self.connections and self.loop.time() < deadline:
            await asyncio.sleep(0.01)
        for conn in list(self.connections):
            conn.transport.abort()
        if self.pending_log:
            self._write_log()
