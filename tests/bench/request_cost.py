#!/usr/bin/env python3
"""The server's own Python cost per long-poll delivery, without the network.

The real HTTPServer and Connection objects, fed the bytes of keep-alive
requests by hand and writing into a transport that only counts bytes: one
round is N connections each sending `GET /artcasts/<key>` with its ETag
(parsed, routed by microdot, parked in the hub), then one datum answers
all N. What the event loop and the kernel cost (accept, recv, send) is not
in it, so this is the part the hot-path work can change; the benchmark
(run.py) measures the whole.

    python3 tests/bench/request_cost.py              # 1,000 connections, 30 rounds
    python3 tests/bench/request_cost.py --profile    # and cProfile's top entries
"""

import argparse
import asyncio
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for folder in ("clients", "server"):
    sys.path.insert(0, os.path.join(REPO, folder))

from artcast_server.app import Settings, create_app  # noqa: E402
from artcast_server.connection import Connection  # noqa: E402
from artcast_server.hub import Hub  # noqa: E402
from artcast_server.listen import HTTPServer  # noqa: E402


class CountingTransport:
    """Just enough of an asyncio transport: writes are counted, not sent."""

    def __init__(self):
        self.written = 0
        self.closed = False

    def write(self, data):
        self.written += len(data)

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 40000) if name == "peername" else default

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def close(self):
        self.closed = True

    abort = close

    def pause_reading(self):
        pass

    resume_reading = pause_reading


def request_bytes(key, etag):
    """What artcast_client sends on a kept-open connection (build_get's shape)."""
    return ("GET /artcasts/%s HTTP/1.1\r\nHost: 127.0.0.1:8888\r\nAccept: application/json\r\n"
            "User-Agent: artcast-client\r\nIf-None-Match: %s\r\n\r\n" % (key, etag)).encode()


async def rounds(n, count, key="bench/k", access_log=None):
    hub = Hub(max_clients=n + 10)
    settings = Settings(poll_timeout=25)
    server = HTTPServer(create_app(hub, settings), hub, settings, access_log)
    server.loop = asyncio.get_running_loop()
    conns = []
    for _ in range(n):
        conn = Connection(server)
        conn.connection_made(CountingTransport())
        conns.append(conn)
    datum = hub.publish(key, 0, b'["%s", 0]' % key.encode())
    start = time.process_time()      # CPU time: other work on the machine does not count
    for i in range(1, count + 1):
        data = request_bytes(key, datum.etag)
        for conn in conns:
            conn.data_received(data)
        assert hub.waiting == n, hub.waiting
        datum = hub.publish(key, i, b'["%s", %d]' % (key.encode(), i))
        assert hub.waiting == 0
    elapsed = time.process_time() - start
    assert all(not c.transport.closed for c in conns)
    if server.pending_log:
        start = time.process_time()
        server._write_log()             # the batched access log: its cost counts too
        elapsed += time.process_time() - start
    await server.shutdown(grace=0)
    return elapsed / (n * count)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--access-log", metavar="FILE", help="with the access log written here (e.g. /dev/null)")
    args = parser.parse_args(argv)
    log = None
    if args.access_log:
        from artcast_server.logs import AccessLog
        log = AccessLog(args.access_log)
    asyncio.run(rounds(args.clients, 3, access_log=log))      # warm up
    if args.profile:
        import cProfile
        import pstats
        profile = cProfile.Profile()
        profile.enable()
        asyncio.run(rounds(args.clients, args.rounds, access_log=log))
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    best = min(asyncio.run(rounds(args.clients, args.rounds, access_log=log)) for _ in range(3))
    print("%.1f µs of server Python per delivery (request parsed, routed, parked, answered; "
          "%d keep-alive connections, access log %s, best of 3)" % (best * 1e6, args.clients, args.access_log or "off"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
