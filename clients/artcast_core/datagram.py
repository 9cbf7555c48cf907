# Datagrams: what sources multicast and servers receive (PROTOCOL.md).
#
# Data:          UTF-8 JSON  [key, value]            group 224.1.1.1 port 5007
# Registration:  UTF-8 JSON  [key, {"description": ..., "provenance": ...,
#                                   "license": {"uri": ..., "title": ...} | null}]
#                                                    group 224.1.1.1 port 5008
#
# parse_* take the received bytes and return plain values or raise WireError
# with a reason the server counts. encode_* build the bytes a source sends,
# exactly as the 2012 source module did (json.dumps of a two-element list).

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


def _decode_pair(payload):
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
    if not isinstance(pair, list) or len(pair) != 2:
        raise WireError("not-pair", "datagram is not a JSON array [key, value]")
    problem = key_problem(pair[0])
    if problem is not None:
        raise WireError("bad-key", problem)
    return pair


def parse_datum(payload):
    """Bytes of a data datagram -> (key, value).

    >>> parse_datum(b'["test/tick", 3]')
    ('test/tick', 3)
    """
    pair = _decode_pair(payload)
    return pair[0], pair[1]


def _check_text(meta, field):
    value = meta.get(field)
    if value is not None and not isinstance(value, str):
        raise WireError("bad-registration", "registration %s is not a string" % field)


def parse_registration(payload):
    """Bytes of a registration datagram -> (key, metadata dict).

    The metadata keeps only the known fields that are present; unknown fields
    are ignored (forward compatible), wrong types are refused.

    >>> parse_registration(b'["k", {"description": "d", "license": null}]')
    ('k', {'description': 'd', 'license': None})
    """
    pair = _decode_pair(payload)
    meta = pair[1]
    if not isinstance(meta, dict):
        raise WireError("bad-registration", "registration value is not a JSON object")
    _check_text(meta, "description")
    _check_text(meta, "provenance")
    lic = meta.get("license")
    if lic is not None:
        if not isinstance(lic, dict) or not isinstance(lic.get("uri"), str):
            raise WireError("bad-registration", "registration license is not {\"uri\": ..., \"title\": ...} or null")
        if lic.get("title") is not None and not isinstance(lic.get("title"), str):
            raise WireError("bad-registration", "registration license title is not a string")
        lic = {"uri": lic["uri"], "title": lic.get("title")}
    clean = {}
    for field in REGISTRATION_FIELDS:
        if field in meta:
            clean[field] = lic if field == "license" else meta[field]
    return pair[0], clean


def _checked_key(key):
    problem = key_problem(key)
    if problem is not None:
        raise ValueError(problem)
    return key


def _checked_size(data):
    if len(data) > MAX_DATAGRAM_BYTES:
        raise ValueError("datum is %d bytes, over the %d-byte limit" % (len(data), MAX_DATAGRAM_BYTES))
    return data


def encode_datum(key, value):
    """(key, value) -> the bytes a source multicasts.

    Raises ValueError (caller's mistake) for a bad key, a value JSON cannot
    encode, or a datum over MAX_DATAGRAM_BYTES.

    >>> encode_datum("test/tick", 1)
    b'["test/tick", 1]'
    """
    _checked_key(key)
    try:
        text = json.dumps([key, value])
        # MicroPython's dumps writes "<object>" instead of raising: re-read.
        json.loads(text)
    except (TypeError, ValueError):
        raise ValueError("value is not JSON-serialisable: %r" % (value,))
    return _checked_size(text.encode("utf-8"))


def encode_registration(key, description=None, provenance=None, license=None):
    """Registration bytes. `license` is None or {"uri": ..., "title": ...}.

    >>> encode_registration("k", "A key", "me")
    b'["k", {"description": "A key", "provenance": "me", "license": null}]'
    """
    if license is not None and not (isinstance(license, dict) and isinstance(license.get("uri"), str)):
        # a bare name such as "CC-BY-4.0" is the usual mistake: show the shape
        raise ValueError("license is {\"uri\": ..., \"title\": ...}, e.g. license={\"uri\": "
                         "\"https://creativecommons.org/licenses/by/4.0/\", \"title\": \"CC BY 4.0\"}; "
                         "got %r" % (license,))
    meta = {"description": description, "provenance": provenance, "license": license}
    # A fixed field order keeps the bytes identical from run to run.
    text = "[%s, {%s}]" % (
        json.dumps(_checked_key(key)),
        ", ".join("%s: %s" % (json.dumps(f), json.dumps(meta[f])) for f in REGISTRATION_FIELDS),
    )
    return _checked_size(text.encode("utf-8"))
