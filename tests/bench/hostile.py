#!/usr/bin/env python3
"""Hostile load against a real artcast-server (issue 9, "Measured"). Not a test.

    .venv/bin/python tests/bench/hostile.py                 # ~15 s
    .venv/bin/python tests/bench/hostile.py --seconds 20 --rate 20000

Prints:
1. datums lost among FUZZED fuzzed datagrams mixed with VALID valid ones
   (each valid one for its own key, so none is superseded; must be 0), and
   what the kernel dropped meanwhile (the sender paces itself to avoid that);
2. stderr and error-log bytes written under SECONDS of bad-datagram floods;
3. fresh-request latency (new connection, `?wait=0`) p50/p99 while the
   flood runs, and without it for comparison.

Bounded: every count and duration is an argument; the flood sends at most
RATE datagrams a second. Loopback only: the server listens on 127.0.0.1 and
the multicast leaves through 127.0.0.1 with TTL 0.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))                       # tests/ (support)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "core"))  # the hostile corpus

from artcast_core.datagram import encode_datum  # noqa: E402
from hostile_cases import CORPUS, REGISTRATIONS  # noqa: E402
from measure import percentile  # noqa: E402
from support.server import ServerProcess  # noqa: E402


def fuzzed(rng, count):
    """Bad or odd datagrams: the hostile corpus, mutated valid datums
    (flipped, cut, spliced bytes), deep nesting and random bytes, under
    fuzz/ keys so they never touch the valid ones."""
    seeds = [payload for payload, _ in CORPUS + REGISTRATIONS]
    out = []
    for i in range(count):
        kind = rng.randrange(5)
        if kind == 0:
            out.append(rng.choice(seeds))
        elif kind == 1:
            data = bytearray(encode_datum("fuzz/k%d" % rng.randrange(50), {"v": rng.random(), "s": "x" * rng.randrange(40)}))
            for _ in range(rng.randrange(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            out.append(bytes(data))
        elif kind == 2:
            data = encode_datum("fuzz/k%d" % rng.randrange(50), [1, 2, 3, "four"])
            out.append(data[:rng.randrange(len(data))])
        elif kind == 3:
            depth = rng.randrange(20, 4000)
            out.append(b'["fuzz/deep", ' + b"[" * depth + b"]" * depth + b"]")
        else:
            out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
    return out


def fresh_latencies(server, stop, out):
    """Sequential fresh requests (a new connection each) until `stop` is set."""
    while not stop.is_set():
        start = time.perf_counter()
        try:
            server.get("/artcasts/bench/v0?wait=0", timeout=5)
            out.append(time.perf_counter() - start)
        except OSError:
            out.append(5.0)
        time.sleep(0.005)


def accounted(server):
    """Datagrams the server has dealt with: received, dropped by reason, or
    dropped by the kernel before it could read them."""
    status = server.status()
    return (status["datums_received"] + sum(status["datagrams_dropped"].values())
            + (status["datagrams_dropped_by_kernel"] or 0)), status


def lost_among_fuzz(server, fuzzed_count, valid_count, rng, chunk=200):
    """Valid datums (one key each) among fuzzed datagrams, sent in chunks;
    before the next chunk the server must have accounted for the last one,
    so the kernel's buffer never overflows and a loss is the server's."""
    bad = fuzzed(rng, fuzzed_count)
    every = max(1, fuzzed_count // valid_count)
    stream = []
    for i in range(valid_count):
        stream += bad[i * every:(i + 1) * every] + [encode_datum("bench/v%d" % i, i)]
    stream += bad[valid_count * every:]
    sent = 0
    for start in range(0, len(stream), chunk):
        for payload in stream[start:start + chunk]:
            server.send_raw(payload)
            sent += 1
        deadline = time.monotonic() + 30
        while accounted(server)[0] < sent and time.monotonic() < deadline:
            time.sleep(0.005)
    status = accounted(server)[1]
    known = [e["key"] for e in json.loads(server.get("/artcasts")[2]) if e["key"].startswith("bench/v")]
    values_ok = sum(1 for i in rng.sample(range(valid_count), min(50, valid_count))
                    if server.get("/artcasts/bench/v%d?wait=0" % i)[2] == b"%d" % i)
    return valid_count - len(known), values_ok, min(50, valid_count), status


def flood(server, seconds, rate, rng):
    """Bad datagrams at `rate` a second for `seconds`; returns how many were sent."""
    bad = fuzzed(rng, 2000)
    sent, start = 0, time.monotonic()
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            return sent
        allowed = int(elapsed * rate) - sent
        for _ in range(min(allowed, 500)):
            try:
                server.send_raw(bad[sent % len(bad)])
            except OSError:
                pass
            sent += 1
        if allowed <= 0:
            time.sleep(0.001)


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=5.0, help="flood duration (default 5; capped at 120)")
    p.add_argument("--rate", type=int, default=10000, help="flood datagrams per second (default 10000; capped at 50000)")
    p.add_argument("--fuzzed", type=int, default=10000)
    p.add_argument("--valid", type=int, default=1000)
    p.add_argument("--seed", type=int, default=9)
    args = p.parse_args(argv)
    seconds, rate = min(args.seconds, 120.0), min(args.rate, 50000)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        error_log = os.path.join(tmp, "error.log")
        server = ServerProcess(["--error-log", error_log, "--access-log", os.path.join(tmp, "access.log"),
                                "--max-keys", str(args.valid + 1000)], log_dir=tmp).start()
        try:
            lost, ok, checked, status = lost_among_fuzz(server, args.fuzzed, args.valid, rng)
            print("1. datums lost among %d fuzzed + %d valid datagrams: %d (values checked: %d of %d right); "
                  "dropped by reason: %s; dropped by the kernel: %s"
                  % (args.fuzzed, args.valid, lost, ok, checked, json.dumps(status["datagrams_dropped"], sort_keys=True),
                     status["datagrams_dropped_by_kernel"]))

            quiet = []
            stop = threading.Event()
            timer = threading.Timer(min(seconds, 3.0), stop.set)
            timer.start()
            fresh_latencies(server, stop, quiet)

            err0, log0 = size(server.stderr_path), size(error_log)
            during = []
            stop = threading.Event()
            probe = threading.Thread(target=fresh_latencies, args=(server, stop, during))
            probe.start()
            sent = flood(server, seconds, rate, rng)
            stop.set()
            probe.join()
            status = server.status()
            print("2. under %.0f s of floods (%d bad datagrams, %.0f/s): stderr +%d bytes, error log +%d bytes; "
                  "kernel drops so far: %s"
                  % (seconds, sent, sent / seconds, size(server.stderr_path) - err0, size(error_log) - log0,
                     status["datagrams_dropped_by_kernel"]))
            print("3. fresh-request latency, ms: quiet p50 %.1f / p99 %.1f (%d requests); during the flood "
                  "p50 %.1f / p99 %.1f (%d requests)"
                  % (1000 * percentile(quiet, 50), 1000 * percentile(quiet, 99), len(quiet),
                     1000 * percentile(during, 50), 1000 * percentile(during, 99), len(during)))
        finally:
            server.close()
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
