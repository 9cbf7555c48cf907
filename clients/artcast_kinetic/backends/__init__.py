"""Hardware backends, and the choice between them.

Outputs (artcast-kinetic's strips, servos, pins) and inputs (the buttons
and sensors artcast-gpio-source reads) go through the same layer: a
backend makes the devices, owns the clock, and is either the Pi's
hardware or the recording simulation.

Backend choice, first that applies (and the log says which and why):
  1. an explicit argument (--simulate, --backend NAME),
  2. the piece file's "backend",
  3. the ARTCAST_BACKEND environment variable,
  4. fallback: "hardware" if this machine can import what the piece
     needs, else "simulate", saying what was missing. (An input source
     asks for no fallback: it must never publish a button nobody pressed,
     so without a choice it opens the hardware or fails saying why.)
"""

import os

from artcast_kinetic.backends.hardware import HardwareBackend, hardware_problem
from artcast_kinetic.backends.simulate import SimulatedBackend

NAMES = ("hardware", "simulate")


def choose_backend(piece=None, explicit=None, environ=None, fallback=True):
    """-> (name, reason). Raises ValueError for an unknown name."""
    environ = os.environ if environ is None else environ
    for name, source in ((explicit, "command line"), ((piece or {}).get("backend"), "piece file"),
                         (environ.get("ARTCAST_BACKEND") or None, "ARTCAST_BACKEND")):
        if name:
            if name not in NAMES:
                raise ValueError("unknown backend %r from %s (choose %s)" % (name, source, " or ".join(NAMES)))
            return name, "chosen by %s" % source
    if not fallback:
        return "hardware", "the default (--simulate to run without a Pi)"
    problem = hardware_problem(piece)
    if problem is None:
        return "hardware", "fallback: the hardware libraries loaded"
    return "simulate", "fallback: no Pi hardware here (%s); simulating instead" % problem


def make_backend(name, clock=None, **options):
    if name == "simulate":
        return SimulatedBackend(clock=clock)
    return HardwareBackend(clock=clock, **options)
