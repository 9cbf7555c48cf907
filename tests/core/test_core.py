"""The protocol core's tests, under CPython and under real MicroPython."""

import os

import core_cases
import pytest

from support.micropython import run_test_module

CASES = sorted(name for name in dir(core_cases) if name.startswith("test_"))


@pytest.mark.parametrize("name", CASES)
def test_cpython(name):
    getattr(core_cases, name)()


def test_micropython_runs_every_case():
    passed, failed = run_test_module(os.path.join(os.path.dirname(__file__), "core_cases.py"))
    assert failed == []
    assert sorted(passed) == CASES
