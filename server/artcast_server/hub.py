"""The hub: what the server knows, and who is waiting for what.

Everything here is synchronous and I/O-free, so it can be tested without
sockets. The multicast side calls `publish()` / `register()`; the HTTP side
(the server's connections) parks a waiter with `hold()` and `release()`s it
when its client goes away.

    hub = Hub(max_keys=10000, max_clients=5000)
    hub.hold("test/tick", waiter, 25)           # waiter.deliver(datum or None) later
    hub.publish("test/tick", 1, b'["test/tick", 1]')

The hub owns the server's one clock: `clock()` for time stamps and
deadlines, `call_later(delay, callback)` to wake the deadlines (asyncio's
by default; a fake pair in tests, so no test sleeps to see a timeout).
"""

import time

from artcast_core.etag import etag_for, etag_matches
from artcast_server.deadlines import Deadlines


class Datum:
    """One value of one key, as a source sent it.

    `etag` is derived from the datagram bytes, so every server fed by the
    same multicast group names the same datum the same way. Its bodies and
    whole HTTP responses are cached per format in `rendered`: a datum is
    encoded once however many clients wait for it.
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
    """State plus the waiting requests, kept as cheap slots.

    A waiter is any object with a `deliver(datum)` method (datum None means
    "nothing new": timeout or shutdown) and a `tick` attribute for the coarse
    deadlines. The real server parks its connection objects here, so a
    waiting client costs a dict entry and no coroutine, future or timer;
    `publish()` hands the one datum to each in a plain loop.
    """

    def __init__(self, max_keys=10000, max_clients=5000, clock=time.monotonic, call_later=None):
        self.max_keys = max_keys
        self.max_clients = max_clients
        self.clock = clock
        self.call_later = call_later    # None: the running asyncio loop's
        self.started = clock()
        self.artcasts = {}       # key -> Artcast
        self.waiters = {}        # key -> {waiter: None}, in arrival order
        self.waiting = 0
        self.deadlines = Deadlines(self._expire, clock, call_later)
        self.datums_received = 0
        self.registrations_received = 0
        self.dropped = {}        # reason -> count
        self.signed = self.unsigned = 0     # accepted datagrams, when --datagram-keys is on
        self.requests = 0
        self.connections_accepted = 0   # counted by the server's connections
        self.connections_open = 0
        self.closed = False

    # --- the multicast side -------------------------------------------------

    def drop(self, reason):
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def count_signed(self, signed):
        if signed:
            self.signed += 1
        else:
            self.unsigned += 1

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
            discard = self.deadlines.discard
            for waiter in waiters:
                discard(waiter)
                waiter.deliver(datum)
        return datum

    def register(self, key, meta):
        """Merge a registration's fields into the key's metadata."""
        artcast = self._artcast(key)
        if artcast is None:
            return
        self.registrations_received += 1
        artcast.meta.update(meta)
        if artcast.datum is not None:
            artcast.datum.rendered.clear()      # a Link header may have changed

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

    def hold(self, key, waiter, timeout):
        """Park `waiter` until the next datum of `key` (or `timeout` s; None: no limit).

        Returns False when the server is shutting down (answer "nothing new"
        now); raises Overloaded when --max-clients requests already wait.
        """
        if self.closed:
            return False
        if self.waiting >= self.max_clients:
            raise Overloaded()
        waiters = self.waiters.get(key)
        if waiters is None:
            waiters = self.waiters[key] = {}
        waiters[waiter] = None
        waiter.key = key
        self.waiting += 1
        if timeout:
            self.deadlines.add(waiter, timeout)
        else:
            waiter.tick = None
        return True

    def release(self, waiter):
        """Forget a waiter that went away (its client disconnected)."""
        waiters = self.waiters.get(waiter.key)
        if waiters is not None and waiters.pop(waiter, 0) is None:
            self.waiting -= 1
            self.deadlines.discard(waiter)
            if not waiters:
                del self.waiters[waiter.key]

    def _expire(self, waiter):
        waiters = self.waiters.get(waiter.key)
        if waiters is not None and waiters.pop(waiter, 0) is None:
            self.waiting -= 1
            if not waiters:
                del self.waiters[waiter.key]
            waiter.deliver(None)

    def close(self):
        """Shutdown: answer every waiting request (with "nothing new")."""
        self.closed = True
        waiters, self.waiters, self.waiting = self.waiters, {}, 0
        for parked in waiters.values():
            for waiter in parked:
                self.deadlines.discard(waiter)
                waiter.deliver(None)
        self.deadlines.close()

    def status(self, version):
        return {
            "version": version,
            "uptime": round(self.clock() - self.started, 3),
            "waiting_clients": self.waiting,
            "known_keys": len(self.artcasts),
            "datums_received": self.datums_received,
            "registrations_received": self.registrations_received,
            "datagrams_dropped": dict(self.dropped),
            "datagrams_signed": self.signed,
            "datagrams_unsigned": self.unsigned,
            "requests_served": self.requests,
            "connections_accepted": self.connections_accepted,
            "connections_open": self.connections_open,
        }

