"""The server in this process: the real HTTPServer on a loopback socket, so
in-process tests take the same request path as production (no test client
with a path of its own).

    async with InProcess(poll_timeout=0.2) as srv:
        srv.hub.publish("k", 1, b'["k", 1]')
        res = await srv.get("/artcasts/k?wait=0")
        assert res.status_code == 200 and res.json == 1
"""

import asyncio
import json

from artcast_core.http import build_get, parse_response
from artcast_server.app import Settings, create_app
from artcast_server.hub import Hub
from artcast_server.listen import HTTPServer, open_listen_socket


class Result:
    def __init__(self, data):
        self.status_code, headers, self.body = parse_response(data)
        self.raw = data
        self.headers = _Headers(headers)
        self.text = self.body.decode("utf-8", "replace")
        ctype = headers.get("content-type", "")
        self.json = json.loads(self.text) if ctype.startswith("application/json") and self.body else None


class _Headers(dict):
    """Response headers, looked up in any case."""

    def __getitem__(self, name):
        return dict.__getitem__(self, name.lower())

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)

    def __contains__(self, name):
        return dict.__contains__(self, name.lower())


class InProcess:
    def __init__(self, poll_timeout=0.2, hub=None, access_log=None, max_connections=None, **hub_kwargs):
        self.hub = hub or Hub(**hub_kwargs)
        self.settings = Settings(poll_timeout=poll_timeout)
        self.http = HTTPServer(create_app(self.hub, self.settings), self.hub, self.settings, access_log,
                               max_connections=max_connections)
        self.port = None

    async def __aenter__(self):
        sock = open_listen_socket("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        await self.http.start(sock)
        return self

    async def __aexit__(self, *exc):
        await self.http.shutdown(grace=0.5)

    async def get(self, path, headers=None, method="GET", timeout=10.0):
        """One request on its own connection (Connection: close) -> Result."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            request = build_get("127.0.0.1", self.port, path, headers)
            if method != "GET":
                request = method.encode() + request[3:]
            writer.write(request)
            data = b""
            while True:
                chunk = await asyncio.wait_for(reader.read(65536), timeout)
                if not chunk:
                    break
                data += chunk
                if method == "HEAD" and b"\r\n\r\n" in data:
                    break
            return Result(data)
        finally:
            writer.close()
