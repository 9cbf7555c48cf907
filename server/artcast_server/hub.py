"""The hub: what the server knows, and who is waiting for what.

Everything here is synchronous and I/O-free except for the futures waiting
requests park on, so it can be tested without sockets. The multicast side
calls `publish()` / `register()`; the HTTP side calls `wait()`.

    hub = Hub(max_keys=10000, max_clients=5000)
    hub.publish("test/tick", 1, b'["test/tick", 1]')
    datum = await hub.wait("test/tick", etag=None, timeout=25)
"""

import asyncio
import time

from artcast_core.etag import etag_for, etag_matches


class Datum:
    """One value of one key, as a source sent it.

    `etag` is derived from the datagram bytes, so every server fed by the
    same multicast group names the same datum the same way. Encoded bodies
    are cached per format: a datum is rendered once however many clients
    wait for it.
    """

    __slots__ = ("key", "value", "etag", "received", "rendered")

    def __init__(self, key, value, payload, received):
        self.key = key
        self.value = value
        self.etag = etag_for(payload)
        self.received = received
        self.rendered = {}


class Artcast:
    """A known key: its registered metadata and its latest datum."""

    __slots__ = ("key", "meta", "datum")

    def __init__(self, key):
        self.key = key
        self.meta = {}
        self.datum = None

    def listing(self):
        """The key's entry in GET /artcasts: registered fields plus "key"."""
        entry = dict(self.meta)
        entry["key"] = self.key
        return entry


class Overloaded(Exception):
    """More requests are waiting than --max-clients allows."""


class Hub:
    def __init__(self, max_keys=10000, max_clients=5000, clock=time.monotonic):
        self.max_keys = max_keys
        self.max_clients = max_clients
        self.clock = clock
        self.started = clock()
        self.artcasts = {}       # key -> Artcast
        self.waiters = {}        # key -> list of futures
        self.waiting = 0
        self.datums_received = 0
        self.registrations_received = 0
        self.dropped = {}        # reason -> count
        self.requests = 0
        self.closed = False

    # --- the multicast side -------------------------------------------------

    def drop(self, reason):
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def _artcast(self, key):
        artcast = self.artcasts.get(key)
        if artcast is None:
            if len(self.artcasts) >= self.max_keys:
                self.drop("too-many-keys")
                return None
            artcast = self.artcasts[key] = Artcast(key)
        return artcast

    def publish(self, key, value, payload):
        """A datum arrived: remember it and answer everyone waiting on `key`."""
        artcast = self._artcast(key)
        if artcast is None:
            return None
        self.datums_received += 1
        datum = artcast.datum = Datum(key, value, payload, self.clock())
        waiters = self.waiters.pop(key, None)
        if waiters:
            self.waiting -= len(waiters)
            for future in waiters:
                if not future.done():
                    future.set_result(datum)
        return datum

    def register(self, key, meta):
        """Merge a registration's fields into the key's metadata."""
        artcast = self._artcast(key)
        if artcast is None:
            return
        self.registrations_received += 1
        artcast.meta.update(meta)

    # --- the HTTP side --------------------------------------------------------

    def latest(self, key):
        artcast = self.artcasts.get(key)
        return artcast.datum if artcast is not None else None

    def meta(self, key):
        artcast = self.artcasts.get(key)
        return artcast.meta if artcast is not None else {}

    def ready(self, key, etag):
        """The datum to answer at once, or None when the request must wait.

        Answer at once when the key has a datum the client has not seen:
        a request without If-None-Match waits for the *next* datum (the
        2012 behaviour); one with If-None-Match naming another datum gets
        the latest straight away.
        """
        datum = self.latest(key)
        if datum is not None and etag and not etag_matches(etag, datum.etag):
            return datum
        return None

    async def wait(self, key, timeout):
        """Wait for the next datum of `key`; None on timeout or shutdown.

        Raises Overloaded when --max-clients requests are already waiting.
        """
        if self.closed:
            return None
        if self.waiting >= self.max_clients:
            raise Overloaded()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        waiters = self.waiters.get(key)
        if waiters is None:
            waiters = self.waiters[key] = []
        waiters.append(future)
        self.waiting += 1
        timer = loop.call_later(timeout, _expire, future) if timeout else None
        try:
            return await future
        finally:
            if timer is not None:
                timer.cancel()
            if not future.done() or future.result() is None:
                self._forget(key, future)

    def _forget(self, key, future):
        waiters = self.waiters.get(key)
        if waiters is not None:
            try:
                waiters.remove(future)
            except ValueError:
                return
            self.waiting -= 1
            if not waiters:
                del self.waiters[key]

    def close(self):
        """Shutdown: answer every waiting request (with "nothing new")."""
        self.closed = True
        for waiters in self.waiters.values():
            for future in waiters:
                if not future.done():
                    future.set_result(None)

    def status(self, version):
        return {
            "version": version,
            "uptime": round(self.clock() - self.started, 3),
            "waiting_clients": self.waiting,
            "known_keys": len(self.artcasts),
            "datums_received": self.datums_received,
            "registrations_received": self.registrations_received,
            "datagrams_dropped": dict(self.dropped),
            "requests_served": self.requests,
        }


def _expire(future):
    if not future.done():
        future.set_result(None)
