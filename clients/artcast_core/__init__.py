# Artcast protocol core: pure functions and small classes, no I/O.
#
# Shared by the server (CPython), the sources, the Pi client and the ESP32
# firmware (MicroPython). Keep every module here to the subset of Python both
# interpreters run: no annotations, no dataclasses, no f-string "=", no
# CPython-only modules. Tests run this package under both interpreters.
#
# The wire protocol itself is described in PROTOCOL.md at the repository root.

VERSION = "1.0.0"
