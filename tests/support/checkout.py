"""A fresh copy of this checkout (tracked files as they are in the working
tree; no .venv, no build files), for tests that run README or guide
commands exactly as a new user would."""

import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fresh_checkout(dest):
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        if name and os.path.exists(os.path.join(REPO, name)):
            os.makedirs(os.path.join(dest, os.path.dirname(name)), exist_ok=True)
            shutil.copy2(os.path.join(REPO, name), os.path.join(dest, name))
    return dest


def user_env():
    """The environment of a new terminal: no virtual env active, no test
    session defaults (loopback multicast), no PYTHONPATH."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("VIRTUAL_ENV", "PYTHON", "ARTCAST_"))}


def system_python3():
    return shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
