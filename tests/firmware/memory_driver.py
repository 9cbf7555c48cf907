# Runs under MicroPython: the firmware's own App (config.json in the
# current folder) for a fixed number of long-poll answers, printing
# gc.mem_alloc() after a full collection at checkpoints as one JSON line.
#
# hold=0 makes every request wait=0, so the real server answers at once
# (the value, or 204): thousands of complete polls in seconds, each one
# through the same connect / send / read / parse / map path as on a board.
#
#   micropython memory_driver.py 3000

import gc
import json
import sys

from artcast_fw import app, config

total = int(sys.argv[1])
checkpoints = [total // 10, total * 4 // 10, total * 7 // 10, total]
a = app.App(config.load(), hold=0)
# Preallocated, so recording a sample allocates nothing itself.
polls = [0] * len(checkpoints)
heap = [0] * len(checkpoints)
n = 0
while n < len(checkpoints):
    a.step(max_wait_ms=50)
    if a.responses() >= checkpoints[n]:
        gc.collect()
        polls[n] = a.responses()
        heap[n] = gc.mem_alloc()
        n += 1
samples = [[polls[i], heap[i]] for i in range(n)]
print(json.dumps({"samples": samples, "failures": sum(p.failures for p in a.pollers),
                  "loops": a.loops}))
a.close()
