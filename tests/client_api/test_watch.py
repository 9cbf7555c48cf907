"""The Python client API: watch() and awatch() against a real server,
including a server restart in the middle of a long-poll."""

import asyncio
import threading
import time

from artcast_client import awatch, watch
from artcast_core.backoff import Backoff


def test_watch_gets_current_value_then_changes(server):
    server.send("api/k", 1)
    server.wait_for_datums(1)
    values = watch(server.url, "api/k")
    assert next(values) == 1                        # wait=0 first: the current value at once
    threading.Timer(0.3, server.send, ("api/k", 2)).start()
    assert next(values) == 2


def test_watch_survives_server_restart(server):
    errors = []
    values = watch(server.url, "api/r", hold=2, on_error=lambda exc, delay: errors.append(exc),
                   backoff=Backoff(base=0.1, cap=0.5))
    got = []

    def consume():
        got.append(next(values))
    t = threading.Thread(target=consume)
    t.start()
    time.sleep(0.5)
    server.stop()
    time.sleep(0.5)
    server.start()
    deadline = time.time() + 10
    while t.is_alive() and time.time() < deadline:
        server.send("api/r", "back")
        time.sleep(0.2)
    t.join(1)
    assert got == ["back"]
    assert errors, "the restart was reported to on_error"


def test_awatch(server):
    async def main():
        agen = awatch(server.url, "api/a", hold=5)
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, server.send, "api/a", [1, 2])
        return await asyncio.wait_for(agen.__anext__(), 10)
    assert asyncio.run(main()) == [1, 2]


def test_watch_text_format(server):
    server.send("api/t", 21.5)
    server.wait_for_datums(1)
    assert next(watch(server.url, "api/t", fmt="text")) == "21.5"
