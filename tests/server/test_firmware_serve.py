"""artcast-server --firmware DIR: the manifest, the files (only the listed
ones), ETags, the _firmware/manifest announcement and reloading DIR."""

import hashlib
import json
import os
import time

from support.fwbundle import make_bundle
from support.server import ServerProcess

KEY = "/artcasts/_firmware/manifest?wait=0"


def _serve(server_factory, folder):
    return server_factory("--firmware", str(folder))


def _announced(srv):
    status, headers, body = srv.get(KEY)
    assert status == 200, (status, body)
    return json.loads(body), headers["etag"]


def _wait_announced(srv, version, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        value, etag = _announced(srv)
        if value["version"] == version:
            return value, etag
        assert time.monotonic() < deadline, "still announcing %r" % value
        time.sleep(0.05)


def test_manifest_files_etags_and_announcement(tmp_path, server_factory):
    fw = tmp_path / "fw"
    make_bundle(fw, {"main.py": b"print('v1')\n", "artcast_fw/app.mpy": b"\x4d\x06" * 100}, version="v1")
    (fw / "secret.txt").write_text("not listed")
    srv = _serve(server_factory, fw)

    status, headers, body = srv.get("/firmware/manifest.json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    manifest = json.loads(body)
    assert manifest["version"] == "v1" and sorted(manifest["files"]) == ["artcast_fw/app.mpy", "main.py"]
    value, _ = _announced(srv)
    assert value == {"version": "v1", "sha256": hashlib.sha256(body).hexdigest()}

    status, headers, body = srv.get("/firmware/artcast_fw/app.mpy")
    assert status == 200 and body == b"\x4d\x06" * 100
    assert hashlib.sha256(body).hexdigest() == manifest["files"]["artcast_fw/app.mpy"]["sha256"]
    status, again, body = srv.get("/firmware/artcast_fw/app.mpy", {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]

    # Nothing outside the manifest's names, however the path is spelt.
    for path in ("/firmware/secret.txt", "/firmware/../pyproject.toml", "/firmware/%2e%2e/etc/passwd",
                 "/firmware/artcast_fw/../secret.txt", "/firmware//etc/passwd", "/firmware/manifest.json.new"):
        status, _, body = srv.get(path)
        assert status in (400, 404), (path, status)
        assert b"not listed" not in body


def test_sources_cannot_publish_the_reserved_key(tmp_path, server_factory):
    fw = tmp_path / "fw"
    make_bundle(fw, {"main.py": b"x\n"}, version="v1")
    srv = _serve(server_factory, fw)
    srv.send("_firmware/manifest", {"version": "evil", "sha256": "0" * 64})
    srv.send("test/tick", 1)
    srv.wait_for_datums(1)
    deadline = time.monotonic() + 5
    while srv.status()["datagrams_dropped"].get("reserved-key") != 1:
        assert time.monotonic() < deadline, srv.status()
        time.sleep(0.02)
    assert _announced(srv)[0]["version"] == "v1"


def test_new_build_is_announced_and_half_written_one_is_not(tmp_path, server_factory):
    fw = tmp_path / "fw"
    make_bundle(fw, {"main.py": b"v1\n"}, version="v1")
    srv = _serve(server_factory, fw)
    _, etag1 = _announced(srv)
    # A file changed but the manifest not yet rewritten: still v1, old bytes.
    (fw / "main.py").write_bytes(b"v2 half written\n")
    os.utime(fw / "manifest.json")
    time.sleep(1.5)
    assert _announced(srv)[0]["version"] == "v1"
    assert srv.get("/firmware/main.py")[2] == b"v1\n"
    assert "size or SHA-256 differs" in srv.stderr()
    make_bundle(fw, {"main.py": b"v2\n"}, version="v2")
    value, etag2 = _wait_announced(srv, "v2")
    assert etag2 != etag1 and srv.get("/firmware/main.py")[2] == b"v2\n"
    # targets.json: changes who installs it (a new manifest, so a new announcement).
    (fw / "targets.json").write_text('["class3-*"]')
    deadline = time.monotonic() + 10
    while json.loads(srv.get("/firmware/manifest.json")[2]).get("targets") != ["class3-*"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert _announced(srv)[1] != etag2


def test_two_servers_announce_the_same_etag(tmp_path, server_factory):
    fw = tmp_path / "fw"
    make_bundle(fw, {"main.py": b"v1\n", "boot.py": b"b\n"}, version="v1", targets=["hall"])
    a = _serve(server_factory, fw)
    b = _serve(server_factory, fw)
    assert _announced(a) == _announced(b)


def test_bad_manifest_is_refused_with_a_message(tmp_path, server_factory):
    fw = tmp_path / "fw"
    make_bundle(fw, {"main.py": b"v1\n"}, version="v1")
    m = json.loads((fw / "manifest.json").read_text())
    m["files"]["../../etc/passwd"] = {"sha256": "0" * 64, "size": 1}
    (fw / "manifest.json").write_text(json.dumps(m))
    srv = _serve(server_factory, fw)
    assert srv.get("/firmware/manifest.json")[0] == 404
    assert "files['../../etc/passwd']: the name has an empty, '.' or '..' segment" in srv.stderr()


def test_http_publish_cannot_set_the_reserved_key(tmp_path, server_factory):
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "publish"))
    from publish_support import TOKEN, post
    fw = tmp_path / "fw"
    make_bundle(fw, {"main.py": b"x\n"}, version="v1")
    srv = server_factory("--firmware", str(fw), "--publish-token", TOKEN)
    status, _, body = post(srv, "_firmware/manifest", {"version": "evil", "sha256": "0" * 64})
    assert status == 403 and "published by the server itself" in body
    assert _announced(srv)[0]["version"] == "v1"
