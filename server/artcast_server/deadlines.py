"""Coarse deadlines: thousands of timeouts, at most one loop timer.

A timer handle per waiting request costs memory and a heap operation to
set and cancel, and almost every long-poll ends with a datum long before its
timeout. Here deadlines fall into buckets WIDTH seconds wide (rounded up, so
nothing expires early); one loop timer is armed for the earliest bucket and
only while some bucket holds something, so an idle server sleeps.

Items are any objects with a writable `tick` attribute (a slot will do);
`expire(item)` is called for each item whose bucket comes due.

Time comes from one injected clock: `clock()` says what time it is and
`call_later(delay, callback)` (asyncio's, by default) wakes the buckets.
The hub passes its own pair, so the server has one clock, and tests drive
deadlines with a fake one (tests/support/fakeclock.py) without sleeping.

    deadlines = Deadlines(lambda item: item.close())
    deadlines.add(conn, 10.0)      # conn.expire in 10..10.25 s
    deadlines.discard(conn)        # answered in time: forget it (O(1))
"""

import asyncio
import math
import time

WIDTH = 0.25        # seconds: how late a deadline may fire, and the most wake-ups per second (1/WIDTH)


class Deadlines:
    def __init__(self, expire, clock=time.monotonic, call_later=None, width=WIDTH):
        self.expire = expire
        self.clock = clock
        self.call_later = call_later   # None: the running asyncio loop's, looked up when first needed
        self.width = width
        self.buckets = {}       # tick -> {item: None} (an ordered set)
        self.armed = None       # tick the timer is set for
        self.timer = None

    def __len__(self):
        return sum(len(bucket) for bucket in self.buckets.values())

    def add(self, item, seconds):
        tick = math.ceil((self.clock() + seconds) / self.width)
        item.tick = tick
        bucket = self.buckets.get(tick)
        if bucket is None:
            bucket = self.buckets[tick] = {}
            if self.armed is None or tick < self.armed:
                self._arm(tick)
        bucket[item] = None

    def discard(self, item):
        bucket = self.buckets.get(item.tick)
        if bucket is not None and bucket.pop(item, 0) is None and not bucket:
            del self.buckets[item.tick]
            if not self.buckets:
                self.close()            # nobody waits: no timer, the loop may sleep
        item.tick = None

    def _arm(self, tick):
        if self.timer is not None:
            self.timer.cancel()
        self.armed = tick
        if self.call_later is None:
            self.call_later = asyncio.get_running_loop().call_later
        self.timer = self.call_later(max(0.0, tick * self.width - self.clock()), self._fire)

    def _fire(self):
        self.timer = self.armed = None
        now = math.floor(self.clock() / self.width + 1e-9)
        for tick in sorted(t for t in self.buckets if t <= now):
            for item in self.buckets.pop(tick, ()):
                item.tick = None
                self.expire(item)
        if self.buckets:
            self._arm(min(self.buckets))

    def close(self):
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.armed = None
