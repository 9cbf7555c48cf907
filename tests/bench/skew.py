"""Skew across kits, with and without play-at, and end-to-end latency
(issue 15). Loopback only; every process is our own child, stopped by PID.

    python3 tests/bench/skew.py                   # 30 kits, 10 datums a phase: about 90 s
    python3 tests/bench/skew.py --kits 12         # a busy machine: fewer kits

Skew: N simulated kits follow one key, each behind its own delaying TCP
proxy (tests/kinetic/kinetic_proxy.DelayingProxy: a fixed delay per kit,
0..150 ms minus the jitter, plus per-chunk jitter; this kernel has no tc
netem). Half are the MicroPython firmware (the unix port running main.py,
writes recorded by the machine.PWM stand-in), half the Pi client (the real
PieceRunner with the simulate backend's recording device, skew_kit.py).
Each kit shows the value on a PWM output; a datum's value identifies its
write. For every datum: the spread (last kit's write minus the first's),
then p50 / p99 / max of that spread over the datums; first plain datums
([key, value]: shown on arrival), then datums with a play-at
([key, value, {"delay": D}]). With play-at it also prints how far each
write was from the play-at itself (through this process's own /clock
estimate). Every clock here is CLOCK_MONOTONIC: CPython's time.monotonic()
and the unix port's ticks_ms (the board's own clock, whole ms) and
ticks_us (its device writes are recorded in us, ARTCAST_RECORD_US).

End to end: one firmware kit and one Pi kit without a proxy; the datagram
is sent at time t, the kit's device write (the recording hardware
boundary: PWM duty) happens at t + latency; p50 / p99 over the datums, at
rest and with 1,000 other clients held on another key of the server.
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "kinetic"))
sys.path.insert(0, HERE)

from crowd import Crowd, all_waiting  # noqa: E402
from kinetic_proxy import DelayingProxy  # noqa: E402
from measure import percentile  # noqa: E402
from support.micropython import micropython_command  # noqa: E402
from support.net import http_get  # noqa: E402
from support.process import stop_process  # noqa: E402
from targets import GROUP, REPO, Artcast, env_with_sources  # noqa: E402

sys.path.insert(0, os.path.join(REPO, "clients"))
from artcast_core.clock import BURST, SPACING_MS  # noqa: E402
from artcast_core.datagram import encode_datum  # noqa: E402

KEY = "bench/skew"
E2E_KEY = "bench/e2e"
IDLE_KEY = "bench/idle"
FIRMWARE = os.path.join(REPO, "firmware", "micropython")
STUBS = os.path.join(TESTS, "firmware", "stubs")
PWM = {"device": {"type": "pwm", "pin": 13}, "mapping": {"type": "linear", "from": [0, 1000]}}


def log(text):
    sys.stderr.write("[skew] %s\n" % text)
    sys.stderr.flush()


class Kit:
    """One simulated kit: a firmware process or a Pi client process."""

    def __init__(self, kind, folder, key):
        self.kind = kind
        self.dir = folder
        self.key = key
        self.proc = None
        self.proxy = None
        self.record = os.path.join(folder, "record.jsonl")
        os.makedirs(folder, exist_ok=True)

    def start(self, url):
        output = dict(PWM, key=self.key)
        console = open(os.path.join(self.dir, "console.txt"), "ab")
        if self.kind == "fw":
            with open(os.path.join(self.dir, "config.json"), "w") as f:
                json.dump({"wifi": {"ssid": "bench", "password": "benchmark"}, "server": url,
                           "outputs": [output], "setup_button": None}, f)
            env = dict(os.environ, MICROPYPATH=":".join([STUBS, FIRMWARE, os.path.join(REPO, "clients")]),
                       ARTCAST_RECORD=self.record, ARTCAST_RECORD_US="1",
                       STUB_WIFI_DOWN=os.path.join(self.dir, "wifi-down"))
            cmd = [micropython_command(), os.path.join(FIRMWARE, "main.py")]
        else:
            piece = os.path.join(self.dir, "piece.json")
            with open(piece, "w") as f:
                json.dump({"server": url, "outputs": [output]}, f)
            env = env_with_sources()
            cmd = [sys.executable, os.path.join(HERE, "skew_kit.py"), piece, self.record]
        self.proc = subprocess.Popen(cmd, cwd=self.dir, env=env, stdout=console, stderr=subprocess.STDOUT)

    def writes(self):
        """[(monotonic ms, value shown)] in order."""
        out = []
        if not os.path.exists(self.record):
            return out
        with open(self.record) as f:
            for line in f:
                if not line.endswith("\n"):
                    continue
                rec = json.loads(line)
                if self.kind == "fw":
                    if rec[1] == "pwm":
                        out.append((float(rec[0]), int(round(rec[3] / 65535.0 * 1000))))
                elif rec[1] is not None:
                    out.append((rec[0], int(round(rec[1] * 1000))))
        return out

    def first_write(self, value, since=0.0):
        for t, v in self.writes():
            if v == value and t >= since:
                return t
        return None

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
        if self.proxy is not None:
            self.proxy.close()


def send(target, key, value, delay=None):
    target.sender.sendto(encode_datum(key, value, delay=delay), (GROUP, target.data_port))
    return time.monotonic() * 1000.0


async def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("skew: timed out waiting for %s" % what)
        await asyncio.sleep(0.05)


def status(target):
    return json.loads(http_get(target.port, "/status")[2])


def server_clock(target, samples=7):
    """server ms -> this process's monotonic ms (smallest of `samples` round trips)."""
    best = None
    for _ in range(samples):
        t0 = time.monotonic() * 1000.0
        ms = json.loads(http_get(target.port, "/clock")[2])["ms"]
        t1 = time.monotonic() * 1000.0
        if best is None or t1 - t0 < best[0]:
            best = (t1 - t0, (t0 + t1) / 2.0, ms)
    return lambda server_ms: best[1] + (server_ms - best[2])


def figures(values):
    if not values:
        return "— / — / —"
    return "%.1f / %.1f / %.1f" % (percentile(values, 50), percentile(values, 99), max(values))


async def skew_phase(target, kits, values, delay, interval, to_local):
    """Send `values` (with play-at `delay` s, or None); -> (spreads, errors vs play-at, missing)."""
    dues = {}
    for v in values:
        send(target, KEY, v, delay)
        await asyncio.sleep(0.05)
        if delay is not None:
            headers = http_get(target.port, "/artcasts/%s?wait=0" % KEY)[1]
            dues[v] = to_local(int(headers["artcast-play-at"]))
        await asyncio.sleep(max(0.0, interval - 0.05))
    await asyncio.sleep(1.0 + (delay or 0))
    spreads, errors, missing = [], [], 0
    for v in values:
        times = []
        for i, kit in enumerate(kits):
            t = kit.first_write(v)
            if t is None:
                missing += 1
            else:
                times.append(t)
                if v in dues:
                    errors.append((kit.kind, i, t - dues[v]))
        if len(times) > 1:
            spreads.append(max(times) - min(times))
    return spreads, errors, missing


async def e2e_phase(target, kits, values, interval):
    """-> {kind: [latency ms]} for the datums `values` on E2E_KEY."""
    sent = {}
    for v in values:
        sent[v] = send(target, E2E_KEY, v)
        await asyncio.sleep(interval)
    await asyncio.sleep(0.5)
    out = {}
    for kit in kits:
        for v in values:
            t = kit.first_write(v, sent[v] - 1)
            if t is not None:
                out.setdefault(kit.kind, []).append(t - sent[v])
    return out


async def main(args):
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="artcast-skew-")
    target = Artcast(max_clients=20000)
    kits = []
    report = []
    try:
        target.start()
        to_local = server_clock(target)
        # --- skew ------------------------------------------------------------
        for i in range(args.kits):
            kind = "fw" if i % 2 == 0 else "pi"
            kit = Kit(kind, os.path.join(tmp, "kit%02d" % i), KEY)
            base = rng.uniform(0, max(0.0, args.max_delay_ms - args.jitter_ms)) / 1000.0
            kit.proxy = await DelayingProxy(target.port, base, args.jitter_ms / 1000.0, rng).start()
            kit.base_ms = base * 1000
            kit.start(kit.proxy.url)
            kits.append(kit)
        log("%d kits started (%d firmware, %d Pi); waiting for their polls"
            % (len(kits), sum(k.kind == "fw" for k in kits), sum(k.kind == "pi" for k in kits)))
        await wait_until(lambda: status(target)["waiting_clients"] >= len(kits), 60, "every kit's long-poll")
        send(target, KEY, 998)          # a warm-up value: every kit is following
        await wait_until(lambda: all(k.first_write(998) is not None for k in kits), 30, "the first value")
        plain = list(range(1, args.datums + 1))
        log("plain datums (no play-at)")
        spread_plain, _, missing_plain = await skew_phase(target, kits, plain, None, args.interval, to_local)
        # The first value with a play-at starts the kits' clock samples.
        send(target, KEY, 999, args.delay)
        await wait_until(lambda: all(k.first_write(999) is not None for k in kits), 30, "the warm-up value")
        # Time for every kit's burst of clock samples: each is due SPACING_MS
        # after the last and takes up to two round trips (the firmware
        # connects for each), 4 x the largest one-way delay.
        await asyncio.sleep(BURST * (SPACING_MS + 4 * args.max_delay_ms) / 1000.0 + 1.0)
        timed = list(range(101, 101 + args.datums))
        log("datums with play-at (delay %.2f s)" % args.delay)
        spread_timed, errors, missing_timed = await skew_phase(target, kits, timed, args.delay,
                                                               args.interval, to_local)
        report.append(("skew across %d kits, plain [key, value]: p50 / p99 / max spread (ms)" % len(kits),
                       figures(spread_plain), "%d writes missing" % missing_plain))
        report.append(("skew across %d kits, play-at %.2f s: p50 / p99 / max spread (ms)" % (len(kits), args.delay),
                       figures(spread_timed), "%d writes missing" % missing_timed))
        report.append(("play-at: write time minus play-at (absolute), per kit and datum: p50 / p99 / max (ms)",
                       figures([abs(e) for _, _, e in errors]), "through this process's own /clock estimate"))
        # Each kit's median error is its clock estimate's (constant while no
        # new sample comes); what is left per datum is its wake-up.
        per_kit = {}
        for _, i, e in errors:
            per_kit.setdefault(i, []).append(e)
        medians = dict((i, percentile(es, 50)) for i, es in per_kit.items())
        if medians:
            report.append(("play-at, each kit's median error: range across kits (ms)",
                           "%.1f" % (max(medians.values()) - min(medians.values())),
                           "the clock estimates' part of the spread"))
            rest = [abs(e - medians[i]) for _, i, e in errors]
            report.append(("play-at, error minus the kit's median, absolute: p50 / p99 / max (ms)", figures(rest),
                           "the wake-up part (30 processes waking at once on this machine's CPUs)"))
        for kind, name in (("pi", "Pi client"), ("fw", "firmware")):
            signed = [e for k, _, e in errors if k == kind]
            if signed:
                report.append(("play-at, %s: write minus play-at, signed: p1 / p50 / p99 (ms)" % name,
                               "%.1f / %.1f / %.1f" % (percentile(signed, 1), percentile(signed, 50),
                                                       percentile(signed, 99)),
                               "negative: early (clock estimate), positive: late (wake-up)"))
        delays = sorted(k.base_ms for k in kits)
        report.append(("network delay per kit (ms, one way, before jitter)",
                       "%.0f .. %.0f" % (delays[0], delays[-1]), "jitter 0..%g ms per chunk" % args.jitter_ms))
        for k in kits:
            k.stop()
        # --- end to end --------------------------------------------------------
        e2e = [Kit("fw", os.path.join(tmp, "e2e-fw"), E2E_KEY), Kit("pi", os.path.join(tmp, "e2e-pi"), E2E_KEY)]
        kits = e2e
        for kit in e2e:
            kit.start("http://127.0.0.1:%d" % target.port)
        send(target, E2E_KEY, 998)      # a warm-up value: both are following
        await wait_until(lambda: all(k.first_write(998) is not None for k in e2e), 30, "the end-to-end kits")
        await asyncio.sleep(0.5)
        values = list(range(1, args.e2e_datums + 1))
        log("end to end at rest")
        rest = await e2e_phase(target, e2e, values, args.e2e_interval)
        crowd = Crowd(target, args.crowd, (IDLE_KEY,))
        crowd.start()
        await all_waiting(crowd, args.crowd, timeout=30)
        await wait_until(lambda: status(target)["waiting_clients"] >= args.crowd + len(e2e), 30, "the crowd")
        log("end to end with %d other clients waiting" % args.crowd)
        values = list(range(201, 201 + args.e2e_datums))
        busy = await e2e_phase(target, e2e, values, args.e2e_interval)
        crowd.running = False
        for kind, name in (("pi", "Pi client"), ("fw", "MicroPython firmware")):
            for label, got in (("at rest", rest), ("%d clients waiting" % args.crowd, busy)):
                lat = got.get(kind, [])
                report.append(("end to end, datagram -> %s PWM write, %s: p50 / p99 (ms)" % (name, label),
                               "%.1f / %.1f" % (percentile(lat, 50), percentile(lat, 99)) if lat else "— / —",
                               "%d of %d datums" % (len(lat), args.e2e_datums)))
    finally:
        for k in kits:
            k.stop()
        target.stop()
    width = max(len(r[0]) for r in report)
    print("\n| figure | measured | note |\n|---|---|---|")
    for name, value, note in report:
        print("| %s | %s | %s |" % (name.ljust(width), value, note))
    load = os.getloadavg()
    print("\nload average at the end: %.2f %.2f %.2f on %d CPUs; kits not pinned; results in %s"
          % (load[0], load[1], load[2], os.cpu_count(), tmp))


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kits", type=int, default=30, help="simulated kits, half firmware, half Pi (30)")
    p.add_argument("--datums", type=int, default=10, help="datums per skew phase (10)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between datums (1.0)")
    p.add_argument("--delay", type=float, default=0.5, help="play-at delay in seconds (0.5)")
    p.add_argument("--max-delay-ms", type=float, default=150, help="largest one-way network delay (150)")
    p.add_argument("--jitter-ms", type=float, default=10, help="per-chunk jitter on top (10)")
    p.add_argument("--e2e-datums", type=int, default=30, help="datums per end-to-end phase (30)")
    p.add_argument("--e2e-interval", type=float, default=0.2, help="seconds between them (0.2)")
    p.add_argument("--crowd", type=int, default=1000, help="other clients waiting in the busy phase (1000)")
    p.add_argument("--seed", type=int, default=15, help="random seed for the delays (15)")
    args = p.parse_args(argv)
    if not 1 <= args.kits <= 60 or not 1 <= args.datums <= 100 or not 0 <= args.crowd <= 5000:
        p.error("--kits 1..60, --datums 1..100, --crowd 0..5000")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
