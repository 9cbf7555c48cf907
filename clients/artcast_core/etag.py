# ETags name a datum (PROTOCOL.md, "ETag").
#
# Every server fed by the same multicast group must give the same datum the
# same ETag, so it is derived from the bytes the source sent, never from a
# per-process counter: the first 16 hex digits of SHA-256 over the datagram,
# quoted as an HTTP strong entity tag.

try:
    import hashlib
except ImportError:  # some MicroPython builds
    import uhashlib as hashlib

try:
    from binascii import hexlify
except ImportError:
    from ubinascii import hexlify


def etag_for(payload):
    """The ETag of a datum, from the datagram bytes that carried it.

    >>> etag_for(b'["test/tick", 1]')
    '"4b12e8a50c677d56"'
    """
    digest = hashlib.sha256(payload).digest()
    return '"' + hexlify(digest[:8]).decode() + '"'


def etag_matches(header, etag):
    """True when an If-None-Match header (or ?after=) names `etag`.

    Accepts a list ("a", "b"), weak tags (W/"a"), bare tags without quotes
    (for devices that strip them) and "*" (matches any datum).

    >>> etag_matches('W/"x", "y"', '"y"')
    True
    """
    if not header or etag is None:
        return False
    if header[:1] == '"' == header[-1:] and "," not in header and etag[:1] == '"':
        return header == etag   # one strong tag, as every Artcast client sends
    bare = etag.strip('"')
    for part in header.split(","):
        tag = part.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == bare:
            return True
    return False
