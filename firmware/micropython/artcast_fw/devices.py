# The board's outputs, each behind one write call.
#
# The shared core (artcast_core.mapping / motion) computes what every
# output should show; these classes only put it on the pins. Each has
# exactly one place where it touches the hardware (`NeoPixel.write`,
# `PWM.duty_u16`, `Pin.value`) and a close() that parks it safely: strip
# dark, servo released (no pulses, so it can be moved by hand and stops
# humming), pin low, PWM off.
#
#   strip = Strip(16, 30)               # 30 pixels on GPIO16
#   strip.show([(0, 0, 9)] * 30, "GRB") # pixel tuples (already dimmed), wire order
#   servo = Servo(17)                   # 50 Hz
#   servo.duty(0.075)                   # 1.5 ms pulses: centre
#   servo.close()                       # released

from machine import PWM, Pin

from artcast_core.colour import wire_into


def duty_u16(fraction):
    """Duty 0..1 -> the 16-bit value machine.PWM.duty_u16 takes (half up)."""
    if fraction <= 0:
        return 0
    if fraction >= 1:
        return 65535
    return int(fraction * 65535 + 0.5)


class Strip:
    """WS2812/SK6812 strip.

    Wiring: data from the GPIO through a 330 ohm resistor to DIN; strip 5 V
    from its own supply (not the board's 5 V pin beyond ~10 pixels), a
    1000 uF capacitor across the supply, and GND shared with the board. A
    3.3 V data line is below what a 5 V strip reliably reads: put a
    74AHCT125 level shifter between (hardware/wiring/esp32-neopixel.md).
    """

    def __init__(self, pin, count, channels=3):
        import neopixel
        self.count = count
        self.channels = channels
        self._np = neopixel.NeoPixel(Pin(pin, Pin.OUT), count, bpp=channels)
        self._last = None

    def show(self, pixels, order):
        """Write `count` pixel tuples (R, G, B[, W]) in the strip's wire
        `order` ("GRB"...), straight into the driver's buffer: no copy of
        the strip per frame. The same pixels again are not rewritten."""
        if pixels == self._last:
            return
        wire_into(self._np.buf, pixels, order)
        self._np.write()
        self._last = pixels      # kept by reference: a new state is a new list

    def close(self):
        self._last = None
        buf = self._np.buf
        for i in range(len(buf)):
            buf[i] = 0
        self._np.write()


class Switch:
    """Digital output: LED, relay module, MOSFET for a solenoid.

    Wiring: an LED needs a series resistor (220-470 ohm); relays and
    solenoids need a driver (transistor/MOSFET + flyback diode), never the
    GPIO directly. The electrical level comes from mapping.pin_level, which
    honours "active_low" relay boards.
    """

    def __init__(self, pin, off_level=0):
        self.off_level = off_level
        self._last = off_level
        self._pin = Pin(pin, Pin.OUT, value=off_level)

    def level(self, level):
        if level != self._last:
            self._last = level
            self._pin.value(level)

    def close(self):
        self.level(self.off_level)


class Dimmer:
    """PWM output: LED dimmer, motor speed through a driver board.

    Wiring: gate of a logic-level MOSFET (or a motor driver's enable pin);
    never a motor straight on the GPIO.
    """

    def __init__(self, pin, freq=1000):
        self._pwm = PWM(Pin(pin), freq=int(freq), duty_u16=0)
        self._last = 0

    def duty(self, fraction):
        """Duty cycle 0..1; 0 = off."""
        d = duty_u16(fraction)
        if d != self._last:
            self._last = d
            self._pwm.duty_u16(d)

    def close(self):
        self.duty(0)
        self._pwm.deinit()


class Servo(Dimmer):
    """Hobby servo on a PWM pin (50 Hz unless the piece file says otherwise).

    The duty comes from artcast_core.mapping.servo_duty; close() sends duty
    0 = no pulses, so the servo goes limp instead of holding.

    Wiring: signal to the GPIO, red to a 5-6 V supply able to give the
    servo's stall current (not the board's 3.3 V), brown/black to GND shared
    with the board. Add 470 uF across the servo supply.
    """

    def __init__(self, pin, freq=50):
        Dimmer.__init__(self, pin, freq)
