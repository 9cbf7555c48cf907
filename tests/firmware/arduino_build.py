"""Host builds of the Arduino sketch's code with g++ (tests only)."""

import os
import shutil
import subprocess

from conftest import HERE
from support.micropython import REPO

SKETCH = os.path.join(REPO, "firmware", "arduino", "artcast_client")
SHIM = os.path.join(HERE, "arduino_shim")


def build(tmp_path, name, sources, defines=(), include_shim=False):
    """Compile `sources` into tmp_path/name; a clear failure if g++ is missing."""
    gxx = shutil.which("g++")
    assert gxx, "g++ is missing: apt-get install g++ (needed for the Arduino host tests)"
    out = os.path.join(str(tmp_path), name)
    cmd = [gxx, "-std=c++11", "-O1", "-Wall", "-Wextra", "-Werror", "-I", SKETCH, "-o", out]
    if include_shim:
        cmd += ["-I", SHIM]
    cmd += ["-D%s" % d for d in defines]
    cmd += list(sources)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, "g++ failed:\n" + proc.stderr[-4000:]
    return out
