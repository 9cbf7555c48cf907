# Shared time: how far this device's clock is from the server's
# (PROTOCOL.md, "Shared time and play-at").
#
# A client asks GET /clock and notes its own time just before sending (t0)
# and when the answer is read (t1). The server read its clock (S) somewhere
# in between, so every sample BOUNDS the moment the server's clock reads S:
# not before t0 (the request cannot arrive before it is sent) and not after
# t1 (nor can the answer). Each sample's bounds are as loose as the
# request's way there (the lower one) and the answer's way back (the upper
# one). The estimate keeps the tightest lower bound of any sample and the
# tightest upper bound of any sample, and takes the middle: the best way
# there and the best way back may come from different round trips, so
# with n samples the error shrinks about as 1/n, where taking the single
# sample with the smallest round trip (Cristian's algorithm) shrinks as
# 1/sqrt(n). When both come from one sample this IS that sample's
# midpoint. Only the two bounds are kept: no list of samples.
#
# A kept bound grows less sure as it ages: the two clocks may run apart
# (crystals; a Pi or a server without NTP), so a bound AGE ms old counts
# as AGE // DRIFT_MS_PER_MS ms looser (50 ppm), both when a newer sample
# competes with it and in the middle taken (NTP's clock filter ages its
# samples the same way), and one older than twice the interval gives way
# to any newer sample (drift beyond 50 ppm cannot keep a stale bound).
# Bounds that cross (this is another server, or the clocks ran apart
# faster still) are dropped for the new sample alone; after reconnected()
# the first sample starts a fresh estimate (the link may now lead to
# another server behind a balancer).
#
# Every client type runs this same rule: the Pi client and the ESP32
# firmware this class, the Arduino sketch a C++ twin held to it by the
# shared vectors (tests/vectors/mapping.json "clock").
#
# No clock is read here. Local times are milliseconds in the caller's
# units; `diff(a, b)` is a - b and `add(t, ms)` is t + ms. On a board,
# where time.ticks_ms() wraps, pass time.ticks_diff and time.ticks_add:
# nothing here subtracts two local times any other way. Reference points
# (local, server) are stored instead of offsets, so no wrapped number is
# ever compared with a server time.
#
#   >>> est = ClockEstimator()
#   >>> est.sample(1000, 5000040, 1100)      # round trip 100: server 5000040 ~ local 1050
#   True
#   >>> est.sample(2000, 5001020, 2040)      # round trip 40: both bounds tighter
#   True
#   >>> est.to_local(5001500)                # server ms -> local ms
#   2500
#   >>> est.sample(3000, 5002100, 3300)      # round trip 300, slow both ways: no tighter bound
#   False
#   >>> est.sample(4000, 5003010, 4300)      # round trip 300, but a fast way there
#   True
#   >>> est.rtt()                            # the bounds' width: 30 ms (no one round trip was this short)
#   30
#   >>> est.to_local(5003500)                # 4000 + 15 (half the width) + 490
#   4505

# A round trip longer than this (ms) says nothing useful about the offset.
MAX_RTT_MS = 5000
# Samples come in bursts of BURST, SPACING_MS apart (delays on Wi-Fi come
# in spells: a busy channel, retries, a power-save beacon; apart, the
# samples' luck is less alike): on (re)connect, then every INTERVAL_MS;
# after a failed /clock request, the next try RETRY_MS later. With the
# 0-10 ms of jitter each way of tests/bench/skew.py, a burst puts 30 kits'
# estimates within about 2 ms of each other with 16 samples (simulated; 8:
# about 3 ms; 3 samples, smallest round trip: about 7 ms). 16 requests a
# minute are nothing to a server holding long-polls.
BURST = 16
SPACING_MS = 250
INTERVAL_MS = 60000
RETRY_MS = 5000
# How fast two clocks may run apart: 50 ppm, 1 ms per 20 s.
DRIFT_MS_PER_MS = 20000


def _diff(a, b):
    return a - b


def _add(t, ms):
    return t + ms


def _half(w):
    # Whole ms stay whole (ticks_add needs an int; the vectors and the C++
    # twin floor them); the Pi's float ms keep their fraction.
    return w // 2 if isinstance(w, int) else w / 2


class ClockEstimator:
    """Estimate the server's clock from GET /clock round trips.

    sample(t0, server_ms, t1) -> True when that sample changed the estimate.
    to_local(server_ms) -> local ms (None before the first good sample).
    due(now) -> True when a new sample should be taken (the shells ask).
    """

    def __init__(self, interval_ms=INTERVAL_MS, burst=BURST, spacing_ms=SPACING_MS, diff=_diff, add=_add):
        self.interval_ms = interval_ms
        self.burst = burst
        self.spacing_ms = spacing_ms
        self.diff = diff
        self.add = add
        self.low = None         # (t0, server_ms): the tightest "not before" bound
        self.high = None        # (t1, server_ms): the tightest "not after" bound
        self.best = None        # (width ms, local, server_ms): server_ms is read at local
        self.fresh = True       # the next sample starts a new estimate
        self.taken = 0          # samples taken in this burst (0: none under way)
        self.next = None        # local time the next sample is due (None: now)

    def sample(self, t0, server_ms, t1):
        """Local t0 before sending, the server's ms, local t1 after reading."""
        self.taken += 1
        if self.taken < self.burst:
            self.next = self.add(t1, self.spacing_ms)
        else:
            self.taken = 0
            self.next = self.add(t1, self.interval_ms)
        diff = self.diff
        if not 0 <= diff(t1, t0) <= MAX_RTT_MS:
            return False
        low, high = self.low, self.high
        loose_low = loose_high = 0       # ms an old bound is loosened for its age
        if self.fresh:
            use_low = use_high = True
        else:
            # Each old bound, moved to the new sample's server time and
            # loosened for its age, against the new one (a tie: the newer).
            # One too old, or whose age reads negative (older than the
            # wrap), is replaced.
            limit = 2 * self.interval_ms
            age = diff(t0, low[0])
            loose_low = age // DRIFT_MS_PER_MS
            use_low = not 0 <= age <= limit or age - (server_ms - low[1]) + loose_low >= 0
            age = diff(t1, high[0])
            loose_high = age // DRIFT_MS_PER_MS
            use_high = not 0 <= age <= limit or (server_ms - high[1]) - age + loose_high >= 0
            if not (use_low or use_high):
                return False
        if use_low:
            low, loose_low = (t0, server_ms), 0
        if use_high:
            high, loose_high = (t1, server_ms), 0
        # Width: the (loosened) upper bound minus the (loosened) lower one,
        # at the lower one's server time.
        width = diff(high[0], low[0]) - (high[1] - low[1]) + loose_low + loose_high
        if width < 0:                   # the bounds crossed: start again from this sample
            low, high, loose_low = (t0, server_ms), (t1, server_ms), 0
            width = diff(t1, t0)
        self.low, self.high, self.fresh = low, high, False
        self.best = (width, self.add(low[0], _half(width) - loose_low), low[1])
        return True

    def to_local(self, server_ms):
        """The local time at which the server's clock reads `server_ms`."""
        best = self.best
        if best is None:
            return None
        return self.add(best[1], server_ms - best[2])

    def rtt(self):
        """Width (ms) of the estimate's bounds, a round trip's worth: the
        estimate is off by at most half of it (plus drift)."""
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
        maybe after the board slept for days): take a fresh burst now. The
        old estimate stays in use until the burst's first sample replaces it."""
        self.taken = 0
        self.next = now
        self.fresh = True
