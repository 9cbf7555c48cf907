"""Coarse deadlines: thousands of timeouts, at most one loop timer.

A timer handle per waiting request costs memory and a heap operation to
set and cancel, and almost every long-poll ends with a datum long before its
timeout. Here deadlines fall into buckets WIDTH seconds wide (rounded up, so
nothing expires early); one loop timer is armed for the earliest bucket and
only while some bucket holds something, so an idle server sleeps.

Items are any objects with a writable `tick` attribute (a slot will do);
`expire(item)` is called for each item whose bucket comes due.

    deadlines = Deadlines(lambda item: item.close())
    deadlines.add(conn, 10.0)      # conn.expire in 10..10.25 s
    deadlines.discard(conn)        # answered in time: forget it (O(1))
"""

import asyncio
import math

WIDTH = 0.25        # seconds: how late a deadline may fire, and the most wake-ups per second (1/WIDTH)


class Deadlines:
    def __init__(self, expire, width=WIDTH):
        self.expire = expire
        self.width = width
        self.buckets = {}       # tick -> {item: None} (an ordered set)
        self.armed = None       # tick the loop timer is set for
        self.timer = None
        self.loop = None

    def __len__(self):
        return sum(len(bucket) for bucket in self.buckets.values())

    def add(self, item, seconds):
        loop = self.loop
        if loop is None:
            loop = self.loop = asyncio.get_running_loop()
        tick = math.ceil((loop.time() + seconds) / self.width)
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
        self.timer = self.loop.call_at(tick * self.width, self._fire)

    def _fire(self):
        self.timer = self.armed = None
        now = math.floor(self.loop.time() / self.width + 1e-9)
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
