# Shared time: how far this device's clock is from the server's
# (PROTOCOL.md, "Shared time and play-at").
#
# A client asks GET /clock and notes its own time just before sending (t0)
# and when the answer is read (t1). The server read its clock somewhere in
# between; assuming the middle, server ms S was local time t0 + rtt/2. The
# error is at most rtt/2, so of the recent samples the one with the
# SMALLEST round trip is the estimate (Cristian's algorithm, as NTP's
# clock filter does). Every client type runs this same class: the Pi client,
# the ESP32 firmware, and (as a C++ twin checked by the shared vectors,
# tests/vectors/mapping.json "clock") the Arduino sketch.
#
# No clock is read here. Local times are milliseconds in the caller's
# units; `diff(a, b)` is a - b and `add(t, ms)` is t + ms. On a board,
# where time.ticks_ms() wraps, pass time.ticks_diff and time.ticks_add:
# nothing here subtracts two local times any other way. A reference point
# (local, server) is stored instead of an offset, so no wrapped number is
# ever compared with a server time.
#
#   >>> est = ClockEstimator()
#   >>> est.sample(1000, 5000040, 1100)      # rtt 100: server 5000040 ~ local 1050
#   True
#   >>> est.sample(2000, 5001020, 2040)      # rtt 40: a better sample
#   True
#   >>> est.to_local(5001500)                # server ms -> local ms
#   2500
#   >>> est.sample(3000, 5002000, 3300)      # rtt 300: kept, not used
#   False

# Samples remembered; the best of these is the estimate. With one sample a
# minute this forgets a sample after 5 minutes, which bounds how much clock
# drift (tens of ppm: a few ms an hour) an old best sample can carry.
WINDOW = 5
# A round trip longer than this (ms) says nothing useful about the offset.
MAX_RTT_MS = 5000
# Samples taken back to back on (re)connect, then one every INTERVAL_MS;
# after a failed /clock request, the next try RETRY_MS later.
BURST = 3
INTERVAL_MS = 60000
RETRY_MS = 5000


def _diff(a, b):
    return a - b


def _add(t, ms):
    return t + ms


class ClockEstimator:
    """Estimate the server's clock from GET /clock round trips.

    sample(t0, server_ms, t1) -> True when that sample is now the estimate.
    to_local(server_ms) -> local ms (None before the first good sample).
    due(now) -> True when a new sample should be taken (the shells ask).
    """

    def __init__(self, window=WINDOW, interval_ms=INTERVAL_MS, burst=BURST, diff=_diff, add=_add):
        self.window = window
        self.interval_ms = interval_ms
        self.burst = burst
        self.diff = diff
        self.add = add
        self.samples = []       # (rtt, local_mid, server_ms), oldest first
        self.best = None        # one of samples
        self.wanted = burst     # samples still wanted back to back
        self.next = None        # local time the next sample is due (None: now)

    def sample(self, t0, server_ms, t1):
        """Local t0 before sending, the server's ms, local t1 after reading."""
        if self.wanted > 0:
            self.wanted -= 1
        self.next = t1 if self.wanted > 0 else self.add(t1, self.interval_ms)
        rtt = self.diff(t1, t0)
        if rtt < 0 or rtt > MAX_RTT_MS:
            return False
        entry = (rtt, self.add(t0, rtt // 2), server_ms)
        samples = self.samples
        samples.append(entry)
        if len(samples) > self.window:
            samples.pop(0)
        best = samples[0]
        for s in samples:
            if s[0] <= best[0]:     # ties go to the newer sample: less drift
                best = s
        self.best = best
        return best is entry

    def to_local(self, server_ms):
        """The local time at which the server's clock reads `server_ms`."""
        best = self.best
        if best is None:
            return None
        return self.add(best[1], server_ms - best[2])

    def rtt(self):
        """Round trip (ms) of the sample in use: the estimate's error is at most half of it."""
        return None if self.best is None else self.best[0]

    def failed(self, now, retry_ms=RETRY_MS):
        """The /clock request failed: try again `retry_ms` later (a server
        without /clock, a 2012 one, answers 404: the shells then wait
        interval_ms, so an old server sees one request a minute)."""
        self.next = self.add(now, retry_ms)

    def due(self, now):
        """True when the shell should take a sample now."""
        return self.next is None or self.diff(now, self.next) >= 0

    def wait_ms(self, now):
        """Milliseconds until due() (0: now), for a loop's sleep."""
        if self.next is None:
            return 0
        wait = self.diff(self.next, now)
        return wait if wait > 0 else 0

    def reconnected(self, now):
        """The link came back (maybe to another server behind a balancer,
        maybe after the board slept): take a fresh burst now. The old
        samples stay until newer ones push them out of the window."""
        self.wanted = self.burst
        self.next = now
