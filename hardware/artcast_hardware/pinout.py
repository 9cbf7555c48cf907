"""Which pin does what: the one list the wiring diagrams, the guides and the
tests read, so a diagram can never disagree with the example piece files.

Raspberry Pi pins are given twice: the GPIO number (what the piece file and
the software use) and the physical pin number on the 40-pin header (what
you count with your finger: pin 1 is the corner pin nearest the SD card
end, marked with a square pad; odd pins on the inner row, even on the edge).

>>> PI["neopixel"].label()
'GPIO18 (pin 12)'
>>> ESP32["servo"].label()
'GPIO17'
"""


class Pin:
    """One signal on a board: GPIO number and, on a Pi, the header pin."""

    def __init__(self, gpio, physical=None, note=""):
        self.gpio = gpio
        self.physical = physical
        self.note = note

    def name(self):
        return "GPIO%d" % self.gpio

    def label(self):
        if self.physical is None:
            return self.name()
        return "%s (pin %d)" % (self.name(), self.physical)


# Raspberry Pi (any model with the 40-pin header: 3, 4, 5, Zero 2 W).
PI = {
    "neopixel": Pin(18, 12, "NeoPixel data (PCM/PWM pin the driver needs)"),
    "servo": Pin(12, 32, "servo signal, hardware PWM0"),
    "i2c_sda": Pin(2, 3, "I2C data to the PCA9685"),
    "i2c_scl": Pin(3, 5, "I2C clock to the PCA9685"),
    "button": Pin(17, 11, "button to GND, internal pull-up"),
    "pir": Pin(4, 7, "PIR motion sensor output"),
}

# Header pins that are not GPIOs.
PI_POWER = {
    "3V3": 1,     # also 17
    "5V": 2,      # also 4: do NOT power strips or servos from here
    "GND": 6,     # also 9, 14, 20, 25, 30, 34, 39
}

# PCA9685 servo board channel used by the examples.
PCA9685_CHANNEL = 0
PCA9685_I2C_ADDRESS = 0x40

# ESP32 DevKit (ESP32-WROOM-32 boards; the GPIO numbers are the same on
# the S3/C3 boards the firmware supports only if the pins exist there:
# check the board's pinout card).
ESP32 = {
    "neopixel": Pin(16, None, "NeoPixel data"),
    "servo": Pin(17, None, "servo signal (LEDC PWM, 50 Hz)"),
    "setup_button": Pin(0, None, "BOOT button: hold at start for setup mode"),
}
