"""A clock tests move by hand: the hub's `clock` and `call_later` pair
(server/artcast_server/hub.py), so deadlines are tested without sleeping.

    clock = FakeClock()
    hub = Hub(clock=clock, call_later=clock.call_later)
    hub.hold("k", waiter, 25)
    clock.advance(25.25)           # the waiter's deadline fires now, in order
"""

import heapq
import itertools


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start
        self.timers = []                  # heap of (when, seq, handle)
        self.seq = itertools.count()

    def __call__(self):
        return self.now

    def call_later(self, delay, callback, *args):
        handle = _Handle(self.now + max(0.0, delay), callback, args)
        heapq.heappush(self.timers, (handle.when, next(self.seq), handle))
        return handle

    def pending(self):
        return [h for _, _, h in self.timers if not h.cancelled]

    def advance(self, seconds):
        """Move time forward, firing every timer that comes due on the way, in order."""
        end = self.now + seconds
        while self.timers and self.timers[0][0] <= end:
            when, _, handle = heapq.heappop(self.timers)
            if handle.cancelled:
                continue
            self.now = max(self.now, when)
            handle.callback(*handle.args)
        self.now = end


class _Handle:
    __slots__ = ("when", "callback", "args", "cancelled")

    def __init__(self, when, callback, args):
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self):
        self.cancelled = True
