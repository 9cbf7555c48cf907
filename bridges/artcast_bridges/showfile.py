"""The show file: what `artcast record` writes and `artcast replay` reads.

JSON lines, UTF-8, one object a line. A recording session starts with a
header line; every line after it is one datagram heard, with its receive
time in seconds since that header:

    {"format": "artcast-show", "version": 1, "started": "2026-11-29T15:30:00.123Z", "keys": ["room/*"]}
    {"t": 0.012031, "kind": "registration", "payload": "[\\"room/temp\\", {\\"description\\": ...}]"}
    {"t": 0.503117, "kind": "datum", "payload": "[\\"room/temp\\", 21.5]"}

"payload" is the datagram exactly as the source sent it (a datagram is
UTF-8 JSON, so the text round-trips to the same bytes and the same ETag).
The file is appendable: recording again into the same file adds a new
header and its lines; replay plays the sessions one after another, each
with its own timing.
"""

import json
import time

FORMAT = "artcast-show"
VERSION = 1
KINDS = ("datum", "registration")


class ShowError(ValueError):
    """A show file that cannot be replayed; says which line."""


def header(patterns, started=None):
    started = time.time() if started is None else started
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started)) + ".%03dZ" % int(started % 1 * 1000)
    return {"format": FORMAT, "version": VERSION, "started": stamp, "started_unix": round(started, 6),
            "keys": list(patterns)}


def record_line(t, kind, payload):
    """One line (with its newline) for a datagram heard `t` s after the header."""
    return json.dumps({"t": round(t, 6), "kind": kind, "payload": payload.decode("utf-8")},
                      ensure_ascii=False) + "\n"


def header_line(patterns, started=None):
    return json.dumps(header(patterns, started)) + "\n"


def read_show(lines):
    """Lines of a show file -> [(t, kind, payload bytes)] on one timeline:
    each session after the first starts where the previous one ended."""
    items = []
    base = 0.0      # where the current session starts on the timeline
    end = 0.0       # the latest time so far
    seen_header = False
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise ShowError("line %d is not JSON" % number)
        if not isinstance(obj, dict):
            raise ShowError("line %d is not a JSON object" % number)
        if "format" in obj:
            if obj["format"] != FORMAT or obj.get("version") != VERSION:
                raise ShowError("line %d: not an %s version %d header" % (number, FORMAT, VERSION))
            seen_header = True
            base = end
            continue
        if not seen_header:
            raise ShowError("line %d: a show file starts with a header line (is this a show file?)" % number)
        t, kind, payload = obj.get("t"), obj.get("kind"), obj.get("payload")
        if type(t) not in (int, float) or t < 0 or kind not in KINDS or not isinstance(payload, str):
            raise ShowError("line %d: needs \"t\" (seconds >= 0), \"kind\" (datum or registration) "
                            "and \"payload\" (text)" % number)
        at = base + t
        end = max(end, at)
        items.append((at, kind, payload.encode("utf-8")))
    if not seen_header:
        raise ShowError("no header line: not a show file")
    return items
