"""Pieces served as artcasts (`artcast-server --pieces DIR`).

A kit whose config says `"piece": "server"` long-polls the reserved key
`_piece/<device>` like any other value; the value is its piece (PROTOCOL.md,
"Pieces from the server"). Which piece a device gets:

    DIR/<device>.json         that device's own piece
    DIR/_classes.json         optional class list: {"kit-01": "group-3", ...}
                              (device -> piece file name, ".json" optional), or
                              {"kit-01": {"piece": "group-3", "board": "esp32"}}
    DIR/_default.json         every other device

The datum bytes are the 2012 datum encoding of the parsed file
(`encode_datum("_piece/<device>", piece)`): two servers with the same DIR
give the same piece the same bytes, so the same ETag, and a board behind a
balancer may ask either. Files are re-read when their mtime changes
(checked every POLL_SECONDS) or on SIGHUP; a value is published only when
its bytes change. A file that is not JSON, or whose datum would pass
MAX_DATAGRAM_BYTES, is reported and the device keeps its last piece. A
piece that fails the shared validator is still served (the board checks it
against its own pins and refuses it, keeping its old piece) and the error
log says why.

    store = PieceStore("pieces/", hub, errors.report)
    store.scan()            # at start, then every POLL_SECONDS and on SIGHUP
    store.ensure("_piece/kit-07")   # a device no file names: the default piece
"""

import json
import os

from artcast_core.datagram import encode_datum
from artcast_core.keys import key_problem

PREFIX = "_piece/"
DEFAULT = "_default"
CLASSES = "_classes.json"
BOARDS = ("esp32", "pi")
POLL_SECONDS = 1.0
MAX_FILES = 1000            # piece files read at most (bounded memory and scan time)
MAX_DEVICES = 1000          # devices served the default piece on first ask, at most
MAX_FILE_BYTES = 64 * 1024  # a piece is a few KB; its datum must fit 8 KB anyway


def piece_key(device):
    return PREFIX + device


def name_problem(name):
    """None when `name` can be a device or piece-file name (one key segment)."""
    if not name or "/" in name:
        return "a device name is one key segment (letters, digits, . _ ~ -)"
    if name.startswith("_") and name != DEFAULT:
        return "names starting with _ are reserved"
    return key_problem(PREFIX + name)


class PieceStore:
    """The pieces of one DIR, published into the hub under `_piece/<device>`."""

    def __init__(self, folder, hub, report):
        self.folder = folder
        self.hub = hub
        self.report = report            # report(reason, message): the rate-limited error log
        self.mtimes = {}                # file name -> (mtime_ns, size) of the last read
        self.pieces = {}                # piece name (file stem) -> parsed JSON
        self.classes = {}               # device -> {"piece": name, "board": board}
        self.served = {}                # device -> datum bytes last published
        self.asked = set()              # devices that asked without a file or class entry
        self.problems = {}              # piece name -> validator message (served anyway)

    # --- reading DIR ----------------------------------------------------------

    def _listing(self):
        try:
            names = sorted(os.listdir(self.folder))
        except OSError as exc:
            self.report("pieces", "pieces folder %s unreadable: %s" % (self.folder, exc))
            return None
        found = {}
        for name in names:
            if not name.endswith(".json") or name.endswith(".bak.json"):
                continue
            if name != CLASSES and name_problem(name[:-5]) is not None:
                continue
            if len(found) >= MAX_FILES:
                self.report("pieces", "more than %d piece files in %s: the rest are ignored" % (MAX_FILES, self.folder))
                break
            try:
                st = os.stat(os.path.join(self.folder, name))
            except OSError:
                continue
            found[name] = (st.st_mtime_ns, st.st_size)
        return found

    def _read_json(self, name, size):
        if size > MAX_FILE_BYTES:
            raise ValueError("%d bytes (at most %d)" % (size, MAX_FILE_BYTES))
        with open(os.path.join(self.folder, name), "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        return json.loads(data.decode("utf-8"))

    def scan(self):
        """Re-read changed files and publish what changed. -> devices updated."""
        found = self._listing()
        if found is None:
            return []
        changed = False
        for name in list(self.mtimes):
            if name not in found:
                del self.mtimes[name]
                self.pieces.pop(name[:-5], None)
                if name == CLASSES:
                    self.classes = {}
                changed = True
        for name, stamp in found.items():
            if self.mtimes.get(name) == stamp:
                continue
            self.mtimes[name] = stamp
            changed = True
            try:
                data = self._read_json(name, stamp[1])
            except (OSError, ValueError) as exc:   # UnicodeError and JSONDecodeError are ValueErrors
                self.report("pieces", "%s not used (devices keep their last piece): %s" % (name, exc))
                continue
            if name == CLASSES:
                self._take_classes(data)
            else:
                self.pieces[name[:-5]] = data
                self._check(name[:-5], data)
        return self.publish_all() if changed else []

    def _take_classes(self, data):
        if not isinstance(data, dict):
            self.report("pieces", "%s must be an object {device: piece name}" % CLASSES)
            return
        classes = {}
        for device, entry in data.items():
            if device.startswith("_"):
                continue                     # comments
            if isinstance(entry, str):
                entry = {"piece": entry}
            if not isinstance(entry, dict) or not isinstance(entry.get("piece"), str):
                self.report("pieces", "%s: %s: expected a piece name or {\"piece\": ..., \"board\": ...}"
                            % (CLASSES, device[:40]))
                continue
            piece = entry["piece"][:-5] if entry["piece"].endswith(".json") else entry["piece"]
            if name_problem(device) is not None or name_problem(piece) is not None:
                self.report("pieces", "%s: %r -> %r is not a device and piece name" % (CLASSES, device[:40], piece[:40]))
                continue
            board = entry.get("board", "esp32")
            classes[device] = {"piece": piece, "board": board if board in BOARDS else "esp32"}
        self.classes = classes

    def _check(self, name, data):
        from artcast_core.piece import check_piece
        from artcast_core.piece_fields import PieceError
        try:
            if isinstance(data, dict) and "server" not in data:
                data = dict(data, server="http://artcast.local:8888")  # a kit fills in its own server
            check_piece(data)
            self.problems.pop(name, None)
        except PieceError as exc:
            self.problems[name] = str(exc)
            self.report("pieces", "%s.json is served but boards will refuse it: %s" % (name, exc))

    async def watch(self, seconds=POLL_SECONDS):
        """Scan every `seconds` until cancelled (a stat per file: cheap)."""
        import asyncio
        while True:
            await asyncio.sleep(seconds)
            try:
                self.scan()
            except Exception as exc:  # noqa: B902 - a bug here must not stop the watching
                self.report("pieces", "scanning %s failed: %s: %s" % (self.folder, type(exc).__name__, exc))

    # --- which piece each device gets -------------------------------------------

    def piece_for(self, device):
        """The piece name serving `device`, or None."""
        if device in self.pieces and device != DEFAULT:
            return device
        entry = self.classes.get(device)
        if entry is not None and entry["piece"] in self.pieces:
            return entry["piece"]
        return DEFAULT if DEFAULT in self.pieces else None

    def board_of(self, device):
        entry = self.classes.get(device)
        return entry["board"] if entry else "esp32"

    def devices(self):
        """Every device name this store serves (files, class list, and those that asked)."""
        names = set(n for n in self.pieces if n != DEFAULT) | set(self.classes) | self.asked
        return sorted(names)

    def publish_all(self):
        updated = []
        for device in self.devices():
            if self._publish(device):
                updated.append(device)
        return updated

    def _publish(self, device):
        name = self.piece_for(device)
        if name is None:
            return False
        key = piece_key(device)
        try:
            payload = encode_datum(key, self.pieces[name])
        except ValueError as exc:
            if self.served.get(device) != ("too-large", name):
                self.report("pieces", "%s.json not served to %s: %s" % (name, device, exc))
            self.served[device] = ("too-large", name)
            return False
        if self.served.get(device) == payload:
            return False
        self.served[device] = payload
        self.hub.publish(key, self.pieces[name], payload)
        return True

    def ensure(self, key):
        """A request for `key`: when it is an unknown device's piece key, give
        that device the default (or class) piece now, so its first poll
        finds a value. Bounded by MAX_DEVICES."""
        if not key.startswith(PREFIX):
            return
        device = key[len(PREFIX):]
        if device in self.served or device in self.asked or name_problem(device) is not None:
            return
        if len(self.asked) >= MAX_DEVICES:
            return
        self.asked.add(device)
        self._publish(device)

    # --- writing (the editor) ---------------------------------------------------

    def path_of(self, name):
        return os.path.join(self.folder, name + ".json")

    def save(self, name, data):
        """Write DIR/<name>.json atomically, keeping the previous file as
        <name>.json.bak; publish at once (not waiting for the next scan)."""
        from artcast_kinetic.editor_api import save_json
        save_json(self.path_of(name), data)
        return self.scan()
