import os

from support.micropython import run_test_module

HERE = os.path.dirname(os.path.abspath(__file__))


def test_patterns_pass_under_micropython():
    passed, failed = run_test_module(os.path.join(HERE, "test_patterns.py"))
    assert not failed, failed
    assert len(passed) == 4
