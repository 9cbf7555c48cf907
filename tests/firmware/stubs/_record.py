# Shared recorder for the board stand-ins (tests only, never on a board).
#
# Every call that would reach hardware appends one JSON line
# [ticks_ms, kind, ...] to the file named by $ARTCAST_RECORD, flushed at
# once so the pytest side can read it while the firmware runs.
#
#   record("pwm", 17, 4915)   ->  [123456, "pwm", 17, 4915]
#
# With $ARTCAST_RECORD_US set, the time is ticks_us() / 1000 (ms with a
# fraction, the same CLOCK_MONOTONIC on the unix port): the skew benchmark
# compares board writes with the Pi client's float times.

import json
import os
import time

_path = os.getenv("ARTCAST_RECORD")
_file = open(_path, "a") if _path else None
_us = bool(os.getenv("ARTCAST_RECORD_US"))


def record(kind, *args):
    if _file is None:
        return
    # One write per record, newline included: the test reads the file while
    # it grows, and must never see a record without its newline followed
    # by a bare "\n" (fwboard.Board.records).
    now = time.ticks_us() / 1000 if _us else time.ticks_ms()
    _file.write(json.dumps([now, kind] + list(args)) + "\n")
    _file.flush()


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
