"""A small Python client for Artcast servers.

    from artcast_client import watch
    for value in watch("http://127.0.0.1:8888", "test/tick"):
        print(value)

    # or, inside asyncio:
    async for value in awatch("http://127.0.0.1:8888", "test/tick"):
        print(value)

Both follow the protocol in artcast_core.longpoll: the current value at once,
then every change, never missing the latest state, reconnecting with
backoff when the server goes away.
"""

from artcast_client.watch import awatch, fetch, watch

__all__ = ["watch", "awatch", "fetch"]
