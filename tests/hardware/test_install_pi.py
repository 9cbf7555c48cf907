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
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from support.checkout import fresh_checkout, system_python3, user_env


def documented_pi_install():
    with open(os.path.join(REPO, "clients", "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## On a Raspberry Pi"):]
    return [line.strip().split("  #")[0].strip() for line in section.splitlines()
            if line.strip().startswith("python3 run.py install")][0]


def test_run_py_install_pi_in_a_fresh_checkout(tmp_path):
    assert documented_pi_install() == "python3 run.py install --pi"
    checkout = fresh_checkout(str(tmp_path / "artcast"))
    env = user_env()
    python3 = system_python3()
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
