"""What is wrong with a key taken from a request's URL path.

Keys need no escaping in URLs (PROTOCOL.md, "Keys"), and the server does not
decode the path, so `/artcasts/caf%C3%A9` reaches the routes as `caf%C3%A9`.
The message names the decoded character (`'é'`), not the `'%'`, so the
person who typed the key sees which character is not allowed.
"""

from urllib.parse import unquote

from artcast_core.keys import key_problem


def path_key_problem(key):
    """None when `key` (as it appears in the path) is a valid key, else a
    message for a 400."""
    problem = key_problem(key)
    if problem is None or "%" not in key:
        return problem
    decoded = unquote(key, errors="replace")
    if decoded == key:
        return problem                 # a bare '%' that escapes nothing
    decoded_problem = key_problem(decoded)
    if decoded_problem is None:
        return "key is percent-encoded: write it as %r (keys need no escaping in URLs)" % decoded
    return decoded_problem
