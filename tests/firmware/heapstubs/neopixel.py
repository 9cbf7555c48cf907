# A neopixel stand-in for heap measurements only (heap_budget.py,
# ota_heap.py). On a board neopixel is built into the firmware image and its
# write() hands `buf` to machine.bitstream, allocating nothing per frame; the
# recording stand-in in ../stubs builds a hex string of every frame, so it
# would count heap the board never uses. The firmware only fills `buf` and
# calls write() (artcast_fw/devices.py), so that is all this holds.


class NeoPixel:
    ORDER = (1, 0, 2, 3)

    def __init__(self, pin, n, bpp=3, timing=1):
        self.pin = pin
        self.n = n
        self.bpp = bpp
        self.buf = bytearray(n * bpp)
        self.writes = 0
        pin.init(pin.OUT)

    def __len__(self):
        return self.n

    def write(self):
        self.writes += 1
