"""GET /events against real servers fed by real loopback multicast
(PROTOCOL.md, "Following several keys"): current values first, one event
per datum, patterns, cursors that resume on a restarted server and on
another server fed by the same group, and the bounds."""

import time

import pytest

from support.sse import EventStream
from support.wait import wait_until


def etag_of(server, key):
    status, headers, _ = server.get("/artcasts/%s?wait=0" % key)
    assert status == 200
    return headers["etag"]


def test_current_values_first_then_each_datum(server):
    server.send("a", 1)
    server.send("b", {"x": [1, 2]})
    server.wait_for_datums(2)
    with EventStream(server.port, "/events?keys=a,b,c") as stream:
        assert stream.status == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert "content-length" not in stream.headers
        first = stream.events(2, timeout=5)
        assert [e["json"]["key"] for e in first] == ["a", "b"]
        assert first[1]["json"]["value"] == {"x": [1, 2]}
        assert all(e["event"] == "datum" for e in first)
        # the ETag in an event is the key's ETag on GET /artcasts/<key>
        assert first[0]["json"]["etag"] == etag_of(server, "a")
        assert abs(first[0]["json"]["t"] - time.time()) < 30
        assert first[1]["id"], "the initial burst ends with a cursor"
        server.send("c", "hello")
        event = stream.next_event(timeout=5)
        assert event["json"]["key"] == "c" and event["json"]["value"] == "hello"
        server.send("z", 9)             # not followed
        server.send("a", 2)
        event = stream.next_event(timeout=5)
        assert event["json"]["key"] == "a" and event["json"]["value"] == 2


def test_patterns_match_whole_segments_at_the_end(server):
    with EventStream(server.port, "/events?keys=room/*") as stream:
        for key in ("roomy/x", "room", "room/a", "room/b/c"):
            server.send(key, key)
        got = [stream.next_event(timeout=5)["json"]["key"] for _ in range(2)]
        assert got == ["room/a", "room/b/c"]


def test_a_resumed_stream_sends_only_what_the_cursor_lacks(server):
    for key, value in (("a", 1), ("b", 1), ("c", 1)):
        server.send(key, value)
    server.wait_for_datums(3)
    with EventStream(server.port, "/events?keys=a,b,c") as stream:
        stream.events(3, timeout=5)
        cursor = stream.last_id
    assert cursor.count(".") == 2
    server.send("b", 2)
    server.wait_for_datums(4)
    with EventStream(server.port, "/events?keys=a,b,c", {"Last-Event-ID": cursor}) as stream:
        event = stream.next_event(timeout=5)
        assert (event["json"]["key"], event["json"]["value"]) == ("b", 2)
        server.send("c", 2)
        event = stream.next_event(timeout=5)
        assert (event["json"]["key"], event["json"]["value"]) == ("c", 2)


def test_resume_on_another_server_fed_by_the_same_group(server_factory):
    one = server_factory()
    two = server_factory(data_port=one.data_port, register_port=one.register_port)
    for key, value in (("k/1", 1), ("k/2", 1)):
        one.send(key, value)
    one.wait_for_datums(2)
    two.wait_for_datums(2)
    with EventStream(one.port, "/events?keys=k/*") as stream:
        stream.events(2, timeout=5)
        one.send("k/2", 2)
        assert stream.next_event(timeout=5)["json"]["value"] == 2
        cursor = stream.next_id(timeout=5)      # the id-only block, within ID_EVERY
    two.wait_for_datums(3)
    one.send("k/1", 5)
    two.wait_for_datums(4)
    # the cursor from server one, resumed on server two: only k/1 changed since
    with EventStream(two.port, "/events?keys=k/*", {"Last-Event-ID": cursor}) as stream:
        event = stream.next_event(timeout=5)
        assert (event["json"]["key"], event["json"]["value"]) == ("k/1", 5)
        one.send("k/2", 3)
        event = stream.next_event(timeout=5)
        assert (event["json"]["key"], event["json"]["value"]) == ("k/2", 3)


def test_resume_across_a_restart_with_the_state_file(server_factory, tmp_path):
    state = str(tmp_path / "state.json")
    first = server_factory("--state-file", state)
    first.send("s/a", 1)
    first.send("s/b", 1)
    first.wait_for_datums(2)
    with EventStream(first.port, "/events?keys=s/a,s/b") as stream:
        stream.events(2, timeout=5)
        cursor = stream.last_id
    first.stop()                # SIGTERM saves the state (latest datums and their history)
    again = server_factory("--state-file", state, port=first.port, data_port=first.data_port,
                           register_port=first.register_port)
    again.send("s/b", 2)        # a new datum while the client was away
    again.wait_for_datums(1)
    with EventStream(again.port, "/events?keys=s/a,s/b", {"Last-Event-ID": cursor}) as stream:
        event = stream.next_event(timeout=5)
        assert (event["json"]["key"], event["json"]["value"]) == ("s/b", 2)
        with pytest.raises(TimeoutError):
            stream.next_event(timeout=0.5)      # s/a: the client has it


def test_resume_after_a_restart_without_state_sends_what_changed_next(server_factory):
    """Without --state-file the restarted server cannot tell whether the
    client's datum is older or newer than its own (the ordering rule): it
    sends the key's next datum, and a datum sent again with the same bytes
    (same ETag) is not sent again."""
    first = server_factory()
    first.send("s/a", 1)
    first.send("s/b", 1)
    first.wait_for_datums(2)
    with EventStream(first.port, "/events?keys=s/a,s/b") as stream:
        stream.events(2, timeout=5)
        cursor = stream.last_id
    first.stop()
    again = server_factory(port=first.port, data_port=first.data_port, register_port=first.register_port)
    again.send("s/a", 1)
    again.send("s/b", 2)
    again.wait_for_datums(2)
    with EventStream(again.port, "/events?keys=s/a,s/b", {"Last-Event-ID": cursor}) as stream:
        with pytest.raises(TimeoutError):
            stream.next_event(timeout=0.5)
        again.send("s/a", 1)                    # the very datum the client has: not sent
        again.send("s/b", 3)
        event = stream.next_event(timeout=5)
        assert (event["json"]["key"], event["json"]["value"]) == ("s/b", 3)


def test_bad_requests_are_refused_with_a_reason(server):
    status, _, body = server.get("/events")
    assert status == 400 and b"keys=" in body
    status, _, body = server.get("/events?keys=a,ro*m")
    assert status == 400 and b"item 2" in body
    many = ",".join("k%d" % i for i in range(51))
    status, _, body = server.get("/events?keys=" + many)
    assert status == 400 and b"at most 50" in body


def test_streams_count_toward_max_clients_and_end_with_their_client(server_factory):
    server = server_factory("--max-clients", "2")
    one = EventStream(server.port, "/events?keys=a")
    two = EventStream(server.port, "/events?keys=b")
    with EventStream(server.port, "/events?keys=c") as third:
        assert third.status == 503
    assert server.status()["event_streams"] == 2
    status, _, _ = server.get("/artcasts/a?wait=5")
    assert status == 503                        # held requests share the bound
    one.close()
    two.close()
    wait_until(lambda: server.status()["event_streams"] == 0, what="streams to end")
    with EventStream(server.port, "/events?keys=c") as again:
        assert again.status == 200


def test_shutdown_ends_streams_at_once(server):
    stream = EventStream(server.port, "/events?keys=a")
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 1.4     # not the 1.5 s grace for stragglers
    with pytest.raises((ConnectionError, TimeoutError, OSError)):
        stream.next_event(timeout=2)
    stream.close()


def test_slow_reader_is_cut_off(server):
    """A client that reads nothing cannot make the server hold its events:
    past the write cap the stream ends (the kernel buffers fill first).
    Without the cap the server would buffer every event (the test fails)."""
    import socket
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET /events?keys=big/* HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_until(lambda: server.status()["event_streams"] == 1, what="the stream")
    value = "x" * 8000
    sent = 0
    deadline = time.monotonic() + 30
    while server.status()["event_streams"] and time.monotonic() < deadline and sent < 3000:
        for _ in range(20):
            server.send("big/%d" % (sent % 20), value + str(sent))     # 20 keys: a burst keeps each
            sent += 1
        time.sleep(0.005)
    assert server.status()["event_streams"] == 0, "sent %d datums of 8 KB" % sent
    sock.close()
