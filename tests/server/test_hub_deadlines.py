"""The hub and its coarse deadlines on a fake clock (tests/support/fakeclock.py):
no sleeping, no event loop. Waiting requests are parked slots (no task,
future or timer each); timeouts share one timer that exists only while
someone waits."""

from artcast_server.deadlines import Deadlines
from artcast_server.hub import Hub, Overloaded
from support.fakeclock import FakeClock
from support.hubwaiter import Waiter


class Item:
    __slots__ = ("tick", "name")

    def __init__(self, name):
        self.name = name


def test_deadlines_never_early_at_most_a_width_late_and_idle_without_timer():
    clock = FakeClock()
    fired = {}
    deadlines = Deadlines(lambda item: fired.setdefault(item.name, clock()), clock, clock.call_later, width=0.05)
    start = clock()
    a, b, c = Item("a"), Item("b"), Item("c")
    deadlines.add(a, 0.1)
    deadlines.add(b, 0.2)
    deadlines.add(c, 0.1)
    deadlines.discard(c)                     # answered in time: never expires
    assert len(clock.pending()) == 1         # one timer for all of them
    clock.advance(0.099)
    assert fired == {}                       # never early
    clock.advance(0.4)
    assert set(fired) == {"a", "b"}
    assert 0.1 <= fired["a"] - start < 0.1 + 0.05 + 1e-6
    assert 0.2 <= fired["b"] - start < 0.2 + 0.05 + 1e-6
    assert deadlines.timer is None and len(deadlines) == 0    # nothing waits: no timer
    assert clock.pending() == []


def test_discarding_the_last_item_cancels_the_timer():
    clock = FakeClock()
    deadlines = Deadlines(lambda item: None, clock, clock.call_later)
    a = Item("a")
    deadlines.add(a, 10)
    deadlines.discard(a)
    assert deadlines.timer is None and clock.pending() == []


def fake_hub(**kwargs):
    clock = FakeClock()
    return Hub(clock=clock, call_later=clock.call_later, **kwargs), clock


def test_hub_parks_slots_and_hands_one_datum_to_all():
    hub, clock = fake_hub(max_clients=3)
    waiters = [Waiter() for _ in range(3)]
    for w in waiters:
        assert hub.hold("k", w, 25)
    assert hub.waiting == 3 and len(hub.deadlines) == 3
    try:
        hub.hold("k", Waiter(), 25)
        raise AssertionError("a fourth waiter was accepted past max_clients")
    except Overloaded:
        pass
    hub.release(waiters[2])                  # its client went away
    datum = hub.publish("k", 1, b'["k", 1]')
    assert [w.got for w in waiters] == [[datum], [datum], []]
    assert hub.waiting == 0 and hub.waiters == {} and len(hub.deadlines) == 0
    assert hub.deadlines.timer is None or hub.deadlines.buckets == {}
    w = Waiter()
    hub.hold("k", w, 25)
    hub.close()                              # shutdown: "nothing new" for everyone
    assert w.got == [None] and hub.waiting == 0


def test_hold_times_out_on_the_hub_clock():
    hub, clock = fake_hub()
    early, late, forever = Waiter(), Waiter(), Waiter()
    hub.hold("k", early, 5)
    hub.hold("k", late, 25)
    hub.hold("k", forever, None)             # --poll-timeout 0: no deadline
    clock.advance(4.99)
    assert early.got == [] and hub.waiting == 3
    clock.advance(0.26)                      # 5 s plus at most one 0.25 s bucket
    assert early.got == [None] and late.got == [] and hub.waiting == 2
    clock.advance(20.01)
    assert late.got == [None] and forever.got == [] and hub.waiting == 1
    assert len(clock.pending()) == 0         # only the unlimited waiter is left: no timer
    datum = hub.publish("k", 2, b'["k", 2]')
    assert forever.got == [datum] and hub.waiting == 0


def test_datum_time_and_uptime_come_from_the_one_clock():
    hub, clock = fake_hub()
    clock.advance(12.5)
    datum = hub.publish("k", 1, b'["k", 1]')
    assert datum.received == clock()
    assert hub.status("v")["uptime"] == 12.5
