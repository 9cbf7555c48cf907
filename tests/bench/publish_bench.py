#!/usr/bin/env python3
"""Publish figures (issue 12): HTTP publish requests a second against a real
artcast-server, and what checking a signature adds per datagram.

    .venv/bin/python tests/bench/publish_bench.py [--requests 2000] [--threads 4]

Everything on 127.0.0.1; the server multicasts what it accepts through
127.0.0.1 with TTL 0. Prints figures; asserts nothing about speed.
"""

import argparse
import os
import sys
import threading
import time
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))           # tests/ (support.*): test bootstrap
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "publish"))

from artcast_core.datagram import encode_datum, parse_datum  # noqa: E402
from artcast_core.signing import Verifier, sign  # noqa: E402
from publish_support import TOKEN, post  # noqa: E402
from support.server import ServerProcess  # noqa: E402


def signature_cost(n=20000):
    secret = b"bench-secret-0123456789"
    body = encode_datum("bench/key", {"r": 12, "g": 200, "b": 7})
    payloads = [sign(body, "bench", secret) for _ in range(n)]
    verifier = Verifier({"bench": secret}, window=3600, max_remembered=n + 1)
    it = iter(payloads)
    parse = timeit.timeit(lambda: parse_datum(body), number=n) / n
    check = timeit.timeit(lambda: parse_datum(verifier.open(next(it))[0]), number=n) / n
    return parse * 1e6, check * 1e6


def http_publish_rate(requests, threads):
    server = ServerProcess(["--publish-token", TOKEN, "--publish-rate", "1000000"]).start()
    try:
        per_thread = requests // threads
        statuses = []

        def run(t):
            for i in range(per_thread):
                statuses.append(post(server, "bench/k%d" % t, i)[0])
        workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
        deadline = time.monotonic() + 10
        while server.status()["datums_received"] < len(statuses) and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(statuses) / elapsed, statuses.count(202), len(statuses), server.status()["datums_received"]
    finally:
        server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    parse_us, check_us = signature_cost()
    rate, accepted, sent, received = http_publish_rate(args.requests, args.threads)
    print("| figure | value |")
    print("|---|---|")
    print("| parse a datagram (unsigned) | %.1f µs |" % parse_us)
    print("| verify + parse a signed datagram | %.1f µs (+%.1f µs for the signature) |" % (check_us, check_us - parse_us))
    print("| HTTP publish, %d requests from %d threads, a new connection each | %.0f requests/s |"
          % (sent, args.threads, rate))
    print("| accepted (202) / datums the server received back from the group | %d / %d |" % (accepted, received))


if __name__ == "__main__":
    main()
