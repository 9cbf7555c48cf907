# Following several keys with one long-poll: GET /follow (PROTOCOL.md,
# "Following several keys"). A socket-free state machine like LongPoll:
# the caller sends `request()`, reads the whole response and hands it to
# `handle()`. One connection (keep_alive=True) serves every key, so a board
# following three keys needs one socket instead of three.
#
#   follow = Follow(["room/light", "room/temp", "test/tick"])
#   while True:
#       data = send_and_read_all(follow.request(host, port, keep_alive=True))
#       for key, value in follow.handle_bytes(data):
#           show(key, value)
#
# The first request asks wait=0 (every current value at once); each later
# one sends back the cursor of the last answer in If-None-Match, so the
# next answer holds every key that changed since, however slow the loop.

import json

from artcast_core.errors import WireError
from artcast_core.http import build_get, parse_response
from artcast_core.longpoll import DEFAULT_HOLD, NO_DATUM, SOCKET_MARGIN
from artcast_core.patterns import pattern_problem

MAX_KEYS = 50           # the server's limit of keys or patterns per request


class Follow:
    """Follow several keys (or patterns such as "room/*") on one connection."""

    def __init__(self, keys, hold=DEFAULT_HOLD, prefix="", device=None):
        if not keys or len(keys) > MAX_KEYS:
            raise ValueError("follow 1 to %d keys" % MAX_KEYS)
        for key in keys:
            problem = pattern_problem(key)
            if problem is not None:
                raise ValueError(problem)
        self.keys = list(keys)
        self.hold = hold
        self.prefix = prefix
        self.device = device    # the Artcast-Device header, e.g. "kit-07; fw=1.2.0"
        self.cursor = None      # the quoted cursor of the last answer
        self.primed = False     # True once the wait=0 request has been answered

    def socket_timeout(self):
        return (self.hold if self.primed else 0) + SOCKET_MARGIN

    def path(self):
        return "%s/follow?keys=%s&wait=%d" % (self.prefix, ",".join(self.keys), self.hold if self.primed else 0)

    def request(self, host, port, keep_alive=False):
        headers = {"Accept": "application/json"}
        if self.cursor is not None:
            headers["If-None-Match"] = self.cursor
        if self.device:
            headers["Artcast-Device"] = self.device
        return build_get(host, port, self.path(), headers, keep_alive)

    def handle(self, status, headers, body):
        """A parsed response -> list of (key, value) that changed ([] for 204).
        A 4xx/5xx raises WireError("http-<status>")."""
        if status == 204:
            self.primed = True
            if self.cursor is None:
                self.cursor = NO_DATUM      # names no datum: the first one comes at once
            return []
        if status != 200:
            raise WireError("http-%d" % status, "server answered %d for /follow: %s"
                            % (status, body[:80].decode("utf-8", "replace")))
        try:
            answer = json.loads(body.decode("utf-8"))
            changed = [(d["key"], d["value"]) for d in answer["datums"]]
            cursor = answer["cursor"]
        except (ValueError, KeyError, TypeError, UnicodeError):
            raise WireError("bad-response", "/follow answer is not the documented JSON")
        self.primed = True
        self.cursor = '"%s"' % cursor
        return changed

    def handle_bytes(self, data):
        status, headers, body = parse_response(data)
        return self.handle(status, headers, body)

    def reset(self):
        """After the connection broke: ask again with wait=0 (what changed
        since the cursor comes at once; nothing is missed)."""
        self.primed = False
