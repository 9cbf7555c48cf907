# One long-poll subscription as a small state machine (PROTOCOL.md,
# "Following a key"). No sockets here: the caller sends `request()`, reads
# the whole response, and hands it to `handle()`.
#
#   poll = LongPoll("test/tick")
#   while True:
#       data = send_and_read_all(poll.request(host, port))   # caller's I/O
#       changed, value = poll.handle_bytes(data)
#       if changed:
#           show(value)
#
# The first request asks ?wait=0 so a freshly started device gets the
# current value at once; every later one sends If-None-Match with the last
# ETag, so however slow the loop is, the client never misses the latest
# state. 204 means "nothing new in time": ask again.

import json

from artcast_core.errors import WireError
from artcast_core.http import build_get, header_text, parse_response

# The tag a client sends while it has no datum yet. It names no datum, so
# once the key has a value the server answers at once: a datum that arrives
# between the first 204 and the next request is not missed (PROTOCOL.md).
NO_DATUM = '"none"'

# Ask the server to hold each request this long (seconds). Below the
# server's --poll-timeout default (25) and far below proxy idle limits.
DEFAULT_HOLD = 20
# How long past the hold the client waits before it calls the server dead.
SOCKET_MARGIN = 10


class LongPoll:
    """Follow one key. `fmt` is "json" (values decoded) or "text" (str)."""

    def __init__(self, key, hold=DEFAULT_HOLD, prefix="", fmt="json"):
        # Imported here: the ESP32 firmware unloads it once its polls are
        # built (artcast_fw/app.py), its bytecode is heap for the pixels.
        from artcast_core.keys import key_problem
        problem = key_problem(key)
        if problem is not None:
            raise ValueError(problem)
        if fmt not in ("json", "text"):
            raise ValueError("fmt must be 'json' or 'text'")
        self.key = key
        self.hold = hold
        self.prefix = prefix
        self.fmt = fmt
        self.etag = None
        self.primed = False  # True once the wait=0 request has been answered
        self.play_at = None  # the last value's Artcast-Play-At (server ms), or None
        # Sent as the Artcast-Device header (PROTOCOL.md, "Devices"), e.g.
        # "kit-07; fw=1.2.0; rssi=-61"; None sends nothing.
        self.device = None

    def socket_timeout(self):
        """Seconds a client should wait for the answer to `request()`."""
        return (self.hold if self.primed else 0) + SOCKET_MARGIN

    def path(self):
        wait = self.hold if self.primed else 0
        query = "?wait=%d" % wait
        if self.fmt == "text":
            query += "&format=text"
        return "%s/artcasts/%s%s" % (self.prefix, self.key, query)

    def request(self, host, port, keep_alive=False):
        """The next request's bytes; keep_alive=True for a client that keeps
        its connection open between polls (see artcast_core.http)."""
        headers = {"Accept": "text/plain" if self.fmt == "text" else "application/json"}
        if self.etag is not None:
            headers["If-None-Match"] = self.etag
        if self.device:
            headers["Artcast-Device"] = self.device
        return build_get(host, port, self.path(), headers, keep_alive)

    def handle(self, status, headers, body):
        """Take a parsed response; return (changed, value).

        changed is False for 204 (nothing new). A 4xx/5xx raises WireError
        with reason "http-<status>" so the caller can log it and back off.
        """
        if status == 204:
            self.primed = True
            if self.etag is None:
                self.etag = NO_DATUM
            return False, None
        if status != 200:
            raise WireError("http-%d" % status, "server answered %d for %s: %s"
                            % (status, self.key, header_text(body[:80])))
        try:
            text = body.decode("utf-8")
        except UnicodeError:
            raise WireError("bad-response", "value is not UTF-8")
        if self.fmt == "json":
            try:
                value = json.loads(text)
            except (ValueError, RuntimeError):
                # RuntimeError: CPython's RecursionError on absurdly deep
                # nesting (MicroPython says ValueError or MemoryError).
                raise WireError("bad-response", "value is not JSON")
        else:
            value = text
        self.primed = True
        self.etag = headers.get("etag")
        self.play_at = _play_at(headers.get("artcast-play-at"))
        return True, value

    def handle_bytes(self, data):
        status, headers, body = parse_response(data)
        return self.handle(status, headers, body)

    def reset(self):
        """After the connection broke: ask for the current value again."""
        self.primed = False


def _play_at(text):
    """Artcast-Play-At -> server ms, or None (absent, or not a number:
    then the value is shown at once, as from a server without play-at)."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None
