# Runs under MicroPython: every case of tests/vectors/mapping.json through
# the firmware's own path (config.check_piece -> outputs.Outputs ->
# devices -> the recording machine/neopixel stand-ins), on a simulated
# clock. After each step it writes a ["step", case, i] marker into the
# record, so the pytest side reads what had reached the pins by then.
#
#   micropython vectors_driver.py path/to/mapping.json

import json
import sys

from _record import record
from artcast_fw import config
from artcast_fw.outputs import Outputs

with open(sys.argv[1]) as f:
    cases = json.load(f)["valid"]

now = [1000]


def clock():
    return now[0]


class SameClock:
    # The vectors give play-at relative to now; here server ms == ticks.
    def to_local(self, server_ms):
        return server_ms


def ms(seconds):
    return int(seconds * 1000 + 0.5) if seconds >= 0 else -int(-seconds * 1000 + 0.5)


for c in range(len(cases)):
    case = cases[c]
    cfg = {"server": "http://127.0.0.1:1", "outputs": [case["output"]]}
    if "power" in case:
        cfg["power"] = case["power"]
    record("case", c)
    outs = Outputs(config.check_piece(cfg), clock=clock, estimator=SameClock())
    key = case["output"]["key"]
    steps = case["steps"]
    for i in range(len(steps)):
        step = steps[i]
        # Idle time: the clock moves, no tick runs (the board slept).
        now[0] += int(step.get("idle", 0) * 1000 + 0.5)
        if "value" in step:
            outs.on_value(key, step["value"], now[0] + ms(step["due"]) if "due" in step else None)
        if "online" in step:
            outs.on_online(key, step["online"])
        now[0] += int(step.get("dt", 0) * 1000 + 0.5)
        outs.tick(now[0])
        record("step", c, i, outs.rejected, outs.runtime.late)
    # A new board for the next case: forget this one's devices.
print("DONE %d" % len(cases))
