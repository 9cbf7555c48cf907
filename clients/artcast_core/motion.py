# Motion: how a device moves from its current state to a new target.
#
# Sculptures should move smoothly, not jump: a servo turns at most `rate`
# degrees per second (Slew), and strip colours or PWM levels cross-fade over
# `seconds` (Fade). Neither reads a clock: the caller says how much time has
# passed (`step(dt)`, seconds), so the Pi client's backend, the ESP32's
# ticks_diff() and the tests all drive the same maths and the tests need no
# sleeping.
#
#   >>> s = Slew(90)          # 90 degrees per second
#   >>> s.set_target(0); s.step(0)
#   0
#   >>> s.set_target(90); s.step(0.5)
#   45.0
#   >>> s.step(1.0)
#   90

from artcast_core.colour import blend


class Slew:
    """Servo angle limited to `rate` degrees per second (None: no limit).

    The first target after start (or after release) is taken at once:
    nobody knows where an unpowered servo is, so there is nothing to slew
    from. A target of None releases the servo immediately.
    """

    def __init__(self, rate=None):
        self.rate = rate
        self.current = None
        self.target = None

    def set_target(self, angle):
        self.target = angle
        if angle is None or self.current is None or not self.rate:
            self.current = angle

    def moving(self):
        return self.current != self.target

    def step(self, dt):
        """Advance `dt` seconds; return the angle to write now."""
        if self.current is None or self.target is None or not self.rate:
            self.current = self.target
            return self.current
        gap = self.target - self.current
        room = self.rate * dt
        if -room <= gap <= room:
            self.current = self.target
        elif gap > 0:
            self.current = self.current + room
        else:
            self.current = self.current - room
        return self.current


def _mix(a, b, t):
    # Colour lists blend per pixel (rounded half up); numbers linearly.
    if isinstance(a, list):
        # Sized once, not grown by append (growing doubles the allocation
        # and copies: a 2 KB block per frame for 300 pixels on an ESP32).
        out = [None] * len(a)
        prev_a = prev_b = prev = None
        for i in range(len(a)):
            pa, pb = a[i], b[i]
            # Runs of the same colour objects (a whole strip in one colour,
            # a bar's background) are blended once: 10x less work on an ESP32.
            if pa is not prev_a or pb is not prev_b:
                prev_a, prev_b, prev = pa, pb, blend(pa, pb, t)
            out[i] = prev
        return out
    return a + (b - a) * t


class Fade:
    """Linear cross-fade over `seconds` (0: jump) for colours or levels.

    A new target during a fade starts from wherever the fade had got to,
    so a fast stream of values never makes the strip flicker.

    >>> f = Fade(2.0)
    >>> f.set_target(0.0); f.set_target(1.0); f.step(0.5)
    0.25
    """

    def __init__(self, seconds=0.0):
        self.seconds = seconds
        self.current = None
        self.target = None
        self._start = None
        self._elapsed = 0.0

    def set_target(self, target):
        self.target = target
        if self.current is None or target is None or not self.seconds:
            self.current = target
            self._start = None
        else:
            self._start = self.current
            self._elapsed = 0.0

    def moving(self):
        return self._start is not None

    def step(self, dt):
        """Advance `dt` seconds; return the state to write now."""
        if self._start is None:
            return self.current
        self._elapsed += dt
        t = self._elapsed / self.seconds
        if t >= 1:
            self.current = self.target
            self._start = None
        else:
            self.current = _mix(self._start, self.target, t)
        return self.current


def jump(motion, target):
    """Go to `target` at once, ending any fade or slew (safe state, start)."""
    motion.set_target(target)
    motion.current = target
    if isinstance(motion, Fade):
        motion._start = None
