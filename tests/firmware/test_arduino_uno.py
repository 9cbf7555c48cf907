"""The sketch's portable code compiles for a real board (Arduino Uno, AVR)
with Debian's arduino-builder and arduino-core-avr."""

import os
import shutil
import subprocess

from arduino_build import SKETCH
from fwboard import HERE

# Everything of the sketch but the ESP32-only .ino and its settings.
PORTABLE = sorted(n for n in os.listdir(SKETCH) if n.endswith((".cpp", ".h")) and n != "artcast_config.h")


def test_portable_code_compiles_for_uno(tmp_path):
    builder = shutil.which("arduino-builder")
    assert builder, "arduino-builder is missing: apt-get install arduino-builder arduino-core-avr"
    sketch = tmp_path / "artcast_uno"
    sketch.mkdir()
    shutil.copy(os.path.join(HERE, "arduino_uno", "artcast_uno.ino"), str(sketch))
    for name in PORTABLE:
        shutil.copy(os.path.join(SKETCH, name), str(sketch))
    build = tmp_path / "build"
    build.mkdir()
    cmd = [builder, "-compile", "-hardware", "/usr/share/arduino/hardware",
           "-hardware", "/usr/share/arduino-builder", "-tools", "/usr/bin",
           "-fqbn", "arduino:avr:uno", "-build-path", str(build),
           # Debian's avr-libc lacks DECIMAL_DIG, which the core's Print.cpp needs.
           "-prefs=compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__",
           str(sketch / "artcast_uno.ino")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Sketch uses" in proc.stdout
    hexfile = build / "artcast_uno.ino.hex"
    assert hexfile.exists() and hexfile.stat().st_size > 1000
    print([line for line in proc.stdout.splitlines() if "Sketch uses" in line or "Global variables" in line])
