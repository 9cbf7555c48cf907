"""--state-file: a restarted server remembers (issue 9, item 11).

Real server processes: restart after SIGTERM and after kill -9 gives the same
value and ETag; a corrupt, truncated or foreign file is reported and ignored.
"""

import json
import os
import signal
import time

from artcast_core.datagram import encode_datum
from artcast_core.etag import etag_for
from artcast_server.state import write_atomically
from support.wait import wait_until


def saved_etags(path):
    """The latest ETag of each key in the state file, {} while there is none."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {item["key"]: etag_for(item["latest"][1].encode()) for item in data["keys"] if item["latest"]}


def feed(server):
    server.register("s/k", description="Kept", provenance="test", license={"uri": "http://x/", "title": "T"})
    for i in range(3):
        server.send("s/k", {"i": i, "text": "caf\u00e9 \U0001f600"})
    server.send_raw(b'["s/raw",   1.50]')                   # odd spacing: the ETag is of these bytes
    server.wait_for_datums(4)
    return {key: server.get("/artcasts/%s?wait=0" % key) for key in ("s/k", "s/raw")}


def restarted(server_factory, path, first, *extra):
    again = server_factory("--state-file", path, *extra, port=first.port, data_port=first.data_port,
                           register_port=first.register_port)
    return again


def assert_same(server, before):
    for key, (status, headers, body) in before.items():
        status2, headers2, body2 = server.get("/artcasts/%s?wait=0" % key)
        assert (status2, headers2["etag"], body2) == (status, headers["etag"], body)
        assert headers2.get("link") == headers.get("link")


def test_restart_after_sigterm_remembers_values_etags_registrations_history(server_factory, tmp_path):
    path = str(tmp_path / "state.json")
    first = server_factory("--state-file", path, "--state-interval", "30")
    before = feed(first)
    assert before["s/raw"][1]["etag"] == etag_for(b'["s/raw",   1.50]')
    listing = first.get("/artcasts")[2]
    history = first.get("/artcasts/s/k/history")[2]
    assert not os.path.exists(path)                    # nothing saved yet: the interval is long
    assert first.stop() == 0                           # SIGTERM: the last save
    assert saved_etags(path)
    second = restarted(server_factory, path, first)
    assert_same(second, before)
    assert second.get("/artcasts")[2] == listing
    assert second.get("/artcasts/s/k/history")[2] == history
    assert "2 keys restored" in second.stderr()
    assert [f for f in os.listdir(str(tmp_path)) if f.startswith(".artcast-state-")] == []


def test_restart_after_kill_9_once_saved(server_factory, tmp_path):
    path = str(tmp_path / "state.json")
    first = server_factory("--state-file", path, "--state-interval", "0.2")
    before = feed(first)
    want = {key: headers["etag"] for key, (_, headers, _) in before.items()}
    wait_until(lambda: saved_etags(path) == want, what="a save of the latest datums")
    first.stop(signal.SIGKILL)
    second = restarted(server_factory, path, first, "--state-interval", "0.2")
    assert_same(second, before)
    # an If-None-Match from before the restart still names the same datum
    old_tag = etag_for(encode_datum("s/k", {"i": 0, "text": "caf\u00e9 \U0001f600"}))
    status, _, body = second.get("/artcasts/s/k", {"If-None-Match": old_tag})
    assert status == 200 and json.loads(body)["i"] == 2


def test_saves_only_after_changes(server_factory, tmp_path):
    path = str(tmp_path / "state.json")
    server = server_factory("--state-file", path, "--state-interval", "0.1")
    server.send("s/k", 1)
    wait_until(lambda: os.path.exists(path), what="the first save")
    stamp = os.stat(path).st_mtime_ns
    time.sleep(0.5)
    assert os.stat(path).st_mtime_ns == stamp            # idle: no writes
    server.send("s/k", 2)
    wait_until(lambda: saved_etags(path).get("s/k") == etag_for(encode_datum("s/k", 2)), what="the next save")


def good_file(tmp_path, server_factory):
    path = str(tmp_path / "good.json")
    server = server_factory("--state-file", path, "--state-interval", "0.1")
    server.send("s/k", 1)
    wait_until(lambda: saved_etags(path), what="a save")
    server.stop()
    with open(path, "rb") as f:
        return f.read()


def test_corrupt_truncated_or_foreign_files_are_reported_and_ignored(server_factory, tmp_path):
    text = good_file(tmp_path, server_factory)
    bad_files = {
        "truncated": text[:len(text) // 2],
        "garbage": b"\x00\xff not a state file",
        "foreign": b'{"a": 1}',
        "wrong-version": text.replace(b'"version":1', b'"version":99'),
        "bad-datum": text.replace(b'[\\"s/k\\", 1]', b'[\\"s/k\\", NaN]'),
        "wrong-key": text.replace(b'[\\"s/k\\", 1]', b'[\\"s/other\\", 1]'),
        "deep": b"[" * 100000,
    }
    assert bad_files["bad-datum"] != text and bad_files["wrong-key"] != text
    for name, content in bad_files.items():
        path = str(tmp_path / (name + ".json"))
        with open(path, "wb") as f:
            f.write(content)
        server = server_factory("--state-file", path)
        assert server.get("/artcasts")[2] == b"[]", name
        assert "state file %s ignored" % path in server.stderr(), name
        with open(path + ".unusable", "rb") as f:
            assert f.read() == content, name                   # kept for a person to look at
        server.send("s/k", 5)
        server.wait_for_datums(1)
        server.stop()
        assert saved_etags(path) == {"s/k": etag_for(encode_datum("s/k", 5))}, name   # replaced by a good one


def test_write_atomically_replaces_whole_files(tmp_path):
    path = str(tmp_path / "f")
    write_atomically(path, "one")
    write_atomically(path, "two")
    with open(path) as f:
        assert f.read() == "two"
    assert os.listdir(str(tmp_path)) == ["f"]
