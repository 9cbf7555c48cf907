"""What every backend, output device and input offers its user.

An output device has ONE write call taking the state the shared piece
runtime computed (artcast_core.output.Output.frame): pixel tuples for a
strip, an angle or None for a servo, True/False for a pin, a duty 0..1 for
PWM. close() parks it safely (strip dark, servo released, pin off) and
frees the hardware.

An input (a button, PIR sensor or switch; artcast-gpio-source reads one)
has ONE read call: True when active. close() frees the pin.

Both are context managers; the backend that made them closes them all.
"""

from artcast_core.output import safe_target


class Part:
    """What outputs and inputs share: close() parks (where there is a safe
    state) and then frees the hardware, once; a context manager."""

    closed = False

    def park(self):
        """Go to the safe state before release (outputs override)."""

    def release(self):
        """Free the hardware after parking (override where needed)."""

    def close(self):
        if self.closed:
            return
        try:
            self.park()
        finally:
            self.closed = True
            self.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Device(Part):
    """One output device: ONE write call taking the runtime's state."""

    def __init__(self, spec):
        self.spec = spec
        self.device = spec["device"]
        self.kind = self.device["type"]

    def write(self, state):  # pragma: no cover - every device overrides it
        raise NotImplementedError

    def park(self):
        """Write the safe state (dark / released / off)."""
        state = safe_target(self.device)
        if self.kind == "neopixel":
            state = list(state)
        elif self.kind == "pin":
            state = False
        self.write(state)


class Input(Part):
    """One input pin, read through a backend. read() -> True when active.

    pull: the Pi's internal resistor, "up", "down" or "off".
    active_low: 0 V means active (a button to GND, the default); False for
    a sensor that drives its output high when it fires (a PIR).
    """

    PULLS = ("up", "down", "off")

    def __init__(self, pin, pull="up", active_low=True):
        if pull not in self.PULLS:
            raise ValueError("pull must be one of %s (got %r)" % (", ".join(self.PULLS), pull))
        self.pin = pin
        self.pull = pull
        self.active_low = active_low

    def read(self):  # pragma: no cover - every input overrides it
        raise NotImplementedError

    def active(self, level):
        """Electrical level 0/1 -> True when active."""
        return (level == 0) if self.active_low else (level == 1)

    def describe(self):
        return "GPIO %d input (pull %s, active %s)" % (self.pin, self.pull, "low" if self.active_low else "high")


class Backend:
    """Makes devices for validated outputs, and inputs; owns the clock."""

    name = "?"

    def __init__(self, clock=None):
        from artcast_kinetic.backends.clock import RealClock
        self.clock = clock or RealClock()
        self.devices = []

    def open(self, spec):
        device = self._make(spec)
        self.devices.append(device)
        return device

    def _make(self, spec):  # pragma: no cover
        raise NotImplementedError

    def open_input(self, pin, pull="up", active_low=True):
        """An Input for a BCM pin (closed with the backend)."""
        device = self._make_input(pin, pull, active_low)
        self.devices.append(device)
        return device

    def _make_input(self, pin, pull, active_low):  # pragma: no cover
        raise NotImplementedError

    def describe(self, spec):
        """One line saying what drives this output (for logs)."""
        return self.name

    def close(self):
        """Park and close every device, last opened first."""
        errors = []
        for device in reversed(self.devices):
            try:
                device.close()
            except Exception as e:  # keep parking the others
                errors.append(e)
        self.devices = []
        if errors:
            raise errors[0]
