# Colours for LED strips, as plain tuples of 0..255 integers.
#
# A piece file writes a colour as "#rrggbb" (or "#rrggbbww" for RGBW
# strips) or as a list [r, g, b] / [r, g, b, w]. Everything here is pure
# arithmetic so the Pi client, the MicroPython firmware and the Arduino
# sketch (which re-implements the same rules, checked by
# tests/vectors/mapping.json) produce the same bytes.
#
#   >>> parse_colour("#ff8000", 3)
#   (255, 128, 0)
#   >>> blend((0, 0, 0), (255, 100, 10), 0.5)
#   (128, 50, 5)
#
# Rounding rule everywhere: round half up, i.e. int(x + 0.5) for x >= 0.

_HEX = "0123456789abcdef"

# Pixel orders a strip may be wired in; the value is where R, G, B (and W)
# sit in the bytes sent down the wire.
ORDERS = ("RGB", "RBG", "GRB", "GBR", "BRG", "BGR",
          "RGBW", "RBGW", "GRBW", "GBRW", "BRGW", "BGRW")


def channels_of(order):
    """3 for RGB-type orders, 4 for RGBW-type ones."""
    return len(order)


def to_byte(x):
    """A float channel value -> int 0..255, half up, clamped."""
    if x <= 0:
        return 0
    if x >= 255:
        return 255
    return int(x + 0.5)


def colour_problem(colour, channels):
    """Say what is wrong with a colour written in a piece file, or None.

    >>> colour_problem("#12345", 3)
    'must be "#rrggbb" or a list [r, g, b] of integers 0..255'
    """
    if channels == 4:
        want = 'must be "#rrggbb", "#rrggbbww" or a list [r, g, b] / [r, g, b, w] of integers 0..255'
    else:
        want = 'must be "#rrggbb" or a list [r, g, b] of integers 0..255'
    if isinstance(colour, str):
        text = colour.lower()
        if not text.startswith("#") or len(text) not in (7, 9):
            return want
        if len(text) == 9 and channels != 4:
            return "has a white channel (#rrggbbww) but the strip's order has no W"
        for ch in text[1:]:
            if ch not in _HEX:
                return want
        return None
    if isinstance(colour, list):
        if len(colour) not in (3, 4):
            return want
        if len(colour) == 4 and channels != 4:
            return "has a white channel [r, g, b, w] but the strip's order has no W"
        for part in colour:
            if type(part) is not int or part < 0 or part > 255:
                return want
        return None
    return want


def parse_colour(colour, channels):
    """A valid colour -> tuple of `channels` ints. Raises ValueError if bad.

    RGB colours on an RGBW strip get w = 0.

    >>> parse_colour([1, 2, 3], 4)
    (1, 2, 3, 0)
    """
    problem = colour_problem(colour, channels)
    if problem is not None:
        raise ValueError("colour %s" % problem)
    if isinstance(colour, str):
        text = colour.lower()
        parts = [int(text[i:i + 2], 16) for i in range(1, len(text), 2)]
    else:
        parts = list(colour)
    while len(parts) < channels:
        parts.append(0)
    return tuple(parts)


def blend(a, b, t):
    """Colour part-way from a to b (t = 0..1), rounded half up."""
    if t <= 0:
        return a
    if t >= 1:
        return b
    # Between two 0..255 values, so no clamping; spelled out for speed
    # (this runs for every pixel of every fade frame on an ESP32).
    if len(a) == 3:
        return (int(a[0] + (b[0] - a[0]) * t + 0.5), int(a[1] + (b[1] - a[1]) * t + 0.5),
                int(a[2] + (b[2] - a[2]) * t + 0.5))
    return tuple(int(a[i] + (b[i] - a[i]) * t + 0.5) for i in range(len(a)))


def scale(colour, factor):
    """Colour times a brightness factor 0..1, rounded half up."""
    if factor >= 1:
        return colour
    return tuple(to_byte(c * factor) for c in colour)


def palette_at(palette, t):
    """Colour at position t (0..1) of a palette of evenly spaced stops.

    >>> palette_at([(0, 0, 0), (100, 0, 0), (100, 100, 0)], 0.75)
    (100, 50, 0)
    """
    n = len(palette)
    if n == 1 or t <= 0:
        return palette[0]
    if t >= 1:
        return palette[-1]
    pos = t * (n - 1)
    i = int(pos)
    return blend(palette[i], palette[i + 1], pos - i)


def wire_bytes(pixels, order):
    """Pixel tuples (R, G, B[, W]) -> bytes in the strip's wire order.

    For drivers that take raw bytes (MicroPython's neopixel writes GRB
    itself, other strips need this).

    >>> wire_bytes([(1, 2, 3)], "GRB")
    b'\\x02\\x01\\x03'
    """
    out = bytearray(len(pixels) * len(order))
    wire_into(out, pixels, order)
    return bytes(out)


def wire_into(out, pixels, order):
    """wire_bytes() written into `out` (a bytearray of at least
    len(pixels) * len(order) bytes, such as a strip driver's own buffer):
    nothing the size of the strip is allocated (the ESP32's heap).

    >>> buf = bytearray(3)
    >>> wire_into(buf, [(1, 2, 3)], "GRB")
    >>> buf
    bytearray(b'\\x02\\x01\\x03')
    """
    index = ["RGBW".find(ch) for ch in order]
    j = 0
    for px in pixels:
        for i in index:
            out[j] = px[i]
            j += 1


def as_hex(colour):
    """(r, g, b[, w]) -> "#rrggbb[ww]" (for logs and the simulator page)."""
    return "#" + "".join("%02x" % c for c in colour)
