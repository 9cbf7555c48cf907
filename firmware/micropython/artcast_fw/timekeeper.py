# Shared time on the board (PROTOCOL.md, "Shared time and play-at"):
# GET /clock round trips into the shared estimator (artcast_core.clock),
# so a value with a play-at is shown at the same moment as on every other
# kit. The estimator works in time.ticks_ms(), wrapping included.
#
#   tk = TimeKeeper(host, port, prefix, resolver)
#   tk.on_online(True, now)         # a poll reached the server
#   tk.used = True                  # a value carried a play-at
#   tk.step(now)                    # in the main loop: samples when due
#   local = tk.estimator.to_local(play_at)    # server ms -> ticks_ms
#
# Nothing is asked until the first value with a play-at arrives (that one
# is shown at once): a board following plain artcasts, or a 2012 server,
# sees no /clock request at all. From then on: a burst of BURST samples
# SPACING_MS apart (artcast_core.clock; again whenever the link comes
# back), then one every INTERVAL_MS.
# One sample is a small blocking exchange (TIMEOUT_S at most, a few ms on
# a LAN): the loop's animation pauses for that round trip; the heap sees
# one socket and a ~200-byte answer.

import socket
import time

from artcast_core.clock import RETRY_MS, ClockEstimator
from artcast_core.errors import WireError
from artcast_core.http import build_get, parse_response, response_complete

# A board's crystal is good to 10-40 ppm: 0.6-2.4 ms a minute, so a burst a
# minute (as on the Pi, artcast_core.clock's default) keeps drift under the
# estimate's own error; five minutes would let it reach 3-12 ms.
INTERVAL_MS = 60000
TIMEOUT_S = 1
MAX_ANSWER = 1024


class TimeKeeper:
    def __init__(self, host, port, prefix, resolver, interval_ms=INTERVAL_MS):
        self.estimator = ClockEstimator(interval_ms=interval_ms,
                                        diff=time.ticks_diff, add=time.ticks_add)
        self.host = host
        self.port = port
        self.path = prefix + "/clock"
        self.resolver = resolver
        self.online = False
        self.used = False       # True once a value carried a play-at

    def on_online(self, online, now):
        """A poll reached the server (True) or lost it: sample afresh on return."""
        if online and not self.online:
            self.estimator.reconnected(now)
        self.online = online

    def step(self, now):
        if self.used and self.online and self.estimator.due(now):
            self.sample()

    def wait_ms(self, now):
        """ms until step() has work, or None while there is none."""
        return self.estimator.wait_ms(now) if self.used and self.online else None

    def sample(self):
        est = self.estimator
        s = None
        try:
            # The name's first address (IPv4 first, as the pollers try them).
            family, addr = self.resolver.lookup(self.host, self.port)[0]
            s = socket.socket(family, socket.SOCK_STREAM)
            s.settimeout(TIMEOUT_S)
            s.connect(addr)
            request = build_get(self.host, self.port, self.path)
            t0 = time.ticks_ms()
            s.send(request)
            data = b""
            while not response_complete(data) and len(data) < MAX_ANSWER:
                chunk = s.recv(256)
                if not chunk:
                    break
                data += chunk
            t1 = time.ticks_ms()
            status, headers, _ = parse_response(data)
            if status != 200:
                # A server without /clock (404): ask again much later.
                est.failed(t1, est.interval_ms if status == 404 else RETRY_MS)
                return False
            first = est.best is None
            used = est.sample(t0, int(headers.get("artcast-clock", "x")), t1)
            if first and used:
                print("artcast: server clock found (round trip %d ms)" % est.rtt())
            return used
        except (OSError, WireError, ValueError) as e:
            print("artcast: clock sample failed:", e)
            est.failed(time.ticks_ms())
            return False
        finally:
            if s is not None:
                s.close()
