"""History ring, the ordering rule and duplicate datums (PROTOCOL.md, "ETag",
"History"; issues 9.12, 13 "History", 18 item 1)."""

import json
import threading
import time

from artcast_core.datagram import encode_datum
from artcast_core.etag import etag_for
from artcast_server.hub import ENTRY_COST, Hub
from support.hubwaiter import Waiter


class Broken(Waiter):
    """Fails to answer with a datum (a rendering bug), can still answer 204."""
    __slots__ = ()

    def deliver(self, datum):
        if datum is not None:
            raise RuntimeError("cannot render this datum")
        self.got.append(None)


def publish(hub, key, value):
    payload = encode_datum(key, value)
    return hub.publish(key, value, payload)


# --- the hub, in-process ----------------------------------------------------

def test_history_is_bounded_per_key_and_oldest_first():
    hub = Hub(history=3, wall_clock=iter(range(100, 200)).__next__)
    for i in range(5):
        publish(hub, "h/k", i)
    entries = hub.history("h/k")
    assert [t for t, _, _ in entries] == [102, 103, 104]
    assert [payload for _, _, payload in entries] == [encode_datum("h/k", i) for i in (2, 3, 4)]
    assert hub.history("h/k", 2) == entries[1:]
    assert hub.history("h/unknown") == []


def test_history_memory_is_bounded_across_keys():
    payload_size = len(encode_datum("h/k00", 10))
    budget = 10 * (payload_size + ENTRY_COST)
    hub = Hub(history=100, history_bytes=budget)
    for round_ in range(20):
        for k in range(5):
            publish(hub, "h/k%02d" % k, 10 + round_)
    assert hub.history_used <= budget
    assert sum(len(hub.history("h/k%02d" % k)) for k in range(5)) == 10
    assert len(hub.history_order) == 10            # the global queue never outgrows the rings
    assert all(hub.latest("h/k%02d" % k).value == 29 for k in range(5))


def test_a_tag_leaves_the_known_set_with_its_entry():
    """`tags` (the O(1) If-None-Match lookup) follows the ring through both
    bounds: per key and the global byte budget; a repeated payload counts twice."""
    hub = Hub(history=2)
    first = publish(hub, "t/k", 1).etag
    publish(hub, "t/k", 2)
    assert hub.artcasts["t/k"].seen(first)
    publish(hub, "t/k", 3)                                  # the per-key bound drops datum 1
    assert not hub.artcasts["t/k"].seen(first)
    assert set(hub.artcasts["t/k"].tags) == {etag for _, etag, _ in hub.history("t/k")}
    same = publish(hub, "t/k", 3).etag                      # the same payload again: two entries, one tag
    assert hub.artcasts["t/k"].tags[same] == 2
    publish(hub, "t/k", 4)
    assert hub.artcasts["t/k"].seen(same) and hub.artcasts["t/k"].tags[same] == 1
    size = len(encode_datum("b/a", 10)) + ENTRY_COST
    hub = Hub(history=100, history_bytes=3 * size)
    old = publish(hub, "b/a", 10).etag
    for key in ("b/b", "b/c", "b/d"):                       # the byte budget drops b/a's only entry
        publish(hub, key, 10)
    assert hub.history("b/a") == [] and not hub.artcasts["b/a"].seen(old) and hub.artcasts["b/a"].tags == {}


def test_ordering_rule():
    hub = Hub()
    old = publish(hub, "o/k", 1).etag
    latest = publish(hub, "o/k", 2)
    assert hub.ready("o/k", old) is latest                  # behind: the latest at once
    assert hub.ready("o/k", '"none"') is latest             # the core's NO_DATUM: the latest at once
    assert hub.ready("o/k", 'W/' + old) is latest
    assert hub.ready("o/k", latest.etag) is None            # has it: wait
    assert hub.ready("o/k", '"0123456789abcdef"') is None   # unknown, maybe ahead: wait
    assert hub.ready("o/k", "*") is None
    assert hub.ready("o/k", None) is None                   # 2012: wait for the next
    # every way of naming the older datum: one strong tag (the common, fast case), a
    # bare tag, a list with an unknown tag first, weak in a list
    for header in (old, old.strip('"'), '"ffffffffffffffff", ' + old, '"x", W/' + old):
        assert hub.ready("o/k", header) is latest, header
    assert hub.ready("o/k", '"' + old.strip('"')) is latest  # unterminated: still read as the tag


def test_a_waiter_holding_the_datum_is_not_woken_by_it():
    hub = Hub()
    first = publish(hub, "d/k", "x")
    has_it, plain, behind, star = Waiter(), Waiter(), Waiter(), Waiter()
    hub.hold("d/k", has_it, None, first.etag)
    hub.hold("d/k", plain, None)
    hub.hold("d/k", behind, None, '"0123456789abcdef"')
    hub.hold("d/k", star, None, "*")
    again = publish(hub, "d/k", "x")                        # the same bytes again
    assert again.etag == first.etag
    assert has_it.got == [] and plain.got == [again] and behind.got == [again] and star.got == [again]
    assert hub.waiting == 1
    newer = publish(hub, "d/k", "y")
    assert has_it.got == [newer] and hub.waiting == 0 and hub.waiters == {}


def test_one_failing_waiter_never_strands_the_others():
    hub = Hub()
    reports = []
    hub.report = lambda reason, message: reports.append(reason)
    waiters = [Waiter(), Broken(), Waiter()]
    for w in waiters:
        hub.hold("f/k", w, None)
    datum = publish(hub, "f/k", 1)
    assert waiters[0].got == [datum] and waiters[2].got == [datum]
    assert waiters[1].got == [None]             # still answered: "nothing new", ask again
    assert hub.waiting == 0 and hub.waiters == {}
    assert reports == ["deliver-failed"] and hub.status("t")["deliver_failures"] == 1


# --- real servers -------------------------------------------------------------

def get_json(server, path, headers=None):
    status, hdrs, body = server.get(path, headers)
    return status, hdrs, json.loads(body) if body else None


def test_history_route(server_factory):
    server = server_factory("--history", "5")
    for i in range(8):
        server.send("h/k", {"i": i})
    server.wait_for_datums(8)
    before = time.time()
    status, headers, entries = get_json(server, "/artcasts/h/k/history")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert [e["value"] for e in entries] == [{"i": i} for i in range(3, 8)]
    assert [e["etag"] for e in entries] == [etag_for(encode_datum("h/k", {"i": i})) for i in range(3, 8)]
    times = [e["t"] for e in entries]
    assert times == sorted(times) and before - 60 < times[0] <= before + 1
    assert [e["value"]["i"] for e in get_json(server, "/artcasts/h/k/history?n=2")[2]] == [6, 7]
    assert len(get_json(server, "/artcasts/h/k/history?n=500")[2]) == 5
    assert get_json(server, "/artcasts/h/k/history?n=0")[2] == []
    status, _, entries = get_json(server, "/artcasts/h/nothing/history")
    assert status == 200 and entries == []             # a valid key not seen (yet): [], never 404
    assert server.get("/artcasts/h/k/history?n=-1")[0] == 400
    assert server.get("/artcasts/h/k/history?n=abc")[0] == 400
    assert server.get("/artcasts/a//b/history")[0] == 400
    # a one-segment key named "history" is still followed at its URL
    server.send("history", 1)
    server.wait_for_datums(9)
    assert get_json(server, "/artcasts/history?wait=0")[2] == 1
    assert [e["value"] for e in get_json(server, "/artcasts/history/history")[2]] == [1]
    # a key of several segments ending in "history", once known, is followed at its URL
    server.send("h/room/history", "a value")
    server.wait_for_datums(10)
    assert get_json(server, "/artcasts/h/room/history?wait=0")[2] == "a value"


def test_a_server_that_missed_a_datum_never_takes_a_client_backwards(server_factory):
    """Two servers on one group; the second datum reaches server A only. A
    client that got it from A asks B: B holds it (never answers its older
    latest) until B's next datum; wait=0 gets 204."""
    a = server_factory("--poll-timeout", "5")
    b = server_factory("--poll-timeout", "5", register_port=a.register_port)
    one, two, three = (encode_datum("o/k", v) for v in (1, 2, 3))
    for s in (a, b):
        s.send_raw(one)
        s.wait_for_datums(1)
    a.send_raw(two)                                  # B misses it
    a.wait_for_datums(2)
    ahead = a.get("/artcasts/o/k?wait=0")[1]["etag"]
    assert ahead == etag_for(two)
    behind = etag_for(one)

    assert b.get("/artcasts/o/k?wait=0", {"If-None-Match": ahead})[0] == 204
    status, _, body = b.get("/artcasts/o/k?wait=0", {"If-None-Match": behind})
    assert status == 204                             # B's latest is the client's datum
    status, headers, body = b.get("/artcasts/o/k", {"If-None-Match": '"none"'})
    assert status == 200 and json.loads(body) == 1   # "none" still answers the latest at once
    assert b.get("/artcasts/o/k?wait=0.3", {"If-None-Match": ahead})[0] == 204   # held, never 1

    result = {}

    def follow():
        result["answer"] = b.get("/artcasts/o/k", {"If-None-Match": ahead}, timeout=10)
    client = threading.Thread(target=follow)
    client.start()
    deadline = time.monotonic() + 5
    while b.status()["waiting_clients"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert b.status()["waiting_clients"] == 1
    b.send_raw(two)                                  # B catches up with the datum the client has:
    b.wait_for_datums(2)                             # the client already has it, so it keeps waiting
    time.sleep(0.2)
    assert "answer" not in result and b.status()["waiting_clients"] == 1
    for s in (a, b):
        s.send_raw(three)
    client.join(10)
    status, headers, body = result["answer"]
    assert status == 200 and json.loads(body) == 3 and headers["etag"] == etag_for(three)


def test_duplicate_datagram_wakes_only_clients_without_it(server_factory):
    server = server_factory("--poll-timeout", "5")
    payload = encode_datum("dup/k", "same")
    server.send_raw(payload)
    server.wait_for_datums(1)
    etag = etag_for(payload)
    results = {}

    def ask(name, headers):
        results[name] = server.get("/artcasts/dup/k?wait=1.5", headers, timeout=10)
    threads = [threading.Thread(target=ask, args=("has", {"If-None-Match": etag})),
               threading.Thread(target=ask, args=("plain", None))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while server.status()["waiting_clients"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    server.send_raw(payload)
    for t in threads:
        t.join(10)
    assert results["plain"][0] == 200 and results["plain"][1]["etag"] == etag
    assert results["has"][0] == 204                  # it already had that state: held to its wait


def test_a_datum_superseded_within_one_burst_stays_known():
    """The receiver answers waiters with the latest of a burst only, but keeps
    every datum of it in the history: another server may have answered a
    client with the middle one, and that client must get the latest here."""
    from artcast_server.multicast import data_handler
    hub = Hub()
    handle = data_handler(hub, lambda reason, message: None)
    payloads = [encode_datum("b/k", v) for v in (1, 2, 3)]
    handle(payloads)
    assert [etag for _, etag, _ in hub.history("b/k")] == [etag_for(p) for p in payloads]
    assert hub.datums_received == 3
    assert hub.ready("b/k", etag_for(payloads[1])).value == 3


def test_history_of_signed_datagrams_shows_their_values(server):
    """A signed datagram's ETag is of the whole payload; its history entry
    shows the value of the 2012 datagram inside."""
    from artcast_core.signing import sign
    payload = sign(encode_datum("sig/k", {"v": 1}), "gallery-1", b"0123456789abcdef0123")
    server.send_raw(payload)
    server.wait_for_datums(1)
    status, _, entries = get_json(server, "/artcasts/sig/k/history")
    assert status == 200 and entries[0]["value"] == {"v": 1} and entries[0]["etag"] == etag_for(payload)
