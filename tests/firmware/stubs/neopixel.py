# Recording stand-in for MicroPython's `neopixel` (tests only).
#
# Same class shape as the board's neopixel.NeoPixel (buf, ORDER, bpp,
# __setitem__, fill, write); write() records the exact bytes that would go
# down the data line: ["pixels", pin, "hexbytes"].

from _record import record


class NeoPixel:
    ORDER = (1, 0, 2, 3)  # G R B W on the wire

    def __init__(self, pin, n, bpp=3, timing=1):
        self.pin = pin
        self.n = n
        self.bpp = bpp
        self.buf = bytearray(n * bpp)
        pin.init(pin.OUT)

    def __len__(self):
        return self.n

    def __setitem__(self, i, v):
        offset = i * self.bpp
        for j in range(self.bpp):
            self.buf[offset + self.ORDER[j]] = v[j]

    def __getitem__(self, i):
        offset = i * self.bpp
        return tuple(self.buf[offset + self.ORDER[j]] for j in range(self.bpp))

    def fill(self, v):
        for i in range(self.n):
            self[i] = v

    def write(self):
        if len(self.buf) != self.n * self.bpp:
            raise ValueError("buffer length changed")
        record("pixels", self.pin.id, bytes(self.buf).hex())
