# Text from the network, made safe to show a person (SECURITY.md).
#
# Values, descriptions, URLs and User-Agents are written by whoever can send
# a datagram or a request. Printed raw, an ESC or BEL byte retitles, clears
# or rewrites a terminal, a CR overwrites the line before it, a lone
# surrogate makes print() raise. printable() is the one escaping function
# every terminal and log line goes through:
#
#   >>> printable("a\x1b]0;owned\x07b")
#   'a\\x1b]0;owned\\x07b'
#
# What it escapes, visibly, in Python's own notation: C0 controls (including
# TAB, CR and, unless keep_newlines, LF), DEL, C1 controls (0x80-0x9f: 0x9b
# is a one-byte CSI on some terminals), lone surrogates and the Unicode
# bidirectional overrides (text that reads differently from what it holds).
# Everything else, accents and emoji included, passes unchanged. Backslashes
# are left alone: the output is for eyes, not for parsing back.
#
# strip_controls() is for places that cannot show an escape and must not
# carry a control at all (an HTTP header).
#
# Runs on MicroPython (whose str cannot hold surrogates or test
# isprintable(): the slow path below is the whole story there).

_BIDI = (0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
         0x2066, 0x2067, 0x2068, 0x2069)


def _unsafe(code):
    return (code < 0x20 or 0x7f <= code < 0xa0 or 0xd800 <= code < 0xe000
            or (0x200e <= code < 0x206a and code in _BIDI))


_NAMED = {0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r"}


def _escape(code):
    if code in _NAMED:
        return _NAMED[code]
    if code < 0x100:
        return "\\x%02x" % code
    return "\\u%04x" % code


def _clean_fast(text):
    # CPython: one C-speed test for the common case (every ordinary line of
    # an access log). isprintable() is False for more than we escape (e.g.
    # non-ASCII spaces); those take the exact path below.
    try:
        return text.isprintable()
    except AttributeError:      # MicroPython
        return False


def printable(text, keep_newlines=False):
    """`text` with every control character escaped visibly (see above).

    >>> printable("caf\\u00e9 \\u2603"), printable("a\\r\\nb"), printable("a\\nb", True)
    ('café ☃', 'a\\\\r\\\\nb', 'a\\nb')
    """
    if not isinstance(text, str):
        text = str(text)
    if _clean_fast(text.replace("\n", " ") if keep_newlines else text):
        return text
    out = []
    start = 0
    i = 0
    for ch in text:
        code = ord(ch)
        if _unsafe(code) and not (keep_newlines and code == 0x0a):
            if start < i:
                out.append(text[start:i])
            out.append(_escape(code))
            start = i + 1
        i += 1
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


def strip_controls(text):
    """`text` without any of the characters printable() would escape.

    >>> strip_controls("a\\r\\nSet-Cookie: x\\x00")
    'aSet-Cookie: x'
    """
    if _clean_fast(text):
        return text
    return "".join(ch for ch in text if not _unsafe(ord(ch)))
