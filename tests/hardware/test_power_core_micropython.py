# Runs test_power_core.py under the real MicroPython unix port (through the
# shared runner in tests/support/micropython.py), and the docstring examples
# of power.py under CPython, so the shared power maths is proven on both
# interpreters the project ships it to.

import doctest
import os

from support.micropython import run_test_module

HERE = os.path.dirname(os.path.abspath(__file__))


def test_power_core_passes_under_micropython():
    passed, failed = run_test_module(os.path.join(HERE, "test_power_core.py"))
    assert failed == []
    import test_power_core
    names = sorted(n for n in dir(test_power_core) if n.startswith("test_"))
    assert sorted(passed) == names and len(names) >= 10


def test_power_docstring_examples():
    from artcast_core import power
    failures, tried = doctest.testmod(power)
    assert tried >= 15
    assert failures == 0
