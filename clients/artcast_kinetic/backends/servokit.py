"""Servos on a PCA9685 board through adafruit-circuitpython-servokit.

Wiring: the board's SDA/SCL to GPIO2/GPIO3 (pins 3 and 5), VCC to the Pi's
3.3 V, servo power (V+) from a separate 5-6 V supply, grounds joined.
Enable I2C with raspi-config. The default address is 0x40 (64).

The board makes the pulses in hardware, so servos hold still (no jitter)
and one Pi drives up to 16 per board.
"""

from artcast_kinetic.backends.base import Device

def open_kit(address, frequency, i2c=None):
    """A ServoKit for the board at `address` (one per board, shared by its
    channels: the backend keeps them). `i2c` defaults to board.I2C()."""
    from adafruit_servokit import ServoKit
    if i2c is None:
        import board
        i2c = board.I2C()
    return ServoKit(channels=16, i2c=i2c, address=address, frequency=frequency)


class Pca9685Servo(Device):
    def __init__(self, spec, kit):
        super().__init__(spec)
        dev = self.device
        board = dev["pca9685"]
        self.servo = kit.servo[board["channel"]]
        self.servo.set_pulse_width_range(int(dev["pulse"][0]), int(dev["pulse"][1]))
        self.servo.fraction = None   # released until the first angle

    def write(self, angle):
        if angle is None:
            self.servo.fraction = None
            return
        lo, hi = self.device["angle"]
        self.servo.fraction = min(1.0, max(0.0, (angle - lo) / (hi - lo)))
