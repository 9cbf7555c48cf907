"""Memory stays flat over thousands of polls against the real server."""

import json
import os
import threading

from conftest import HERE, wifi_config

POLLS = 3000


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

    def feed():  # new values keep arriving (bounded: at most 1000 sends)
        for i in range(1000):
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
    assert len(samples) == 4 and samples[-1][0] >= POLLS
    assert result["failures"] == 0
    # Pixels really changed throughout (values, not just 204s).
    assert len(set(r[3] for r in b.records("pixels"))) > 10
    heap = [s[1] for s in samples]
    growth = heap[-1] - heap[0]
    print("heap after gc at polls %s: %s bytes" % ([s[0] for s in samples], heap))
    assert growth < 256, "heap grew %d bytes over %d polls: %s" % (growth, POLLS, samples)
