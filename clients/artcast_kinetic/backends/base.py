"""What every backend and device offers the runner.

A device has ONE write call taking the state the shared core computed
(artcast_core.output.Output.frame): pixel tuples for a strip, an angle or
None for a servo, True/False for a pin, a duty 0..1 for PWM. close() parks
it safely (strip dark, servo released, pin off) and frees the hardware;
devices are context managers.
"""

from artcast_core.output import safe_target


class Device:
    def __init__(self, spec):
        self.spec = spec
        self.device = spec["device"]
        self.kind = self.device["type"]
        self.closed = False

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


class Backend:
    """Makes devices for validated outputs; owns the clock."""

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
