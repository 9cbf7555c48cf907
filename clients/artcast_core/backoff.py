# Reconnect delays with jitter, so 30 boards that lost the server at the
# same moment do not all come back in the same millisecond.
#
# "Full jitter" (a random delay between 0 and an exponentially growing cap)
# spreads reconnects out best. The random source is passed in so tests are
# repeatable; by default it is the interpreter's `random`.

try:
    import random as _random
except ImportError:  # pragma: no cover
    _random = None


def _default_rand():
    # random.random() is missing on some MicroPython builds; getrandbits is not.
    return _random.getrandbits(24) / 16777216.0


class Backoff:
    """Delay schedule: base * 2**attempt, capped, times a random 0.5..1.

    The floor of half the cap keeps a restarting server from being hammered
    yet still scatters clients.

    >>> b = Backoff(base=1, cap=8, rand=lambda: 1.0)
    >>> [b.next_delay() for _ in range(5)]
    [1.0, 2.0, 4.0, 8.0, 8.0]
    """

    def __init__(self, base=0.5, cap=30.0, rand=None):
        if base <= 0 or cap < base:
            raise ValueError("need 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.rand = rand or _default_rand
        self.attempt = 0

    def next_delay(self):
        ceiling = min(self.cap, self.base * (2 ** self.attempt))
        if ceiling < self.cap:
            self.attempt += 1
        return ceiling * (0.5 + 0.5 * self.rand())

    def reset(self):
        self.attempt = 0
