"""Clocks a backend owns, so fades and slew limits are testable without sleeping.

RealClock is time.monotonic() and asyncio.sleep(). ManualClock only moves
when a test calls advance(): sleepers whose deadline has passed wake up,
and the runner then computes exactly that much motion.

settle(seconds) finishes the last stretch before a play-at: asyncio's
sleep wakes up to a millisecond late (epoll's timeout is whole ms, rounded
up), so the runner sleeps until a little before the moment and settles
the rest. RealClock blocks in time.sleep() for it (a nanosleep: no CPU
burnt, within ~0.1 ms); the runner never settles more than
runner.SETTLE_S (2 ms), so the event loop is held no longer than that.

    clock = ManualClock()
    clock.advance(0.5)       # every fade/slew moves by half a second
"""

import asyncio
import time


class RealClock:
    manual = False

    def now(self):
        return time.monotonic()

    async def sleep(self, seconds):
        await asyncio.sleep(seconds)

    async def settle(self, seconds):
        if seconds > 0:
            time.sleep(seconds)


class ManualClock:
    """Time that moves only by advance(seconds). Use from the event loop's thread."""

    manual = True

    def __init__(self, start=0.0):
        self._now = start
        self._sleepers = []   # (deadline, future)
        self.settled = []     # every settle() asked, in seconds (for tests)

    def now(self):
        return self._now

    async def sleep(self, seconds):
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, future))
        try:
            await future
        finally:
            self._sleepers = [s for s in self._sleepers if s[1] is not future]

    async def settle(self, seconds):
        """As sleep(): the test's advance() ends it."""
        self.settled.append(seconds)
        await self.sleep(seconds)

    def advance(self, seconds):
        self._now += seconds
        for deadline, future in list(self._sleepers):
            if deadline <= self._now + 1e-12 and not future.done():
                future.set_result(None)
