# The shared clock estimator (artcast_core.clock) against simulated
# networks: properties the shared vectors (tests/vectors/mapping.json,
# "clock") cannot show with a handful of hand-worked steps. Plain
# functions, bare asserts and a tiny seeded generator: also run under
# MicroPython (test_core_mapping_micropython.py).

from artcast_core.clock import ClockEstimator


class Lcg:
    """The same numbers on CPython and MicroPython (no random module needed)."""

    def __init__(self, seed):
        self.x = seed

    def uniform(self, a, b):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return a + (b - a) * self.x / 2147483648.0


class Kit:
    """One client behind a link: a fixed delay each way (0-140 ms, the
    same both ways, as tests/bench/skew.py) plus 0-`jitter` ms drawn per
    message; its clock runs `ppm` fast against the server's."""

    def __init__(self, rng, jitter=10.0, ppm=0.0, whole_ms=False, interval_ms=60000):
        self.rng = rng
        self.jitter = jitter
        self.rate = 1 + ppm * 1e-6
        self.whole_ms = whole_ms             # a board: ticks_ms, whole ms
        self.base = rng.uniform(0, 140)
        self.offset = 1.8e12 + rng.uniform(0, 1e6)
        self.t = rng.uniform(0, 1e6)         # local ms
        self.est = ClockEstimator(interval_ms=interval_ms)
        self.samples = []                    # (rtt, t0, server_ms, t1)

    def server(self, local):
        return local * self.rate + self.offset

    def local(self, t):
        return int(t) if self.whole_ms else t

    def sample(self):
        """One GET /clock at the estimator's next due moment."""
        if self.est.next is not None:
            self.t = self.est.next
        up = self.base + self.rng.uniform(0, self.jitter)
        down = self.base + self.rng.uniform(0, self.jitter)
        t0 = self.t
        server_ms = int(self.server(t0 + up))
        t1 = t0 + up + down
        self.est.sample(self.local(t0), server_ms, self.local(t1))
        self.samples.append((t1 - t0, t0, server_ms, t1))
        self.t = t1

    def error(self, server_ms, local=None):
        """Estimate minus truth (ms of the local clock) for a server time."""
        if local is None:
            local = self.est.to_local(server_ms)
        return local - (server_ms - self.offset) / self.rate

    def burst(self):
        for _ in range(self.est.burst):
            self.sample()
        return int(self.server(self.t + 500))     # a play-at half a second on


def test_float_ms_keep_their_fraction_whole_ms_stay_whole():
    pi = ClockEstimator()
    pi.sample(1000.0, 5000000, 1003.0)
    assert pi.to_local(5000000) == 1001.5
    board = ClockEstimator()
    board.sample(1000, 5000000, 1003)
    assert board.to_local(5000000) == 1001 and isinstance(board.to_local(5000010), int)


def test_the_truth_always_lies_within_half_the_bounds_width():
    # Without drift every sample's bounds hold, so the estimate is never
    # further from the truth than half its width, whatever the delays.
    rng = Lcg(7)
    for whole_ms in (False, True):
        for _ in range(40):
            kit = Kit(rng, jitter=60.0, whole_ms=whole_ms)
            for _ in range(12):
                kit.sample()
                x = int(kit.server(kit.t + 300))
                slack = 1.5 if whole_ms else 0.001   # ticks_ms floors t0, t1 and the half
                assert abs(kit.error(x)) <= kit.est.rtt() / 2.0 + slack, (kit.error(x), kit.est.rtt())
                if len(kit.samples) <= kit.est.burst:     # (later, old bounds are loosened for their age)
                    assert kit.est.rtt() <= min(s[0] for s in kit.samples) + slack


def test_a_burst_puts_kits_closer_than_the_smallest_round_trip_of_it():
    # The benchmark's network (tests/bench/skew.py): 0-10 ms of jitter each
    # way. Over 200 kits, the tightest bounds of a burst (16 samples) land
    # much closer to the truth than its one sample with the smallest round
    # trip (2.1 ms against 4.4 at worst, within 2.8 ms of each other
    # against 6.5).
    rng = Lcg(15)
    ours, cristian = [], []
    for _ in range(200):
        kit = Kit(rng)
        x = kit.burst()
        ours.append(kit.error(x))
        rtt, t0, server_ms, t1 = min(kit.samples)
        cristian.append(kit.error(x, t0 + rtt / 2 + (x - server_ms)))
    worst = max(abs(e) for e in ours)
    assert worst <= 2.5 and worst <= 0.6 * max(abs(e) for e in cristian), (worst, max(cristian))
    assert max(ours) - min(ours) <= 3.5


def worst_error(ppm, hours, interval_ms=60000, kits=4):
    """Largest error, right after each sample and just before the next."""
    rng = Lcg(3)
    worst = 0.0
    for _ in range(kits):
        kit = Kit(rng, ppm=ppm, interval_ms=interval_ms)
        end = kit.t + hours * 3600000
        while kit.t < end:
            kit.sample()
            for later in (kit.t + 1, kit.est.next):
                x = int(kit.server(later))
                worst = max(worst, abs(kit.error(x)))
    return worst


def test_drift_within_50_ppm_stays_within_the_jitter():
    # Bursts every minute; bounds loosen 1 ms per 20 s of age: two hours
    # on a clock 50 ppm fast stay within the jitter's half (5 ms, the
    # very first sample alone) plus a minute's drift (3 ms).
    assert worst_error(50, 2) <= 8.0


def test_drift_beyond_50_ppm_cannot_keep_a_stale_bound():
    # 200 ppm (a clock four times worse than assumed): a bound that drifted
    # past the truth is dropped after two intervals at most, so the error
    # stays near two minutes' drift (24 ms), not the hours' (1.4 s).
    assert worst_error(200, 2) <= 30.0
