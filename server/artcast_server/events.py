"""Following several keys at once (PROTOCOL.md, "Following several keys"):

    GET /events?keys=a,b,room/*    Server-Sent Events, one event per datum (here)
    GET /follow?keys=a,b           one long-poll answered by any of the keys (follow.py)

Both name keys and patterns (artcast_core.patterns: "room/*") and carry a
*cursor*: one entry per followed key, KEY_DIGITS hex digits of the key's
SHA-256 and TAG_DIGITS of the ETag of the datum the client holds, sorted,
joined by ".". ETags are the same on every server fed by one group, so any
of them resumes from a cursor, and judge() applies the single key's
ordering rule: a key is sent when the client has nothing of it or an older
datum this server knows, never when it may be ahead.

`Followers` is the registry the hub's `on_datum` hook feeds. A stream or a
/follow wait is parked on its Connection (`conn.follower`), the way a held
request is parked in the hub: the connection's end (close, abort) ends it.
Streams and /follow waits count in the hub's `waiting` (/status
waiting_clients), so --max-clients bounds them with the held requests.

    followers = Followers(hub)           # sets hub.on_datum
    GET /events?keys=test/*   ->  event: datum / id: <cursor> / data: {...}
"""

import asyncio
import functools
import hashlib
import json
import time

from microdot import Response

from artcast_core.patterns import key_matches, pattern_problem
from artcast_server.connection import CLOSE, STREAMING, WRITE_CHUNK, WRITE_TIMEOUT
from artcast_server.deadlines import Deadlines
from artcast_server.responses import add_common_headers, error, no_content

MAX_PATTERNS = 50       # keys or patterns in one request
KEY_DIGITS = 6          # hex digits of a key's hash in a cursor entry (which key it is for)
TAG_DIGITS = 10         # hex digits of the datum's ETag in a cursor entry (40 bits per key)
MAX_CURSOR = 1500       # characters; a longer cursor is sent empty (resume = every current value)
HEARTBEAT = 15.0        # seconds between comment lines on an idle stream
ID_EVERY = 1.0          # seconds: a stream's `id:` is sent at most this often (and always within it)
RETRY_MS = 2000         # the browser's reconnection delay (SSE `retry:`)


def parse_keys(text):
    """keys=a,b,room/* -> list of patterns; ValueError says what is wrong."""
    if not text:
        raise ValueError("keys= names what to follow, e.g. keys=test/tick,room/*")
    patterns = []
    for number, pattern in enumerate(text.split(","), 1):
        problem = pattern_problem(pattern)
        if problem is not None:
            raise ValueError("keys item %d: %s" % (number, problem))
        if pattern not in patterns:
            patterns.append(pattern)
    if len(patterns) > MAX_PATTERNS:
        raise ValueError("at most %d keys or patterns per request" % MAX_PATTERNS)
    return patterns


def tag(etag):
    """'"4b12e8a50c677d56"' -> '4b12e8a50c': one ETag's part of a cursor entry."""
    return etag.strip('"')[:TAG_DIGITS]


@functools.lru_cache(maxsize=4096)
def key_hash(key):
    """The first KEY_DIGITS hex digits of SHA-256 of the key: which key an entry is for."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:KEY_DIGITS]


def make_cursor(held, carried=None):
    """{key: tags the client holds} (and {key hash: tags} carried from the
    client's cursor for keys this server has no datum of) -> the cursor,
    "" when too long."""
    entries = set()
    for key, tags in held.items():
        h = key_hash(key)
        entries.update(h + t for t in tags)
    for h, more in (carried or {}).items():
        entries.update(h + t for t in more)
    text = ".".join(sorted(entries))
    return text if len(text) <= MAX_CURSOR else ""


def parse_cursor(text):
    """A cursor (quoted or not) -> {key hash: set of tags}. Anything that is
    not an entry is ignored: a garbage cursor names nothing."""
    for junk in ('W/', '"', ",", " "):
        text = text.replace(junk, ".")
    have = {}
    size = KEY_DIGITS + TAG_DIGITS
    for part in text.split("."):
        if len(part) == size:
            part = part.lower()
            if all(c in "0123456789abcdef" for c in part):
                have.setdefault(part[:KEY_DIGITS], set()).add(part[KEY_DIGITS:])
    return have


NEW, HAVE, AHEAD = 0, 1, 2


def judge(artcast, datum, entries):
    """What a client holding `entries` (tags under this key's hash, or None)
    lacks of `artcast`'s latest `datum` (PROTOCOL.md, the ordering rule):
    NEW: send it (nothing for the key, or an older datum this server knows);
    HAVE: the client has it; AHEAD: a datum this server does not know, which
    may be newer (another server's): wait for the key's next datum."""
    if entries is None:
        return NEW
    if tag(datum.etag) in entries:
        return HAVE
    for entry in getattr(artcast, "history", ()):
        if tag(entry[1]) in entries:
            return NEW
    return AHEAD


def datum_time(datum, hub):
    """Server receive time of `datum`, Unix seconds."""
    t = getattr(datum, "t", None)       # the history work stamps datums with it
    if t is None:
        t = time.time() - (hub.clock() - datum.received)
    return round(t, 3)


def datum_json(datum, hub):
    """{"key","value","etag","t"} as UTF-8 JSON, built once per datum."""
    data = datum.rendered.get("event")
    if data is None:
        data = datum.rendered["event"] = json.dumps(
            {"key": datum.key, "value": datum.value, "etag": datum.etag, "t": datum_time(datum, hub)},
            separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return data


class Followers:
    """Every open stream and /follow wait, indexed by the keys they follow."""

    def __init__(self, hub):
        self.hub = hub
        self.exact = {}         # key -> {follower: None}
        self.wild = {}          # follower -> its patterns ending in "*"
        self.count = 0
        self.streams = {}       # Stream -> None
        self.behind = {}        # streams whose latest id is not sent yet
        self.deadlines = Deadlines(self._expire, hub.clock, hub.call_later)
        self.heartbeat = self.flush = None
        hub.on_datum = self.publish

    def full(self):
        return self.hub.waiting >= self.hub.max_clients

    def current(self, patterns):
        """{key: latest datum} for every known key the patterns name."""
        artcasts = self.hub.artcasts
        found = {}
        for pattern in patterns:
            if pattern.endswith("*"):
                for key, artcast in artcasts.items():
                    if artcast.datum is not None and key_matches(pattern, key):
                        found[key] = artcast.datum
            else:
                artcast = artcasts.get(pattern)
                if artcast is not None and artcast.datum is not None:
                    found[pattern] = artcast.datum
        return found

    def add(self, follower):
        for pattern in follower.patterns:
            if pattern.endswith("*"):
                self.wild.setdefault(follower, []).append(pattern)
            else:
                self.exact.setdefault(pattern, {})[follower] = None
        self.count += 1
        self.hub.waiting += 1           # streams and waits count toward --max-clients
        if follower.__class__ is Stream:
            self.streams[follower] = None
            if self.heartbeat is None:
                self.heartbeat = self._call_later(HEARTBEAT, self._beat)

    def remove(self, follower):
        for pattern in follower.patterns:
            followers = self.exact.get(pattern)
            if followers is not None and followers.pop(follower, 0) is None and not followers:
                del self.exact[pattern]
        self.wild.pop(follower, None)
        self.count -= 1
        if not self.hub.closed:         # Hub.close() has set waiting to 0
            self.hub.waiting -= 1
        self.streams.pop(follower, None)
        self.behind.pop(follower, None)
        if not self.streams and self.heartbeat is not None:
            self.heartbeat.cancel()
            self.heartbeat = None

    def publish(self, datum):
        """The hub's on_datum hook: hand `datum` to everyone following its key."""
        targets = self.exact.get(datum.key)
        targets = dict(targets) if targets else {}
        if self.wild:
            key = datum.key
            for follower, patterns in self.wild.items():
                for pattern in patterns:
                    if key_matches(pattern, key):
                        targets[follower] = None
                        break
        for follower in targets:
            follower.datum(datum)

    def _call_later(self, delay, callback):
        call_later = self.hub.call_later or asyncio.get_running_loop().call_later
        return call_later(delay, callback)

    def _beat(self):
        """Every HEARTBEAT s: a comment line on each stream; a stream whose
        client took nothing for two beats (WRITE_TIMEOUT) is ended."""
        self.heartbeat = None
        beats = max(1, int(WRITE_TIMEOUT / HEARTBEAT))
        for stream in list(self.streams):
            stream.beat(beats)
        if self.streams:
            self.heartbeat = self._call_later(HEARTBEAT, self._beat)

    def id_later(self, stream):
        self.behind[stream] = None
        if self.flush is None:
            self.flush = self._call_later(ID_EVERY, self._flush)

    def _flush(self):
        self.flush = None
        behind, self.behind = self.behind, {}
        for stream in behind:
            stream.send_id()

    def _expire(self, wait):
        wait.answer(timeout=True)

    def close(self):
        """Shutdown: /follow waits answer 204, streams end."""
        for follower in list(self.wild) + [f for fs in list(self.exact.values()) for f in fs]:
            if follower.conn.follower is follower:
                follower.end()
        for handle in (self.heartbeat, self.flush):
            if handle is not None:
                handle.cancel()
        self.heartbeat = self.flush = None
        self.deadlines.close()


# --- GET /events ----------------------------------------------------------------

class StreamStart(Response):
    """The route's answer for /events: the server hands the connection over."""

    def __init__(self, followers, patterns, cursor):
        Response.__init__(self, b"", 200)
        self.followers = followers
        self.patterns = patterns
        self.cursor = cursor

    def attach(self, server, conn):
        followers = self.followers
        if conn.head:
            return Response(b"", 200, {"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        if server.stopping:
            return no_content()
        if followers.full():
            return error(503, "Too many waiting clients; try again shortly", {"Retry-After": "5"})
        Stream(followers, server, conn, self.patterns).start(self.cursor)
        return None


class Stream:
    """One text/event-stream: the current value of each followed key the
    client lacks, then every datum as it arrives, until the client goes."""

    __slots__ = ("followers", "server", "conn", "patterns", "sent", "carried", "id_at", "stalled")

    def __init__(self, followers, server, conn, patterns):
        self.followers = followers
        self.server = server
        self.conn = conn
        self.patterns = patterns
        self.sent = {}          # key -> tags of what the client holds (one, or its own when ahead)
        self.carried = {}       # key hash -> tags, from its cursor, of keys this server has no datum of
        self.id_at = 0.0
        self.stalled = 0

    def start(self, cursor):
        conn = self.conn
        server = self.server
        conn.state = STREAMING
        conn.follower = self
        conn.mode = CLOSE
        self.followers.add(self)
        response = Response(b"", 200, {"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                       "X-Accel-Buffering": "no"})
        add_common_headers(response, server.settings)
        lines = ["HTTP/1.1 200 OK"] + ["%s: %s" % item for item in response.headers.items()]
        lines.append("Connection: close")       # the stream ends when the connection does
        head = ("\r\n".join(lines) + "\r\n\r\nretry: %d\n\n" % RETRY_MS).encode("latin-1", "replace")
        server.hub.requests += 1
        if conn.log is not None:
            server.log_later(conn.log, 200, head)
        have = parse_cursor(cursor) if cursor else {}
        parts = [head]
        fresh = []
        artcasts = server.hub.artcasts
        for key, datum in sorted(self.followers.current(self.patterns).items()):
            entries = have.pop(key_hash(key), None)
            verdict = judge(artcasts.get(key), datum, entries)
            if verdict == NEW:
                fresh.append(datum)
            else:       # HAVE, or AHEAD: the client keeps its own; the key's next datum is sent
                self.sent[key] = tuple(entries)
        self.carried = have
        for i, datum in enumerate(fresh):
            parts.append(self.event(datum, i == len(fresh) - 1))
        self.write(b"".join(parts))

    def event(self, datum, with_id):
        self.sent[datum.key] = (tag(datum.etag),)
        data = datum_json(datum, self.server.hub)
        if with_id:
            self.id_at = self.server.hub.clock()
            return b"event: datum\nid: " + self.cursor() + b"\ndata: " + data + b"\n\n"
        return b"event: datum\ndata: " + data + b"\n\n"

    def cursor(self):
        return make_cursor(self.sent, self.carried).encode("ascii")

    def datum(self, datum):
        key = datum.key
        held = self.sent.get(key)
        if held is None and self.carried:
            held = self.carried.pop(key_hash(key), None)
            if held is not None:
                self.sent[key] = tuple(held)
        if held is not None and tag(datum.etag) in held:
            return                      # the client has this very datum
        with_id = self.server.hub.clock() - self.id_at >= ID_EVERY
        if not with_id:
            self.followers.id_later(self)
        self.write(self.event(datum, with_id))

    def send_id(self):
        """An id-only block: moves the client's Last-Event-ID on, dispatches nothing."""
        self.id_at = self.server.hub.clock()
        self.write(b"id: " + self.cursor() + b"\n\n")

    def beat(self, beats):
        if self.conn.paused:
            self.stalled += 1
            if self.stalled >= beats:
                return self.conn.abort()    # a reader that took nothing for WRITE_TIMEOUT s
        else:
            self.stalled = 0
        self.write(b": heartbeat\n\n")

    def write(self, data):
        """Slow readers: at most WRITE_CHUNK bytes may wait for the client."""
        conn = self.conn
        if conn.follower is not self:
            return
        transport = conn.transport
        if conn.paused and transport.get_write_buffer_size() + len(data) > WRITE_CHUNK:
            return conn.abort()
        transport.write(data)

    def close(self):
        """The connection ended (connection.py calls this)."""
        if self.conn.follower is self:
            self.conn.follower = None
            self.followers.remove(self)

    def end(self):
        """Server shutdown: end the stream."""
        self.close()
        self.conn.transport.close()


# --- the routes -------------------------------------------------------------------

def add_routes(app, hub, settings, followers):

    @app.get("/events")
    async def events(request):
        try:
            patterns = parse_keys(request.args.get("keys"))
        except ValueError as exc:
            return error(400, str(exc))
        cursor = request.headers.get("Last-Event-ID") or request.args.get("after")
        return StreamStart(followers, patterns, cursor)
