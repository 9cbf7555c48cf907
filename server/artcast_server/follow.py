"""GET /follow?keys=a,b: one long-poll for several keys (PROTOCOL.md,
"GET /follow"), for clients that cannot stream. The cursor (events.py) goes
in If-None-Match or ?after=; the answer holds every followed key the
cursor lacks, so a slow loop misses no state. A held /follow is parked on
its connection like an event stream and counts toward --max-clients.

    GET /follow?keys=room/*&wait=0             -> 200 {"cursor": ..., "datums": [...]} or 204
    GET /follow?keys=room/*  If-None-Match: "<cursor>"   -> held until one changes
"""

from microdot import Response

from artcast_server.connection import CLOSE, STREAMING, encode
from artcast_server.events import NEW, datum_json, judge, key_hash, make_cursor, parse_cursor, parse_keys, tag
from artcast_server.responses import CONTENT_TYPES, JSON, add_common_headers, error, no_content

MAX_FOLLOW_KEYS = 80    # keys one /follow may name in all (its cursor must fit a request header)


def answer(server, conn, response):
    """Write a routed-style answer on `conn` (common headers, access log, keep-alive)."""
    add_common_headers(response, server.settings)
    if server.stopping:
        conn.mode = CLOSE
    response.is_head = conn.head
    data = encode(response, conn.mode)
    server.hub.requests += 1
    if conn.log is not None:
        server.log_later(conn.log, response.status_code, data)
    conn.respond(data)


class FollowHeld(Response):
    """The route's answer for a /follow that must wait."""

    def __init__(self, followers, patterns, have, hold):
        Response.__init__(self, b"", 200)
        self.followers = followers
        self.patterns = patterns
        self.have = have
        self.hold = hold

    def attach(self, server, conn):
        if server.stopping:
            return no_content()
        if self.followers.full():
            return error(503, "Too many waiting clients; try again shortly", {"Retry-After": "5"})
        FollowWait(self.followers, server, conn, self.patterns, self.have).start(self.hold)
        return None


def follow_response(followers, patterns, have):
    """The /follow answer for a client holding `have` ({key hash: tags}, as
    parse_cursor gives): 200 with every followed key it lacks (the ordering
    rule: not a datum older than one it may hold), or None when it lacks none."""
    current = followers.current(patterns)
    artcasts = followers.hub.artcasts
    changed = []
    held = {}
    carried = dict(have)
    for key in sorted(current):
        datum = current[key]
        entries = carried.pop(key_hash(key), None)
        verdict = judge(artcasts.get(key), datum, entries)
        if verdict == NEW:
            changed.append(datum)
            held[key] = (tag(datum.etag),)
        else:
            held[key] = tuple(entries)
    if not changed:
        return None
    cursor = make_cursor(held, carried)
    hub = followers.hub
    body = (b'{"cursor":"' + cursor.encode("ascii") + b'","datums":['
            + b",".join(datum_json(datum, hub) for datum in changed) + b"]}")
    return Response(body, 200, {"Content-Type": CONTENT_TYPES[JSON], "ETag": '"%s"' % cursor,
                                "Cache-Control": "no-store"})


class FollowWait:
    """A held /follow: answered by the first datum the client lacks, or 204."""

    __slots__ = ("followers", "server", "conn", "patterns", "have", "tick")

    def __init__(self, followers, server, conn, patterns, have):
        self.followers = followers
        self.server = server
        self.conn = conn
        self.patterns = patterns
        self.have = have
        self.tick = None

    def start(self, hold):
        self.conn.state = STREAMING
        self.conn.follower = self
        self.followers.add(self)
        if hold:
            self.followers.deadlines.add(self, hold)

    def datum(self, datum):
        held = self.have.get(key_hash(datum.key))
        if held is None or tag(datum.etag) not in held:
            self.answer()

    def answer(self, timeout=False):
        conn = self.conn
        if conn.follower is not self:
            return
        self.close()
        response = None if timeout else follow_response(self.followers, self.patterns, self.have)
        answer(self.server, conn, response or no_content())

    def close(self):
        if self.conn.follower is self:
            self.conn.follower = None
            self.followers.remove(self)
            if self.tick is not None:
                self.followers.deadlines.discard(self)

    def end(self):
        self.answer(timeout=True)


def add_routes(app, hub, settings, followers):
    from artcast_server.app import hold_time, parse_wait

    @app.get("/follow")
    async def follow(request):
        try:
            patterns = parse_keys(request.args.get("keys"))
            wait = parse_wait(request.args["wait"]) if "wait" in request.args else None
        except ValueError as exc:
            return error(400, str(exc))
        current = followers.current(patterns)
        if len(current) > MAX_FOLLOW_KEYS:
            return error(400, "the patterns name more than %d keys: follow fewer with /follow, "
                              "or use /events" % MAX_FOLLOW_KEYS)
        cursor = request.headers.get("If-None-Match") or request.args.get("after")
        if cursor is None:
            # no cursor: like a single key, wait for the *next* datum (wait=0: everything current)
            have = {}
            if wait != 0:
                for key, datum in current.items():
                    have.setdefault(key_hash(key), set()).add(tag(datum.etag))
        else:
            have = parse_cursor(cursor)
        response = follow_response(followers, patterns, have)
        if response is not None:
            return response
        hold = hold_time(wait, settings.poll_timeout)
        if hold == 0 or hub.closed:
            return no_content()
        return FollowHeld(followers, patterns, have, hold)
