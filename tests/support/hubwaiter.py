"""A stand-in for a parked connection in hub tests: it records what the hub
answered it (hub.hold(key, waiter, ...) then waiter.got)."""


class Waiter:
    __slots__ = ("key", "tick", "got")

    def __init__(self):
        self.got = []

    def deliver(self, datum):
        self.got.append(datum)
