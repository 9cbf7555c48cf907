# Shared recorder for the board stand-ins (tests only, never on a board).
#
# Every call that would reach hardware appends one JSON line
# [ticks_ms, kind, ...] to the file named by $ARTCAST_RECORD, flushed at
# once so the pytest side can read it while the firmware runs.
#
#   record("pwm", 17, 4915)   ->  [123456, "pwm", 17, 4915]
#
# With $ARTCAST_RECORD_US set (the skew benchmark), the time is
# ticks_us() / 1000 (ms with a fraction, the same CLOCK_MONOTONIC on the
# unix port), to compare board writes with the Pi client's float times,
# and lines reach the file at the first record 100 ms after the last write
# (the watchdog's feed records come every 200 ms), not at once: 30
# simulated kits writing files at the moment they all play a value would
# queue for this machine's CPUs and show as skew.

import json
import os
import time

_path = os.getenv("ARTCAST_RECORD")
_file = open(_path, "a") if _path else None
_us = bool(os.getenv("ARTCAST_RECORD_US"))
_held = []
_written = [0]


def record(kind, *args):
    if _file is None:
        return
    # One write per record, newline included: the test reads the file while
    # it grows, and must never see a record without its newline followed
    # by a bare "\n" (fwboard.Board.records).
    if not _us:
        _file.write(json.dumps([time.ticks_ms(), kind] + list(args)) + "\n")
        _file.flush()
        return
    now = time.ticks_us()
    _held.append(json.dumps([now / 1000, kind] + list(args)) + "\n")
    if time.ticks_diff(now, _written[0]) >= 100000:
        _written[0] = now
        _file.write("".join(_held))
        _file.flush()
        del _held[:]


def env_flag_file(name):
    """True when the file named by environment variable `name` exists."""
    path = os.getenv(name)
    if not path:
        return False
    try:
        os.stat(path)
        return True
    except OSError:
        return False
