"""artcast record and artcast replay, end to end: a real source multicasts
on loopback while a real server and the recorder listen; the show replays
into a second real server, where a client gets the same values with the
same ETags, at the recorded pace, and the registrations arrive too."""

import json
import signal
import subprocess
import time

import pytest

from artcast_bridges.listen import Listener, matches
from artcast_bridges.replay import parse_rename, plan
from artcast_bridges.showfile import ShowError, read_show
from artcast_core.datagram import encode_datum
from artcast_core.etag import etag_for
from artcast_source import Source

from bridge_support import ARTCAST, Follower, multicast_args, read_lines, start_artcast, stop, wait_until

GAPS = (0.25, 0.05, 0.4, 0.15)       # seconds between the source's datums
VALUES = (1, 2.5, "three", {"n": [4]}, True)


def loopback_source(server):
    return Source(data_port=server.data_port, register_port=server.register_port,
                  interface="127.0.0.1", ttl=0, register_every=0)


def record_show(live, show, tmp_path, sig=signal.SIGINT):
    """Record rr/* while a source sends VALUES with GAPS; -> (send times, live ETags)."""
    rec = start_artcast(["record", "rr/*", "-o", str(show)] + multicast_args(live), tmp_path / "record.log")
    wait_until(lambda: read_lines(show), what="the recorder's header (it has joined)")
    sent_at, live_etags = [], []
    with loopback_source(live) as source:
        key = source.artcast("rr/a", description="A recorded key", provenance="test")
        source.artcast("other/x", description="not recorded").send(0)
        for i, value in enumerate(VALUES):
            if i:
                time.sleep(GAPS[i - 1])      # the show's own timing, not a wait for a result
            sent_at.append(time.monotonic())
            key.send(value)
            live.wait_for_datums(i + 2)
            live_etags.append(live.get("/artcasts/rr/a?wait=0")[1]["etag"])
        wait_until(lambda: len(read_lines(show)) >= 2 + len(VALUES), what="the recorder to write every datum")
    assert stop(rec, sig) == 0
    return sent_at, live_etags


def test_record_then_replay_into_another_server(server_factory, tmp_path):
    live, other = server_factory(), server_factory()
    show = tmp_path / "show.jsonl"
    sent_at, live_etags = record_show(live, show, tmp_path)

    lines = read_lines(show)
    assert lines[0]["format"] == "artcast-show" and lines[0]["version"] == 1 and lines[0]["keys"] == ["rr/*"]
    kinds = [line["kind"] for line in lines[1:]]
    assert kinds == ["registration"] + ["datum"] * len(VALUES)     # other/x not recorded
    datums = [line for line in lines[1:] if line["kind"] == "datum"]
    assert [etag_for(d["payload"].encode()) for d in datums] == live_etags
    recorded_gaps = [b["t"] - a["t"] for a, b in zip(datums, datums[1:])]
    sent_gaps = [b - a for a, b in zip(sent_at, sent_at[1:])]
    assert max(abs(r - s) for r, s in zip(recorded_gaps, sent_gaps)) < 0.05
    print("recorded gaps differ from the source's by at most %.1f ms" % (1000 * max(abs(r - s) for r, s in zip(recorded_gaps, sent_gaps))))

    follower = Follower(other, "rr/a")
    follower.start()
    with Listener(["rr/*"], interface="127.0.0.1", data_port=other.data_port,
                  register_port=other.register_port) as heard_here:
        replay = start_artcast(["replay", str(show)] + multicast_args(other), tmp_path / "replay.log")
        heard = []
        wait_until(lambda: heard.extend(heard_here.poll(0.1)) or len(heard) >= 1 + len(VALUES), what="the replay")
        assert replay.wait(10) == 0
    wait_until(lambda: len(follower.got) >= len(VALUES), what="the client on the other server")
    follower.stop()

    # The same values, with the ETags they had live (the exact bytes).
    assert follower.values() == list(VALUES)
    assert [etag for _, etag, _ in follower.got] == live_etags
    # What went out on the group is byte for byte what was recorded.
    assert [item.payload.decode() for item in heard if item.kind == "datum"] == [d["payload"] for d in datums]
    entries = json.loads(other.get("/artcasts")[2])
    assert {"key": "rr/a", "description": "A recorded key", "provenance": "test", "license": None} in entries
    assert [e["key"] for e in entries] == ["rr/a"]


def test_replay_timing_speed_window_and_rename(server_factory, tmp_path):
    live, other = server_factory(), server_factory()
    show = tmp_path / "show.jsonl"
    record_show(live, show, tmp_path, sig=signal.SIGTERM)
    recorded = [line["t"] for line in read_lines(show)[1:] if line["kind"] == "datum"]
    recorded_gaps = [b - a for a, b in zip(recorded, recorded[1:])]

    def replay(*extra):
        with Listener(None, interface="127.0.0.1", data_port=other.data_port,
                      register_port=other.register_port) as listener:
            proc = start_artcast(["replay", str(show)] + list(extra) + multicast_args(other), tmp_path / "replay.log")
            heard = []
            while proc.poll() is None or not heard:
                items = listener.poll(0.05)
                now = time.monotonic()
                heard += [(now, item) for item in items]
                assert len(heard) < 100
            heard += [(time.monotonic(), item) for item in listener.poll(0.2)]
            assert proc.returncode == 0
        return heard

    heard = replay()
    times = [at for at, item in heard if item.kind == "datum"]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == len(recorded_gaps)
    # A generous bound: this machine's two cores are shared; typically a few ms.
    worst = max(abs(g - r) for g, r in zip(gaps, recorded_gaps))
    print("replayed gaps differ from the recorded ones by at most %.1f ms" % (1000 * worst))
    assert worst < 0.1

    # --from/--to pick a window; the registration before --from is still sent first.
    heard = replay("--from", "%.3f" % (recorded[1] - 0.01), "--to", "%.3f" % (recorded[3] + 0.01),
                   "--rename", "rr/a=rr/b")
    assert [item.kind for _, item in heard] == ["registration", "datum", "datum", "datum"]
    assert [item.key for _, item in heard] == ["rr/b"] * 4
    assert [item.value for _, item in heard[1:]] == list(VALUES[1:4])
    # A renamed datum is re-encoded: the bytes (and so the ETag) are the new key's.
    assert heard[1][1].payload == encode_datum("rr/b", VALUES[1])
    other.wait_for_datums(len(VALUES) + 3)
    assert "rr/b" in [e["key"] for e in json.loads(other.get("/artcasts")[2])]


def test_show_file_problems_are_named():
    head = '{"format": "artcast-show", "version": 1, "started": "x", "keys": []}\n'
    with pytest.raises(ShowError, match="line 1: a show file starts with a header"):
        read_show(['{"t": 0, "kind": "datum", "payload": "[\\"a\\", 1]"}\n'])
    with pytest.raises(ShowError, match="line 2 is not JSON"):
        read_show([head, "{oops\n"])
    with pytest.raises(ShowError, match="line 2: needs"):
        read_show([head, '{"t": -1, "kind": "datum", "payload": ""}\n'])
    # Appended sessions play one after another on one timeline.
    one = '{"t": 2.0, "kind": "datum", "payload": "[\\"a\\", 1]"}\n'
    two = '{"t": 0.5, "kind": "datum", "payload": "[\\"a\\", 2]"}\n'
    assert [at for at, _, _ in read_show([head, one, head, two])] == [2.0, 2.5]
    with pytest.raises(ValueError, match="--rename a=b//c: key has an empty segment"):
        parse_rename(["a=b//c"])
    with pytest.raises(ValueError, match="not old=new"):
        parse_rename(["a"])
    assert plan([(0.0, "datum", b'["a", 1]'), (1.0, "datum", b'["b", 2]')], ["b"]) == [(1.0, "datum", b'["b", 2]')]


def test_replay_refuses_a_file_that_is_not_a_show(tmp_path):
    import subprocess
    import sys
    bad = tmp_path / "bad.jsonl"
    bad.write_text("hello\n")
    proc = subprocess.run([sys.executable, "-m", "artcast_client.cli", "replay", str(bad)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "artcast replay: line 1 is not JSON" in proc.stderr


def test_replay_loops_until_stopped(tmp_path):
    from support.net import free_port
    import socket
    data_port, register_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    show = tmp_path / "loop.jsonl"
    show.write_text('{"format": "artcast-show", "version": 1, "started": "x", "keys": ["*"]}\n'
                    '{"t": 0.0, "kind": "datum", "payload": "[\\"lp/a\\", 1]"}\n'
                    '{"t": 0.1, "kind": "datum", "payload": "[\\"lp/a\\", 2]"}\n')
    ports = ["--data-port", str(data_port), "--registration-port", str(register_port),
             "--multicast-interface", "127.0.0.1", "--ttl", "0"]
    with Listener(None, interface="127.0.0.1", data_port=data_port, register_port=register_port) as listener:
        proc = start_artcast(["replay", str(show), "--loop", "--speed", "4"] + ports, tmp_path / "loop.log")
        heard = []
        wait_until(lambda: heard.extend(listener.poll(0.1)) or len(heard) >= 6, what="three passes")
        assert stop(proc) == 0
    assert [item.value for item in heard[:6]] == [1, 2, 1, 2, 1, 2]
    assert b"datagrams sent" in (tmp_path / "loop.log").read_bytes()


def test_record_as_a_daemon(server, tmp_path):
    import os
    import subprocess
    import sys
    pidfile = tmp_path / "record.pid"
    subprocess.run([sys.executable, "-m", "artcast_client.cli", "record", "dm/*", "-o", "rel.jsonl",
                    "--daemonize", "--pidfile", str(pidfile)] + multicast_args(server),
                   cwd=str(tmp_path), timeout=30, check=True)
    show = tmp_path / "rel.jsonl"          # relative to where it was started, not the daemon's /
    wait_until(lambda: pidfile.exists() and read_lines(show), what="the daemon's header")
    pid = int(pidfile.read_text())
    server.send("dm/x", 5)
    wait_until(lambda: len(read_lines(show)) == 2, what="the datum")
    os.kill(pid, signal.SIGTERM)           # a process this test started, by its PID
    wait_until(lambda: not pidfile.exists(), what="the daemon to stop and remove its pidfile")
    assert read_lines(show)[1]["payload"] == '["dm/x", 5]'


def test_replay_over_http_publish_with_a_token(server_factory, tmp_path):
    live = server_factory()
    other = server_factory("--publish-token", "replay-token-1")
    show = tmp_path / "show.jsonl"
    record_show(live, show, tmp_path)
    follower = Follower(other, "rr/a")
    follower.start()
    replay = start_artcast(["replay", str(show), "--server", other.url, "--token", "replay-token-1"],
                           tmp_path / "replay-http.log")
    assert replay.wait(30) == 0, (tmp_path / "replay-http.log").read_text()
    wait_until(lambda: len(follower.got) >= len(VALUES), what="the values published over HTTP")
    follower.stop()
    assert follower.values() == list(VALUES)
    # no registration travels over HTTP; the values did
    assert [e["key"] for e in json.loads(other.get("/artcasts")[2])] == ["rr/a"]
    bad = start_artcast(["replay", str(show), "--server", other.url, "--token", "wrong-token"],
                        tmp_path / "replay-bad.log")
    assert bad.wait(30) == 1
    assert "401" in (tmp_path / "replay-bad.log").read_text()
    assert "Traceback" not in (tmp_path / "replay-bad.log").read_text()


def test_key_patterns_are_the_cores():
    """The recorder, replay and the bridges choose keys with the same patterns
    as publish tokens and datagram keys (artcast_core.patterns)."""
    assert [matches(k, ["room/*"]) for k in ("room/temp", "room/a/b", "room", "roomy/temp")] == \
        [True, True, False, False]
    assert [matches(k, ["test/tick", "*"]) for k in ("test/tick", "x")] == [True, True]
    assert matches("anything", None) is True


@pytest.mark.parametrize("command", [["record", "ro*m", "-o", "never.jsonl"],
                                     ["replay", "never.jsonl", "--keys", "*/temp"],
                                     ["bridge", "osc", "--keys", "room/*/temp"]])
def test_a_pattern_the_core_refuses_is_a_clear_error(command, tmp_path):
    out = subprocess.run(ARTCAST + command, cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out.stderr
    assert 'pattern may only end in "/*" (or be "*"), as in room/*' in out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "never.jsonl").exists()
