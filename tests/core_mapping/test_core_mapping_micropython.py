# The core tests above, run under the real MicroPython unix port: the
# mapping/motion/piece/runtime code ships to the ESP32 firmware unchanged.

import os

import pytest

from support.micropython import CORE_PATH, run_micropython, run_test_module

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = ["test_core_vectors.py", "test_core_piece.py", "test_core_motion.py", "test_core_runtime.py",
           "test_core_clock.py"]


@pytest.mark.parametrize("module", MODULES)
def test_core_module_passes_under_micropython(module):
    passed, failed = run_test_module(os.path.join(HERE, module))
    assert not failed, failed
    # every test function ran, none silently missing
    names = [line.split("(")[0][4:] for line in open(os.path.join(HERE, module)) if line.startswith("def test_")]
    assert sorted(passed) == sorted(names)



FRAME_ALLOC = """
import gc
from artcast_core.colour import wire_into
from artcast_core.mapping import apply_brightness
from artcast_core.motion import _mix
buf = bytearray(900)
def alloc(f):
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    f()
    used = gc.mem_alloc() - before
    gc.enable()
    return used
def growth(n):
    # What a frame of 300 pixels allocates beyond one of 3 (the call's
    # own small objects cancel out).
    a = [(0, 0, 255)] * n
    b = [(255, 0, 0)] * n
    return (alloc(lambda: _mix(a, b, 0.5)), alloc(lambda: apply_brightness(a, 0.3)),
            alloc(lambda: wire_into(buf, a, "GRB")))
growth(3)            # the first calls' one-off allocations out of the way
big, small = growth(300), growth(3)
print(" ".join(str(big[i] - small[i]) for i in range(3)))
"""


def test_a_fade_frame_allocates_one_list_per_step_under_micropython():
    # The ESP32's heap (firmware/README.md): a 300-pixel frame's lists are
    # sized once, not grown by append (which ends at 512 slots, and copies),
    # and the wire bytes go straight into the driver's buffer.
    proc = run_micropython(code=FRAME_ALLOC, micropypath=[CORE_PATH])
    assert proc.returncode == 0, proc.stderr
    mix, bright, wire = [int(n) for n in proc.stdout.split()]
    slot = 8      # the unix port is 64-bit (4 on an ESP32)
    assert mix <= 300 * slot and bright <= 300 * slot, proc.stdout
    assert wire < 100, proc.stdout
