# /etc/hosts-style resolver stand-in for MicroPython's `socket` (tests only,
# put on MICROPYPATH only by the tests that want it).
#
# Everything is the real socket module except getaddrinfo for the names in
# the file named by $STUB_HOSTS ("address name" lines, like /etc/hosts):
# those answer with the real getaddrinfo rows of each listed address, in
# the file's order, the way Debian's "::1 localhost" line comes first.
# Each lookup is recorded: ["getaddrinfo", host, [addresses]].

import os

from usocket import *  # noqa: F401,F403  the built-in module under this name
import usocket as _real

from _record import record


def _hosts():
    path = os.getenv("STUB_HOSTS")
    entries = []
    if path:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and not parts[0].startswith("#"):
                    entries.append((parts[0], parts[1:]))
    return entries


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    listed = [addr for addr, names in _hosts() if host in names]
    if not listed:
        return _real.getaddrinfo(host, port, af, type, proto, flags)
    record("getaddrinfo", host, listed)
    rows = []
    for addr in listed:
        rows.extend(_real.getaddrinfo(addr, port, af, type, proto, flags))
    return rows
