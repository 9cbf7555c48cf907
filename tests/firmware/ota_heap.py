"""Prints what over-the-air updates cost the board's heap (a measurement,
not a test): the compiled bundle under ../shared/tools/micropython32 (the
ESP32's 32-bit object layout) at -X heapsize=100K, a 300-pixel strip
fading on every value of a real server's key, with and without updates,
then an update of the whole bundle downloaded and staged, then boot.py
swapping it in.

    .venv/bin/python tests/firmware/ota_heap.py [--heap 100K] [--pixels 300]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from fwboard import STUBS, wifi_config  # noqa: E402
from support.fwbundle import load_deploy  # noqa: E402
from support.micropython import REPO  # noqa: E402
from support.server import ServerProcess  # noqa: E402

MP32 = os.path.join(os.path.dirname(REPO), "shared", "tools", "micropython32")
if not os.path.exists(MP32):
    MP32 = "/work/shared/tools/micropython32"


def outputs(pixels):
    return [{"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": pixels},
             "mapping": {"type": "gradient", "from": [0, 60], "modulo": 60,
                         "palette": ["#0000ff", "#00ff00", "#ff0000", "#0000ff"]},
             "motion": {"fade": 0.3}},
            {"key": "test/tick", "device": {"type": "servo", "pin": 17},
             "mapping": {"type": "linear", "from": [0, 60], "modulo": 60, "to": [0, 180]},
             "motion": {"slew": 60}}]


def run(folder, heap, polls, script="ota_heap_driver.py", args=()):
    env = dict(os.environ, MICROPYPATH=":".join([os.path.join(HERE, "heapstubs"), STUBS, folder, ".frozen"]))
    env.pop("ARTCAST_RECORD", None)
    cmd = [MP32, "-X", "heapsize=" + heap]
    cmd += [os.path.join(HERE, script), str(polls)] if script else ["-c", args[0]]
    proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    return proc


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--heap", default="100K")
    p.add_argument("--pixels", type=int, default=300)
    p.add_argument("--polls", type=int, default=200)
    args = p.parse_args()
    if not os.path.exists(MP32):
        raise SystemExit("micropython32 not found (see /work/shared/tools/README.md)")
    work = tempfile.mkdtemp(prefix="ota-heap-")
    deploy = load_deploy()
    v1 = os.path.join(work, "v1")
    deploy.build(v1)
    deploy.write_manifest(v1, "v1")
    v2 = os.path.join(work, "v2")
    shutil.copytree(v1, v2)
    os.remove(os.path.join(v2, "manifest.json"))
    for root, _, names in os.walk(v2):       # every file differs: the worst case
        for n in names:
            with open(os.path.join(root, n), "ab") as f:
                f.write(b"\n" if n.endswith(".py") else b"")
    with open(os.path.join(v2, "artcast_fw", "ota_extra.py"), "w") as f:
        f.write("# added by v2\n" * 200)
    m2 = deploy.write_manifest(v2, "v2")
    size = sum(e["size"] for e in m2["files"].values())
    server = ServerProcess(["--firmware", v2], log_dir=work).start()
    stop = threading.Event()

    def feed():                     # 20 values a second, bounded
        for i in range(6000):
            if stop.wait(0.05):
                return
            server.send("test/tick", i % 60)
    t = threading.Thread(target=feed, daemon=True)
    t.start()
    print("heap %s (32-bit port), %d-pixel strip fading + servo; bundle v2: %d files, %d bytes"
          % (args.heap, args.pixels, len(m2["files"]), size))
    try:
        results = {}
        for updates in (False, True):
            folder = os.path.join(work, "board-%s" % ("ota" if updates else "plain"))
            shutil.copytree(v1, folder)
            os.rename(os.path.join(folder, "manifest.json"), os.path.join(folder, "firmware.json"))
            with open(os.path.join(folder, "config.json"), "w") as f:
                json.dump(wifi_config(server.url, outputs(args.pixels), updates=updates), f)
            proc = run(folder, args.heap, args.polls)
            line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
            if "Traceback" in proc.stdout:
                print(proc.stdout[proc.stdout.index("Traceback"):].rsplit("\n", 2)[0])
            try:
                results[updates] = r = json.loads(line)
            except ValueError:
                print("updates %s: failed:\n%s%s" % (updates, proc.stdout[-2000:], proc.stderr[-2000:]))
                continue
            print("updates %-3s: free after boot.py %6d B; after App start %6d B; lowest free while "
                  "running %6d B%s; %s%s" % (
                      "on" if updates else "off", r["free_after_boot"], r["free_after_app"], r["lowest_free"],
                      "; while downloading (%d chunks) %d B" % (r["chunks"], r["lowest_free_downloading"])
                      if updates and r.get("chunks") else "",
                      r["outcome"], "; update error: %s" % r["update_error"] if r.get("update_error") else "")
                  + ("; %d MemoryErrors survived (App.out_of_memory)" % r["memory_errors"]
                     if r.get("memory_errors") else ""))
            if updates:
                staged = os.path.exists(os.path.join(folder, "ota_swap"))
                code = ("import gc\ngc.collect()\nb=gc.mem_free()\nexec(open('boot.py').read())\n"
                        "gc.collect()\nprint('swap', b, gc.mem_free())\n")
                proc = run(folder, args.heap, 0, script=None, args=[code])
                out = [ln for ln in proc.stdout.splitlines() if ln.startswith("swap")]
                with open(os.path.join(folder, "firmware.json")) as f:
                    now = json.load(f)["version"]
                print("boot.py swap of the staged update: %s; installed now %s%s"
                      % ("staged" if staged else "NOT staged", now,
                         "; free before/after %s B" % " / ".join(out[0].split()[1:]) if out else
                         "; failed:\n" + proc.stdout[-1500:] + proc.stderr[-1500:]))
        if False in results and True in results:
            print("cost of updates on: %d B of heap at start (module + one more long-poll)"
                  % (results[False]["free_after_app"] - results[True]["free_after_app"]))
    finally:
        stop.set()
        t.join()
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
