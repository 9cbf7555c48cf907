"""Hear datums and registrations straight from the multicast group.

The recorder and the bridges join the same group/ports a server joins, on
the interface given (`--multicast-interface`, default from
ARTCAST_MULTICAST_INTERFACE, like the sources), with the server's own
socket opener, so every datum a server would see is heard here too,
byte for byte. Nothing here needs a server.

    with Listener(patterns=["room/*"], interface="127.0.0.1") as heard:
        for item in heard.poll(1.0):
            print(item.kind, item.key, item.value, item.payload)

Key patterns are the core's (artcast_core.patterns; PROTOCOL.md, "Key
patterns"), as for publish tokens and datagram keys: `room/*` matches
`room/temp` and `room/a/b`, `*` every key.
"""

import argparse
import select

from artcast_core.datagram import DATA_PORT, DEFAULT_GROUP, REGISTER_PORT, parse_datum, parse_registration
from artcast_core.errors import WireError
from artcast_core.patterns import any_matches, pattern_problem
from artcast_server.multicast import MAX_READ, open_multicast_socket

DATUM = "datum"
REGISTRATION = "registration"
DRAIN_LIMIT = 1000


def matches(key, patterns):
    """True when `key` fits one of the key patterns (None: all keys).

    >>> matches("room/temp", ["room/*"]), matches("hall/temp", ["room/*"])
    (True, False)
    """
    return patterns is None or any_matches(patterns, key)


def key_pattern(text):
    """argparse type for a KEY or pattern argument: a clear error, not a
    pattern that silently matches nothing."""
    problem = pattern_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError("%r: %s" % (text, problem))
    return text


class Heard:
    """One datagram heard: kind (DATUM or REGISTRATION), the exact payload
    bytes, the parsed key and value (metadata for a registration)."""

    __slots__ = ("kind", "payload", "key", "value")

    def __init__(self, kind, payload, key, value):
        self.kind = kind
        self.payload = payload
        self.key = key
        self.value = value


class Listener:
    """Joined data and registration sockets; poll() returns what arrived."""

    def __init__(self, patterns=None, group=DEFAULT_GROUP, data_port=DATA_PORT,
                 register_port=REGISTER_PORT, interface=None, registrations=True):
        self.patterns = patterns
        self.dropped = 0
        self.socks = {}
        try:
            self.socks[DATUM] = open_multicast_socket(group, data_port, interface)
            if registrations:
                self.socks[REGISTRATION] = open_multicast_socket(group, register_port, interface)
        except OSError:
            self.close()
            raise

    def poll(self, timeout):
        """Wait up to `timeout` seconds; -> list of Heard for matching keys.
        Bad datagrams are counted in `dropped`, never raised."""
        kinds = dict((s, k) for k, s in self.socks.items())
        ready, _, _ = select.select(list(kinds), [], [], timeout)
        heard = []
        # Registrations first: a source registers a key before sending it.
        for sock in sorted(ready, key=lambda s: kinds[s] != REGISTRATION):
            kind = kinds[sock]
            parse = parse_datum if kind == DATUM else parse_registration
            for _ in range(DRAIN_LIMIT):
                try:
                    payload = sock.recv(MAX_READ)
                except (BlockingIOError, InterruptedError):
                    break
                try:
                    key, value = parse(payload)
                except WireError:
                    self.dropped += 1
                    continue
                if matches(key, self.patterns):
                    heard.append(Heard(kind, payload, key, value))
        return heard

    def close(self):
        for sock in self.socks.values():
            sock.close()
        self.socks = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
