#!/usr/bin/env python3
"""The benchmark in one command: every server, every figure, one table.

    python3 tests/bench/run.py            # full run (about 5 minutes)
    python3 tests/bench/run.py --quick    # small and fast, for CI: proves it works
    sudo python3 tests/bench/run.py --pi-quota 8 --targets artcast-asyncio,nchan   # Pi-class

Starts artcast-server (with uvloop when installed, and on plain asyncio),
the naive microdot baseline and, when installed, nginx+nchan, each as our own
process pinned to core 0; the load generator runs here, pinned to core 1.
Prints a Markdown table of absolute figures and ratios from this one run,
then which targets of issues 6 and 14 are met. Clients keep their connection
between polls (HTTP/1.1 keep-alive) unless --close; the sustained figure is
measured both ways. --pi-quota F runs every server under one cgroup CPU
quota of 1/F core (targets.CpuQuota; README: why F = 8 for a Pi Zero 2 W). Everything stays on 127.0.0.1;
multicast leaves through 127.0.0.1 with TTL 0. nginx+nchan missing is not an
error: its column then says it was not measured.
"""

import argparse
import asyncio
import json
import os
import resource
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import measure  # noqa: E402
import targets  # noqa: E402

FULL = {"clients": [100, 1000, 5000], "waves": 12, "memory": 10000, "sustained": (1000, 5.0),
        "udp": (1000, 100, 1000, 3.0), "idle": 60.0, "ceiling": (1000, 3.0)}
QUICK = {"clients": [200], "waves": 3, "memory": 300, "sustained": (200, 1.0),
         "udp": (200, 100, 1000, 1.0), "idle": 2.0, "ceiling": (200, 1.0)}
# Pi-class: the CPU-bound figures only (memory and datagram loss do not depend on the quota)
PI = {"clients": [1000, 5000], "waves": 6, "memory": None, "sustained": (1000, 5.0),
      "udp": None, "idle": 20.0, "ceiling": None}


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def cores():
    count = os.cpu_count() or 1
    if count < 2 or not shutil.which("taskset"):
        return None, None
    return 0, 1


TARGETS = {"artcast": targets.Artcast, "artcast-asyncio": targets.ArtcastAsyncio,
           "artcast-before": targets.ArtcastBefore, "artcast-asyncio-before": targets.ArtcastAsyncioBefore,
           "naive": targets.Naive, "nchan": targets.Nchan}


def make_targets(names, server_cpu, quota=None):
    made, missing = [], []
    for name in names:
        cls = TARGETS[name]
        if name in ("artcast", "artcast-before") and not has_uvloop():
            missing.append((name, "uvloop not installed (the asyncio column is the same server)"))
            continue
        try:
            made.append(cls(cpu=server_cpu, quota=quota))
        except RuntimeError as exc:
            missing.append((name, str(exc)))
    return made, missing


def has_uvloop():
    try:
        import uvloop  # noqa: F401
        return True
    except ImportError:
        return False


def log(message):
    print("[bench] " + message, file=sys.stderr, flush=True)


async def measure_all(plan, names, quota=None):
    server_cpu, _ = cores()
    made, missing = make_targets(names, server_cpu, quota)
    keep = plan["keep_alive"]
    results = {"plan": plan, "missing": dict(missing), "targets": {}}
    try:
        for target in made:
            target.start()
            await asyncio.sleep(0.3)
            results["targets"][target.name] = {"startup": target.startup,
                                               "rss_idle": measure.rss_bytes(target.server_pid())}
            log("%s started in %.3f s" % (target.name, target.startup))
        log("idle for %.0f s (context switches)" % plan["idle"])
        idle = await measure.idle({t.name: t.server_pid() for t in made}, plan["idle"])
        for target in made:
            r = results["targets"][target.name]
            r["idle_switches_per_min"] = idle[target.name]
            log("%s: warm-up (1 s of traffic, not measured)" % target.name)
            await measure.sustained(target, 200, 1.0, key="bench/warm-up")
            for n in plan["clients"]:
                log("%s: fan-out to %d clients, %d waves" % (target.name, n, plan["waves"]))
                r["fanout_%d" % n] = await measure.fanout(target, n, plan["waves"], keep_alive=keep)
            n, seconds = plan["sustained"]
            log("%s: sustained, %d keep-alive clients, %.0f s" % (target.name, n, seconds))
            r["sustained_keep_alive"] = await measure.sustained(target, n, seconds, keep_alive=True)
            if plan["udp"]:
                log("%s: sustained, %d clients closing each time, %.0f s" % (target.name, n, seconds))
                r["sustained"] = await measure.sustained(target, n, seconds)
            if target.multicast and plan["udp"]:
                clients, keys, rate, seconds = plan["udp"]
                log("%s: %d datums/s over %d keys, %d clients" % (target.name, rate, keys, clients))
                r["udp"] = await measure.udp_loss(target, clients, keys, rate, seconds)
            target.stop()
            if not plan["memory"]:
                continue
            # memory last, on a fresh process: nothing earlier inflates (or pre-warms) its RSS
            target.start()
            await asyncio.sleep(0.3)
            log("%s: memory with %d waiting (fresh process)" % (target.name, plan["memory"]))
            r["memory"] = await measure.memory(target, plan["memory"], keep_alive=keep)
            target.stop()
        if targets.find_nginx() and plan["ceiling"]:
            n, seconds = plan["ceiling"]
            log("load generator ceiling: %d clients against a fixed answer" % n)
            with targets.Static(cpu=server_cpu) as static:
                results["ceiling"] = await measure.ceiling(static, n, seconds)
                results["ceiling_keep_alive"] = await measure.ceiling(static, n, seconds, keep_alive=True)
    finally:
        for target in made:
            target.stop()
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for CI (seconds, not minutes)")
    parser.add_argument("--targets", default="artcast,artcast-asyncio,naive,nchan",
                        help="comma-separated: artcast, artcast-asyncio, naive, nchan")
    parser.add_argument("--clients", help="fan-out sizes, comma-separated (default 100,1000,5000)")
    parser.add_argument("--waves", type=int, help="waves per fan-out size (default 12)")
    parser.add_argument("--idle", type=float, help="seconds of idle measurement (default 60)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures here")
    parser.add_argument("--close", action="store_true",
                        help="fan-out and memory clients ask for Connection: close (default: keep-alive)")
    parser.add_argument("--pi-quota", type=float, metavar="F",
                        help="run every server under a cgroup CPU quota of 1/F core (root; 8 emulates "
                             "a Pi Zero 2 W core, see README)")
    args = parser.parse_args(argv)
    plan = dict(QUICK if args.quick else PI if args.pi_quota else FULL)
    if args.quick and args.pi_quota:
        plan["memory"] = plan["udp"] = plan["ceiling"] = None
    plan["keep_alive"] = not args.close
    plan["quota"] = args.pi_quota
    if args.clients:
        plan["clients"] = [int(c) for c in args.clients.split(",")]
    if args.waves:
        plan["waves"] = args.waves
    if args.idle is not None:
        plan["idle"] = args.idle
    fds = raise_fd_limit()
    server_cpu, gen_cpu = cores()
    if gen_cpu is not None:
        os.sched_setaffinity(0, {gen_cpu})
    try:
        import uvloop
        uvloop.install()
        generator_loop = "uvloop"
    except ImportError:
        generator_loop = "asyncio"
    if args.pi_quota:
        with targets.CpuQuota(args.pi_quota) as quota:
            results = asyncio.run(measure_all(plan, args.targets.split(","), quota))
            results["throttled"] = quota.throttled()
    else:
        results = asyncio.run(measure_all(plan, args.targets.split(",")))
    results["setup"] = {"cpus": os.cpu_count(), "server_cpu": server_cpu, "generator_cpu": gen_cpu,
                        "generator_loop": generator_loop, "fd_limit": fds, "somaxconn": somaxconn(),
                        "load": os.getloadavg()}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    import report
    print(report.render(results))
    return 0


def somaxconn():
    try:
        with open("/proc/sys/net/core/somaxconn") as f:
            return int(f.read())
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
