"""artcast_core.text (terminal and log escaping) under CPython and MicroPython."""

import os

import pytest
import text_cases

from artcast_core.text import printable
from support.micropython import run_test_module

CASES = sorted(name for name in dir(text_cases) if name.startswith("test_"))


@pytest.mark.parametrize("name", CASES)
def test_cpython(name):
    getattr(text_cases, name)()


def test_micropython_runs_every_case():
    passed, failed = run_test_module(os.path.join(os.path.dirname(__file__), "text_cases.py"))
    assert failed == []
    assert sorted(passed) == CASES


def test_lone_surrogate_becomes_printable_and_encodable():
    out = printable("x\ud800y")
    assert out == "x\\ud800y"
    out.encode("utf-8")         # print() would raise on the raw surrogate
