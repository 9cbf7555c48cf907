# Runs under MicroPython (the 32-bit port at -X heapsize=100K) in a board
# folder holding the compiled bundle and a config.json with a 300-pixel
# strip: boot.py, the App, `polls` answers, then (updates on) the update the
# server offers, sampling the free heap after a collection every 10 turns
# of the loop and at every downloaded chunk.
# Prints one JSON line.
#
#   micropython32 -X heapsize=100K ota_heap_driver.py 200

import gc
import json
import sys
import time

polls = int(sys.argv[1])
result = {}
exec(open("boot.py").read())
gc.collect()
result["free_after_boot"] = gc.mem_free()

from artcast_fw import app, config  # noqa: E402

cfg = config.load()
config_updates = cfg["updates"]
# As main.py does once client-fw lands (config.forget_checker): the piece
# checker is needed once at start, never while running.
import artcast_core  # noqa: E402
for _m in ("piece", "piece_fields", "piece_mapping", "piece_net"):
    sys.modules.pop("artcast_core." + _m, None)
    try:
        delattr(artcast_core, _m)
    except (AttributeError, KeyError):
        pass
gc.collect()
a = app.App(cfg)
gc.collect()
result["free_after_app"] = gc.mem_free()
lowest = [gc.mem_free()]
lowest_download = [1 << 30]


class Sampler:
    """Stands in for the watchdog the updater feeds once per chunk."""

    def __init__(self, wdt):
        self.wdt = wdt
        self.chunks = 0

    def feed(self):
        self.chunks += 1
        gc.collect()            # the live heap, not garbage waiting for a collection
        free = gc.mem_free()
        if free < lowest_download[0]:
            lowest_download[0] = free
        self.wdt.feed()


sampler = None
if config_updates:
    sampler = a.updater.wdt = Sampler(a.wdt)
start = time.ticks_ms()
memory_errors = 0
try:
    while sum(p.responses for p in a.pollers[:1]) < polls and time.ticks_diff(time.ticks_ms(), start) < 60000:
        try:
            a.step(max_wait_ms=20)
        except MemoryError as e:
            # What App.run does: count it, free what can be freed, pause
            # frames; the board keeps running.
            sys.print_exception(e)
            memory_errors += 1
            a.out_of_memory()
        if a.loops % 10 == 0:
            gc.collect()
            free = gc.mem_free()
            if free < lowest[0]:
                lowest[0] = free
    result["outcome"] = "ran %d answers" % a.pollers[0].responses
    if config_updates:
        result["update_error"] = a.updater.last_error
except SystemExit as e:
    result["outcome"] = "reset (update staged)" if e.args and e.args[0] == 77 else "exit %r" % (e.args,)
except MemoryError as e:
    result["outcome"] = "MemoryError"
    sys.print_exception(e)
result["lowest_free"] = lowest[0]
result["memory_errors"] = memory_errors
if sampler is not None:
    result["chunks"] = sampler.chunks
    result["lowest_free_downloading"] = lowest_download[0]
print(json.dumps(result))
