"""Shared time and play-at on the wire (PROTOCOL.md, "Shared time and
play-at"): GET /clock, the registration's "delay", the datum's own
{"delay"} / {"at"}, the Artcast-Play-At header, and that nothing changes
for a 2012 source or client."""

import json
import time

from artcast_core.datagram import encode_datum, encode_registration
from artcast_core.etag import etag_for
from artcast_server.clock import ServerClock, play_at
from support.wait import wait_until


def server_ms(server):
    status, headers, body = server.get("/clock")
    assert status == 200
    return json.loads(body)["ms"]


def latest(server, key):
    def got():
        status, headers, body = server.get("/artcasts/%s?wait=0" % key)
        return (status, headers, body) if status == 200 else None
    return wait_until(got)


def test_clock_answers_at_once_in_json_and_header(server):
    before = time.time() * 1000
    status, headers, body = server.get("/clock")
    after = time.time() * 1000
    assert status == 200 and headers["content-type"].startswith("application/json")
    ms = json.loads(body)["ms"]
    assert isinstance(ms, int) and headers["artcast-clock"] == str(ms)
    assert headers["cache-control"] == "no-store"
    # Same host, so the same wall clock (read once at the server's start).
    assert before - 2000 < ms < after + 2000
    assert "Artcast-Clock" in headers["access-control-expose-headers"]
    assert server_ms(server) >= ms


def test_server_clock_never_steps_back_when_the_wall_clock_does():
    mono = [100.0]
    wall = [1_800_000_000.0]
    clock = ServerClock(lambda: mono[0], lambda: wall[0])
    first = clock.ms()
    wall[0] -= 3600          # NTP steps the wall clock an hour back
    mono[0] += 0.5
    assert clock.ms() == first + 500
    # A restart picks the corrected wall time up (plus a test offset, if any).
    assert ServerClock(lambda: mono[0], lambda: wall[0], offset_ms=7).ms() == 1_799_996_400_007


def test_play_at_rule():
    assert play_at(None, None, 1000) is None
    assert play_at(None, 0.25, 1000) == 1250
    assert play_at({"delay": 0.5}, 0.25, 1000) == 1500      # the datum's own wins
    assert play_at({"at": 900}, 0.25, 1000) == 900           # late: clients apply at once
    assert play_at({"at": 1000 + 61_000}, None, 1000) is None   # too far ahead: at once


def test_registered_delay_stamps_every_datum_with_receive_time_plus_delay(server):
    server.send_raw(encode_registration("k/sync", "synced", delay=0.25), server.register_port)
    wait_until(lambda: server.status()["registrations_received"] >= 1)
    before = server_ms(server)
    server.send("k/sync", 1)
    status, headers, body = latest(server, "k/sync")
    after = server_ms(server)
    at = int(headers["artcast-play-at"])
    assert before + 250 <= at <= after + 250
    assert body == b"1"
    listing = json.loads(server.get("/artcasts")[2])
    assert {"key": "k/sync", "description": "synced", "provenance": None, "license": None,
            "delay": 0.25} in listing


def test_a_datum_sets_its_own_play_at(server):
    before = server_ms(server)
    server.send_raw(encode_datum("k/own", "x", delay=0.5))
    status, headers, body = latest(server, "k/own")
    after = server_ms(server)
    assert before + 500 <= int(headers["artcast-play-at"]) <= after + 500
    assert json.loads(body) == "x"
    payload = encode_datum("k/own", "y", at=after + 1000)
    server.send_raw(payload)
    wait_until(lambda: latest(server, "k/own")[2] == b'"y"')
    status, headers, body = latest(server, "k/own")
    assert int(headers["artcast-play-at"]) == after + 1000
    assert headers["etag"] == etag_for(payload)      # the datagram's bytes, as always


def test_a_2012_client_and_source_see_no_change(server):
    # The 2012 form stays byte for byte, and its answer has no play-at.
    assert encode_datum("k/old", 5) == b'["k/old", 5]'
    assert encode_registration("k/old", "d") == \
        b'["k/old", {"description": "d", "provenance": null, "license": null}]'
    server.register("k/old", "d")
    server.send("k/old", 5)
    status, headers, body = latest(server, "k/old")
    assert body == b"5" and "artcast-play-at" not in headers
    assert headers["etag"] == etag_for(b'["k/old", 5]')
    # A held 2012-style request (no wait, no If-None-Match) is answered the same way.
    import threading
    answer = []
    waiter = threading.Thread(target=lambda: answer.append(server.get("/artcasts/k/old")))
    waiter.start()
    wait_until(lambda: server.status()["waiting_clients"] == 1)
    server.send("k/old", 6)
    waiter.join(10)
    status, headers, body = answer[0]
    assert status == 200 and body == b"6" and "artcast-play-at" not in headers


def test_bad_play_at_is_dropped_and_counted(server):
    for payload in (b'["k", 1, 2]', b'["k", 1, {"delay": -1}]', b'["k", 1, {"delay": 3600}]',
                    b'["k", 1, {"at": "soon"}]', b'["k", 1, {"delay": true}]'):
        server.send_raw(payload)
    wait_until(lambda: server.status()["datagrams_dropped"].get("bad-play-at") == 5)
    server.send_raw(b'["k", 1, {}, 4]')
    wait_until(lambda: server.status()["datagrams_dropped"].get("not-pair") == 1)
    server.send_raw(encode_registration("k", delay=0.1)[:-2] + b', "delay": "x"}]', server.register_port)
    wait_until(lambda: server.status()["datagrams_dropped"].get("bad-registration") == 1)
    assert server.status()["known_keys"] == 0
