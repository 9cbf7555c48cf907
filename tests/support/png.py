"""Read a screenshot's pixels without an imaging library: 8-bit RGB/RGBA,
non-interlaced PNG (what Chromium's Page.captureScreenshot writes).

    image = read_png(data)
    image.count(lambda r, g, b: r > 200 and g < 80)   # how many reddish pixels
"""

import struct
import zlib


class Image:
    def __init__(self, width, height, rows, channels):
        self.width = width
        self.height = height
        self.rows = rows                # bytes per row, unfiltered
        self.channels = channels

    def pixel(self, x, y):
        at = x * self.channels
        row = self.rows[y]
        return row[at], row[at + 1], row[at + 2]

    def count(self, predicate, box=None):
        """Pixels (in box=(x0, y0, x1, y1), CSS px at scale 1) for which predicate(r, g, b)."""
        x0, y0, x1, y1 = box or (0, 0, self.width, self.height)
        found = 0
        c = self.channels
        for y in range(max(0, y0), min(self.height, y1)):
            row = self.rows[y]
            for x in range(max(0, x0), min(self.width, x1)):
                at = x * c
                if predicate(row[at], row[at + 1], row[at + 2]):
                    found += 1
        return found


def read_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos = 8
    idat = b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and not interlace, "unsupported PNG"
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows = []
    prev = bytearray(stride)
    at = 0
    for _ in range(height):
        kind = raw[at]
        line = bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = prev[i]
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 255
            elif kind == 4:
                corner = prev[i - channels] if i >= channels else 0
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        prev = line
    return Image(width, height, rows, channels)
