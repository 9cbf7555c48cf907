# Datagrams: what sources multicast and servers receive (PROTOCOL.md).
#
# Data:          UTF-8 JSON  [key, value]            group 224.1.1.1 port 5007
#                (or [key, value, {"delay": s} | {"at": server_ms}]: play-at)
# Registration:  UTF-8 JSON  [key, {"description": ..., "provenance": ...,
#                                   "license": {"uri": ..., "title": ...} | null}]
#                                                    group 224.1.1.1 port 5008
#
# parse_* take the received bytes and return plain values or raise WireError
# with a reason the server counts (PROTOCOL.md lists them). Whatever they
# return can be served in every format: no nesting deeper than MAX_DEPTH, no
# NaN or Infinity, no lone surrogate. WireError is the only exception they
# raise, whatever the bytes (fuzzed in tests/core/test_datagram_fuzz.py).
# encode_* build the bytes a source sends, exactly as the 2012 source module
# did (json.dumps of a two-element list).

import json

from artcast_core.errors import WireError
from artcast_core.keys import key_problem

DEFAULT_GROUP = "224.1.1.1"
DATA_PORT = 5007
REGISTER_PORT = 5008

# Far below the 65,507-byte UDP limit: a datum is a reading, not a file.
# Sources that send more are told so, and servers drop and count it.
MAX_DATAGRAM_BYTES = 8192

REGISTRATION_FIELDS = ("description", "provenance", "license")
# Optional hints for people's controls (the control page, the editor): what
# unit a number is in, its range, and values to offer as buttons. Sent only
# when given, so a registration without them has its 2012 bytes.
HINT_FIELDS = ("unit", "min", "max", "choices")
MAX_UNIT = 20
MAX_CHOICES = 20
MAX_CHOICE_TEXT = 40

# Play-at (PROTOCOL.md, "Shared time and play-at"): a datum may ask to take effect later,
# by its own third element or by its key's registration ("delay"). At most
# this many seconds later: a typo must not hold a value on every kit for hours.
MAX_PLAY_DELAY_S = 60

# A value nests at most this deep ([[1]] is 2 levels). Deeper datagrams are
# dropped ("too-deep"): far beyond any reading, and it keeps every parser
# and renderer (json.dumps, the live page, a board's JSON) out of recursion
# limits.
MAX_DEPTH = 32

# Registration text, in characters (PROTOCOL.md, "Server limits"). Over any
# of them, or over MAX_REGISTRATION_BYTES in all, the registration is
# dropped ("registration-too-long"). They keep the listing and the Link
# header small enough for every server and board to handle.
MAX_TEXT = {"description": 500, "provenance": 200, "uri": 300, "title": 120}
MAX_REGISTRATION_BYTES = 2048

def _escape_problem(text):
    """A lone UTF-16 surrogate among the text's \\u escapes, or None.

    JSON lets "\\ud800" through, but no UTF-8 can encode it: every response
    carrying it would fail. Only called on text that json.loads accepted, so
    every backslash is inside a string.
    """
    at = text.find("\\u")
    while at >= 0:
        run = 0
        while at - run - 1 >= 0 and text[at - run - 1] == "\\":
            run += 1
        nxt = at + 2
        if run % 2 == 0:              # a real \u escape, not an escaped backslash before "u"
            code = int(text[at + 2:at + 6], 16)
            nxt = at + 6
            if 0xD800 <= code <= 0xDBFF:
                low = text[at + 8:at + 12] if text[at + 6:at + 8] == "\\u" else ""
                if len(low) != 4 or not 0xDC00 <= int(low, 16) <= 0xDFFF:
                    return "a lone surrogate \\u%04x in a string" % code
                nxt = at + 12
            elif 0xDC00 <= code <= 0xDFFF:
                return "a lone surrogate \\u%04x in a string" % code
        at = text.find("\\u", nxt)
    return None


def _value_problem(value):
    """(reason, message) for a value no response could carry, or None.

    Walks the value without recursion: nesting over MAX_DEPTH, and numbers
    JSON has no words for (NaN, Infinity, 1e999999 which decodes to inf:
    x - x is NaN for all three, never 0). Exact type checks keep it cheap
    (json only builds these types).
    """
    if type(value) is float:
        value = [value]
    elif type(value) is not list and type(value) is not dict:
        return None
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return "too-deep", "value nests deeper than %d levels" % MAX_DEPTH
        for child in (item.values() if type(item) is dict else item):
            kind = type(child)
            if kind is list or kind is dict:
                stack.append((child, depth + 1))
            elif kind is float and child - child != 0:
                return "bad-number", "datagram holds a number JSON cannot carry (NaN, Infinity or out of range)"
    return None


def _decode_pair(payload, most=2):
    if len(payload) > MAX_DATAGRAM_BYTES:
        raise WireError("too-large", "datagram is %d bytes (limit %d)" % (len(payload), MAX_DATAGRAM_BYTES))
    try:
        text = payload.decode("utf-8")
    except UnicodeError:
        raise WireError("not-utf8", "datagram is not UTF-8")
    try:
        pair = json.loads(text)
    except ValueError:
        raise WireError("not-json", "datagram is not JSON")
    except RuntimeError:        # CPython's RecursionError; MicroPython's parser does not recurse
        raise WireError("too-deep", "value nests deeper than %d levels" % MAX_DEPTH)
    if not isinstance(pair, list) or not 2 <= len(pair) <= most:
        raise WireError("not-pair", "datagram is not a JSON array [key, value]")
    problem = key_problem(pair[0])
    if problem is not None:
        raise WireError("bad-key", problem)
    problem = _value_problem(pair[1])
    if problem is not None:
        raise WireError(problem[0], problem[1])
    if "\\u" in text:
        problem = _escape_problem(text)
        if problem is not None:
            raise WireError("bad-text", "datagram holds " + problem)
    return pair


def parse_datum(payload):
    """Bytes of a data datagram -> (key, value).

    >>> parse_datum(b'["test/tick", 3]')
    ('test/tick', 3)
    """
    key, value, _ = parse_datum_at(payload)
    return key, value


def delay_problem(delay):
    """Why `delay` is not a usable play-at delay in seconds, or None."""
    if isinstance(delay, bool) or not isinstance(delay, (int, float)):
        return "delay is not a number of seconds"
    if not 0 <= delay <= MAX_PLAY_DELAY_S:
        return "delay is not 0 to %d seconds" % MAX_PLAY_DELAY_S
    return None


def parse_datum_at(payload):
    """Bytes of a data datagram -> (key, value, play), where play is None
    (the 2012 form [key, value]: as soon as it arrives), {"delay": seconds}
    or {"at": server_ms} (a whole number). Unknown fields of the third
    element are ignored; "at" wins over "delay".

    >>> parse_datum_at(b'["k", 3, {"delay": 0.25}]')
    ('k', 3, {'delay': 0.25})
    """
    pair = _decode_pair(payload, 3)
    if len(pair) == 2:
        return pair[0], pair[1], None
    extra = pair[2]
    if not isinstance(extra, dict):
        raise WireError("bad-play-at", "the third element is not {\"delay\": s} or {\"at\": ms}")
    at = extra.get("at")
    if at is not None:
        if isinstance(at, bool) or not isinstance(at, (int, float)) or not 0 <= at < 1e15:
            raise WireError("bad-play-at", "play-at \"at\" is not a time in milliseconds")
        return pair[0], pair[1], {"at": int(at)}
    delay = extra.get("delay")
    if delay is not None:
        problem = delay_problem(delay)
        if problem is not None:
            raise WireError("bad-play-at", "play-at " + problem)
        return pair[0], pair[1], {"delay": delay}
    return pair[0], pair[1], None


def _check_text(meta, field, label):
    value = meta.get(field)
    if value is not None and not isinstance(value, str):
        raise WireError("bad-registration", "registration %s is not a string" % label)
    limit = MAX_TEXT[field]
    if value is not None and len(value) > limit:
        raise WireError("registration-too-long", "registration %s is %d characters (limit %d)"
                        % (label, len(value), limit))


def parse_registration(payload):
    """Bytes of a registration datagram -> (key, metadata dict).

    The metadata keeps only the known fields that are present; unknown fields
    are ignored (forward compatible), wrong types are refused.

    >>> parse_registration(b'["k", {"description": "d", "license": null}]')
    ('k', {'description': 'd', 'license': None})
    """
    if len(payload) > MAX_REGISTRATION_BYTES:
        raise WireError("registration-too-long", "registration is %d bytes (limit %d)"
                        % (len(payload), MAX_REGISTRATION_BYTES))
    pair = _decode_pair(payload)
    meta = pair[1]
    if not isinstance(meta, dict):
        raise WireError("bad-registration", "registration value is not a JSON object")
    _check_text(meta, "description", "description")
    _check_text(meta, "provenance", "provenance")
    lic = meta.get("license")
    if lic is not None:
        if not isinstance(lic, dict) or not isinstance(lic.get("uri"), str):
            raise WireError("bad-registration", "registration license is not {\"uri\": ..., \"title\": ...} or null")
        _check_text(lic, "uri", "license uri")
        _check_text(lic, "title", "license title")
        lic = {"uri": lic["uri"], "title": lic.get("title")}
    clean = {}
    if "delay" in meta:     # play-at for every datum of the key; null clears it
        delay = meta["delay"]
        if delay is not None and delay_problem(delay) is not None:
            raise WireError("bad-registration", "registration " + delay_problem(delay))
        clean["delay"] = delay
    for field in REGISTRATION_FIELDS:
        if field in meta:
            clean[field] = lic if field == "license" else meta[field]
    problem = hints_problem(meta)
    if problem is not None:
        raise WireError("bad-registration", "registration " + problem)
    for field in HINT_FIELDS:
        if meta.get(field) is not None:
            clean[field] = meta[field]
    return pair[0], clean


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def hints_problem(meta):
    """What is wrong with the optional control hints in `meta`, or None.

    >>> hints_problem({"min": 0, "max": 100, "unit": "%"}) is None
    True
    """
    unit = meta.get("unit")
    if unit is not None and (not isinstance(unit, str) or len(unit) > MAX_UNIT):
        return "unit is not a string of at most %d characters" % MAX_UNIT
    for field in ("min", "max"):
        if meta.get(field) is not None and not _is_number(meta[field]):
            return "%s is not a number" % field
    if _is_number(meta.get("min")) and _is_number(meta.get("max")) and not meta["min"] < meta["max"]:
        return "min is not below max"
    choices = meta.get("choices")
    if choices is not None:
        if not isinstance(choices, list) or not 0 < len(choices) <= MAX_CHOICES:
            return "choices is not a list of 1 to %d values" % MAX_CHOICES
        for choice in choices:
            if isinstance(choice, str):
                if len(choice) > MAX_CHOICE_TEXT:
                    return "a choice is longer than %d characters" % MAX_CHOICE_TEXT
            elif not (_is_number(choice) or isinstance(choice, bool)):
                return "a choice is not a string, number or true/false"
    return None


def _checked_key(key):
    problem = key_problem(key)
    if problem is not None:
        raise ValueError(problem)
    return key


def _checked_size(data):
    if len(data) > MAX_DATAGRAM_BYTES:
        raise ValueError("datum is %d bytes, over the %d-byte limit" % (len(data), MAX_DATAGRAM_BYTES))
    return data


def encode_datum(key, value, delay=None, at=None):
    """(key, value) -> the bytes a source multicasts: the 2012 form, or with
    `delay` (seconds) or `at` (server ms) the play-at form [key, value, {...}].

    Raises ValueError (caller's mistake) for a bad key, a value JSON cannot
    encode, or a datum over MAX_DATAGRAM_BYTES.

    >>> encode_datum("test/tick", 1)
    b'["test/tick", 1]'
    """
    _checked_key(key)
    try:
        if at is not None:
            text = json.dumps([key, value, {"at": int(at)}])
        elif delay is not None:
            if delay_problem(delay) is not None:
                raise ValueError(delay_problem(delay))
            text = json.dumps([key, value, {"delay": delay}])
        else:
            text = json.dumps([key, value])
        # MicroPython's dumps writes "<object>" instead of raising: re-read.
        json.loads(text)
    except (TypeError, ValueError):
        raise ValueError("value is not JSON-serialisable: %r" % (value,))
    return _checked_size(text.encode("utf-8"))


def encode_registration(key, description=None, provenance=None, license=None,
                        unit=None, min=None, max=None, choices=None, delay=None):
    """Registration bytes. `license` is None or {"uri": ..., "title": ...};
    `unit`, `min`, `max`, `choices` are optional hints for controls and
    `delay` (seconds) asks servers to stamp every datum with a play-at (each
    sent only when given).

    >>> encode_registration("k", "A key", "me")
    b'["k", {"description": "A key", "provenance": "me", "license": null}]'
    """
    if license is not None and not (isinstance(license, dict) and isinstance(license.get("uri"), str)):
        # a bare name such as "CC-BY-4.0" is the usual mistake: show the shape
        raise ValueError("license is {\"uri\": ..., \"title\": ...}, e.g. license={\"uri\": "
                         "\"https://creativecommons.org/licenses/by/4.0/\", \"title\": \"CC BY 4.0\"}; "
                         "got %r" % (license,))
    meta = {"description": description, "provenance": provenance, "license": license,
            "unit": unit, "min": min, "max": max, "choices": choices}
    problem = hints_problem(meta)
    if problem is not None:
        raise ValueError(problem)
    fields = REGISTRATION_FIELDS + tuple(f for f in HINT_FIELDS if meta[f] is not None)
    # A fixed field order keeps the bytes identical from run to run.
    text = ", ".join("%s: %s" % (json.dumps(f), json.dumps(meta[f])) for f in fields)
    if delay is not None:
        if delay_problem(delay) is not None:
            raise ValueError(delay_problem(delay))
        text += ", \"delay\": %s" % json.dumps(delay)
    text = "[%s, {%s}]" % (json.dumps(_checked_key(key)), text)
    return _checked_size(text.encode("utf-8"))
