#!/usr/bin/env python3
"""Connection churn plus slow readers against a real artcast-server (issue 9,
"Measured": RSS before/after churn must stay flat). Not a test.

    .venv/bin/python tests/bench/churn.py                  # 60 s
    .venv/bin/python tests/bench/churn.py --seconds 600    # the issue's 10 minutes

While a source sends a 4 KB value every 50 ms:
- CHURNERS threads open connections as fast as they can and do one of four
  things at random: a `?wait=0` request read to the end; a held long-poll
  abandoned after a few ms (the client closes while held); a half-sent
  request head then close; a connect and close with nothing sent;
- SLOW readers (small receive buffers) pipeline many requests for the 4 KB
  value and never read.
Prints the server's RSS at start, every tenth of the run, and at the end
(after the churn stops and the slow readers are closed), with /status
counters. Loopback only; every loop ends with --seconds.
"""

import argparse
import os
import random
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))                       # tests/ (support): test bootstrap

from measure import rss_bytes  # noqa: E402
from support.server import ServerProcess  # noqa: E402

VALUE = "x" * 4000


def churn(port, stop, counts, seed):
    rng = random.Random(seed)
    while not stop.is_set():
        kind = rng.randrange(4)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                if kind == 0:
                    s.sendall(b"GET /artcasts/churn/v?wait=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    while s.recv(65536):
                        pass
                elif kind == 1:
                    s.sendall(b"GET /artcasts/churn/held HTTP/1.1\r\nHost: x\r\n\r\n")
                    time.sleep(rng.random() * 0.01)
                elif kind == 2:
                    s.sendall(b"GET /artcasts/churn/v HTTP/1.1\r\nHo")
            counts[kind] += 1
        except OSError:
            counts[4] += 1


def slow_reader(port, stop, requests=2000):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    request = b"GET /artcasts/churn/v?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n"
    for _ in range(requests):
        if stop.is_set():
            break
        try:
            s.send(request)
        except (BlockingIOError, OSError):
            time.sleep(0.01)
    return s


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=60.0, help="run length (default 60; capped at 900)")
    p.add_argument("--churners", type=int, default=4, help="churning threads (default 4)")
    p.add_argument("--slow", type=int, default=10, help="slow readers (default 10)")
    args = p.parse_args(argv)
    seconds = min(args.seconds, 900.0)
    server = ServerProcess(["--poll-timeout", "2"]).start()
    stop = threading.Event()
    sender_stop = threading.Event()
    try:
        def source():
            while not sender_stop.is_set():
                server.send("churn/v", VALUE)
                sender_stop.wait(0.05)
        threading.Thread(target=source, daemon=True).start()
        server.wait_for_datums(1)
        pid = server.proc.pid
        start_rss = rss_bytes(pid)
        counts = [0] * 5
        churners = [threading.Thread(target=churn, args=(server.port, stop, counts, i), daemon=True)
                    for i in range(args.churners)]
        for t in churners:
            t.start()
        slow = [slow_reader(server.port, stop) for _ in range(args.slow)]
        samples = []
        begin = time.monotonic()
        for i in range(1, 11):
            time.sleep(max(0.0, begin + seconds * i / 10 - time.monotonic()))
            samples.append(rss_bytes(pid))
        stop.set()
        for t in churners:
            t.join(10)
        status_during = server.status()
        for s in slow:
            s.close()
        time.sleep(1.0)
        end_rss = rss_bytes(pid)
        status = server.status()
    finally:
        sender_stop.set()
        stop.set()
        server.close()
    mb = 1024.0 * 1024.0
    print("| figure | value |")
    print("|---|---|")
    print("| run | %.0f s, %d churning threads, %d slow readers, a 4 KB datum every 50 ms |"
          % (seconds, args.churners, args.slow))
    print("| connections: read to end / held and abandoned / half a head / empty / refused | %s |"
          % " / ".join(str(c) for c in counts))
    print("| server RSS at start | %.1f MB |" % (start_rss / mb))
    print("| server RSS each tenth of the run | %s MB |" % ", ".join("%.1f" % (r / mb) for r in samples))
    print("| server RSS after (slow readers closed) | %.1f MB |" % (end_rss / mb))
    print("| connections open during / after | %s / %s |"
          % (status_during.get("connections_open"), status.get("connections_open")))
    print("| waiting clients after | %d |" % status["waiting_clients"])


if __name__ == "__main__":
    main()
