"""The simulate backend: no hardware, every write recorded with its time.

Used by `artcast-kinetic --simulate` (the terminal view and web page show
what these devices hold) and by tests, which read `history`:

    backend = SimulatedBackend(clock=ManualClock())
    strip = backend.open(spec)
    ... run the piece ...
    strip.history  ->  [(0.0, [(0, 0, 0), ...]), (0.5, [(64, 0, 0), ...])]

Like gpiozero's mock pins, the recording is the point: a test asserts on
the sequence of states that would have reached the hardware, over time.
"""

from artcast_kinetic.backends.base import Backend, Device


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


class SimulatedBackend(Backend):
    name = "simulate"

    def _make(self, spec):
        return RecordingDevice(spec, self.clock)

    def describe(self, spec):
        dev = spec["device"]
        where = "PCA9685 channel %d" % dev["pca9685"]["channel"] if dev.get("pca9685") else "GPIO %d" % dev["pin"]
        return "simulated %s on %s" % (dev["type"], where)
