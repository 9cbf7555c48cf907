"""One simulated Pi kit for tests/bench/skew.py: the real PieceRunner with
the simulate backend's recording devices on the real clock, following one
key; every device write goes to a JSON-lines file as
[time.monotonic() in ms, state] (the same clock as the benchmark and as
the MicroPython unix port's ticks_ms). The device's history holds each
write's time; the file is written every FLUSH_S, not at the write: 30 kits
writing files at the very moment they all play a value would queue for
this machine's CPUs and show as skew.

    python skew_kit.py piece.json writes.jsonl       # until SIGTERM
"""

import asyncio
import json
import signal
import sys

FLUSH_S = 0.1

from artcast_core.piece import load_piece
from artcast_kinetic.backends.simulate import SimulatedBackend
from artcast_kinetic.runner import PieceRunner


def main(piece_path, out_path):
    with open(piece_path) as f:
        piece = load_piece(f.read())
    backend = SimulatedBackend()
    runner = PieceRunner(piece, backend)
    out = open(out_path, "a")
    written = [0]

    def flush():
        history = backend.devices[0].history if backend.devices else []
        for t, state in history[written[0]:]:
            out.write(json.dumps([t * 1000.0, state]) + "\n")
        written[0] = len(history)
        out.flush()

    async def flushing():
        while True:
            await asyncio.sleep(FLUSH_S)
            flush()

    async def run():
        task = asyncio.ensure_future(runner.run(extra=[flushing()]))
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass
        flush()
    asyncio.run(run())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
