"""Heap cost of "piece": "server" on an ESP32-sized MicroPython (figures, not a test).

    .venv/bin/python tests/bench/fw_piece_heap.py [--polls 600]

Runs the compiled firmware bundle (deploy.py build, the .mpy files a board
gets) under ../shared/tools/micropython32 (32-bit objects like an ESP32;
$ARTCAST_MICROPYTHON32 overrides the path) against a real artcast-server
--pieces, with a 300-pixel strip and a servo following test/tick, and
prints for each way of giving the board its piece:

  - the smallest -X heapsize (in KB, found by bisection) at which it runs
    the whole scenario: `outputs` in config.json; the same piece from the
    server; and from the server with the piece replaced live half way;
  - at -X heapsize=100K: the heap in use after a full collection at the end,
    and the lowest free heap seen between loop turns.

The NeoPixel stand-in here does not allocate per frame (the board's
machine.bitstream does not), unlike the tests' recording one.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
sys.path.insert(0, TESTS)
sys.path.insert(0, os.path.join(TESTS, "firmware"))

from fwboard import STUBS, deploy  # noqa: E402
from support.server import ServerProcess  # noqa: E402

NEOPIXEL = """# measurement stand-in: keeps the buffer, writes nothing, allocates nothing per frame
class NeoPixel:
    ORDER = (1, 0, 2, 3)
    def __init__(self, pin, n, bpp=3, timing=1):
        self.pin = pin
        self.n = n
        self.bpp = bpp
        self.buf = bytearray(n * bpp)
    def __len__(self):
        return self.n
    def write(self):
        pass
"""

DRIVER = """import gc, json, sys, time
gc.collect()
from artcast_fw import app, config
gc.collect()
imports = gc.mem_alloc()
n = int(sys.argv[1])
a = app.App(config.load(), hold=0)
served = getattr(a, "piece_poller", None) is not None
swap = len(sys.argv) > 2
low = gc.mem_free()
said = False
start = time.ticks_ms()
applied = lambda: getattr(a, "applied", 0)
while a.responses() < n or (swap and applied() < 2) or (served and applied() < 1):
    a.step(max_wait_ms=50)
    f = gc.mem_free()
    if f < low:
        low = f
    if swap and not said and applied() >= 1 and a.responses() >= n // 2:
        print("SWAP")
        said = True
    if time.ticks_diff(time.ticks_ms(), start) > 15000:
        break
gc.collect()
print(json.dumps({"imports": imports, "alloc": gc.mem_alloc(), "low": low, "responses": a.responses(),
                  "applied": applied()}))
a.close()
"""

OUTPUTS = [
    {"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 300},
     "mapping": {"type": "bar", "from": [0, 30], "colour": "#ff8000"}},
    {"key": "test/tick", "device": {"type": "servo", "pin": 17},
     "mapping": {"type": "linear", "from": [0, 30], "to": [0, 180]}, "motion": {"slew": 200}},
]


def micropython32():
    path = os.environ.get("ARTCAST_MICROPYTHON32") or os.path.join(os.path.dirname(REPO), "shared", "tools",
                                                                    "micropython32")
    if not os.path.exists(path):
        path = "/work/shared/tools/micropython32"
    if not os.path.exists(path):
        raise SystemExit("micropython32 not found (set ARTCAST_MICROPYTHON32): nothing measured")
    return path


def write_json(path, data):
    with open(path + ".tmp", "w") as f:
        json.dump(data, f)
    os.replace(path + ".tmp", path)


def run(mp, heap_k, work, path, cfg, polls, swap, pieces_dir):
    board = tempfile.mkdtemp(prefix="heap-", dir=work)
    write_json(os.path.join(board, "config.json"), cfg)
    env = dict(os.environ, MICROPYPATH=":".join(path + [".frozen"]))
    env.pop("ARTCAST_RECORD", None)
    args = [mp, "-X", "heapsize=%dK" % heap_k, os.path.join(work, "driver.py"), str(polls)] + (["swap"] if swap else [])
    proc = subprocess.Popen(args, cwd=board, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    result = None
    deadline = time.monotonic() + 30
    timer = threading.Timer(30, proc.kill)
    timer.start()
    try:
        for line in proc.stdout:
            if line.strip() == "SWAP":          # a different piece than the one the board runs now
                target = os.path.join(pieces_dir, "kit-1.json")
                with open(target) as f:
                    now = json.load(f)
                colour = "#0040ff" if now["outputs"][0]["mapping"]["colour"] != "#0040ff" else "#ff8000"
                write_json(target, {"name": "swapped", "outputs": [
                    dict(OUTPUTS[0], mapping={"type": "bar", "from": [0, 30], "colour": colour}), OUTPUTS[1]]})
            elif line.startswith("{"):
                result = json.loads(line)
        proc.wait()
    finally:
        timer.cancel()
    ok = proc.returncode == 0 and result is not None and time.monotonic() < deadline and result["responses"] >= polls
    if swap and result is not None and result["applied"] < 2:
        ok = False
    return ok, result


def smallest(mp, work, path, cfg, polls, swap, pieces_dir, lo=48, hi=160):
    """Bisect the smallest heap (KB) that runs the scenario."""
    if not run(mp, hi, work, path, cfg, polls, swap, pieces_dir)[0]:
        return None
    while hi - lo > 2:
        mid = (lo + hi) // 2
        if run(mp, mid, work, path, cfg, polls, swap, pieces_dir)[0]:
            hi = mid
        else:
            lo = mid
    return hi


def build_ref(ref, work):
    """The compiled bundle of another commit (its own deploy.py and sources)."""
    import importlib.util
    root = os.path.join(work, "ref")
    os.makedirs(root)
    archive = subprocess.run(["git", "-C", REPO, "archive", ref, "firmware", "clients"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", root], input=archive, check=True)
    spec = importlib.util.spec_from_file_location("ref_deploy", os.path.join(root, "firmware", "micropython", "deploy.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = os.path.join(work, "ref-build")
    # deploy.py builds from the importable packages: make the ref's the importable ones for a moment.
    saved_path, saved = list(sys.path), dict(sys.modules)
    for name in list(sys.modules):
        if name.split(".")[0] in ("artcast_fw", "artcast_core"):
            del sys.modules[name]
    sys.path[:0] = [os.path.join(root, "firmware", "micropython"), os.path.join(root, "clients")]
    try:
        module.build(out)
    finally:
        sys.path[:] = saved_path
        for name in list(sys.modules):
            if name.split(".")[0] in ("artcast_fw", "artcast_core"):
                del sys.modules[name]
        sys.modules.update(saved)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--polls", type=int, default=400)
    p.add_argument("--compare-with", metavar="GIT_REF",
                   help="also measure the firmware of this commit (e.g. main) with outputs in config.json")
    args = p.parse_args()
    mp = micropython32()
    work = tempfile.mkdtemp(prefix="fw-piece-heap-")
    build = os.path.join(work, "build")
    deploy.build(build)
    other = build_ref(args.compare_with, work) if args.compare_with else None
    stubs = os.path.join(work, "stubs")
    os.makedirs(stubs)
    with open(os.path.join(stubs, "neopixel.py"), "w") as f:
        f.write(NEOPIXEL)
    with open(os.path.join(work, "driver.py"), "w") as f:
        f.write(DRIVER)
    path = [stubs, STUBS, build]
    pieces_dir = os.path.join(work, "pieces")
    os.makedirs(pieces_dir)
    server = ServerProcess(["--pieces", pieces_dir]).start()
    stop = threading.Event()

    def feed():                     # bounded: at most 100 values a second for 10 minutes
        for i in range(60000):
            if stop.wait(0.01):
                return
            server.send("test/tick", i % 31)
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    wifi = {"ssid": "gallery", "password": "sculpture"}
    local = {"wifi": wifi, "server": server.url, "outputs": OUTPUTS, "setup_button": None}
    served = {"wifi": wifi, "server": server.url, "piece": "server", "device": "kit-1", "setup_button": None}
    piece = {"name": "heap", "outputs": OUTPUTS}
    try:
        rows = []
        if other is not None:
            need = smallest(mp, work, [path[0], path[1], other], local, args.polls, False, pieces_dir)
            ok, at100 = run(mp, 100, work, [path[0], path[1], other], local, args.polls, False, pieces_dir)
            rows.append(("%s, outputs in config.json" % args.compare_with, need, ok, at100))
        for label, cfg, swap in (("outputs in config.json", local, False),
                                 ("piece from the server", served, False),
                                 ("piece from the server, replaced live", served, True)):
            write_json(os.path.join(pieces_dir, "kit-1.json"), piece)
            time.sleep(2.5)                     # the server's mtime scan picks it up
            need = smallest(mp, work, path, cfg, args.polls, swap, pieces_dir)
            write_json(os.path.join(pieces_dir, "kit-1.json"), piece)
            time.sleep(2.5)
            ok, at100 = run(mp, 100, work, path, cfg, args.polls, swap, pieces_dir)
            rows.append((label, need, ok, at100))
        print("300-pixel strip + servo, %d polls, compiled bundle, micropython32:" % args.polls)
        for label, need, ok, r in rows:
            print("  %-40s smallest heap %s K; at 100K: %s" % (
                label, need if need else ">160",
                ("in use after collect %.1f KB (imports %.1f KB), lowest free %.1f KB, %d pieces applied"
                 % (r["alloc"] / 1024.0, r["imports"] / 1024.0, r["low"] / 1024.0, r["applied"])) if ok and r else "FAILED"))
    finally:
        stop.set()
        server.close()


if __name__ == "__main__":
    main()
