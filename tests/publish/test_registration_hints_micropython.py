import os

from support.micropython import run_test_module

HERE = os.path.dirname(os.path.abspath(__file__))


def test_registration_hints_pass_under_micropython():
    passed, failed = run_test_module(os.path.join(HERE, "test_registration_hints.py"))
    assert not failed, failed
    assert len(passed) == 4
