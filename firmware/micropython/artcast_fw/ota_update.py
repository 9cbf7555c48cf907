# Over-the-air updates: fetch, check and stage a new version (ota.py
# imports this only when the _firmware/manifest artcast names a manifest
# other than the installed one, and drops it after).
#
# Fetches /firmware/manifest.json, and when it is meant for this kit
# ("targets") downloads each file whose SHA-256 differs from the file on
# flash into ota_new/: streamed to flash in CHUNK-byte pieces while
# hashing, never whole in RAM. Any failure (hash or size mismatch, cut
# connection, full flash) deletes ota_new/, says why on the console and
# keeps the old version running. When every file checks out: the commit
# marker ota_swap, then a reset; boot.py swaps the files in (ota_boot.py).
#
#   err = ota_update.check(updater, announced_sha256)   # None, or why not

import socket

import machine

from artcast_core.firmware_manifest import MANIFEST_NAME, ManifestError, check_manifest, targeted
from artcast_core.http import build_get
from artcast_fw import flash
from artcast_fw import ota_names as names   # the file names (ota_boot.py: the states)

CHUNK = 512                 # bytes per socket read / flash write
SOCKET_TIMEOUT_S = 10       # one stalled read fails the download
ENOSPC = 28                 # errno.ENOSPC, missing from some ports' errno


class UpdateError(Exception):
    """Why an update was not installed (the old version keeps running)."""


def check(updater, announced):
    """Install the announced manifest if it is new, meant for this kit and
    downloads whole; returns None or the reason it was not installed."""
    buf = bytearray(CHUNK)
    if announced == flash.sha256_file(names.INSTALLED, buf) or announced == _read_text(names.BAD):
        return None
    why = None
    try:
        update(updater, buf)
    except UpdateError as e:
        why = str(e)
    except OSError as e:
        code = e.args[0] if e.args else None
        why = "flash full" if code == ENOSPC else "network or flash error %s" % (code,)
    if why is not None:
        flash.rmtree(names.NEW)
        m = flash.read_json(names.INSTALLED)
        print("artcast: firmware update not installed (%s); keeping %s"
              % (why, m.get("version") if isinstance(m, dict) else "the installed version"))
    return why


def update(updater, buf):
    flash.rmtree(names.NEW)
    flash.makedirs(names.NEW)
    staged_manifest = names.NEW + "/" + names.INSTALLED
    download(updater, MANIFEST_NAME, staged_manifest, None, None, buf)
    try:
        m = check_manifest(flash.read_json(staged_manifest))
    except ManifestError as e:
        raise UpdateError("manifest: %s" % e)
    if not targeted(m, updater.device):
        print("artcast: firmware %s is not for %s (targets %s)" % (m["version"], updater.device, m["targets"]))
        flash.rmtree(names.NEW)
        return False
    old = flash.read_json(names.INSTALLED)
    if not isinstance(old, dict):
        old = {}
    files = m["files"]
    added = []
    changed = 0
    for name in files:
        entry = files[name]
        local = flash.sha256_file(name, buf)
        if local == entry["sha256"]:
            continue
        if local is None:
            added.append(name)
        download(updater, name, names.NEW + "/" + name, entry["sha256"], entry["size"], buf)
        changed += 1
    remove = []
    old_files = old.get("files")
    if isinstance(old_files, dict):
        for name in old_files:
            if name not in files and flash.exists(name):
                remove.append(name)
    if not changed and not remove:
        # Same files, another manifest (e.g. a USB install's): adopt it.
        flash.replace(staged_manifest, names.INSTALLED)
        flash.rmtree(names.NEW)
        print("artcast: firmware %s already installed" % m["version"])
        return False
    sha = flash.sha256_file(staged_manifest, buf)
    # The commit point: from here boot.py completes the swap.
    flash.rmtree(names.OLD)
    flash.write_json(names.SWAP, {"version": m["version"], "previous": old.get("version"),
                                     "confirm_s": m["confirm_s"], "remove": remove,
                                     "added": added, "sha256": sha})
    print("artcast: firmware %s downloaded (%d files): restarting to install it" % (m["version"], changed))
    machine.reset()
    return True


def download(updater, name, dest, sha256, size, buf):
    """GET /firmware/<name> into `dest`, streamed; checks size and hash."""
    import binascii
    import hashlib
    mv = memoryview(buf)
    info = socket.getaddrinfo(updater.host, updater.port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(info[0], socket.SOCK_STREAM)
    f = None
    try:
        s.settimeout(SOCKET_TIMEOUT_S)
        s.connect(info[-1])
        s.send(build_get(updater.host, updater.port, updater.prefix + "/firmware/" + name))
        got = 0
        while True:         # the head: into buf until the blank line
            n = s.readinto(mv[got:])
            if not n:
                raise UpdateError("%s: connection closed in the response head" % name)
            got += n
            end = bytes(mv[:got]).find(b"\r\n\r\n")
            if end >= 0:
                break
            if got >= len(buf):
                raise UpdateError("%s: response head too long" % name)
        status, length = _head(bytes(mv[:end]))
        if status != 200:
            raise UpdateError("%s: the server answered %d" % (name, status))
        if size is not None and length is not None and length != size:
            raise UpdateError("%s: %s bytes offered, the manifest says %d" % (name, length, size))
        flash.parent_dirs(dest)
        f = open(dest, "wb")
        h = hashlib.sha256()
        body = got - (end + 4)
        if body:
            f.write(mv[end + 4:got])
            h.update(mv[end + 4:got])
        while True:
            if updater.wdt is not None:
                updater.wdt.feed()
            n = s.readinto(buf)
            if not n:
                break
            f.write(mv[:n])
            h.update(mv[:n])
            body += n
        f.close()
        f = None
    finally:
        if f is not None:
            f.close()
        s.close()
    if length is not None and body != length:
        raise UpdateError("%s: download cut short (%d of %d bytes)" % (name, body, length))
    if size is not None and body != size:
        raise UpdateError("%s: %d bytes, the manifest says %d" % (name, body, size))
    if sha256 is not None and binascii.hexlify(h.digest()).decode() != sha256:
        raise UpdateError("%s: SHA-256 does not match the manifest" % name)


def _head(head):
    """Response head bytes -> (status, Content-Length or None)."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        raise UpdateError("not an HTTP response")
    length = None
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise UpdateError("bad Content-Length")
    return status, length


def _read_text(path):
    try:
        f = open(path)
    except OSError:
        return None
    try:
        return f.read().strip()
    finally:
        f.close()
