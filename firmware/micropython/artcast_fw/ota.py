# Over-the-air updates while the firmware runs (firmware/README.md,
# "Updating every kit"; PROTOCOL.md, "Firmware updates").
#
# The kit follows the reserved artcast _firmware/manifest like any key
# (one more long-poll). At boot and whenever its value names a manifest
# other than the installed one, the kit fetches /firmware/manifest.json,
# and when the manifest is meant for it ("targets") downloads each file
# whose SHA-256 differs from the file on flash into ota_new/: streamed to
# flash in CHUNK-byte pieces while hashing, never whole in RAM. Any
# failure (hash or size mismatch, cut connection, full flash, no memory)
# deletes ota_new/, says why on the console and keeps the old version
# running. When every file checks out: the commit marker, then a reset;
# boot.py (ota_boot.py) swaps the files in and puts the new version on
# trial. The first answer from the server confirms it; no answer within
# the manifest's confirm_s seconds marks it failed and resets, and boot.py
# rolls it back.
#
#   (in App.__init__)  ota.attach(self, hostname, host, port, prefix)

import gc
import json
import socket
import time

import machine

from artcast_core.firmware_manifest import MANIFEST_KEY, MANIFEST_NAME, ManifestError, check_manifest, targeted
from artcast_core.http import build_get
from artcast_fw import flash, ota_boot
from artcast_fw.poller import Poller

CHUNK = 512                 # bytes per socket read / flash write
SOCKET_TIMEOUT_S = 10       # one stalled read fails the download
MAX_HEAD = 1024             # bytes of response head
ENOSPC = 28                 # errno.ENOSPC, missing from some ports' errno


class UpdateError(Exception):
    """Why an update was not installed (the old version keeps running)."""


class Updater:
    """Everything the running firmware does for updates (see the top)."""

    def __init__(self, device, host, port, prefix, wdt=None):
        self.device = device
        self.host = host
        self.port = port
        self.prefix = prefix
        self.wdt = wdt
        self.buf = None
        self.trial_deadline = None
        self.last_error = None
        pending = flash.read_json(ota_boot.PENDING)
        if pending is not None:
            seconds = pending.get("confirm_s") or 180
            self.trial_deadline = time.ticks_add(time.ticks_ms(), seconds * 1000)

    # --- hooks for the manifest poller -------------------------------------

    def on_online(self, key, online):
        if online and self.trial_deadline is not None:
            self.trial_deadline = None
            ota_boot.confirm()

    def tick(self, now):
        if self.trial_deadline is not None and time.ticks_diff(now, self.trial_deadline) >= 0:
            ota_boot.mark_failed("did not reach the server in time")
            print("artcast: new firmware did not reach the server in time: restarting to roll back")
            machine.reset()

    def on_value(self, key, value):
        if self.trial_deadline is not None:
            return              # on trial: first confirm, then update again
        if not isinstance(value, dict) or not isinstance(value.get("sha256"), str):
            return
        sha = value["sha256"]
        if sha == self.installed_sha256() or sha == _read_text(ota_boot.BAD):
            return
        try:
            self.update(value.get("version"))
        except UpdateError as e:
            self.failed(str(e))
        except MemoryError:
            self.failed("not enough memory")
        except OSError as e:
            code = e.args[0] if e.args else None
            self.failed("flash full" if code == ENOSPC else "network or flash error %s" % (code,))
        self.buf = None
        gc.collect()

    def failed(self, why):
        self.last_error = why
        flash.rmtree(ota_boot.NEW)
        print("artcast: firmware update not installed (%s); keeping %s" % (why, self.installed_version()))

    # --- the update -----------------------------------------------------------

    def _buffer(self):
        if self.buf is None:
            self.buf = bytearray(CHUNK)
        return self.buf

    def installed_sha256(self):
        return flash.sha256_file(ota_boot.INSTALLED, self._buffer())

    def installed_version(self):
        m = flash.read_json(ota_boot.INSTALLED)
        return m.get("version") if isinstance(m, dict) else "the installed version"

    def update(self, announced):
        buf = self._buffer()
        flash.rmtree(ota_boot.NEW)
        flash.makedirs(ota_boot.NEW)
        staged_manifest = ota_boot.NEW + "/" + ota_boot.INSTALLED
        self.download(MANIFEST_NAME, staged_manifest, None, None)
        m = flash.read_json(staged_manifest)
        try:
            m = check_manifest(m)
        except ManifestError as e:
            raise UpdateError("manifest: %s" % e)
        if not targeted(m, self.device):
            print("artcast: firmware %s is not for %s (targets %s)" % (m["version"], self.device, m["targets"]))
            flash.rmtree(ota_boot.NEW)
            return False
        old = flash.read_json(ota_boot.INSTALLED)
        old_files = old.get("files") if isinstance(old, dict) else None
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
            self.download(name, ota_boot.NEW + "/" + name, entry["sha256"], entry["size"])
            changed += 1
        remove = []
        if isinstance(old_files, dict):
            for name in old_files:
                if name not in files and flash.exists(name):
                    remove.append(name)
        previous = old.get("version") if isinstance(old, dict) else None
        if not changed and not remove:
            # Same files, another manifest (e.g. a USB install's): adopt it.
            flash.replace(staged_manifest, ota_boot.INSTALLED)
            flash.rmtree(ota_boot.NEW)
            print("artcast: firmware %s already installed" % m["version"])
            return False
        sha = flash.sha256_file(staged_manifest, buf)
        # The commit point: from here boot.py completes the swap.
        flash.rmtree(ota_boot.OLD)
        flash.write_json(ota_boot.SWAP, {"version": m["version"], "previous": previous,
                                         "confirm_s": m["confirm_s"], "remove": remove,
                                         "added": added, "sha256": sha})
        print("artcast: firmware %s downloaded (%d files): restarting to install it"
              % (m["version"], changed))
        machine.reset()
        return True

    def download(self, name, dest, sha256, size):
        """GET /firmware/<name> into `dest`, streamed; checks size and hash."""
        import hashlib
        import binascii
        buf = self._buffer()
        mv = memoryview(buf)
        info = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_STREAM)[0]
        s = socket.socket(info[0], socket.SOCK_STREAM)
        f = None
        try:
            s.settimeout(SOCKET_TIMEOUT_S)
            s.connect(info[-1])
            s.send(build_get(self.host, self.port, self.prefix + "/firmware/" + name))
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
                if self.wdt is not None:
                    self.wdt.feed()
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


class ManifestPoller(Poller):
    """The long-poll of _firmware/manifest, plus the trial-deadline check
    on every turn of the loop (step while online, pause while Wi-Fi is down)."""

    def __init__(self, updater, host, port, prefix, poll, resolver):
        Poller.__init__(self, MANIFEST_KEY, host, port, prefix, poll, resolver,
                        updater.on_value, updater.on_online)
        self.updater = updater

    def step(self, now):
        self.updater.tick(now)
        Poller.step(self, now)

    def pause(self, now):
        self.updater.tick(now)
        Poller.pause(self, now)


def attach(app, device, host, port, prefix):
    """Add the manifest long-poll to a running App (app.py's one hook)."""
    updater = Updater(device, host, port, prefix, app.wdt)
    app.pollers.append(ManifestPoller(updater, host, port, prefix, app.poll, app.resolver))
    app.updater = updater
    return updater
