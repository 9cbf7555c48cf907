"""HTTP publish: POST (or PUT) /artcasts/<key> with a bearer token.

An accepted value is not put into this server's hub directly: it is encoded
as a datum (the canonical 2012 bytes, signed when this server has datagram
secrets) and multicast on the data group (and, with --nats, published on its
NATS subject), so every server on the group or the NATS subjects, this one
included, receives the same bytes and names the datum with the same ETag.
The 202 answer carries that ETag.

    publisher = Publisher(group, port, interface, secrets, bindings)
    payload = publisher.send("room/light", "on")     # bytes sent; etag_for(payload) is its ETag

The route checks, in order: publish on (403 with how to turn it on), a
valid key (400), the token (401 / 403), the body (415 / 400 / 413), the
per-key rate (429 with Retry-After).
"""

import json

from artcast_core.datagram import MAX_DATAGRAM_BYTES, encode_datum, parse_datum
from artcast_core.errors import WireError
from artcast_core.etag import etag_for
from artcast_core.signing import sign
from artcast_server.multicast import open_sender_socket


class Publisher:
    """Encodes, signs and multicasts datums published over HTTP."""

    def __init__(self, group, port, interface=None, secrets=None, bindings=(), ttl=None, multicast=True):
        self.group = group
        self.port = port
        self.secrets = dict(secrets or {})
        self.bindings = list(bindings)
        self.nats = None              # a NatsFeed (--nats): accepted datums go there too
        self.sock = None
        if not multicast:             # --no-multicast: NATS is the only way out
            return
        if ttl is None:
            ttl = 0 if interface and interface.startswith("127.") else 1
        self.sock = open_sender_socket(interface, ttl)
        self.sock.setblocking(False)

    def key_id_for(self, key):
        """The secret to sign `key` with: the one it is bound to, else the first; None: unsigned."""
        from artcast_core.patterns import key_matches
        for pattern, key_id in self.bindings:
            if key_matches(pattern, key):
                return key_id
        return next(iter(self.secrets), None)

    def encode(self, key, value):
        """The datagram for (key, value); ValueError (caller's) or WireError (value the
        server would refuse) say what is wrong."""
        body = encode_datum(key, value)
        parse_datum(body)                     # the same rules every server applies on receipt
        key_id = self.key_id_for(key)
        if key_id is None:
            return body
        payload = sign(body, key_id, self.secrets[key_id])
        if len(payload) > MAX_DATAGRAM_BYTES:
            raise ValueError("datum is %d bytes signed, over the %d-byte limit" % (len(payload), MAX_DATAGRAM_BYTES))
        return payload

    def send(self, key, value):
        payload = self.encode(key, value)
        if self.sock is not None:
            self.sock.sendto(payload, (self.group, self.port))
        if self.nats is not None:
            self.nats.publish("data", key, payload)
        return payload

    def close(self):
        if self.sock is not None:
            self.sock.close()


def body_value(request):
    """The request body -> the value to publish, or raise ValueError (400) /
    LookupError (415)."""
    body = request.body or b""
    ctype = (request.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeError:
        raise ValueError("body is not UTF-8")
    if ctype == "text/plain":
        return text
    if ctype not in ("application/json", "application/x-www-form-urlencoded", ""):
        raise LookupError("send application/json (a JSON value) or text/plain (a string), not %s" % ctype[:40])
    if not text.strip():
        raise ValueError("body is empty: send a JSON value such as 42, \"on\" or {\"r\": 255}")
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError("body is not JSON: send a JSON value such as 42, \"on\" or {\"r\": 255} "
                         "(or Content-Type: text/plain for a string)")
    except RecursionError:
        raise ValueError("body is nested too deeply")


def handle_publish(request, key, tokens, rate, publisher, error, accepted):
    """The POST/PUT route's logic. `error(status, message, headers)` and
    `accepted(etag)` build responses. Returns a Response."""
    from artcast_server.keys import path_key_problem
    if tokens is None or not tokens.enabled:
        return error(403, "HTTP publish is off on this server: start it with --publish-token TOKEN "
                          "or --publish-tokens FILE (see SECURITY.md)")
    problem = path_key_problem(key)
    if problem is not None:
        return error(400, "Bad key: " + problem)
    status, label = tokens.check(request.headers.get("Authorization"), key)
    if status == 401:
        return error(401, "A publish token is needed: send Authorization: Bearer <token>",
                     {"WWW-Authenticate": 'Bearer realm="artcast"'})
    if status == 403:
        return error(403, "This token may not publish %s" % key)
    if len(request.body or b"") > MAX_DATAGRAM_BYTES:
        return error(413, "Value too large: a datum is at most %d bytes" % MAX_DATAGRAM_BYTES)
    try:
        value = body_value(request)
    except LookupError as exc:
        return error(415, str(exc))
    except ValueError as exc:
        return error(400, str(exc))
    wait = rate.take(label, key)
    if wait:
        return error(429, "Too many values for %s: at most %g a second" % (key, rate.rate),
                     {"Retry-After": str(wait)})
    try:
        payload = publisher.send(key, value)
    except WireError as exc:
        return error(400, "Value refused: " + exc.message)
    except ValueError as exc:
        status = 413 if "limit" in str(exc) else 400
        return error(status, str(exc)[:200])
    except OSError as exc:
        return error(503, "Could not multicast the datum (%s); try again" % exc.strerror, {"Retry-After": "1"})
    return accepted(etag_for(payload))
