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

Each key also keeps a bounded ring of its recent datums (`--history`), which
serves GET /artcasts/<key>/history and tells which ETags this server has
seen: the ordering rule (PROTOCOL.md, "ETag") answers a client holding an
older one at once and holds a client whose ETag it does not know, as that
client may be ahead of this server.
"""

import collections
import time

from artcast_core.etag import etag_for, etag_matches
from artcast_core.keys import key_problem
from artcast_core.longpoll import NO_DATUM
from artcast_server.clock import ServerClock
from artcast_server.deadlines import Deadlines

HISTORY = 120                   # datums per key in the ring (--history)
HISTORY_BYTES = 16 * 1024 * 1024    # all rings together, at most (payload bytes + ENTRY_COST each)
ENTRY_COST = 240                # bytes a ring entry costs besides its payload (tuple, float, etag, its count in tags: 233 measured)
_ABSENT = object()


class Datum:
    """One value of one key, as a source sent it.

    `etag` is derived from the datagram bytes, so every server fed by the
    same multicast group names the same datum the same way. Its bodies and
    whole HTTP responses are cached per format in `rendered`: a datum is
    encoded once however many clients wait for it.
    """

    __slots__ = ("key", "value", "etag", "received", "rendered", "payload", "t", "play_at")

    def __init__(self, key, value, payload, received, t=None):
        self.key = key
        self.value = value
        self.etag = etag_for(payload)
        self.received = received
        self.rendered = {}
        self.payload = payload      # the exact datagram bytes (the state file keeps them)
        self.t = t                  # server receive time, Unix seconds
        self.play_at = None     # server ms the value takes effect (Artcast-Play-At), or None


class Artcast:
    """A known key: its registered metadata, its latest datum and its history.

    `history` holds (t, etag, payload) of recent datums, oldest first, the
    latest included (`keep` and `drop_oldest` change it); `tags` counts the
    ETags in it, so a client's If-None-Match is found in one lookup;
    `evicted` counts entries the per-key bound removed that the hub's global
    queue still lists (see Hub._remember).
    """

    __slots__ = ("key", "meta", "datum", "history", "tags", "evicted")

    def __init__(self, key):
        self.key = key
        self.meta = {}
        self.datum = None
        self.history = collections.deque()
        self.tags = {}          # ETag -> entries in `history` with it
        self.evicted = 0

    def keep(self, entry):
        self.history.append(entry)
        tag = entry[1]
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def drop_oldest(self):
        old = self.history.popleft()
        tag = old[1]
        left = self.tags[tag] - 1
        if left:
            self.tags[tag] = left
        else:
            del self.tags[tag]
        return old

    def listing(self):
        """The key's entry in GET /artcasts: registered fields plus "key"."""
        entry = dict(self.meta)
        entry["key"] = self.key
        return entry

    def seen(self, header):
        """True when an If-None-Match header names one of this key's recent datums."""
        if header[:1] == '"' == header[-1:] and "," not in header:
            return header in self.tags      # one strong tag, as every Artcast client sends
        for entry in reversed(self.history):
            if etag_matches(header, entry[1]):
                return True
        return False


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

    def __init__(self, max_keys=10000, max_clients=5000, clock=time.monotonic, call_later=None,
                 history=HISTORY, history_bytes=HISTORY_BYTES, wall_clock=time.time):
        self.max_keys = max_keys
        self.max_clients = max_clients
        self.clock = clock
        self.call_later = call_later    # None: the running asyncio loop's
        self.wall_clock = wall_clock
        self.history_length = max(1, history)
        self.history_bytes = history_bytes
        self.history_used = 0    # bytes held by every ring together
        self.history_order = collections.deque()   # the Artcast of each ring entry, oldest first
        self.report = None       # report(reason, message): a waiter failed (the error log, rate-limited)
        self.on_change = None    # called after a datum or registration changes what is known
        self.extras = {}         # /status name -> callable, e.g. the kernel's drop count
        self.server_clock = ServerClock(clock)   # GET /clock and play-at stamps
        self.started = clock()
        self.artcasts = {}       # key -> Artcast
        self.waiters = {}        # key -> {waiter: its If-None-Match or None}, in arrival order
        self.waiting = 0
        self.deadlines = Deadlines(self._expire, clock, call_later)
        self.datums_received = 0
        self.registrations_received = 0
        self.dropped = {}        # reason -> count
        self.failures = 0        # waiters whose deliver() raised (a bug; each one reported)
        self.signed = self.unsigned = 0     # accepted datagrams, when --datagram-keys is on
        self.requests = 0
        self.connections_accepted = 0   # counted by the server's connections
        self.connections_open = 0
        self.closed = False
        self.on_datum = None     # on_datum(datum) after each datum: /events and /follow (events.py)
        self.reserved = None     # a key prefix datagrams may not write ("_piece/" with --pieces)

    # --- the multicast side -------------------------------------------------

    def drop(self, reason):
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def count_signed(self, signed):
        if signed:
            self.signed += 1
        else:
            self.unsigned += 1

    def _artcast(self, key):
        """The key's record, made on its first datum or registration. Only a
        valid key gets one (every feed checks keys already; this makes it a
        rule of the hub, which the value route relies on)."""
        artcast = self.artcasts.get(key)
        if artcast is None:
            if key_problem(key) is not None:
                self.drop("bad-key")
                return None
            if len(self.artcasts) >= self.max_keys:
                self.drop("too-many-keys")
                return None
            artcast = self.artcasts[key] = Artcast(key)
        return artcast

    def publish(self, key, value, payload, t=None, play_at=None):
        """A datum arrived: remember it and answer everyone waiting on `key`,
        except those whose If-None-Match already names this very datum (a
        duplicate datagram, or a client that got it from another server).
        `play_at`: server ms the value should take effect (clock.play_at)."""
        artcast = self._artcast(key)
        if artcast is None:
            return None
        self.datums_received += 1
        datum = self._set(artcast, value, payload, self.wall_clock() if t is None else t)
        datum.play_at = play_at
        waiters = self.waiters.pop(key, None)
        if waiters:
            bare = datum.etag[1:-1]
            kept = None
            discard = self.deadlines.discard
            for waiter, tag in waiters.items():
                # "*" never counts here: a client sending it waits for the next datum.
                if tag is not None and bare in tag and etag_matches(tag.replace("*", ""), datum.etag):
                    if kept is None:
                        kept = {}
                    kept[waiter] = tag
                    continue
                self.waiting -= 1
                discard(waiter)
                try:
                    waiter.deliver(datum)
                except Exception as exc:    # one waiter's failure never keeps the others waiting
                    self._failed(waiter, datum, exc)
            if kept:
                self.waiters[key] = kept
        if self.on_change is not None:
            self.on_change()
        if self.on_datum is not None:
            self.on_datum(datum)
        return datum

    def superseded(self, key, payload):
        """A datum a newer one replaced within the same burst: counted and
        kept in the history (another server may have answered a client with
        it, and its ETag must stay known here), but nobody is answered with it."""
        artcast = self._artcast(key)
        if artcast is not None:
            self.datums_received += 1
            self._remember(artcast, (self.wall_clock(), etag_for(payload), payload))

    def _deliver(self, waiter, datum):
        """Answer one waiter; a failure is reported and never keeps the others waiting."""
        try:
            waiter.deliver(datum)
        except Exception as exc:
            self._failed(waiter, datum, exc)

    def _failed(self, waiter, datum, exc):
        """A waiter's deliver() raised (a bug): report it, and answer it
        "nothing new" instead, so a request taken out of the hub is still
        answered (its client asks again) rather than left hanging."""
        self.failures += 1
        if self.report is not None:
            self.report("deliver-failed", "answering a waiting request failed: %s: %s"
                        % (type(exc).__name__, exc))
        if datum is not None:
            try:
                waiter.deliver(None)
            except Exception:
                pass

    def _set(self, artcast, value, payload, t):
        old = artcast.datum
        if old is not None:
            old.rendered = {}       # superseded: its cached responses are not needed again
        datum = artcast.datum = Datum(artcast.key, value, payload, self.clock(), t)
        self._remember(artcast, (t, datum.etag, payload))
        return datum

    def _remember(self, artcast, entry):
        """Append to the key's ring, within --history per key and
        history_bytes for all keys together (the oldest entries go first)."""
        artcast.keep(entry)
        self.history_used += len(entry[2]) + ENTRY_COST
        self.history_order.append(artcast)
        if len(artcast.history) > self.history_length:
            old = artcast.drop_oldest()
            self.history_used -= len(old[2]) + ENTRY_COST
            artcast.evicted += 1
        order = self.history_order
        while self.history_used > self.history_bytes and order:
            owner = order.popleft()
            if owner.evicted:
                owner.evicted -= 1          # already gone from its ring
            elif owner.history:
                old = owner.drop_oldest()
                self.history_used -= len(old[2]) + ENTRY_COST
        while order and order[0].evicted:   # keep the queue as short as the rings
            order.popleft().evicted -= 1

    def restore(self, key, datums):
        """A key's datums from the state file (state.py), oldest first, as
        (t, value, payload): the last becomes the latest, all go into the
        history; not counted, nobody woken."""
        artcast = self._artcast(key)
        if artcast is None or not datums:
            return
        for t, _, payload in datums[:-1]:
            self._remember(artcast, (t, etag_for(payload), payload))
        t, value, payload = datums[-1]
        self._set(artcast, value, payload, t)

    def register(self, key, meta):
        """Merge a registration's fields into the key's metadata."""
        artcast = self._artcast(key)
        if artcast is None:
            return
        self.registrations_received += 1
        if all(artcast.meta.get(field, _ABSENT) == value for field, value in meta.items()):
            return                              # the 30-second re-send: nothing changed
        artcast.meta.update(meta)
        if artcast.datum is not None:
            artcast.datum.rendered.clear()      # a Link header may have changed
        if self.on_change is not None:
            self.on_change()

    # --- the HTTP side --------------------------------------------------------

    def latest(self, key):
        artcast = self.artcasts.get(key)
        return artcast.datum if artcast is not None else None

    def meta(self, key):
        artcast = self.artcasts.get(key)
        return artcast.meta if artcast is not None else {}

    def ready(self, key, etag):
        """The datum to answer at once, or None when the request must wait.

        A request without If-None-Match waits for the *next* datum (the
        2012 behaviour). With If-None-Match (the ordering rule, PROTOCOL.md
        "ETag"): naming an older datum this server has seen (in the key's
        history) or "none" -> the latest at once; naming the latest -> wait;
        naming a datum this server does not know -> wait too, as the client
        may be ahead of this server (it missed a datagram another server got),
        and answering it with the older latest would take it backwards.
        """
        if not etag:
            return None
        artcast = self.artcasts.get(key)
        datum = artcast.datum if artcast is not None else None
        if datum is None or etag_matches(etag, datum.etag):
            return None
        if etag_matches(etag, NO_DATUM) or artcast.seen(etag):
            return datum
        return None

    def history(self, key, n=None):
        """The key's recent datums, oldest first: [(t, etag, payload), ...]
        (at most the last `n`); [] for a key without datums."""
        artcast = self.artcasts.get(key)
        if artcast is None:
            return []
        ring = list(artcast.history)
        return ring if n is None else ring[max(0, len(ring) - n):]

    def hold(self, key, waiter, timeout, etag=None):
        """Park `waiter` until the next datum of `key` (or `timeout` s; None: no limit).

        `etag` is the request's If-None-Match: a datum it names does not
        wake the waiter (the client already has it).
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
        waiters[waiter] = etag or None
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
        if waiters is not None and waiters.pop(waiter, _ABSENT) is not _ABSENT:
            self.waiting -= 1
            self.deadlines.discard(waiter)
            if not waiters:
                del self.waiters[waiter.key]

    def _expire(self, waiter):
        waiters = self.waiters.get(waiter.key)
        if waiters is not None and waiters.pop(waiter, _ABSENT) is not _ABSENT:
            self.waiting -= 1
            if not waiters:
                del self.waiters[waiter.key]
            self._deliver(waiter, None)

    def close(self):
        """Shutdown: answer every waiting request (with "nothing new")."""
        self.closed = True
        waiters, self.waiters, self.waiting = self.waiters, {}, 0
        for parked in waiters.values():
            for waiter in parked:
                self.deadlines.discard(waiter)
                self._deliver(waiter, None)
        self.deadlines.close()

    def status(self, version):
        extras = {name: probe() for name, probe in self.extras.items()}
        return dict(extras, **{
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
            "history_bytes": self.history_used,
            "deliver_failures": self.failures,
        })
