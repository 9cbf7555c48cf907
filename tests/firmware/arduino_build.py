"""Host builds of the Arduino sketch with g++ against the Arduino-API
stand-in in tests/firmware/arduino_shim (tests only)."""

import glob
import json
import os
import shutil
import subprocess

from fwboard import HERE
from support.micropython import REPO

SKETCH = os.path.join(REPO, "firmware", "arduino", "artcast_client")
SHIM = os.path.join(HERE, "arduino_shim")
FLAGS = ["-std=c++11", "-O1", "-Wall", "-Wextra", "-Werror"]


def gxx():
    found = shutil.which("g++")
    assert found, "g++ is missing: apt-get install g++ (needed for the Arduino host tests)"
    return found


def build(tmp_path, name, sources, defines=(), include_shim=False):
    """Compile `sources` into tmp_path/name."""
    out = os.path.join(str(tmp_path), name)
    cmd = [gxx()] + FLAGS + ["-I", SKETCH, "-o", out]
    if include_shim:
        cmd += ["-I", SHIM]
    cmd += ["-D%s" % d for d in defines]
    cmd += list(sources)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, "g++ failed:\n" + proc.stderr[-4000:]
    return out


def c_string(text):
    """A Python str as a C string literal (for -DNAME=value)."""
    return json.dumps(text)


def build_sketch(tmp_path, name="sketch", **settings):
    """The whole sketch (.ino + its .cpp files + the shim) as a host program.

    settings: ARTCAST_* overrides, e.g. server="http://...", strip={...}
    (an output dict), servo="" (leave out), hold=2.
    """
    defines = []
    for key, value in settings.items():
        macro = "ARTCAST_" + key.upper()
        if isinstance(value, dict):
            value = json.dumps(value)
        defines.append("%s=%s" % (macro, c_string(value) if isinstance(value, str) else value))
    out = os.path.join(str(tmp_path), name)
    cmd = [gxx()] + FLAGS + ["-I", SHIM, "-I", SKETCH, "-include", "Arduino.h", "-o", out]
    cmd += ["-D%s" % d for d in defines]
    cmd += ["-x", "c++", os.path.join(SKETCH, "artcast_client.ino"), "-x", "none"]
    cmd += sorted(glob.glob(os.path.join(SKETCH, "*.cpp"))) + [os.path.join(SHIM, "shim.cpp")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, "g++ failed:\n" + proc.stderr[-4000:]
    return out
