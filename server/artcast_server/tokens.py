"""Who may publish over HTTP (POST /artcasts/<key>), and how fast.

Tokens come from --publish-token (one token, every key) and
--publish-tokens FILE, one token and a key pattern per line:

    # token                 keys it may publish
    s3cret-group-1          class/group-1/*
    s3cret-teacher          *

A token may appear on several lines. The file is re-read on SIGHUP; a file
that cannot be read keeps the tokens already loaded. Tokens are compared in
constant time and never logged: logs name a token by its line label
("token 2") only.

    tokens = Tokens(token="abc")
    tokens.check("Bearer abc", "room/light")     # -> (200, "token 1")

With no token configured, HTTP publish is off (403 with how to turn it on).
"""

import hmac
import math

from artcast_core.patterns import key_matches, pattern_problem

DEFAULT_RATE = 20.0          # datums per second per key and token
MAX_BUCKETS = 10000          # (token, key) pairs remembered by the rate limit


def parse_tokens(text):
    """File text -> [(token bytes, [patterns])]; ValueError names the line."""
    found = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) != 2:
            raise ValueError("line %d: expected '<token> <key pattern>'" % number)
        token, pattern = fields
        if len(token) < 8:
            raise ValueError("line %d: a token must be 8 characters or more" % number)
        if pattern_problem(pattern):
            raise ValueError("line %d: %s" % (number, pattern_problem(pattern)))
        found.setdefault(token, []).append(pattern)
    return [(token.encode(), patterns) for token, patterns in found.items()]


class Tokens:
    def __init__(self, token=None, path=None):
        self.token = token
        self.path = path
        self.entries = []           # [(token bytes, patterns, label)]
        self.reload()

    @property
    def enabled(self):
        return bool(self.entries)

    def reload(self):
        """(Re-)read the tokens; raises ValueError/OSError and keeps the old set on failure."""
        entries = []
        if self.token:
            entries.append((self.token.encode(), ["*"]))
        if self.path:
            with open(self.path) as f:
                text = f.read()
            try:
                entries.extend(parse_tokens(text))
            except ValueError as exc:
                raise ValueError("%s: %s" % (self.path, exc))
        self.entries = [(token, patterns, "token %d" % (i + 1)) for i, (token, patterns) in enumerate(entries)]
        return len(self.entries)

    def check(self, authorization, key):
        """(status, label): 200 allowed, 401 no/unknown token, 403 not for this key."""
        if not authorization or not authorization[:7].lower() == "bearer ":
            return 401, None
        given = authorization[7:].strip().encode("utf-8", "replace")
        found = None
        for token, patterns, label in self.entries:     # every entry: no early exit on a match
            if hmac.compare_digest(token, given) and found is None:
                found = (patterns, label)
        if found is None:
            return 401, None
        patterns, label = found
        for pattern in patterns:
            if key_matches(pattern, key):
                return 200, label
        return 403, label


class RateLimit:
    """A token bucket per (token, key): `rate` datums a second, bursts of `rate`.

        limit = RateLimit(5, clock=time.monotonic)
        wait = limit.take("token 1", "room/light")   # 0: go ahead; else seconds to wait
    """

    def __init__(self, rate=DEFAULT_RATE, clock=None, max_buckets=MAX_BUCKETS):
        import time
        self.rate = rate
        self.burst = max(1.0, rate)
        self.clock = clock or time.monotonic
        self.max_buckets = max_buckets
        self.buckets = {}       # (label, key) -> (tokens, at)

    def take(self, label, key):
        now = self.clock()
        tokens, at = self.buckets.get((label, key), (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self.buckets[(label, key)] = (tokens, now)
            return max(1, int(math.ceil((1.0 - tokens) / self.rate)))
        if len(self.buckets) >= self.max_buckets and (label, key) not in self.buckets:
            self._forget_full(now)
        self.buckets[(label, key)] = (tokens - 1.0, now)
        return 0

    def _forget_full(self, now):
        """Drop buckets that have refilled (idle ones); if none, the oldest half."""
        full = [k for k, (tokens, at) in self.buckets.items()
                if tokens + (now - at) * self.rate >= self.burst]
        for k in full or list(self.buckets)[:len(self.buckets) // 2]:
            del self.buckets[k]
