# The core tests above, run under the real MicroPython unix port: the
# mapping/motion/piece/runtime code ships to the ESP32 firmware unchanged.

import os

import pytest

from support.micropython import run_test_module

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = ["test_core_vectors.py", "test_core_piece.py", "test_core_motion.py", "test_core_runtime.py"]


@pytest.mark.parametrize("module", MODULES)
def test_core_module_passes_under_micropython(module):
    passed, failed = run_test_module(os.path.join(HERE, module))
    assert not failed, failed
    # every test function ran, none silently missing
    names = [line.split("(")[0][4:] for line in open(os.path.join(HERE, module)) if line.startswith("def test_")]
    assert sorted(passed) == sorted(names)
