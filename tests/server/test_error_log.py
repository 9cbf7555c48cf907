"""Every error path writes through the rate-limited error log (issue 9.6):
a flood of identical failures writes a bounded number of lines plus a
count, to the --error-log file and not to stderr."""

import asyncio
import logging

import microdot.microdot

from artcast_server.app import Settings, create_app
from artcast_server.hub import Hub
from artcast_server.listen import HTTPServer, open_listen_socket
from artcast_server.logs import BURST, WINDOW, AccessLog, ErrorLog

FLOOD = 60


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def get(port, path):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())   # read to the close
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return int(data.split()[1])


def serve_and_flood(tmp_path, clock, path, count, extra_route=None):
    """A real HTTPServer on 127.0.0.1 with the error log installed as the CLI
    installs it; `count` requests to `path`; returns the statuses."""
    errors = ErrorLog(str(tmp_path / "error.log"), clock=clock)

    async def go():
        loop = asyncio.get_running_loop()
        errors.install(loop)
        hub = Hub()
        settings = Settings()
        app = create_app(hub, settings)
        if extra_route:
            extra_route(app)
        server = HTTPServer(app, hub, settings, AccessLog(str(tmp_path / "access.log")))
        sock = open_listen_socket("127.0.0.1", 0)
        port = sock.getsockname()[1]
        await server.start(sock)
        statuses = [await get(port, path) for _ in range(count)]
        clock.now += WINDOW + 1            # the next window: the count of suppressed lines is written
        statuses.append(await get(port, path))
        await server.shutdown()
        return statuses
    return errors, asyncio.run(go())


def test_route_exception_flood_is_rate_limited(tmp_path, monkeypatch, capfd):
    monkeypatch.setattr(microdot.microdot, "print_exception", microdot.microdot.print_exception)

    def boom_route(app):
        @app.get("/boom")
        async def boom(request):
            raise RuntimeError("boom \x1b]0;owned\x07")

    errors, statuses = serve_and_flood(tmp_path, Clock(), "/boom", FLOOD, boom_route)
    assert statuses == [500] * (FLOOD + 1)
    text = (tmp_path / "error.log").read_text()
    assert text.count("RuntimeError: boom") == BURST + 1     # BURST, then one in the next window
    assert "%d more 'request failed (RuntimeError)' messages suppressed" % (FLOOD - BURST) in text
    assert "\x1b" not in text and "\x07" not in text and "\\x1b]0;owned\\x07" in text
    assert len(text.splitlines()) < 25 * (BURST + 2)          # a few traceback lines each, not FLOOD of them
    assert "boom" not in capfd.readouterr().err                # nothing left on stderr


def test_asyncio_exception_handler_goes_to_the_error_log(tmp_path):
    errors = ErrorLog(str(tmp_path / "error.log"), clock=Clock())

    async def go():
        loop = asyncio.get_running_loop()
        errors.install(loop)
        for _ in range(1000):
            loop.call_exception_handler({"message": "socket.accept() out of system resource",
                                         "exception": OSError(24, "Too many open files")})
        logging.getLogger("asyncio").warning("socket.send() raised exception.")
        for _ in range(1000):
            logging.getLogger("asyncio").warning("socket.send() raised exception.")
    asyncio.run(go())
    text = (tmp_path / "error.log").read_text()
    assert text.count("Too many open files") == BURST
    assert text.count("socket.send() raised exception.") == BURST
    assert len(text.splitlines()) < 100


def test_access_log_escapes_control_characters(tmp_path):
    log = AccessLog(str(tmp_path / "access.log"))
    log.log("127.0.0.1", "GET /artcasts/\x1b[2J HTTP/1.1", {"User-Agent": "evil\x1b]0;owned\x07\r\x9b"}, 200, 5)
    for handler in log.logger.handlers:
        handler.flush()
    data = (tmp_path / "access.log").read_bytes()
    for byte in (b"\x1b", b"\x07", b"\r", "\x9b".encode()):
        assert byte not in data
    assert b'"evil\\x1b]0;owned\\x07\\r\\x9b"' in data


def test_real_server_access_log_escapes_agent_and_url(server_factory, tmp_path):
    import socket
    import time
    log = tmp_path / "real-access.log"
    server = server_factory("--access-log", str(log))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall("GET /artcasts/x\x1b[2J?wait=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  "User-Agent: evil\x1b]0;owned\x07\x9b\r\nReferer: r\x1bq\r\n\r\n".encode("utf-8"))
        while s.recv(65536):
            pass
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "owned" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.05)
    data = log.read_bytes()
    assert b"owned" in data
    for byte in (b"\x1b", b"\x07", "\x9b".encode()):
        assert byte not in data, data
    assert b'"evil\\x1b]0;owned\\x07\\x9b"' in data
