# Signed datagrams (PROTOCOL.md, "Signed datagrams").
#
# A signed datagram is one ASCII line, then the unchanged 2012 datagram:
#
#   ACS1 <key-id> <time-ms> <nonce> <mac>\n["room/light", "on"]
#
# <time-ms>  the source's wall clock, milliseconds since 1970 (decimal)
# <nonce>    16 hex digits, random per datagram
# <mac>      64 hex digits: HMAC-SHA256 with the shared secret over every
#            byte before <mac> ("ACS1 <key-id> <time-ms> <nonce> ") and the
#            body after the newline
#
# The ETag is derived from the whole datagram as for any other, so every
# server that receives it names it the same way. A 2012 datagram (JSON,
# never starting with "A") stays valid; a server decides whether it still
# accepts unsigned ones (--require-signed).
#
# Sources and servers share secrets by key id in a keys file:
#
#   # secrets: "<key-id>: <secret>" (16 characters or more)
#   gallery-1: 9f2c6e1b7a40d35e8c1f
#   # bindings: "<key pattern> <key-id>": only that secret may send these keys
#   gallery/*  gallery-1
#
# CPython only (hmac, os.urandom): sources and servers sign and verify; the
# firmware only reads values and never needs a secret.

import hmac
import os
import time
from binascii import hexlify

from artcast_core.datagram import MAX_DATAGRAM_BYTES
from artcast_core.errors import WireError
from artcast_core.patterns import key_matches, pattern_problem

MAGIC = b"ACS1 "
MAX_KEY_ID = 32
MIN_SECRET = 16
DEFAULT_WINDOW = 30.0        # seconds either side of the server's clock
MAX_REMEMBERED = 100000      # nonces kept for replay detection

_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def key_id_problem(key_id):
    if not key_id or len(key_id) > MAX_KEY_ID:
        return "key id must be 1-%d characters" % MAX_KEY_ID
    for ch in key_id:
        if ch not in _ID_CHARS:
            return "key id %r may only hold A-Z a-z 0-9 . _ -" % key_id
    return None


def _mac(secret, signed):
    return hmac.new(secret, signed, "sha256").hexdigest().encode()


def sign(body, key_id, secret, now=None, nonce=None):
    """The signed datagram for `body` (the 2012 datagram bytes).

    `secret` is bytes; `now` (seconds) and `nonce` (16 hex digits) are for tests.
    """
    if key_id_problem(key_id):
        raise ValueError(key_id_problem(key_id))
    if now is None:
        now = time.time()
    if nonce is None:
        nonce = hexlify(os.urandom(8)).decode()
    head = b"%s%s %d %s " % (MAGIC, key_id.encode(), int(now * 1000), nonce.encode())
    return head + _mac(secret, head + b"\n" + body) + b"\n" + body


def is_signed(payload):
    return payload[:5] == MAGIC


def unwrap(payload):
    """A signed datagram -> (key_id, time_ms, nonce, mac, signed bytes, body).

    Raises WireError("bad-signature") when the signature line is malformed.
    """
    end = payload.find(b"\n", 0, 200)
    if end < 0:
        raise WireError("bad-signature", "signed datagram has no signature line")
    parts = payload[5:end].split(b" ")
    if len(parts) != 4 or len(parts[2]) != 16 or len(parts[3]) != 64:
        raise WireError("bad-signature", "signature line is not 'ACS1 <key-id> <time-ms> <nonce> <mac>'")
    try:
        key_id = parts[0].decode("ascii")
        time_ms = int(parts[1])
    except (UnicodeError, ValueError):
        raise WireError("bad-signature", "signature line has a bad key id or time")
    signed = payload[:end - 64] + b"\n" + payload[end + 1:]
    return key_id, time_ms, parts[2], parts[3], signed, payload[end + 1:]


def parse_keys(text, need_secret=False):
    """A keys file's text -> ({key_id: secret bytes}, [(pattern, key_id)]).

    Raises ValueError naming the line for anything it cannot read.
    """
    secrets, bindings = {}, []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = "line %d: " % number
        if ":" in line.split()[0]:
            key_id, _, secret = line.partition(":")
            key_id, secret = key_id.strip(), secret.strip()
            if key_id_problem(key_id):
                raise ValueError(where + key_id_problem(key_id))
            if len(secret) < MIN_SECRET or " " in secret:
                raise ValueError(where + "secret for %s must be %d or more characters without spaces"
                                 % (key_id, MIN_SECRET))
            secrets[key_id] = secret.encode()
            continue
        fields = line.split()
        if len(fields) != 2:
            raise ValueError(where + "expected '<key-id>: <secret>' or '<key pattern> <key-id>'")
        if pattern_problem(fields[0]):
            raise ValueError(where + pattern_problem(fields[0]))
        bindings.append((fields[0], fields[1]))
    for pattern, key_id in bindings:
        if key_id not in secrets:
            raise ValueError("binding %s -> %s names a key id with no secret in the file" % (pattern, key_id))
    if need_secret and not secrets:
        raise ValueError("no '<key-id>: <secret>' line")
    return secrets, bindings


def load_keys(path, need_secret=False):
    """parse_keys() of a file; ValueError/OSError say which file."""
    with open(path) as f:
        text = f.read()
    try:
        return parse_keys(text, need_secret)
    except ValueError as exc:
        raise ValueError("%s: %s" % (path, exc))


class Verifier:
    """Checks signed datagrams for a server (sans-IO; the clock is injected).

        v = Verifier({"g1": b"..."}, [("gallery/*", "g1")], require=True)
        body, key_id = v.open(payload)       # WireError: unsigned, bad-signature, stale, replayed
        v.permit(key, key_id)                # WireError: wrong-key
    """

    def __init__(self, secrets, bindings=(), window=DEFAULT_WINDOW, require=False,
                 clock=time.time, max_remembered=MAX_REMEMBERED):
        self.secrets = dict(secrets)
        self.bindings = list(bindings)
        self.window_ms = int(window * 1000)
        self.require = require
        self.clock = clock
        self.max_remembered = max_remembered
        self.seen = {}          # (key_id, nonce) -> time_ms, oldest first

    def open(self, payload):
        """Payload -> (body, key_id or None for an accepted unsigned datagram)."""
        if len(payload) > MAX_DATAGRAM_BYTES:
            raise WireError("too-large", "datagram is %d bytes (limit %d)" % (len(payload), MAX_DATAGRAM_BYTES))
        if not is_signed(payload):
            if self.require:
                raise WireError("unsigned", "unsigned datagram (this server requires signatures)")
            return payload, None
        key_id, time_ms, nonce, mac, signed, body = unwrap(payload)
        secret = self.secrets.get(key_id)
        if secret is None:
            raise WireError("bad-signature", "unknown key id %r" % key_id[:MAX_KEY_ID])
        if not hmac.compare_digest(_mac(secret, signed), mac):
            raise WireError("bad-signature", "signature does not match (key id %s)" % key_id)
        now_ms = int(self.clock() * 1000)
        if abs(now_ms - time_ms) > self.window_ms:
            raise WireError("stale", "signed %.1f s from this server's clock (window %.0f s; are both clocks set?)"
                            % ((time_ms - now_ms) / 1000.0, self.window_ms / 1000.0))
        self._remember(key_id, nonce, time_ms, now_ms)
        return body, key_id

    def _remember(self, key_id, nonce, time_ms, now_ms):
        seen = self.seen
        if (key_id, nonce) in seen:
            raise WireError("replayed", "datagram seen before (key id %s)" % key_id)
        oldest = now_ms - self.window_ms
        while seen:
            first = next(iter(seen))
            if seen[first] >= oldest and len(seen) < self.max_remembered:
                break
            del seen[first]
        seen[(key_id, nonce)] = time_ms

    def bound_to(self, key):
        """The key ids allowed to send `key`, or None when any source may."""
        ids = [key_id for pattern, key_id in self.bindings if key_matches(pattern, key)]
        return ids or None

    def permit(self, key, key_id):
        allowed = self.bound_to(key)
        if allowed is not None and key_id not in allowed:
            raise WireError("wrong-key", "%s is bound to key id %s; got %s"
                            % (key, "/".join(allowed), "an unsigned datagram" if key_id is None else key_id))

