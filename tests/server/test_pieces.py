"""artcast-server --pieces DIR: pieces served as _piece/<device> artcasts,
against real server processes (file changes, SIGHUP, two servers, reserved
keys, saving through the editor's API)."""

import json
import os
import signal
import time
import urllib.error
import urllib.request

from artcast_core.datagram import encode_datum
from artcast_core.etag import etag_for

STRIP = {"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 4},
         "mapping": {"type": "bar", "from": [0, 4], "colour": "#ff0000"}}
DIMMER = {"key": "test/tick", "device": {"type": "pwm", "pin": 13}, "mapping": {"type": "linear", "from": [0, 10]}}


def write(folder, name, data):
    path = os.path.join(str(folder), name)
    with open(path + ".tmp", "w") as f:
        f.write(data if isinstance(data, str) else json.dumps(data))
    os.replace(path + ".tmp", path)
    return path


def get_piece(server, device, etag=None, wait=None):
    query = "?wait=0" if wait is None else "?wait=%s" % wait
    headers = {"If-None-Match": etag} if etag else {}
    status, hdrs, body = server.get("/artcasts/_piece/%s%s" % (device, query), headers)
    return status, hdrs.get("etag"), json.loads(body) if status == 200 else None


def wait_until(fn, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("never: " + what)
        time.sleep(0.05)


def put(server, name, piece, headers=None, ctype="application/json"):
    req = urllib.request.Request("%s/pieces/api/piece?name=%s" % (server.url, name), method="PUT",
                                 data=json.dumps(piece).encode(), headers=dict({"Content-Type": ctype}, **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def test_default_own_and_class_pieces(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    default = {"name": "default", "outputs": [STRIP]}
    own = {"name": "kit-2 own", "outputs": [DIMMER]}
    group = {"name": "group 3", "outputs": [dict(STRIP, mapping={"type": "bar", "from": [0, 4], "colour": "#0000ff"})]}
    write(folder, "_default.json", default)
    write(folder, "kit-2.json", own)
    write(folder, "group-3.json", group)
    write(folder, "_classes.json", {"kit-5": "group-3", "kit-6": {"piece": "group-3.json", "board": "esp32"}})
    server = server_factory("--pieces", str(folder))
    status, etag, body = get_piece(server, "kit-1")
    assert status == 200 and body == default
    # The datum bytes are the 2012 encoding of the parsed file: the ETag follows from the file alone.
    assert etag == etag_for(encode_datum("_piece/kit-1", default))
    assert get_piece(server, "kit-2")[2] == own
    assert get_piece(server, "kit-5")[2] == group and get_piece(server, "kit-6")[2] == group
    listed = [e["key"] for e in json.loads(server.get("/artcasts")[2])]
    assert "_piece/kit-2" in listed and "_piece/kit-5" in listed


def test_a_changed_file_reaches_a_waiting_kit_within_a_poll(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    write(folder, "kit-1.json", {"outputs": [STRIP]})
    server = server_factory("--pieces", str(folder))
    _, etag, _ = get_piece(server, "kit-1")
    # Touching the file without changing it publishes nothing new.
    os.utime(os.path.join(str(folder), "kit-1.json"))
    status, _, _ = get_piece(server, "kit-1", etag, wait=2.5)
    assert status == 204
    changed = {"outputs": [DIMMER]}
    write(folder, "kit-1.json", changed)
    started = time.monotonic()
    status, new_etag, body = get_piece(server, "kit-1", etag, wait=10)   # a held long-poll
    assert status == 200 and body == changed and new_etag != etag
    assert time.monotonic() - started < 8


def test_sighup_rereads_at_once(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    write(folder, "_default.json", {"outputs": [STRIP]})
    server = server_factory("--pieces", str(folder))
    _, etag, _ = get_piece(server, "kit-9")
    write(folder, "_default.json", {"outputs": [DIMMER]})
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: get_piece(server, "kit-9")[2] == {"outputs": [DIMMER]}, "SIGHUP re-read")


def test_two_servers_with_the_same_folder_give_the_same_etag(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    write(folder, "_default.json", '{"outputs": [\n  %s\n], "name": "x"}' % json.dumps(STRIP))
    a = server_factory("--pieces", str(folder))
    b = server_factory("--pieces", str(folder))
    ta, tb = get_piece(a, "kit-1")[1], get_piece(b, "kit-1")[1]
    assert ta and ta == tb
    # A kit holding a's ETag is not answered again by b: it already has that piece.
    assert get_piece(b, "kit-1", ta)[0] == 204


def test_multicast_cannot_overwrite_a_piece(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    piece = {"outputs": [STRIP]}
    write(folder, "kit-1.json", piece)
    server = server_factory("--pieces", str(folder))
    server.send("_piece/kit-1", {"outputs": []})
    server.send("_piece/kit-7", {"outputs": []})
    server.send("test/tick", 1)          # sent after: once it is in, the others were handled
    server.wait_for_datums(2)            # kit-1's piece, and test/tick
    wait_until(lambda: server.status()["datagrams_dropped"].get("reserved-key") == 2, "two drops counted")
    assert get_piece(server, "kit-1")[2] == piece


def test_multicast_may_use_piece_keys_without_pieces(server):
    server.send("_piece/kit-1", {"outputs": []})
    server.wait_for_datums(1)
    assert get_piece(server, "kit-1")[2] == {"outputs": []}


def test_a_file_that_is_not_json_keeps_the_last_piece(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    write(folder, "kit-1.json", {"outputs": [STRIP]})
    server = server_factory("--pieces", str(folder))
    _, etag, _ = get_piece(server, "kit-1")
    write(folder, "kit-1.json", '{"outputs": [')
    wait_until(lambda: "kit-1.json not used" in server.stderr(), "the error log says why")
    assert get_piece(server, "kit-1")[1] == etag


def test_saving_through_the_editor_api(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    old = {"outputs": [STRIP]}
    write(folder, "kit-1.json", old)
    server = server_factory("--pieces", str(folder))
    _, etag, _ = get_piece(server, "kit-1")
    # A piece with an error is refused, the message names the field.
    bad = {"outputs": [dict(STRIP, device={"type": "neopixel", "pin": 16, "count": 0})]}
    status, result = put(server, "kit-1", bad)
    assert status == 422 and result["messages"][0]["path"] == "outputs[0].device.count"
    # A form post from another site (not JSON) is refused before anything else.
    assert put(server, "kit-1", old, ctype="text/plain")[0] == 400
    # A page from another site whose name now points at 127.0.0.1 (DNS rebinding) says so in Host.
    status, result = put(server, "kit-1", old, {"Host": "evil.example:%d" % server.port})
    assert status == 403 and "this machine only" in result["message"]
    new = {"name": "saved", "outputs": [DIMMER]}
    status, result = put(server, "kit-1", new)
    assert status == 200 and result["saved"]
    with open(os.path.join(str(folder), "kit-1.json")) as f:
        assert json.load(f) == new
    with open(os.path.join(str(folder), "kit-1.json.bak")) as f:
        assert json.load(f) == old
    status, new_etag, body = get_piece(server, "kit-1", etag)
    assert body == new and new_etag != etag


def test_saving_needs_a_publish_token_when_tokens_are_on(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    tokens = tmp_path / "tokens"
    tokens.write_text("teacher-token _piece/*\nsensor-token room/*\n")
    server = server_factory("--pieces", str(folder), "--publish-tokens", str(tokens))
    piece = {"outputs": [STRIP]}
    assert put(server, "kit-1", piece)[0] == 403                    # loopback is not enough now
    assert put(server, "kit-1", piece, {"Authorization": "Bearer wrong"})[0] == 403
    assert put(server, "kit-1", piece, {"Authorization": "Bearer sensor-token"})[0] == 403
    assert not os.path.exists(os.path.join(str(folder), "kit-1.json"))
    assert put(server, "kit-1", piece, {"Authorization": "Bearer teacher-token"})[0] == 200
    assert get_piece(server, "kit-1")[2] == piece
    # HTTP publish cannot write a piece key either, whatever the token.
    req = urllib.request.Request(server.url + "/artcasts/_piece/kit-1", method="POST", data=b'{"outputs": []}',
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer teacher-token"})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("published over a piece")
    except urllib.error.HTTPError as e:
        assert e.code == 403
    assert get_piece(server, "kit-1")[2] == piece


def test_bad_names_are_refused(server_factory, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    server = server_factory("--pieces", str(folder))
    for name in ("..%2Fx", "_classes", "a%2Fb", "%2Fetc%2Fpasswd"):
        status, result = put(server, name, {"outputs": [STRIP]})
        assert status == 400, (name, status, result)
    assert os.listdir(str(folder)) == []
