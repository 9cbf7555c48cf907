#!/usr/bin/env python3
"""ESP32 heap budget of the MicroPython firmware (issue 11.9): a measurement
script that prints figures, not a test.

Runs the compiled .mpy bundle (what `deploy.py install` copies) on the
32-bit MicroPython unix port (/work/shared/tools/micropython32, ESP32
object layout; needs `apt-get install libc6-i386`) at -X heapsize=100K, a
classic ESP32-WROOM's free heap, against a real artcast-server on
127.0.0.1 fed 50 datums/s over loopback multicast, for:

  60 px + servo, 300 px + servo   the shipped example's outputs, bigger strip
  setup page                      microdot serving GET and POST meanwhile
  --served: 300 px + servo as "piece": "server" (artcast-server --pieces),
            and the same with the piece replaced on the server every 2 s

and prints the free heap after the imports, after building the outputs,
the lowest while running, and MemoryErrors. --needed also finds the
smallest heap each configuration runs in (bisection, ~1 minute).

  .venv/bin/python tests/firmware/heap_budget.py [--seconds 8] [--needed]
"""

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # tests/, for support.*
sys.path.insert(0, HERE)

from fwboard import FIRMWARE, deploy  # noqa: E402
from support.net import free_port  # noqa: E402
from support.server import ServerProcess  # noqa: E402

TOOL = os.environ.get("ARTCAST_MICROPYTHON32", "/work/shared/tools/micropython32")
DRIVER = os.path.join(HERE, "heap_driver.py")

# Compact stand-ins for the board's built-in machine and network modules
# (built into the firmware image on a board, so they take no heap there;
# the recording stand-ins in stubs/ would take ~6 KB).
MACHINE = '''
class Pin:
    IN = 1
    OUT = 3
    PULL_UP = 2
    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
    def init(self, mode=-1, pull=-1, value=None):
        pass
    def value(self, v=None):
        return 1 if v is None else None
class PWM:
    def __init__(self, pin, freq=5000, duty_u16=0):
        self.d = duty_u16
    def freq(self, f=None):
        return 50
    def duty_u16(self, d=None):
        if d is None:
            return self.d
        self.d = d
    def deinit(self):
        pass
class WDT:
    def __init__(self, id=0, timeout=5000):
        pass
    def feed(self):
        pass
def reset():
    raise SystemExit(77)
def unique_id():
    return b"\\x24\\x0a\\xc4\\x12\\xab\\xcd"
'''
NETWORK = '''
STA_IF = 0
AP_IF = 1
def hostname(name=None):
    return "esp32"
class WLAN:
    PM_NONE = 0
    PM_PERFORMANCE = 1
    def __init__(self, iface=0):
        self.on = False
    def active(self, on=None):
        if on is None:
            return self.on
        self.on = on
    def connect(self, ssid=None, key=None):
        pass
    def disconnect(self):
        pass
    def isconnected(self):
        return self.on
    def ifconfig(self):
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
    def config(self, *args, **kw):
        if args:
            return b"\\x24\\x0a\\xc4\\x12\\xab\\xcd"
'''


def tool_problem():
    if not os.path.exists(TOOL):
        return "%s is missing (set $ARTCAST_MICROPYTHON32 to a 32-bit MicroPython unix port)" % TOOL
    try:
        proc = subprocess.run([TOOL, "-c", "print(1)"], capture_output=True, text=True, timeout=10)
    except OSError as e:
        return "%s does not run (%s): apt-get install libc6-i386" % (TOOL, e)
    if proc.returncode != 0:
        return "%s does not run: %s (apt-get install libc6-i386)" % (TOOL, proc.stderr.strip())
    return None


def example_config(server_url, pixels):
    with open(os.path.join(FIRMWARE, "config.example.json")) as f:
        cfg = json.load(f)
    cfg["wifi"] = {"ssid": "gallery", "password": "sculpture"}
    cfg["server"] = server_url
    cfg["setup_button"] = None
    cfg["outputs"][0]["device"]["count"] = pixels
    # A supply that fits the strip: the power cap is not what is measured.
    cfg["power"] = {"supply_volts": 5, "supply_amps": 40}
    return cfg


class Bench:
    def __init__(self, work, seconds):
        self.work = work
        self.seconds = seconds
        self.bundle = os.path.join(work, "bundle")
        deploy.build(self.bundle)
        self.stand_ins = os.path.join(work, "stand_ins")
        os.makedirs(self.stand_ins)
        shutil.copy(os.path.join(HERE, "heapstubs", "neopixel.py"), self.stand_ins)
        for name, text in (("machine", MACHINE), ("network", NETWORK)):
            with open(os.path.join(self.stand_ins, name + ".py"), "w") as f:
                f.write(text)

    def run(self, cfg, heap_kb, mode="follow", poke=None):
        folder = tempfile.mkdtemp(dir=self.work)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(cfg, f)
        env = dict(os.environ, MICROPYPATH=":".join([self.stand_ins, self.bundle, ".frozen"]))
        env.pop("ARTCAST_RECORD", None)
        args = [TOOL, "-X", "heapsize=%dK" % heap_kb, DRIVER, mode, str(self.seconds)]
        port = None
        if mode == "setup":
            port = free_port()
            args.append(str(port))
        proc = subprocess.Popen(args, cwd=folder, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        stop = threading.Event()
        poker = None
        stats = {"pages": 0, "errors": 0}
        if poke is not None:
            # Requests stop a second before the page shuts down, so none is
            # cut off by the end of the run.
            until = time.monotonic() + self.seconds - 1.0
            poker = threading.Thread(target=poke, args=(port, stop, stats, until))
            poker.start()
        try:
            out, _ = proc.communicate(timeout=self.seconds + 60)
        finally:
            stop.set()
            if poker is not None:
                poker.join()
        shutil.rmtree(folder, ignore_errors=True)
        for line in reversed(out.strip().splitlines()):
            if line.startswith("{"):
                result = json.loads(line)
                result["log"] = out
                if poke is not None:
                    result.update(stats)
                return result
        return {"error": (out.strip().splitlines() or ["no output"])[-1], "log": out}


def ok(result):
    """Ran the whole time, no MemoryError, and did its job (answers taken,
    or every page request answered)."""
    if "error" in result or result.get("memory_errors") or result.get("lowest_free") is None:
        return False
    if result["mode"] == "setup":
        return result["pages"] > 0 and result["errors"] == 0
    if result.get("served") and (result["applied"] < 1 + (result.get("swaps") or 0) or result["refused"]):
        return False        # a piece from the server that was not taken (or refused for lack of memory)
    return result.get("responses", 0) > 0


def poke_setup(port, stop, stats, until):
    """A phone on the setup page: load it, submit a wrong form, load again.
    Counts answers, and errors (a 500, a dropped connection)."""
    url = "http://127.0.0.1:%d/" % port
    form = urllib.parse.urlencode({"ssid": "gallery", "password": "sculpture",
                                   "server": "artcast.local", "key0": "test/tick"}).encode()
    time.sleep(0.5)   # the page starts listening
    while not stop.is_set() and time.monotonic() < until:
        for data, want in ((None, 200), (form, 400)):
            try:
                with urllib.request.urlopen(url, data=data, timeout=5) as r:
                    r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                e.read()
                status = e.code
            except OSError:
                status = None
            if stop.is_set():
                return   # the page may be closing: not counted
            stats["pages"] += 1
            if status != want:
                stats["errors"] += 1
                stats.setdefault("failed", []).append("%s %s" % ("POST" if data else "GET", status))
            if stop.wait(0.2):
                return


def served_config(server_url):
    return {"wifi": {"ssid": "gallery", "password": "sculpture"}, "server": server_url,
            "piece": "server", "device": "kit-1", "setup_button": None}


def write_piece(folder, cfg, colour_shift=0):
    """The example config's piece as DIR/kit-1.json; colour_shift makes another one."""
    piece = {"name": "heap", "outputs": json.loads(json.dumps(cfg["outputs"])), "power": cfg["power"]}
    if colour_shift:
        piece["name"] = "heap %d" % colour_shift
        piece["outputs"][0]["motion"] = {"fade": 0.5 + colour_shift % 2}
    path = os.path.join(folder, "kit-1.json")
    with open(path + ".tmp", "w") as f:
        json.dump(piece, f)
    os.replace(path + ".tmp", path)


def swap_pieces(folder, cfg):
    """A poke: a teacher changing the piece on the server every 2 s."""
    count = itertools.count(1)      # across runs: every swap is a piece the board has not seen

    def poke(port, stop, stats, until):
        stats["swaps"] = 0
        while not stop.wait(2.0) and time.monotonic() < until:
            write_piece(folder, cfg, next(count))
            stats["swaps"] += 1
    return poke


def kb(n):
    return "%.1f KB" % (n / 1024.0) if isinstance(n, int) else "-"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=int, default=8, help="how long each configuration runs")
    p.add_argument("--heap", type=int, default=100, help="heap size in KB (default 100)")
    p.add_argument("--needed", action="store_true", help="also find the smallest heap each runs in")
    p.add_argument("--pixels", default="60,300", help="strip sizes to measure (default 60,300)")
    p.add_argument("--served", action="store_true",
                   help='also 300 px + servo as "piece": "server", and with the piece replaced every 2 s')
    args = p.parse_args()
    problem = tool_problem()
    if problem:
        print("heap_budget: " + problem)
        return 2
    work = tempfile.mkdtemp(prefix="artcast-heap-")
    pieces = os.path.join(work, "pieces")
    os.makedirs(pieces)
    server = ServerProcess(["--pieces", pieces]).start()
    stop = threading.Event()

    def feed():   # 50 datums/s, bounded by the run
        i = 0
        while not stop.wait(0.02) and i < 100000:
            server.send("test/tick", i % 60)
            i += 1
    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        bench = Bench(work, args.seconds)
        cases = [("%s px + servo" % n, example_config(server.url, int(n)), "follow", None)
                 for n in args.pixels.split(",") if n]
        cases.append(("setup page", example_config(server.url, 300), "setup", poke_setup))
        if args.served:
            write_piece(pieces, example_config(server.url, 300))
            cases.append(("300 px, served", served_config(server.url), "follow", None))
            cases.append(("300 px, swapped", served_config(server.url), "follow",
                          swap_pieces(pieces, example_config(server.url, 300))))
        print("heap %dK, 32-bit MicroPython, .mpy bundle, %d s each, 50 datums/s"
              % (args.heap, args.seconds))
        print("%-16s %12s %12s %12s %12s  %s" % ("", "imports", "outputs", "lowest", "end", "notes"))
        for name, cfg, mode, poke in cases:
            r = bench.run(cfg, args.heap, mode, poke)
            notes = []
            if "error" in r:
                notes.append(r["error"])
            if r.get("memory_errors"):
                notes.append("%d MemoryErrors" % r["memory_errors"])
            if "responses" in r:
                notes.append("%d answers" % r["responses"])
            if r.get("applied") is not None and mode == "follow" and cfg.get("piece") == "server":
                notes.append("%d pieces applied, %d refused" % (r["applied"], r.get("refused", 0)))
            if "pages" in r and mode == "setup":
                notes.append("%d page requests, %d failed %s" % (r["pages"], r["errors"],
                                                                 " ".join(r.get("failed", []))))
            if r.get("errors") or "error" in r:
                print("\n".join("    " + line for line in r["log"].strip().splitlines()[-8:]))
            print("%-16s %12s %12s %12s %12s  %s" % (
                name, kb(r.get("imports_free")), kb(r.get("built_free")), kb(r.get("lowest_free")),
                kb(r.get("end_free")), ", ".join(notes)))
            if args.needed:
                lo, hi = 40, 200   # KB: lo fails, hi works (checked)
                if not ok(bench.run(cfg, hi, mode, poke)):
                    print("%-16s needs more than %dK" % ("", hi))
                    continue
                while hi - lo > 4:
                    mid = (lo + hi) // 2
                    if ok(bench.run(cfg, mid, mode, poke)):
                        hi = mid
                    else:
                        lo = mid
                print("%-16s runs in %dK (fails at %dK)" % ("", hi, lo))
    finally:
        stop.set()
        feeder.join()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
