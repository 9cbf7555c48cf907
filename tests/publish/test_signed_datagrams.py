"""Signed datagrams end to end: real servers, real multicast on loopback,
real sources (the source module, `artcast send`, test-sources.py)."""

import json
import os
import subprocess
import sys
import time

from artcast_core.datagram import encode_datum, encode_registration
from artcast_core.etag import etag_for
from artcast_core.signing import sign

from publish_support import TOKEN, latest, post, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = "gallery-secret-0123456789"
OTHER = "visitor-secret-9876543210"


def keys_file(tmp_path, bind=True):
    path = tmp_path / "datagram-keys"
    path.write_text("# test keys\ngallery: %s\nvisitor: %s\n%s" % (SECRET, OTHER, "gallery/* gallery\n" if bind else ""))
    return str(path)


def dropped(server, reason):
    return server.status()["datagrams_dropped"].get(reason, 0)


def test_require_signed_drops_and_counts_each_reason(server_factory, tmp_path):
    server = server_factory("--datagram-keys", keys_file(tmp_path), "--require-signed")
    body = encode_datum("room/light", "on")
    server.send_raw(body)
    wait_until(lambda: dropped(server, "unsigned") == 1, what="unsigned drop")
    server.send_raw(sign(body, "gallery", b"not-the-secret-000000"))
    wait_until(lambda: dropped(server, "bad-signature") == 1, what="bad-signature drop")
    server.send_raw(sign(body, "gallery", SECRET.encode(), now=time.time() - 600))
    wait_until(lambda: dropped(server, "stale") == 1, what="stale drop")
    good = sign(body, "gallery", SECRET.encode())
    server.send_raw(good)
    wait_until(lambda: latest(server, "room/light")[1] == etag_for(good), what="the signed datum")
    server.send_raw(good)
    wait_until(lambda: dropped(server, "replayed") == 1, what="replayed drop")
    status = server.status()
    assert status["datums_received"] == 1 and status["datagrams_signed"] == 1


def test_without_require_both_are_accepted_and_counted(server_factory, tmp_path):
    server = server_factory("--datagram-keys", keys_file(tmp_path, bind=False))
    server.send_raw(encode_datum("room/a", 1))
    server.send_raw(sign(encode_datum("room/b", 2), "visitor", OTHER.encode()))
    wait_until(lambda: server.status()["datums_received"] == 2, what="both datums")
    status = server.status()
    assert (status["datagrams_signed"], status["datagrams_unsigned"]) == (1, 1)


def test_a_spoofing_source_cannot_change_a_bound_key_or_its_license(server_factory, tmp_path):
    server = server_factory("--datagram-keys", keys_file(tmp_path))
    reg = encode_registration("gallery/north", "North wall", "gallery", {"uri": "https://example.org/l", "title": "L"})
    server.send_raw(sign(reg, "gallery", SECRET.encode()), server.register_port)
    first = sign(encode_datum("gallery/north", 1), "gallery", SECRET.encode())
    server.send_raw(first)
    wait_until(lambda: latest(server, "gallery/north")[2] == 1, what="the gallery's datum")
    # a visitor: unsigned, or signed with its own (valid) secret
    server.send_raw(encode_datum("gallery/north", 666))
    server.send_raw(sign(encode_datum("gallery/north", 667), "visitor", OTHER.encode()))
    evil = encode_registration("gallery/north", "hacked", "visitor", {"uri": "https://evil.example/", "title": "x"})
    server.send_raw(evil, server.register_port)
    server.send_raw(sign(evil, "visitor", OTHER.encode()), server.register_port)
    wait_until(lambda: dropped(server, "wrong-key") == 4, what="four wrong-key drops")
    assert latest(server, "gallery/north")[1] == etag_for(first)
    listing = json.loads(server.get("/artcasts")[2])
    entry = [e for e in listing if e["key"] == "gallery/north"][0]
    assert entry["description"] == "North wall" and entry["license"]["uri"] == "https://example.org/l"


def test_a_2012_source_still_works_against_a_server_without_keys(server):
    server.send_raw(b'["test/tick", 5]')
    wait_until(lambda: latest(server, "test/tick")[2] == 5, what="the 2012 datum")
    assert server.status()["datagrams_dropped"] == {}


def test_source_module_and_artcast_send_sign_with_a_secret_file(server_factory, tmp_path):
    keys = keys_file(tmp_path)
    server = server_factory("--datagram-keys", keys, "--require-signed")
    secret = tmp_path / "source-secret"
    secret.write_text("gallery: %s\n" % SECRET)
    env = dict(os.environ, ARTCAST_MULTICAST_INTERFACE="127.0.0.1", ARTCAST_TTL="0")
    cmd = [os.path.join(os.path.dirname(sys.executable), "artcast"), "send", "gallery/north", "42",
           "--data-port", str(server.data_port), "--secret-file", str(secret)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    wait_until(lambda: latest(server, "gallery/north")[2] == 42, what="the signed `artcast send`")
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "sources", "test-sources.py"),
                             "--data-port", str(server.data_port), "--registration-port", str(server.register_port),
                             "--secret-file", str(secret)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: latest(server, "test/tick")[0] == 200, what="test-sources' signed tick")
        wait_until(lambda: any(e.get("description") for e in json.loads(server.get("/artcasts")[2])
                               if e["key"] == "test/tick"), what="a signed registration")
    finally:
        proc.terminate()
        proc.wait(10)
    assert dropped(server, "unsigned") == 0 and dropped(server, "bad-signature") == 0


def test_artcast_send_over_http_with_token(server_factory):
    server = server_factory("--publish-token", TOKEN)
    artcast = os.path.join(os.path.dirname(sys.executable), "artcast")
    env = dict(os.environ, ARTCAST_TOKEN=TOKEN)
    done = subprocess.run([artcast, "send", "--server", server.url, "room/light", '"on"'],
                          capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "published room/light" in done.stdout
    wait_until(lambda: latest(server, "room/light")[2] == "on", what="the HTTP-published value")
    env.pop("ARTCAST_TOKEN")
    done = subprocess.run([artcast, "send", "--server", server.url, "room/light", '"off"'],
                          capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 1 and "401" in done.stderr and "--token" in done.stderr
    assert "Traceback" not in done.stderr


def test_http_publish_is_signed_when_the_server_has_keys(server_factory, tmp_path):
    keys = keys_file(tmp_path)
    a = server_factory("--publish-token", TOKEN, "--datagram-keys", keys, "--require-signed")
    b = server_factory("--datagram-keys", keys, "--require-signed", data_port=a.data_port,
                       register_port=a.register_port)
    status, headers, _ = post(a, "gallery/north", 5)
    assert status == 202
    for server in (a, b):
        wait_until(lambda: latest(server, "gallery/north")[1] == headers["etag"], what="the signed datum")
        assert server.status()["datagrams_signed"] == 1


def test_bad_keys_file_is_a_clear_start_error(tmp_path):
    path = tmp_path / "keys"
    path.write_text("gallery: short\n")
    done = subprocess.run([sys.executable, "-m", "artcast_server", "--datagram-keys", str(path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "line 1" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "artcast_server", "--require-signed"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "--datagram-keys" in done.stderr


def test_a_server_without_keys_reads_signed_datagrams_with_the_same_etag(server):
    payload = sign(encode_datum("room/light", "on"), "gallery", SECRET.encode())
    server.send_raw(payload)
    wait_until(lambda: latest(server, "room/light")[1:] == (etag_for(payload), "on"), what="the signed datum")
