# Runs under MicroPython: the firmware's own App (config.json in the
# current folder) for a fixed number of long-poll answers, printing
# gc.mem_alloc() after a full collection every `every` answers, as one JSON
# line at the end.
#
# hold=0 makes every request wait=0, so the real server answers at once
# (the value, or 204): thousands of complete polls in seconds, each one
# through the same connect / send / read / parse / map path as on a board.
#
#   micropython memory_driver.py 3000 50

import gc
import json
import sys

from artcast_fw import app, config

total = int(sys.argv[1])
every = int(sys.argv[2]) if len(sys.argv) > 2 else 50
a = app.App(config.load(), hold=0)
# Preallocated, so taking a sample allocates nothing itself.
size = total // every + 1
polls = [0] * size
heap = [0] * size
n = 0
next_at = every
while a.responses() < total:
    a.step(max_wait_ms=50)
    if a.responses() >= next_at and n < size:
        gc.collect()
        polls[n] = a.responses()
        heap[n] = gc.mem_alloc()
        n += 1
        next_at += every
samples = [[polls[i], heap[i]] for i in range(n)]
print(json.dumps({"samples": samples, "failures": sum(p.failures for p in a.pollers),
                  "loops": a.loops}))
a.close()
