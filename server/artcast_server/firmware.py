"""`--firmware DIR`: offer a firmware bundle to the ESP32 kits (PROTOCOL.md,
"Firmware updates"; firmware/README.md, "Updating every kit").

DIR is what `deploy.py build --out DIR` writes: the files plus
manifest.json (version, SHA-256 and size of each). An optional
DIR/targets.json (a JSON list of device names or patterns, "class3-*")
limits who installs it, overriding the manifest's own "targets".

The bundle is read whole into memory and every file checked against the
manifest before it is offered, so a build still being written, or a file
edited by hand, is never served: the previous bundle stays on offer until
the folder is consistent again. The folder is looked at every
CHECK_INTERVAL seconds; a new manifest is published as the reserved
artcast `_firmware/manifest` ({"version", "sha256" of the served
manifest}), so kits learn of it within one long-poll. The value's bytes
are derived from the manifest alone: servers given the same folder publish
the same ETag.

    firmware = Firmware("/srv/artcast-fw", hub, errors).attach(app)
    ...
    firmware.close()

Only names listed in the manifest are served (the manifest's names are
checked by artcast_core.firmware_manifest: no "..", nothing absolute), so
no request can reach any other file.
"""

import asyncio
import hashlib
import json
import os

from microdot import Response

from artcast_core.etag import etag_matches
from artcast_core.firmware_manifest import (MANIFEST_KEY, MANIFEST_NAME, ManifestError, announcement,
                                            check_manifest)
from artcast_server.responses import error

CHECK_INTERVAL = 1.0        # seconds between looks at DIR
TARGETS_NAME = "targets.json"
MAX_BUNDLE = 8 * 1024 * 1024   # bytes: an ESP32's whole flash is 4 MB
RESERVED_PREFIX = "_firmware/"


def reserved(key):
    """True for keys only this server may publish (sources' datums are dropped)."""
    return key.startswith(RESERVED_PREFIX)


class Bundle:
    """One consistent bundle: the manifest as served, and every file."""

    def __init__(self, manifest, body, files):
        self.manifest = manifest
        self.body = body                                # the served manifest bytes
        self.sha256 = hashlib.sha256(body).hexdigest()
        self.files = files                              # name -> bytes
        self.etags = {name: '"%s"' % manifest["files"][name]["sha256"][:32] for name in files}
        self.etags[MANIFEST_NAME] = '"%s"' % self.sha256[:32]


def read_bundle(folder):
    """DIR -> Bundle; raises ManifestError saying what is wrong."""
    try:
        with open(os.path.join(folder, MANIFEST_NAME), "rb") as f:
            raw = json.loads(f.read().decode("utf-8"))
    except OSError as exc:
        raise ManifestError("%s: cannot read it (%s)" % (MANIFEST_NAME, exc.strerror))
    except ValueError:
        raise ManifestError("%s: not valid JSON" % MANIFEST_NAME)
    targets_path = os.path.join(folder, TARGETS_NAME)
    if os.path.exists(targets_path):
        try:
            with open(targets_path, "rb") as f:
                raw["targets"] = json.loads(f.read().decode("utf-8"))
        except (OSError, ValueError):
            raise ManifestError("%s: not a readable JSON list" % TARGETS_NAME)
    manifest = check_manifest(raw)
    if manifest["targets"] is None:
        del manifest["targets"]
    files = {}
    total = 0
    for name, entry in sorted(manifest["files"].items()):
        try:
            with open(os.path.join(folder, *name.split("/")), "rb") as f:
                data = f.read(MAX_BUNDLE + 1)
        except OSError as exc:
            raise ManifestError("files[%r]: cannot read it (%s)" % (name, exc.strerror))
        total += len(data)
        if total > MAX_BUNDLE:
            raise ManifestError("files: the bundle is larger than %d bytes" % MAX_BUNDLE)
        if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ManifestError("files[%r]: size or SHA-256 differs from the manifest "
                                "(a build still running?)" % name)
        files[name] = data
    body = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    return Bundle(manifest, body, files)


def _signature(folder):
    sig = []
    for name in (MANIFEST_NAME, TARGETS_NAME):
        try:
            st = os.stat(os.path.join(folder, name))
            sig.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            sig.append(None)
    return tuple(sig)


class Firmware:
    """The bundle on offer, its routes and its announcement artcast."""

    def __init__(self, folder, hub, log, interval=CHECK_INTERVAL):
        self.folder = folder
        self.hub = hub
        self.log = log
        self.interval = interval
        self.bundle = None
        self.problem = None
        self._signature = None
        self._task = None

    def check(self):
        """Look at the folder; publish when a new consistent bundle is there."""
        sig = _signature(self.folder)
        if sig == self._signature:
            return False
        try:
            bundle = read_bundle(self.folder)
        except ManifestError as exc:
            if str(exc) != self.problem:
                self.problem = str(exc)
                self.log.error("firmware %s: %s%s" % (self.folder, exc, "; still offering version "
                                                      + self.bundle.manifest["version"]
                                                      if self.bundle else ""))
            return False        # look again next time (signature not kept)
        self._signature = sig
        self.problem = None
        if self.bundle is not None and bundle.sha256 == self.bundle.sha256:
            return False
        self.bundle = bundle
        value = announcement(bundle.manifest["version"], bundle.sha256)
        payload = json.dumps([MANIFEST_KEY, value], sort_keys=True, separators=(",", ":")).encode()
        self.hub.publish(MANIFEST_KEY, value, payload)
        self.log.info("firmware %s: offering version %s (%d files%s)"
                      % (self.folder, bundle.manifest["version"], len(bundle.files),
                         ", targets " + ", ".join(bundle.manifest["targets"])
                         if "targets" in bundle.manifest else ""))
        return True

    def attach(self, app):
        """Add the /firmware routes to the microdot app; start watching DIR."""
        self.hub.register(MANIFEST_KEY, {"description": "Firmware bundle offered to the ESP32 kits "
                                                        "(artcast-server --firmware)"})
        self.check()

        @app.get("/firmware/<path:name>")
        async def firmware_file(request, name):
            return self.respond(name, request.headers.get("If-None-Match"))

        try:
            self._task = asyncio.get_running_loop().create_task(self._watch())
        except RuntimeError:
            pass            # no loop (in-process tests): call check() yourself
        return self

    def respond(self, name, if_none_match=None):
        bundle = self.bundle
        if bundle is None:
            return error(404, "No firmware bundle on offer (artcast-server --firmware DIR, "
                              "filled by deploy.py build)")
        if name == MANIFEST_NAME:
            body, ctype = bundle.body, "application/json"
        elif name in bundle.files:
            body, ctype = bundle.files[name], "application/octet-stream"
        else:
            return error(404, "Not in the firmware manifest: see /firmware/manifest.json")
        headers = {"ETag": bundle.etags[name], "Cache-Control": "no-cache"}
        if if_none_match and etag_matches(if_none_match, headers["ETag"]):
            return Response(b"", 304, headers, reason="Not Modified")
        headers["Content-Type"] = ctype
        return Response(body, 200, headers)

    async def _watch(self):
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.check()
            except Exception as exc:        # never let the watcher die silently
                self.log.error("firmware %s: %r" % (self.folder, exc))

    def close(self):
        if self._task is not None:
            self._task.cancel()
