"""The Raspberry Pi backend: one driver per device kind.

  neopixel               -> blinka_strip.NeoPixelStrip (adafruit-circuitpython-neopixel)
  servo with "pin"       -> rpi_gpio.GpioServo        (RPi.GPIO / rpi-lgpio)
  servo with "pca9685"   -> servokit.Pca9685Servo     (adafruit-circuitpython-servokit)
  pin, pwm               -> rpi_gpio.GpioPin, GpioPwm
  input (a button, PIR)  -> rpi_gpio.GpioInput        (RPi.GPIO / rpi-lgpio)
  "dmx" outputs          -> dmx.DmxFixtures           (sacn: sACN / E1.31)
  "wled" outputs         -> wled.WledStrip            (WLED's JSON API or DDP)

Libraries are imported only for the device kinds a piece uses, so a piece
with only a strip does not need RPi.GPIO and vice versa.
"""

from artcast_core.boards import BOARDS, pin_problems
from artcast_kinetic.backends.base import Backend

# BCM pins the Pi's NeoPixel driver can drive (PWM0, PCM, SPI0 MOSI; Pi 1-4):
# from the Pi's pin table, which the piece editor shows too.
STRIP_PINS = BOARDS["pi"]["strip_pins"]
MAX_BCM = max(BOARDS["pi"]["gpios"])


def needed_modules(piece):
    """Import names the hardware backend needs for this piece."""
    names = []
    for out in piece["outputs"]:
        dev = out["device"]
        if dev.get("dmx"):
            want = ("sacn",)
        elif dev.get("wled"):
            want = ()
        elif dev["type"] == "neopixel":
            want = ("board", "neopixel")
        elif dev["type"] == "servo" and dev.get("pca9685"):
            want = ("board", "adafruit_servokit")
        else:
            want = ("RPi.GPIO",)
        for name in want:
            if name not in names:
                names.append(name)
    return names


# What reading an input pin needs.
INPUT_MODULES = ("RPi.GPIO",)


def hardware_problem(piece):
    """None when this machine can drive the piece, else why not (one line)."""
    return modules_problem(needed_modules(piece))


def modules_problem(names):
    """None when every module imports, else why the first one does not."""
    for name in names:
        try:
            __import__(name)
        except Exception as e:  # ImportError, RuntimeError("only on a Raspberry Pi"), NotImplementedError
            return "cannot import %s (%s: %s)" % (name, type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else "")
    return None


def pi_pin_problems(piece):
    """Pi-specific pin checks the shared validator cannot know (ESP32 pins
    differ): the errors of the Pi's pin table (artcast_core.boards), the
    one the piece editor shows too."""
    return ["%s: %s" % (path, problem) for path, problem, level in pin_problems(piece["outputs"], "pi")
            if level == "error"]


class HardwareBackend(Backend):
    name = "hardware"

    def __init__(self, clock=None, i2c=None):
        super().__init__(clock)
        self.i2c = i2c
        self.kits = {}
        self.sacn = None

    def _kit(self, dev):
        from artcast_kinetic.backends.servokit import open_kit
        address = dev["pca9685"]["address"]
        if address not in self.kits:
            self.kits[address] = open_kit(address, int(dev["frequency"]), self.i2c)
        return self.kits[address]

    def _make(self, spec):
        dev = spec["device"]
        kind = dev["type"]
        if dev.get("dmx"):
            from artcast_kinetic.backends.dmx import DmxFixtures, SacnSender
            if self.sacn is None:
                self.sacn = SacnSender()
            return DmxFixtures(spec, self.sacn)
        if dev.get("wled"):
            from artcast_kinetic.backends.wled import WledStrip
            return WledStrip(spec)
        if kind == "neopixel":
            from artcast_kinetic.backends.blinka_strip import NeoPixelStrip
            return NeoPixelStrip(spec)
        if kind == "servo" and dev.get("pca9685"):
            from artcast_kinetic.backends.servokit import Pca9685Servo
            return Pca9685Servo(spec, self._kit(dev))
        from artcast_kinetic.backends import rpi_gpio
        if kind == "servo":
            return rpi_gpio.GpioServo(spec)
        if kind == "pin":
            return rpi_gpio.GpioPin(spec)
        return rpi_gpio.GpioPwm(spec)

    def _make_input(self, pin, pull, active_low):
        from artcast_kinetic.backends.rpi_gpio import GpioInput
        return GpioInput(pin, pull, active_low)

    def close(self):
        try:
            super().close()
        finally:
            if self.sacn is not None:
                self.sacn.close()
                self.sacn = None

    def describe(self, spec):
        dev = spec["device"]
        if dev.get("dmx") or dev.get("wled"):
            from artcast_core.piece import device_where
            return device_where(dev)
        if dev["type"] == "neopixel":
            return "neopixel: %d pixels on GPIO %d (%s)" % (dev["count"], dev["pin"], dev["order"])
        if dev.get("pca9685"):
            return "servokit: PCA9685 0x%02x channel %d" % (dev["pca9685"]["address"], dev["pca9685"]["channel"])
        return "RPi.GPIO: %s on GPIO %d" % (dev["type"], dev["pin"])
