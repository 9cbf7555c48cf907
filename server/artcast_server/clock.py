"""The server's clock for shared time (GET /clock) and play-at stamps.

Clients estimate their offset from this clock (artcast_core.clock) and play
values at the moment a datum's `Artcast-Play-At` names, so the clock must
never step back: it is the wall clock read ONCE at start, then advanced by
the monotonic clock. An NTP step while the server runs does not move it;
a restart picks the corrected wall time up. Servers behind one balancer
each stamp with their own clock, so they need NTP-synchronised hosts
(PROTOCOL.md, "Shared time and play-at").

    clock = ServerClock()
    clock.ms()                  # Unix time in whole milliseconds

The play-at rule lives here too: `play_at(options, registered, now_ms)`.
"""

import time

from artcast_core.datagram import MAX_PLAY_DELAY_S, delay_problem


class ServerClock:
    """Unix milliseconds, never stepping back. `monotonic` in seconds (the
    hub's clock; tests pass a fake one), `wall` in seconds. `offset_ms`
    shifts the whole clock (tests of clients against an offset server)."""

    def __init__(self, monotonic=time.monotonic, wall=time.time, offset_ms=0):
        self.monotonic = monotonic
        self.base = wall() * 1000.0 - monotonic() * 1000.0 + offset_ms

    def ms(self):
        return int(self.base + self.monotonic() * 1000.0)


def play_at(options, registered_delay, now_ms):
    """The datum's play-at (server ms), or None for "as soon as it arrives".

    `options` is the datum's own {"delay": s} or {"at": ms} (parse_datum_at);
    it wins over the registration's `"delay"`. A delay is added to this
    server's receive time, `now_ms`. An "at" more than MAX_PLAY_DELAY_S ahead
    is ignored (the value plays at once); one in the past is kept (clients
    apply it at once and count it late).

    >>> play_at(None, 0.25, 1000)
    1250
    >>> play_at({"at": 5000}, 0.25, 1000), play_at(None, None, 1000)
    (5000, None)
    """
    if options:
        at = options.get("at")
        if at is not None:
            return at if at - now_ms <= MAX_PLAY_DELAY_S * 1000 else None
        delay = options.get("delay")
        if delay is not None:
            return now_ms + int(delay * 1000 + 0.5)
    if registered_delay is not None and delay_problem(registered_delay) is None:
        return now_ms + int(registered_delay * 1000 + 0.5)
    return None
