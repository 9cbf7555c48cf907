# Key patterns (PROTOCOL.md, "Key patterns").
#
# A pattern names one key ("room/light") or every key under a prefix
# ("room/*": "*" stands for one or more whole segments at the end). "*"
# alone matches every key. Used wherever keys are chosen by pattern:
# publish tokens, keys bound to a datagram secret, /events, the recorder.
#
#   key_matches("room/*", "room/2/light")   -> True
#   key_matches("room/*", "room")           -> False

from artcast_core.keys import key_problem


def pattern_problem(pattern):
    """Say what is wrong with `pattern`, or None when it is valid.

    >>> pattern_problem("room/*") is None
    True
    >>> pattern_problem("ro*m")
    'pattern may only end in "/*" (or be "*"), as in room/*'
    """
    if not isinstance(pattern, str):
        return "pattern is not a string"
    if pattern == "*":
        return None
    prefix = pattern[:-2] if pattern.endswith("/*") else pattern
    if "*" in prefix:
        return 'pattern may only end in "/*" (or be "*"), as in room/*'
    problem = key_problem(prefix)
    if problem is not None:
        return "pattern: " + problem
    return None


def key_matches(pattern, key):
    """True when `key` is named by `pattern` (a valid pattern, see above)."""
    if pattern == "*":
        return True
    if pattern.endswith("/*"):
        prefix = pattern[:-1]            # keeps the "/"
        return len(key) > len(prefix) and key.startswith(prefix)
    return key == pattern


def any_matches(patterns, key):
    for pattern in patterns:
        if key_matches(pattern, key):
            return True
    return False
