"""Servos, on/off pins, PWM and input pins through the RPi.GPIO API.

On a Pi 5 (and on Ubuntu) the `rpi-lgpio` package provides the same
`RPi.GPIO` module on top of lgpio; on older Raspberry Pi OS the classic
RPi.GPIO works too. Pins are BCM numbers (GPIO12 is physical pin 32).

Wiring notes:
  servo  signal wire to the GPIO (GPIO12 in the examples); servo power from
         its own 5-6 V supply, grounds joined. RPi.GPIO's PWM is software
         timed: fine for one or two servos; for jitter-free motion use a
         PCA9685 board ("pca9685": {"channel": N} in the piece file).
  pin    a relay module, LED (with resistor) or a MOSFET for a solenoid (with
         a flyback diode). "active_low": true for relay boards that switch on
         at 0 V.
  pwm    a MOSFET or motor driver input; never drive a motor from a GPIO.
  input  a button between the GPIO and GND (internal pull-up, active low),
         or a PIR sensor's 3.3 V output (pull down, active high).
"""

from artcast_core.mapping import pin_level, pwm_duty, servo_duty
from artcast_kinetic.backends.base import Device, Input


def gpio_module():
    import RPi.GPIO as GPIO
    if GPIO.getmode() is None:
        GPIO.setwarnings(False)
        GPIO.setmode(GPIO.BCM)
    return GPIO


class GpioPin(Device):
    def __init__(self, spec):
        super().__init__(spec)
        self.GPIO = gpio_module()
        self.GPIO.setup(self.device["pin"], self.GPIO.OUT, initial=pin_level(self.device, False))

    def write(self, on):
        self.GPIO.output(self.device["pin"], pin_level(self.device, on))

    def release(self):
        # Leave an active-low relay driven off rather than floating.
        if not self.device.get("active_low"):
            self.GPIO.cleanup(self.device["pin"])


class GpioPwm(Device):
    """PWM duty 0..1 from RPi.GPIO at the device frequency (dimmer, motor driver)."""

    def __init__(self, spec):
        super().__init__(spec)
        self.GPIO = gpio_module()
        pin = self.device["pin"]
        self.GPIO.setup(pin, self.GPIO.OUT, initial=0)
        self.pwm = self.GPIO.PWM(pin, self.device["frequency"])
        self.pwm.start(0)

    def write(self, duty):
        self.pwm.ChangeDutyCycle(duty * 100.0)

    def release(self):
        self.pwm.stop()
        self.pwm = None          # RPi.GPIO's PWM also stops in __del__: let that happen now
        self.GPIO.cleanup(self.device["pin"])


class GpioServo(GpioPwm):
    """Servo pulses from RPi.GPIO PWM at the device frequency (50 Hz).
    Starts released (no pulses) until the first angle."""

    def write(self, angle):
        # None releases the servo: duty 0 means no pulses at all.
        GpioPwm.write(self, servo_duty(self.device, angle))


class GpioInput(Input):
    """An input pin with the Pi's internal pull resistor. read() -> True when active."""

    def __init__(self, pin, pull="up", active_low=True):
        super().__init__(pin, pull, active_low)
        self.GPIO = gpio_module()
        pud = {"up": self.GPIO.PUD_UP, "down": self.GPIO.PUD_DOWN, "off": self.GPIO.PUD_OFF}[pull]
        self.GPIO.setup(pin, self.GPIO.IN, pull_up_down=pud)

    def read(self):
        return self.active(self.GPIO.input(self.pin))

    def release(self):
        self.GPIO.cleanup(self.pin)
