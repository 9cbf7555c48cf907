"""Recording fakes at the innermost hardware boundary, and nothing else.

Everything above these runs for real: Adafruit's neopixel/pixelbuf,
rpi-lgpio's RPi.GPIO (with its own argument checks), servokit/PCA9685 and
busdevice. What is replaced:

  LgpioChip     the lgpio chip calls rpi-lgpio makes (gpiochip_open,
                gpio_claim_output/input, gpio_write/read, gpio_get_mode,
                tx_pwm, gpio_free, gpio_get_chip_info, gpiochip_close)
  PixelWire     neopixel.neopixel_write (the C-level strip write)
  Pca9685Bus    an I2C bus with a PCA9685's register file behind it

Each records (time, ...) tuples using the clock it is given, so tests can
assert on what reached the hardware over time.
"""

import lgpio

_LG_INPUT = 0x100
_LG_OUTPUT = 0x200


class LgpioChip:
    FUNCS = ("gpiochip_open", "gpiochip_close", "gpio_claim_output", "gpio_claim_input", "gpio_write",
             "gpio_read", "gpio_get_mode", "tx_pwm", "gpio_free", "gpio_get_chip_info")

    def __init__(self, clock):
        self.clock = clock
        self.modes = {}       # gpio -> mode bits
        self.levels = {}      # gpio -> output level or input level
        self.pwm = {}         # gpio -> (frequency, duty %)
        self.events = []      # (t, what, gpio, ...)
        self.opened = 0

    def install(self, monkeypatch):
        for name in self.FUNCS:
            monkeypatch.setattr(lgpio, name, getattr(self, name))
        return self

    def _log(self, *event):
        self.events.append((self.clock(),) + event)

    # chip
    def gpiochip_open(self, num):
        self.opened += 1
        return 7

    def gpiochip_close(self, handle):
        self._log("chip_close", None)
        return 0

    def gpio_get_chip_info(self, handle):
        return (0, 54, "gpiochip0", "pinctrl-rp1")

    # lines
    def gpio_claim_output(self, handle, gpio, level=0, flags=0):
        self.modes[gpio] = _LG_OUTPUT
        self.levels[gpio] = int(level)
        self._log("claim_output", gpio, int(level))
        return 0

    def gpio_claim_input(self, handle, gpio, flags=0):
        self.modes[gpio] = _LG_INPUT | 0x80
        self.levels.setdefault(gpio, 0)
        self._log("claim_input", gpio, flags)
        return 0

    def gpio_free(self, handle, gpio):
        self.modes.pop(gpio, None)
        self._log("free", gpio)
        return 0

    def gpio_get_mode(self, handle, gpio):
        return self.modes.get(gpio, 0)

    def gpio_write(self, handle, gpio, level):
        if not self.modes.get(gpio, 0) & _LG_OUTPUT:
            return lgpio.GPIO_NOT_ALLOCATED
        self.levels[gpio] = int(level)
        self._log("write", gpio, int(level))
        return 0

    def gpio_read(self, handle, gpio):
        return self.levels.get(gpio, 0)

    def tx_pwm(self, handle, gpio, frequency, duty, offset=0, cycles=0):
        self.pwm[gpio] = (frequency, duty)
        self._log("pwm", gpio, frequency, duty)
        return 0

    # test helpers
    def set_input(self, gpio, level):
        self.levels[gpio] = level

    def of(self, what, gpio):
        return [e for e in self.events if e[1] == what and e[2] == gpio]


class PixelWire:
    """Stands in for neopixel_write(pin, buffer): records the exact bytes."""

    def __init__(self, clock):
        self.clock = clock
        self.writes = []      # (t, pin id, bytes)

    def install(self, monkeypatch):
        import neopixel
        monkeypatch.setattr(neopixel, "neopixel_write", self)
        return self

    def __call__(self, pin, buf):
        # neopixel hands over a digitalio.DigitalInOut; record its GPIO number
        pin = getattr(pin, "_pin", pin)
        self.writes.append((self.clock(), getattr(pin, "id", pin), bytes(buf)))

    def frames(self):
        return [w[2] for w in self.writes]


class Pca9685Bus:
    """An I2C bus object (busio.I2C's API) with a PCA9685 at `address`."""

    def __init__(self, clock, address=0x40):
        self.clock = clock
        self.address = address
        self.regs = bytearray(256)
        self.regs[0x00] = 0x11   # MODE1 after power-on: SLEEP | ALLCALL
        self.regs[0xFE] = 0x1E   # PRESCALE power-on default
        self.pointer = 0
        self.writes = []         # (t, register, bytes)

    def try_lock(self):
        return True

    def unlock(self):
        pass

    def _check(self, address):
        if address != self.address:
            raise OSError(19, "No such device (I2C address 0x%02x)" % address)

    def writeto(self, address, buffer, *, start=0, end=None):
        self._check(address)
        data = bytes(buffer[start:end])
        if not data:
            return
        reg = data[0]
        self.pointer = reg
        if len(data) > 1:
            for i, byte in enumerate(data[1:]):
                self.regs[(reg + i) & 0xFF] = byte
            self.writes.append((self.clock(), reg, data[1:]))

    def readfrom_into(self, address, buffer, *, start=0, end=None):
        self._check(address)
        end = len(buffer) if end is None else end
        for i in range(start, end):
            buffer[i] = self.regs[(self.pointer + i - start) & 0xFF]

    def writeto_then_readfrom(self, address, out_buffer, in_buffer, *, out_start=0, out_end=None,
                              in_start=0, in_end=None):
        self.writeto(address, out_buffer, start=out_start, end=out_end)
        self.readfrom_into(address, in_buffer, start=in_start, end=in_end)

    def channel_off(self, channel):
        """The 12-bit OFF count of LEDn (what sets the pulse width)."""
        base = 0x06 + 4 * channel
        return self.regs[base + 2] | (self.regs[base + 3] << 8)

    def channel_on(self, channel):
        base = 0x06 + 4 * channel
        return self.regs[base] | (self.regs[base + 1] << 8)
