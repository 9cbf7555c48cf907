"""The TCP side: the listen socket and the server around microdot.

microdot parses requests and routes them; this module owns what microdot's
built-in server does not let us set, and the hot path of a long-poll server:

- the listen backlog (a thousand devices reconnect at once after every datum)
  and an open-file limit that fits --max-clients;
- one small protocol object per connection (connection.py), no stream or
  coroutine each, kept open between requests (HTTP/1.1 keep-alive) up to
  --max-connections; microdot's dispatch runs to its end synchronously
  (routes never suspend; one that does is answered 500);
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

from microdot import Request, Response

from artcast_server.connection import CLOSE, KEEP, KEEP_10, READ_SIZE, READING, Connection, Heads, encode
from artcast_server.deadlines import Deadlines
from artcast_server.hub import Overloaded
from artcast_server.proxies import client_address
from artcast_server.responses import Held, add_common_headers, error, no_content, value_response

BACKLOG = 4096               # the kernel caps this at net.core.somaxconn
ACCEPT_BATCH = 512           # connections accepted per wake-up of the listen socket
ACCEPT_BACKOFF = (0.05, 2.0)  # seconds to wait after a failed accept: first, at most (doubling)
LOG_DELAY = 0.1              # seconds an access-log line may wait to be written with others


def open_listen_socket(host, port, backlog=BACKLOG, reuse_port=False):
    """Bind before dropping privileges (port 80 needs root). reuse_port: one of
    several sockets on the same port, one per worker (--workers)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
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


class Routes:
    """microdot's find_route(), remembered per (method, path) for the last few
    hundred paths (all forgotten when full). The URL map does not change once
    the server runs, so the answer for a path does not either; a fleet
    polling a few keys is routed by one dict lookup instead of trying the
    patterns in turn. OPTIONS is not remembered (microdot answers it with a
    handler built for the request)."""

    SIZE = 256

    def __init__(self, app):
        self.app = app
        self.found = {}

    def find(self, request):
        key = (request.method, request.path)
        found = self.found.get(key)
        if found is None:
            handler, prefix, subapp = self.app.find_route(request)
            if request.method == "OPTIONS":
                return handler, prefix, subapp
            if len(self.found) >= self.SIZE:
                self.found.clear()
            found = self.found[key] = handler, prefix, subapp, getattr(request, "url_args", None)
            return handler, prefix, subapp
        request.url_args = found[3]
        return found[:3]


class HTTPServer:
    """Serves a microdot app on a bound socket: one path for every request,
    in production and in the in-process tests."""

    def __init__(self, app, hub, settings, access_log=None, max_connections=None):
        self.app = app
        self.value_route = getattr(app, "value_route", None)     # see _run()
        self.hub = hub
        self.settings = settings
        self.access_log = access_log
        self.max_connections = max_connections or hub.max_clients + 1024
        self.sock = None
        self.accept_backoff = 0.0
        self.accept_retry = None
        self.connections = {}           # every open Connection (for shutdown)
        self.heads = Heads()            # recent request heads, parsed
        self.read_buffer = memoryview(bytearray(READ_SIZE))     # every connection reads into it (connection.py)
        self.routes = Routes(app)       # microdot's routing of recent paths
        self.deadlines = Deadlines(Connection.expire, hub.clock, hub.call_later)   # heads, idle, writes
        self.pending_log = []
        self.closing = []               # answered transports, closed after the fan-out
        self.stopping = False
        self.loop = None
        self.no_content = {}
        for mode in (CLOSE, KEEP, KEEP_10):
            response = no_content()
            add_common_headers(response, settings)
            self.no_content[mode] = encode(response, mode)
        response = error(503, "Too many connections; try again shortly", {"Retry-After": "5"})
        add_common_headers(response, settings)
        self.too_many = encode(response, CLOSE)

    async def start(self, sock):
        self.loop = asyncio.get_running_loop()
        raise_open_files(self.max_connections + 64)     # connections plus listen, multicast and log files
        self.sock = sock
        self.loop.add_reader(sock.fileno(), self._accept)
        gc.freeze()     # start-up objects are permanent: full collections need not scan them mid-fan-out

    def _accept(self):
        """Accept what is waiting. Our own loop, on public asyncio calls: at the
        open-file limit asyncio's (3.11) keeps calling accept() and reporting
        each failure within one wake-up; here a failed accept stops accepting
        for a while (doubling up to ACCEPT_BACKOFF[1] s) and is reported once,
        through the loop's exception handler (the server installs the
        rate-limited error log there: logs.ErrorLog.install)."""
        sock = self.sock
        loop = self.loop
        for _ in range(ACCEPT_BATCH):
            try:
                conn, _ = sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:      # EMFILE, ENFILE, ENOBUFS, ENOMEM: out of resources
                loop.remove_reader(sock.fileno())
                self.accept_backoff = min(ACCEPT_BACKOFF[1], max(ACCEPT_BACKOFF[0], self.accept_backoff * 2))
                self.accept_retry = loop.call_later(self.accept_backoff, self._resume_accepting)
                loop.call_exception_handler({      # the error log: rate-limited per message
                    "message": "socket.accept() out of system resource (%s); backing off" % exc})
                return
            self.accept_backoff = 0.0
            conn.setblocking(False)
            loop.create_task(self._connect(conn))

    def _resume_accepting(self):
        self.accept_retry = None
        if not self.stopping:
            self.loop.add_reader(self.sock.fileno(), self._accept)

    async def _connect(self, conn):
        try:
            await self.loop.connect_accepted_socket(lambda: Connection(self), conn)
        except OSError:
            conn.close()

    def datum_bytes(self, datum, media, head, mode):
        """The whole response for `datum`, built once per format, method and connection mode."""
        key = (media, head, mode)
        data = datum.rendered.get(key)
        if data is None:
            response = value_response(datum, media, self.hub.meta(datum.key))
            add_common_headers(response, self.settings)
            response.is_head = head
            data = datum.rendered[key] = encode(response, mode)
        return data

    def dispatch(self, conn, parsed, body):
        """One parsed request -> its answer (or the connection parked in the hub)."""
        method, url, version, fields = parsed[:4]
        try:
            request = Request(self.app, conn.peer, method, url, version, fields, body=body)
        except (ValueError, IndexError, UnicodeError):
            return conn.fail(400)
        conn.head = method == "HEAD"
        if self.stopping or len(self.connections) >= self.max_connections:
            conn.mode = CLOSE                   # make room: this connection closes after its answer
        self._answer(conn, request, self._run(request))

    def _run(self, request):
        """Route with microdot and run the route, which finishes without suspending.

        The value route (app.value_route: nearly every request is a long-poll)
        is stepped here once microdot's find_route() has chosen it: it always
        answers a Response, and the app has no before/after-request hooks, so
        microdot's generic dispatch would only add its cost. Every other
        route goes through microdot's whole dispatch_request()."""
        app = self.app
        handler, request.url_prefix, request.subapp = self.routes.find(request)
        if handler is self.value_route:
            request.route = handler
            coro = handler(request, **request.url_args)
        else:
            coro = app.dispatch_request(request)
        try:
            coro.send(None)
        except StopIteration as done:
            if isinstance(done.value, Response):
                return done.value
            coro = None
            self.loop.call_exception_handler({"message": "the value route answered %r, not a Response"
                                              % type(done.value)})
        except Exception as exc:            # a bug, not bad input: log it, answer 500
            self.loop.call_exception_handler({"message": "request failed", "exception": exc})
        else:
            coro.close()
            self.loop.call_exception_handler({"message": "a route suspended (routes must answer at once): %s %s"
                                              % (request.method, request.path)})
        response = error(500, "Internal server error (see the error log)")
        add_common_headers(response, self.settings)
        return response

    def _answer(self, conn, request, response):
        if self.access_log is not None:
            peer = request.client_addr
            peer = client_address(peer[0] if peer else None, request.headers.get("X-Forwarded-For"),
                                  self.settings.trusted_proxies)
            conn.log = (peer, "%s %s HTTP/%s" % (request.method, request.url, request.http_version),
                        request.headers.get("Referer", "-"), request.headers.get("User-Agent", "-"))
        devices = getattr(self.app, "devices", None)
        if devices is not None:
            devices.seen(request, conn)
        if hasattr(response, "attach"):         # /events and /follow (events.py) take the connection
            response = response.attach(self, conn)
            if response is None:
                return
            add_common_headers(response, self.settings)
        if response.__class__ is Held:
            try:
                if conn.park(response.key, response.hold, response.media, response.etag):
                    return                      # the hub calls conn.deliver() later
                response = no_content()         # shutting down: nothing new
            except Overloaded:
                response = error(503, "Too many waiting clients; try again shortly", {"Retry-After": "5"})
            add_common_headers(response, self.settings)
        self.hub.requests += 1
        datum = getattr(response, "datum", None)
        if datum is not None:
            data = self.datum_bytes(datum, response.media, conn.head, conn.mode)
        else:
            add_common_headers(response, self.settings)     # CORS on every answer (routed or not)
            response.is_head = conn.head
            data = encode(response, conn.mode)
        if conn.log is not None:
            self.log_later(conn.log, response.status_code, data)
        conn.respond(data)

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
        """Stop accepting, answer held requests (closing their connections),
        close idle ones, give writes `grace` seconds."""
        self.stopping = True
        if self.sock is not None:
            if self.accept_retry is not None:
                self.accept_retry.cancel()
            else:
                self.loop.remove_reader(self.sock.fileno())
            self.sock.close()
        self.hub.close()
        followers = getattr(self.app, "followers", None)
        if followers is not None:
            followers.close()                   # /follow waits answer 204, event streams end
        for conn in list(self.connections):
            if conn.state == READING:
                conn.abort() if conn.buffer else conn.transport.close()
        self.deadlines.close()
        for _ in range(int(grace / 0.01)):
            if not self.connections:
                break
            await asyncio.sleep(0.01)
        for conn in list(self.connections):
            conn.transport.abort()
        if self.pending_log:
            self._write_log()
