"""Keep the Pi client's estimate of the server's clock (PROTOCOL.md,
"Shared time and play-at"): GET /clock round trips on the backend's clock,
into the shared estimator (artcast_core.clock), so play-at values are held
until the same moment on every kit.

    estimator = ClockEstimator()
    await keep_time("http://127.0.0.1:8888", estimator, clock, wake)

`clock` is the backend's (now() in seconds, sleep()); the estimator works
in milliseconds of it. `wake` (an asyncio.Event) is set by the runner when
the first value with a play-at arrives (nothing is asked before: a piece
following plain artcasts, or a 2012 server, sees no /clock request; the
firmware and the sketch do the same) and when a key comes back online,
after estimator.reconnected().
"""

import asyncio
import logging

from artcast_client.watch import AsyncHTTPConnection  # one asyncio exchange for every Python client
from artcast_core.clock import RETRY_MS
from artcast_core.errors import WireError
from artcast_core.http import build_get, parse_response, parse_url

log = logging.getLogger("artcast.kinetic")

TIMEOUT = 5.0           # seconds for one /clock exchange


def local_ms(clock):
    return clock.now() * 1000.0


async def sample_clock(conn, prefix, clock, timeout=TIMEOUT):
    """One GET /clock over `conn` (kept open between samples) -> (t0,
    server_ms, t1), t0/t1 in ms of `clock`. A sample that had to open the
    connection carries the handshake in its round trip; the estimator's
    smallest-round-trip rule then prefers the next one. Raises OSError,
    asyncio.TimeoutError or WireError (a 404 from a server without /clock:
    reason "http-404")."""
    request = build_get(conn.host, conn.port, prefix + "/clock", keep_alive=True)
    t0 = local_ms(clock)
    data = await conn.exchange(request, timeout)
    t1 = local_ms(clock)
    status, headers, _ = parse_response(data)
    if status != 200:
        raise WireError("http-%d" % status, "GET /clock answered %d" % status)
    try:
        return t0, int(headers.get("artcast-clock", "")), t1
    except ValueError:
        raise WireError("bad-response", "GET /clock without an Artcast-Clock header")


async def keep_time(url, estimator, clock, wake):
    """Sample whenever the estimator says so, until cancelled."""
    host, port, prefix = parse_url(url)
    await wake.wait()               # the first play-at
    conn = AsyncHTTPConnection(host, port)
    try:
        while True:
            now = local_ms(clock)
            if estimator.due(now):
                try:
                    t0, server_ms, t1 = await sample_clock(conn, prefix, clock)
                except (OSError, asyncio.TimeoutError, WireError) as e:
                    old = isinstance(e, WireError) and e.reason == "http-404"
                    estimator.failed(local_ms(clock), estimator.interval_ms if old else RETRY_MS)
                    log.debug("clock sample failed: %s", e)
                    continue
                if estimator.sample(t0, server_ms, t1):
                    log.debug("clock: offset estimate from a %.1f ms round trip", t1 - t0)
                continue
            wake.clear()
            await _first(clock.sleep(estimator.wait_ms(now) / 1000.0), wake.wait())
    finally:
        conn.close()


async def _first(*coros):
    """Wait for the first of `coros`; cancel the rest."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
