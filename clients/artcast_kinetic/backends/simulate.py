"""The simulate backend: no hardware, every write recorded with its time.

Used by `artcast-kinetic --simulate` (the terminal view and web page show
what these devices hold) and by tests, which read `history`:

    backend = SimulatedBackend(clock=ManualClock())
    strip = backend.open(spec)
    ... run the piece ...
    strip.history  ->  [(0.0, [(0, 0, 0), ...]), (0.5, [(64, 0, 0), ...])]

Like gpiozero's mock pins, the recording is the point: a test asserts on
the sequence of states that would have reached the hardware, over time.

Inputs are simulated too: set(True) presses the button (toggle() flips
it; `artcast-gpio-source --simulate` toggles on each Enter), read() gives
what the source would read, and `history` records each change:

    button = backend.open_input(17)
    button.set(True); button.read()   ->  True
    button.history                    ->  [(0.0, False), (0.5, True)]
"""

from artcast_kinetic.backends.base import Backend, Device, Input


class RecordingDevice(Device):
    def __init__(self, spec, clock):
        super().__init__(spec)
        self.clock = clock
        self.history = []
        self.state = None

    def write(self, state):
        if self.kind == "neopixel":
            state = [tuple(p) for p in state]
        self.state = state
        self.history.append((self.clock.now(), state))

    def states(self):
        return [s for _, s in self.history]


class SimulatedInput(Input):
    """A button nobody wired: starts inactive; set() / toggle() change it."""

    def __init__(self, pin, pull, active_low, clock):
        super().__init__(pin, pull, active_low)
        self.clock = clock
        self.state = False
        self.reads = 0
        self.history = [(clock.now(), False)]

    def read(self):
        self.reads += 1
        return self.state

    def set(self, active):
        active = bool(active)
        if active != self.state:
            self.state = active
            self.history.append((self.clock.now(), active))

    def toggle(self):
        self.set(not self.state)
        return self.state


class SimulatedBackend(Backend):
    name = "simulate"

    def _make(self, spec):
        return RecordingDevice(spec, self.clock)

    def _make_input(self, pin, pull, active_low):
        return SimulatedInput(pin, pull, active_low, self.clock)

    def describe(self, spec):
        from artcast_core.piece import device_where
        dev = spec["device"]
        if dev.get("dmx") or dev.get("wled"):
            return "simulated %s" % device_where(dev)
        where = "PCA9685 channel %d" % dev["pca9685"]["channel"] if dev.get("pca9685") else "GPIO %d" % dev["pin"]
        return "simulated %s on %s" % (dev["type"], where)
