"""Memory stays flat over thousands of polls against the real server."""

import json
import os
import threading

from fwboard import HERE, wifi_config

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
    """No growth after warm-up, judged on the heap after a full collection.

    Samples sit on two levels: strip at rest, or mid-fade (start, current
    and target pixel lists alive, ~2 KB more). Which level a sample catches
    depends on timing, so compare both the floor (min) and the ceiling (max)
    of the first and last fifths of the run: a leak lifts both, so the
    smaller of the two rises is the growth. One byte leaked per poll would
    show as ~3 KB here.
    """
    heap = [s[1] for s in samples if s[0] > warm_up]
    window = max(3, len(heap) // 5)
    early, late = heap[:window], heap[-window:]
    growth = min(min(late) - min(early), max(late) - max(early))
    print("heap after gc, polls %d..%d: floor %d -> %d, ceiling %d -> %d bytes"
          % (warm_up, polls, min(early), min(late), max(early), max(late)))
    assert growth < 512, "heap grew %d bytes: %s" % (growth, samples)
