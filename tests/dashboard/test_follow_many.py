"""GET /follow against a real server (PROTOCOL.md, "Following several
keys"): one long-poll for several keys, answered by the first datum the
client lacks, with every changed key and a cursor; 204 on timeout; nothing
missed; and the core's Follow under the MicroPython unix port, following
three keys on one socket."""

import json
import os
import subprocess
import time

from support.micropython import CORE_PATH, micropython_command

HERE = os.path.dirname(os.path.abspath(__file__))


def follow(server, query, headers=None, timeout=10.0):
    status, hdrs, body = server.get("/follow?" + query, headers, timeout=timeout)
    return status, hdrs, (json.loads(body) if status == 200 else body)


def test_wait0_answers_every_current_value_with_a_cursor(server):
    status, _, _ = follow(server, "keys=f/a,f/b&wait=0")
    assert status == 204                                    # nothing yet
    server.send("f/a", 1)
    server.send("f/b", "two")
    server.wait_for_datums(2)
    status, headers, body = follow(server, "keys=f/a,f/b,f/c&wait=0")
    assert status == 200
    assert [(d["key"], d["value"]) for d in body["datums"]] == [("f/a", 1), ("f/b", "two")]
    assert headers["etag"] == '"%s"' % body["cursor"]
    a_etag = server.get("/artcasts/f/a?wait=0")[1]["etag"]
    assert body["datums"][0]["etag"] == a_etag and a_etag[1:11] in body["cursor"]


def test_held_until_a_followed_key_changes_and_nothing_is_missed(server_factory):
    server = server_factory("--poll-timeout", "2")
    server.send("g/a", 1)
    server.send("g/b", 1)
    server.wait_for_datums(2)
    cursor = follow(server, "keys=g/a,g/b&wait=0")[2]["cursor"]
    started = time.monotonic()
    status, _, _ = follow(server, "keys=g/a,g/b", {"If-None-Match": '"%s"' % cursor})
    assert status == 204 and time.monotonic() - started >= 1.5      # held, then nothing new
    # two keys change between requests: the next request gets both at once
    server.send("g/a", 2)
    server.send("g/b", 2)
    server.send("g/other", 2)
    server.wait_for_datums(5)
    status, _, body = follow(server, "keys=g/a,g/b&after=" + cursor)
    assert status == 200
    assert sorted((d["key"], d["value"]) for d in body["datums"]) == [("g/a", 2), ("g/b", 2)]
    # an unchanged key is not sent again; only what changed since the new cursor
    server.send("g/b", 3)
    server.wait_for_datums(6)
    status, _, again = follow(server, "keys=g/a,g/b&after=" + body["cursor"])
    assert [(d["key"], d["value"]) for d in again["datums"]] == [("g/b", 3)]


def test_a_held_follow_answers_when_one_of_its_keys_changes(server):
    import threading
    server.send("h/a", 1)
    server.wait_for_datums(1)
    cursor = follow(server, "keys=h/*&wait=0")[2]["cursor"]
    result = {}
    thread = threading.Thread(target=lambda: result.update(r=follow(server, "keys=h/*&wait=10&after=" + cursor)))
    thread.start()
    deadline = time.monotonic() + 5
    while server.status()["follow_waiting"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    server.send("x/unrelated", 1)
    server.send("h/new/key", "n")
    thread.join(10)
    status, _, body = result["r"]
    assert status == 200 and [(d["key"], d["value"]) for d in body["datums"]] == [("h/new/key", "n")]
    assert server.status()["follow_waiting"] == 0


def test_bad_follow_requests(server):
    assert follow(server, "wait=0")[0] == 400
    assert follow(server, "keys=a&wait=x")[0] == 400
    assert follow(server, "keys=a/**")[0] == 400


def test_micropython_follows_three_keys_on_one_socket(server):
    server.send("mp/a", 1)
    server.wait_for_datums(1)
    env = dict(os.environ, MICROPYPATH=":".join([CORE_PATH, ".frozen"]))
    proc = subprocess.Popen([micropython_command(), os.path.join(HERE, "mp_follow_three.py"), str(server.port), "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []

        def read_until(predicate):
            while True:
                line = proc.stdout.readline()
                assert line, "micropython ended: %s %s" % (lines, proc.stderr.read())
                lines.append(line.strip())
                if predicate(line.strip()):
                    return line.strip()

        assert json.loads(read_until(lambda l: l.startswith("["))) == ["mp/a", 1]
        read_until(lambda l: l == "READY")
        deadline = time.monotonic() + 5
        while server.status()["follow_waiting"] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.send("mp/b", 2)
        assert json.loads(read_until(lambda l: l.startswith("["))) == ["mp/b", 2]
        server.send("mp/c", 3)
        server.send("mp/a", 4)
        got = {tuple(json.loads(read_until(lambda l: l.startswith("[")))) for _ in range(2)}
        assert got == {("mp/c", 3), ("mp/a", 4)}
        sockets = read_until(lambda l: l.startswith("SOCKETS"))
        assert sockets == "SOCKETS 1"
        heap = read_until(lambda l: l.startswith("HEAP"))
        print(heap)     # the figures for the report (64-bit unix port)
        assert proc.wait(10) == 0
        devices = json.loads(server.get("/devices?format=json")[2])["devices"]
        assert [(d["name"], d["fw"], d["keys"]) for d in devices] == [("mp-kit", "0.1", ["mp/a", "mp/b", "mp/c"])]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
