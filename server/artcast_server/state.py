"""The state file (--state-file): what a restarted server remembers.

For every key: its registration, its latest datum and its history ring,
each datum as the exact datagram bytes the source sent, so ETags stay the
same after a restart (a client's If-None-Match still names the same datum,
on this server and on every other one fed by the same group).

Saved atomically (a temporary file in the same folder, fsync, rename, fsync
of the folder), at most every `interval` seconds and only after something
changed, and at shutdown; the JSON encoding and the write run in a thread,
so the event loop only copies references. An idle server sets no timer.

Loaded once at start. Everything in the file goes through the same parsers
as a datagram (a file is input like any other): a corrupt, truncated or
foreign file is reported in the error log, moved aside to `<path>.unusable`
and ignored, never fatal.

    {"format": "artcast-state", "version": 1, "saved": 1767225600.0,
     "keys": [{"key": "test/tick", "meta": {...},
               "latest": [t, "[\"test/tick\", 42]"],
               "history": [[t, "[\"test/tick\", 41]"], ...]}]}
"""

import asyncio
import json
import os
import time

from artcast_core.datagram import parse_datum, parse_registration
from artcast_core.errors import WireError
from artcast_server.multicast import datum_body

FORMAT = "artcast-state"
VERSION = 1
INTERVAL = 5.0          # seconds between saves at most (--state-interval)


class StateFileError(ValueError):
    """The file is not a state file this server wrote (or it is damaged)."""


def snapshot(hub):
    """What to save, as references (cheap on the loop; encoded in a thread)."""
    keys = []
    for key in sorted(hub.artcasts):
        artcast = hub.artcasts[key]
        datum = artcast.datum
        keys.append((key, dict(artcast.meta), None if datum is None else (datum.t, datum.payload),
                     [(t, payload) for t, _, payload in artcast.history]))
    return keys


def encode(keys, now):
    return json.dumps({
        "format": FORMAT, "version": VERSION, "saved": now,
        "keys": [{"key": key, "meta": meta,
                  "latest": None if latest is None else [latest[0], latest[1].decode("utf-8")],
                  "history": [[t, payload.decode("utf-8")] for t, payload in history]}
                 for key, meta, latest, history in keys],
    }, separators=(",", ":"))


def write_atomically(path, text):
    """Write `text` to `path` so that a crash leaves either the old file or the new one."""
    import tempfile     # here, not at start-up: a few ms on a Pi, and only --state-file needs it
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".artcast-state-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dirfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dirfd)
    except OSError:
        pass
    finally:
        os.close(dirfd)


def _datum(key, entry):
    """[t, payload text] -> (t, value, payload bytes), checked like a datagram."""
    if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], (int, float)) \
            or not isinstance(entry[1], str) or not -1e12 < entry[0] < 1e12:
        raise StateFileError("a datum of %r is not [time, datagram]" % key)
    payload = entry[1].encode("utf-8", "strict")
    got, value = parse_datum(datum_body(payload))     # a signed datagram: its signature was checked on arrival
    if got != key:
        raise StateFileError("a datum filed under %r is for %r" % (key, got))
    return float(entry[0]), value, payload


def decode(text):
    """State file text -> [(key, meta, [(t, value, payload), ...] oldest first, latest last)].

    Raises StateFileError (or WireError) for anything that is not a state file
    this server could have written."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise StateFileError("not JSON (truncated?)")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StateFileError("not an artcast state file")
    if data.get("version") != VERSION:
        raise StateFileError("state file version %r, this server reads %d" % (data.get("version"), VERSION))
    keys = data.get("keys")
    if not isinstance(keys, list):
        raise StateFileError("no list of keys")
    result = []
    for item in keys:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or \
                not isinstance(item.get("meta", {}), dict) or not isinstance(item.get("history", []), list):
            raise StateFileError("a key entry has the wrong shape")
        key = item["key"]
        meta = item.get("meta") or {}
        if meta:
            try:
                got, meta = parse_registration(json.dumps([key, meta]).encode("utf-8"))
            except UnicodeError:
                raise StateFileError("registration of %r is not UTF-8" % key)
        datums = [_datum(key, entry) for entry in item.get("history", [])]
        latest = item.get("latest")
        if latest is not None:
            latest = _datum(key, latest)
            if not datums or datums[-1][2] != latest[2] or datums[-1][0] != latest[0]:
                datums.append(latest)
        result.append((key, meta, datums))
    return result


def load(hub, path):
    """Fill `hub` from the file at `path`. Returns the number of keys, 0 when
    there is no file yet; raises StateFileError/WireError/OSError, leaving the
    hub untouched, when the file cannot be used."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return 0
    try:
        text = raw.decode("utf-8")
    except UnicodeError:
        raise StateFileError("not UTF-8")
    entries = decode(text)
    for key, meta, datums in entries:
        if meta:
            hub.register(key, meta)
        hub.restore(key, datums)
    hub.registrations_received = 0
    return len(entries)


class StateFile:
    """Saves the hub to `path` a while after it changes, and at close.

        state = StateFile(path, hub, errors)
        state.load()            # at start, before the receivers run
        hub.on_change = state.changed
        ...
        await state.close()     # at shutdown: the last save
    """

    def __init__(self, path, hub, errors, interval=INTERVAL):
        self.path = path
        self.hub = hub
        self.errors = errors
        self.interval = interval
        self.dirty = False
        self.timer = None
        self.saving = None
        self.saves = 0

    def load(self):
        try:
            count = load(self.hub, self.path)
        except (StateFileError, WireError, OSError) as exc:
            aside = self.path + ".unusable"
            try:
                os.replace(self.path, aside)     # kept for a person to look at; the next save is a new file
                where = "; moved to " + aside
            except OSError:
                where = ""
            self.errors.error("state file %s ignored (starting empty): %s%s" % (self.path, exc, where))
            return None
        if count:
            self.errors.info("state file %s: %d keys restored" % (self.path, count))
        return count

    def changed(self):
        self.dirty = True
        if self.timer is None and self.saving is None:
            self.timer = asyncio.get_running_loop().call_later(self.interval, self._start)

    def _start(self):
        self.timer = None
        self.dirty = False
        loop = asyncio.get_running_loop()
        keys = snapshot(self.hub)
        self.saving = loop.run_in_executor(None, self._write, keys)
        self.saving.add_done_callback(self._done)

    def _write(self, keys):
        write_atomically(self.path, encode(keys, time.time()))

    def _done(self, future):
        self.saving = None
        exc = future.exception()
        if exc is not None:
            self.errors.report("state-file", "state file %s not saved: %s" % (self.path, exc))
        else:
            self.saves += 1
        if self.dirty:
            self.dirty = False
            self.changed()

    async def close(self):
        """The last save, at shutdown (skipped when nothing changed since the last one)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
            self.dirty = True
        if self.saving is not None:
            try:
                await self.saving
            except Exception:
                pass
        if self.dirty:
            self.dirty = False
            try:
                self._write(snapshot(self.hub))
                self.saves += 1
            except OSError as exc:
                self.errors.error("state file %s not saved at shutdown: %s" % (self.path, exc))
