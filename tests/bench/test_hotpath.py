"""The hot path's structure, which the benchmark's figures rest on:
waiting requests are parked slots (no task, future or timer each), a datum's
response is built once and the same bytes go to every waiter, timeouts share
one coarse timer that exists only while someone waits."""

import asyncio
import socket

from artcast_server.app import Settings, create_app
from artcast_server.deadlines import Deadlines
from artcast_server.hub import Hub, Overloaded
from artcast_server.listen import HTTPServer, open_listen_socket


class Item:
    __slots__ = ("tick", "name")

    def __init__(self, name):
        self.name = name


def test_deadlines_never_early_at_most_a_width_late_and_idle_without_timer():
    async def go():
        loop = asyncio.get_running_loop()
        fired = {}
        deadlines = Deadlines(lambda item: fired.setdefault(item.name, loop.time()), width=0.05)
        start = loop.time()
        a, b, c = Item("a"), Item("b"), Item("c")
        deadlines.add(a, 0.1)
        deadlines.add(b, 0.2)
        deadlines.add(c, 0.1)
        deadlines.discard(c)                     # answered in time: never expires
        await asyncio.sleep(0.4)
        assert set(fired) == {"a", "b"}
        assert 0.1 <= fired["a"] - start < 0.1 + 0.05 + 0.05
        assert 0.2 <= fired["b"] - start < 0.2 + 0.05 + 0.05
        assert deadlines.timer is None and len(deadlines) == 0    # nothing waits: no timer
    asyncio.run(go())


class Waiter:
    __slots__ = ("key", "tick", "got")

    def __init__(self):
        self.got = []

    def deliver(self, datum):
        self.got.append(datum)


def test_hub_parks_slots_and_hands_one_datum_to_all():
    async def go():
        hub = Hub(max_clients=3)
        waiters = [Waiter() for _ in range(3)]
        for w in waiters:
            assert hub.hold("k", w, 25)
        assert hub.waiting == 3 and len(hub.deadlines) == 3
        try:
            hub.hold("k", Waiter(), 25)
            raise AssertionError("a fourth waiter was accepted past max_clients")
        except Overloaded:
            pass
        hub.release(waiters[2])                  # its client went away
        datum = hub.publish("k", 1, b'["k", 1]')
        assert [w.got for w in waiters] == [[datum], [datum], []]
        assert hub.waiting == 0 and hub.waiters == {} and len(hub.deadlines) == 0
        assert hub.deadlines.timer is None or hub.deadlines.buckets == {}
        w = Waiter()
        hub.hold("k", w, 25)
        hub.close()                              # shutdown: "nothing new" for everyone
        assert w.got == [None] and hub.waiting == 0
    asyncio.run(go())


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
        assert built == [("application/json", False)]          # one response built for five
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
