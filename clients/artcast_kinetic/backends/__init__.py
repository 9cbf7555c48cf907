"""Hardware backends, and the choice between them.

Backend choice, first that applies (and the log says which and why):
  1. an explicit argument (--simulate, --backend NAME),
  2. the piece file's "backend",
  3. the ARTCAST_BACKEND environment variable,
  4. fallback: "hardware" if this machine can import what the piece
     needs, else "simulate", saying what was missing.
"""

import os

from artcast_kinetic.backends.hardware import HardwareBackend, hardware_problem
from artcast_kinetic.backends.simulate import SimulatedBackend

NAMES = ("hardware", "simulate")


def choose_backend(piece, explicit=None, environ=None):
    """-> (name, reason). Raises ValueError for an unknown name."""
    environ = os.environ if environ is None else environ
    for name, source in ((explicit, "command line"), (piece.get("backend"), "piece file"),
                         (environ.get("ARTCAST_BACKEND") or None, "ARTCAST_BACKEND")):
        if name:
            if name not in NAMES:
                raise ValueError("unknown backend %r from %s (choose %s)" % (name, source, " or ".join(NAMES)))
            return name, "chosen by %s" % source
    problem = hardware_problem(piece)
    if problem is None:
        return "hardware", "fallback: the hardware libraries loaded"
    return "simulate", "fallback: no Pi hardware here (%s); simulating instead" % problem


def make_backend(name, clock=None, **options):
    if name == "simulate":
        return SimulatedBackend(clock=clock)
    return HardwareBackend(clock=clock, **options)
