"""The hot path's structure, which the benchmark's figures rest on: a
datum's response is built once and the same bytes go to every waiter (the
hub's slots and deadlines: test_hub_deadlines.py)."""

import asyncio
import socket

from artcast_server.app import Settings, create_app
from artcast_server.hub import Hub
from artcast_server.listen import HTTPServer, open_listen_socket


def test_waiters_get_the_same_bytes_built_once():
    async def go():
        hub = Hub()
        settings = Settings(poll_timeout=5)
        server = HTTPServer(create_app(hub, settings), hub, settings)
        sock = open_listen_socket("127.0.0.1", 0)
        port = sock.getsockname()[1]
        await server.start(sock)
        clients = []
        for _ in range(5):
            c = socket.create_connection(("127.0.0.1", port))
            c.sendall(b"GET /artcasts/t/k HTTP/1.1\r\nHost: x\r\n\r\n")
            c.setblocking(False)
            clients.append(c)
        for _ in range(200):
            if hub.waiting == 5:
                break
            await asyncio.sleep(0.01)
        assert hub.waiting == 5
        datum = hub.publish("t/k", {"v": 1}, b'["t/k", {"v": 1}]')
        answers = []
        for c in clients:
            data = b""
            while not data.endswith(b"}"):
                try:
                    data += c.recv(4096)
                except BlockingIOError:
                    await asyncio.sleep(0.01)
            answers.append(data)
            c.close()
        assert len(set(answers)) == 1 and answers[0].startswith(b"HTTP/1.1 200")
        assert b"ETag: " + datum.etag.encode() in answers[0]
        assert b"Access-Control-Allow-Origin: *" in answers[0]
        built = [k for k in datum.rendered if isinstance(k, tuple)]
        assert built == [("application/json", False, "")]    # one response built for five (kept open)
        assert answers[0] == datum.rendered[built[0]]
        await server.shutdown(grace=0.5)
    asyncio.run(go())


def test_server_raises_its_open_file_limit_for_max_clients():
    """A service started with systemd's soft limit of 1024 files could not hold
    a thousand waiting devices; the server raises it towards the hard limit."""
    import resource
    import subprocess
    import sys
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2000 if hard == resource.RLIM_INFINITY else min(2000, hard)

    def low():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    code = ("import resource; from artcast_server.listen import raise_open_files; "
            "raise_open_files(%d); print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])" % want)
    out = subprocess.run([sys.executable, "-c", code], preexec_fn=low, capture_output=True, text=True, timeout=30)
    assert int(out.stdout) == want, out.stderr
