# Artcast key rules (PROTOCOL.md, "Keys").
#
# A key is 1-200 characters from A-Z a-z 0-9 . _ ~ - in segments joined by
# "/", with no empty, "." or ".." segment: "test/tick", "room-2/temp".
# These are URL-safe without escaping, so a key is also its own URL path.

MAX_KEY_LENGTH = 200

_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-/")


def key_problem(key):
    """Say what is wrong with `key`, or return None when it is valid.

    >>> key_problem("test/tick") is None
    True
    >>> key_problem("a//b")
    'key has an empty segment'
    """
    if not isinstance(key, str):
        return "key is not a string"
    if not key:
        return "key is empty"
    if len(key) > MAX_KEY_LENGTH:
        return "key is longer than %d characters" % MAX_KEY_LENGTH
    for ch in key:
        if ch not in _ALLOWED:
            return "key contains %r (allowed: A-Z a-z 0-9 . _ ~ - and /)" % ch
    for segment in key.split("/"):
        if segment == "":
            return "key has an empty segment"
        if segment == "." or segment == "..":
            return "key has a %r segment" % segment
    return None


def is_valid_key(key):
    return key_problem(key) is None
