"""Memory stays flat over thousands of polls against the real server."""

import json
import os
import threading

from conftest import HERE, wifi_config

POLLS = 4000
# The first polls fill the fade buffers (a strip mid-fade holds start,
# current and target pixel lists of distinct tuples): the heap settles
# within a few hundred polls, so the comparison starts after this many.
WARM_UP = 1000


def test_memory_flat_over_thousands_of_polls(server, board):
    outputs = [{"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 30},
                "mapping": {"type": "bar", "from": [0, 30], "colour": "#ff8000"},
                "motion": {"fade": 0.1}},
               {"key": "test/tick", "device": {"type": "servo", "pin": 17},
                "mapping": {"type": "linear", "from": [0, 30], "to": [0, 180]},
                "motion": {"slew": 200}}]
    b = board(wifi_config(server.url, outputs), start=False)
    b.start(script=os.path.join(HERE, "memory_driver.py"), args=[str(POLLS)])
    stop = threading.Event()

    def feed():  # new values keep arriving (bounded: at most 2000 sends)
        for i in range(2000):
            if stop.wait(0.01):
                return
            server.send("test/tick", i % 31)
    t = threading.Thread(target=feed)
    t.start()
    try:
        assert b.wait_exit(timeout=120) == 0, b.console()
    finally:
        stop.set()
        t.join()
    result = json.loads(b.console().strip().splitlines()[-1])
    samples = result["samples"]
    assert len(samples) >= POLLS // 50 - 1 and samples[-1][0] >= POLLS
    assert result["failures"] == 0
    # Pixels really changed throughout (values, not just 204s).
    assert len(set(r[3] for r in b.records("pixels"))) > 10
    assert_flat(samples, POLLS, WARM_UP)


def assert_flat(samples, polls, warm_up):
    """No growth: the heap's low-water mark (after a full collection) in the
    last fifth of the run equals the one just after warm-up. Whether a fade
    is in progress at a sample moves single samples by a couple of KB; a
    leak of even one byte per poll would lift the late window by ~3 KB."""
    heap = [s[1] for s in samples if s[0] > warm_up]
    window = max(3, len(heap) // 5)
    early = min(heap[:window])
    late = min(heap[-window:])
    print("heap after gc, polls %d..%d: low %d -> %d bytes, range %d..%d"
          % (warm_up, polls, early, late, min(heap), max(heap)))
    assert late - early < 512, "heap low-water mark grew %d bytes: %s" % (late - early, samples)
