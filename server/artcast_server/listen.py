"""The TCP side: the listen socket and the shell around each connection.

microdot parses requests and routes them; this module owns what microdot's
built-in server does not let us set: the listen backlog (a thousand devices
reconnect at once after every datum), a deadline for the request head
(slowloris), a cap on its size, one write per response, and a graceful
shutdown that answers every held request.
"""

import asyncio
import socket

from microdot.microdot import Request

from artcast_server.app import add_common_headers
from artcast_server.responses import error

HEAD_TIMEOUT = 10.0          # seconds for the whole request head to arrive
MAX_HEAD = 16 * 1024         # bytes of request line + headers
BACKLOG = 4096               # the kernel caps this at net.core.somaxconn


class HeadTooLarge(ValueError):
    pass


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


class _HeadReader:
    """Counts what Request.create reads, so a huge head is refused."""

    __slots__ = ("reader", "left")

    def __init__(self, reader):
        self.reader = reader
        self.left = MAX_HEAD

    async def readline(self):
        line = await self.reader.readline()
        self.left -= len(line)
        if self.left < 0:
            raise HeadTooLarge()
        return line

    async def readexactly(self, n):
        return await self.reader.readexactly(n)

    async def read(self, n=-1):
        return await self.reader.read(n)


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


class HTTPServer:
    """Serves a microdot app on a bound socket, one request per connection."""

    def __init__(self, app, hub, settings, access_log=None):
        self.app = app
        self.hub = hub
        self.settings = settings
        self.access_log = access_log
        self.server = None
        self.tasks = set()

    async def start(self, sock):
        self.server = await asyncio.start_server(self._connection, sock=sock, backlog=BACKLOG)

    async def _connection(self, reader, writer):
        task = asyncio.current_task()
        self.tasks.add(task)
        loop = asyncio.get_running_loop()
        deadline = loop.call_later(HEAD_TIMEOUT, writer.transport.abort)
        request = response = None
        peer = writer.get_extra_info("peername")
        try:
            try:
                request = await Request.create(self.app, _HeadReader(reader), writer, peer)
            except HeadTooLarge:
                response = error(431, "Request head too large")
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                return
            except (ValueError, IndexError, UnicodeError):
                response = error(400, "Bad request: not an HTTP/1.x request line and headers")
            finally:
                deadline.cancel()
            if request is not None:
                response = await self.app.dispatch_request(request)
            elif response is None:
                return          # connected and closed without a request
            else:
                add_common_headers(response, self.settings)
            self.hub.requests += 1
            data = encode(response)
            writer.write(data)
            await writer.drain()
            if self.access_log is not None:
                line = "%s %s HTTP/%s" % (request.method, request.url, request.http_version) if request else "-"
                self.access_log.log(peer[0] if peer else None, line, request.headers if request else {},
                                    response.status_code, len(data) - data.find(b"\r\n\r\n") - 4)
        except (ConnectionError, OSError):
            pass
        finally:
            self.tasks.discard(task)
            writer.close()

    async def shutdown(self, grace=1.5):
        """Stop accepting, answer held requests, give writes `grace` seconds."""
        if self.server is not None:
            self.server.close()
        self.hub.close()
        pending = [t for t in self.tasks if t is not asyncio.current_task()]
        if pending:
            done, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
