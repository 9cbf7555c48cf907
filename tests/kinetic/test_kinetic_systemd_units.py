"""The shipped systemd units pass `systemd-analyze verify` (in a throwaway
root, with the stock targets and stand-ins for the commands they start)."""

import os
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNITS = os.path.join(REPO, "clients", "artcast_kinetic", "systemd")


def _root(tmp_path):
    root = str(tmp_path / "root")
    shutil.copytree("/usr/lib/systemd/system", os.path.join(root, "usr/lib/systemd/system"), symlinks=True)
    system = os.path.join(root, "etc/systemd/system")
    os.makedirs(system)
    for name in ("artcast-kinetic", "artcast-gpio-source"):
        path = os.path.join(root, "opt/artcast/venv/bin", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(path, 0o755)
    for name in os.listdir(UNITS):
        if name.endswith(".service"):
            shutil.copy(os.path.join(UNITS, name), system)
    return root


def verify(root, *units):
    return subprocess.run(["systemd-analyze", "verify", "--root=" + root] + list(units),
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def root(tmp_path):
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing (apt-get install systemd)"
    return _root(tmp_path)


def test_units_verify_clean(root):
    dropin = os.path.join(root, "etc/systemd/system/artcast-kinetic@window.service.d")
    os.makedirs(dropin)
    shutil.copy(os.path.join(UNITS, "neopixel-root.conf"), dropin)
    result = verify(root, "artcast-kinetic@window.service", "artcast-gpio-source@door.service")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_verify_catches_a_broken_unit(root):
    with open(os.path.join(UNITS, "artcast-kinetic@.service")) as f:
        text = f.read()
    assert "RestartPreventExitStatus=2" in text and "KillSignal=SIGTERM" in text
    with open(os.path.join(root, "etc/systemd/system/broken@.service"), "w") as f:
        f.write(text.replace("Restart=always", "Restart=sometimes"))
    assert "sometimes" in verify(root, "broken@x.service").stderr
