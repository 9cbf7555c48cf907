# Runs under MicroPython (heap_budget.py starts it on the 32-bit port with
# -X heapsize=...): the firmware as main.py would run it, with config.json
# in the current folder, sampling gc.mem_free() after a full collection.
#
#   micropython32 -X heapsize=100K heap_driver.py follow 10
#   micropython32 -X heapsize=100K heap_driver.py setup 10 <port>
#
# Prints one JSON line: free heap after the imports, after building the
# outputs, and the lowest / last free heap while running; MemoryErrors.

import gc
import json
import sys
import time

gc.collect()
start_free = gc.mem_free()
mode = sys.argv[1]
seconds = int(sys.argv[2])
result = {"mode": mode, "start_free": start_free}


def sample():
    gc.collect()
    return gc.mem_free()


if mode == "follow":
    from artcast_fw import app, config
    gc.collect()
    result["imports_free"] = gc.mem_free()
    # Checked without the pixel budget: this measures what the budget is
    # set from (config_check.HEAP_FIXED, HEAP_PER_PIXEL).
    cfg = config.check(config.read(), heap=1 << 30)
    getattr(config, "forget_checker", lambda: None)()   # as main() does
    try:
        a = app.App(cfg)
    except MemoryError:
        result["error"] = "MemoryError building the outputs"
        print(json.dumps(result))
        sys.exit(0)
    result["built_free"] = sample()
    lowest = result["built_free"]
    memory_errors = 0
    end = time.ticks_add(time.ticks_ms(), seconds * 1000)
    next_sample = time.ticks_ms()
    while time.ticks_diff(end, time.ticks_ms()) > 0:
        try:
            a.step(max_wait_ms=20)
        except MemoryError:
            memory_errors += 1
            gc.collect()
        if time.ticks_diff(time.ticks_ms(), next_sample) >= 0:
            free = sample()
            if free < lowest:
                lowest = free
            next_sample = time.ticks_add(time.ticks_ms(), 250)
    result["lowest_free"] = lowest
    result["end_free"] = sample()
    result["responses"] = a.responses()
    result["memory_errors"] = memory_errors + sum(getattr(p, "memory_errors", 0) for p in a.pollers)
    result["failures"] = sum(p.failures for p in a.pollers)
    result["applied"] = getattr(a, "applied", None)      # "piece": "server": pieces taken
    result["refused"] = getattr(a, "refused", None)
    result["served"] = getattr(a, "piece_poller", None) is not None
    a.close()
else:
    # As main() gets there: app imported, config read and checked, the
    # checker unloaded, then the page.
    import asyncio
    from artcast_fw import app, config
    raw = config.read()
    try:
        config.check(raw)
    except config.ConfigError:
        pass
    getattr(config, "forget_checker", lambda: None)()
    from artcast_fw import setup_page
    gc.collect()
    result["imports_free"] = gc.mem_free()
    port = int(sys.argv[3])
    web = setup_page.make_app(raw, "measuring", reset=lambda: None)
    state = {"lowest": 1 << 30}

    async def watch():
        end = time.ticks_add(time.ticks_ms(), seconds * 1000)
        while time.ticks_diff(end, time.ticks_ms()) > 0:
            free = sample()
            if free < state["lowest"]:
                state["lowest"] = free
            await asyncio.sleep_ms(50)
        web.shutdown()

    async def main():
        asyncio.create_task(watch())
        await web.start_server(host="127.0.0.1", port=port)

    asyncio.run(main())
    result["lowest_free"] = state["lowest"]
    result["end_free"] = sample()
print(json.dumps(result))
