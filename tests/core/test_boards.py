"""Board pin tables under CPython and under real MicroPython."""

import os

import boards_cases
import pytest

from support.micropython import run_test_module

CASES = sorted(name for name in dir(boards_cases) if name.startswith("test_"))


@pytest.mark.parametrize("name", CASES)
def test_cpython(name):
    getattr(boards_cases, name)()


def test_micropython_runs_every_case():
    passed, failed = run_test_module(os.path.join(os.path.dirname(__file__), "boards_cases.py"))
    assert failed == []
    assert sorted(passed) == CASES
