"""The TCP side: the listen socket and the server around microdot.

microdot parses requests and routes them; this module owns what microdot's
built-in server does not let us set, and the hot path of a long-poll server:

- the listen backlog (a thousand devices reconnect at once after every datum)
  and an open-file limit that fits --max-clients;
- one small protocol object per connection (connection.py), no task, stream
  or coroutine each; microdot's dispatch runs to its end synchronously;
- a request that must wait is parked in the hub as its Connection, so a
  waiting client costs a couple of KB; when the datum comes the hub hands it
  to every waiter and each gets the same bytes, built here once per datum,
  format and method;
- the access log written in batches, not between a datum's writes;
- a graceful shutdown that answers every held request.

    server = HTTPServer(app, hub, settings, access_log)
    await server.start(open_listen_socket("127.0.0.1", 8888))
"""

import asyncio
import gc
import socket

from artcast_server.app import add_common_headers
from artcast_server.connection import DONE, READING, Connection, encode, parse_head
from artcast_server.deadlines import Deadlines
from artcast_server.proxies import client_address
from artcast_server.responses import PARKED, error, no_content, value_response

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
        self.closing = []               # answered transports, closed after the fan-out
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
            peer = client_address(peer[0] if peer else None, request.headers.get("X-Forwarded-For"),
                                  self.settings.trusted_proxies)
            conn.log = (peer, "%s %s HTTP/%s" % (request.method, request.url, request.http_version),
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

    def close_soon(self, transport):
        """Close `transport` once the current burst of writes is done."""
        if not self.closing:
            self.loop.call_soon(self._close_written)
        self.closing.append(transport)

    def _close_written(self):
        closing, self.closing = self.closing, []
        for transport in closing:
            transport.close()

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
