"""The documented Pi install, run as written in a fresh copy of the
checkout: `python3 run.py install --pi` makes .venv with the hardware
extra, and `python3 run.py <command>` runs the commands from it.

On this x86 machine /proc/device-tree/model is absent, so the [pi] extra is
chosen; its packages (Blinka, the NeoPixel and ServoKit libraries) install
here, while RPi.GPIO is skipped by its platform marker (it only builds on
ARM). The Pi 5 choice is tested in test_appliance.py (same rule); the [pi5]
extra is not installed here (its NeoPixel driver compiles for minutes).
"""

import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fresh_checkout(dest):
    """The tracked files (as they are in the working tree), nothing else."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and os.path.exists(os.path.join(REPO, name)):
            os.makedirs(os.path.join(dest, os.path.dirname(name)), exist_ok=True)
            shutil.copy2(os.path.join(REPO, name), os.path.join(dest, name))
    return dest


def test_run_py_install_pi_in_a_fresh_checkout(tmp_path):
    checkout = fresh_checkout(str(tmp_path / "artcast"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    python3 = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or sys.executable
    done = subprocess.run([python3, "run.py", "install", "--pi"], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "installing the [pi] extra" in done.stdout
    assert ". .venv/bin/activate" in done.stdout          # how to get the commands
    venv_python = os.path.join(checkout, ".venv", "bin", "python")
    found = subprocess.run([venv_python, "-c",
                            "import importlib.util as u, artcast_kinetic, artcast_server;"
                            "print([u.find_spec(n) is not None for n in ('neopixel', 'adafruit_servokit', 'board')]);"
                            "print(artcast_kinetic.__file__)"],
                           capture_output=True, text=True, timeout=60)
    assert found.stdout.splitlines()[0] == "[True, True, True]", found.stderr
    assert found.stdout.splitlines()[1].startswith(checkout)   # this checkout, not the developer's
    for command in ("artcast-kinetic", "artcast-server", "artcast"):
        ran = subprocess.run([python3, "run.py", command, "--help"], cwd=checkout, env=env,
                             capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0 and "usage: " + command in ran.stdout, ran.stderr
