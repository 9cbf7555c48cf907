"""NeoPixel strips through Adafruit's `neopixel` library (Blinka's `board` pins).

Wiring (hardware/ has the diagram): strip data from GPIO18 (pin 12)
through a 74AHCT125 level shifter (3.3 V -> 5 V) and a 330 ohm series
resistor; 1000 uF across the strip's 5 V supply; strip ground joined to the
Pi's ground; never power a strip from the Pi's 5 V pin.

On a Pi 1-4 the driver (rpi_ws281x) uses PWM/DMA and needs root for GPIO18
(or use SPI on GPIO10). On a Pi 5 install adafruit-blinka-raspberry-pi5-neopixel.

The shared core has already applied the brightness limit and power cap,
so the library runs at brightness 1.0 and its show() is the one write.
"""

from artcast_kinetic.backends.base import Device


def board_pin(number):
    """BCM number -> a Blinka pin object (board.D18 on a Pi)."""
    import board
    pin = getattr(board, "D%d" % number, None)
    if pin is None:
        # Boards Blinka does not describe pin by pin (and the OS-agnostic
        # test board): make the pin object from its number.
        import microcontroller
        pin = microcontroller.Pin(number)
    return pin


class NeoPixelStrip(Device):
    def __init__(self, spec):
        super().__init__(spec)
        import neopixel
        dev = self.device
        self.strip = neopixel.NeoPixel(board_pin(dev["pin"]), dev["count"], bpp=dev["channels"],
                                       brightness=1.0, auto_write=False, pixel_order=dev["order"])

    def write(self, state):
        self.strip[:] = state
        self.strip.show()

    def release(self):
        self.strip.deinit()
