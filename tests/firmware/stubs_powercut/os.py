# Power cut stand-in (tests only): the board's `os`, except that rename,
# remove, rmdir and file writes through the update code stop the process
# at the Nth flash change, like a power cut: $STUB_POWER_CUT_AFTER=N
# (unset: never). Each change is recorded as ["flash", op, path].
# On the path before tests/firmware/stubs only in the power-cut tests.

from uos import *  # noqa: F401,F403  the real module's everything else
import uos

from _record import record

_left = [int(getenv("STUB_POWER_CUT_AFTER") or "-1")]


def _change(op, path):
    record("flash", op, path)
    if _left[0] == 0:
        raise SystemExit(79)        # the power goes: nothing after this runs
    if _left[0] > 0:
        _left[0] -= 1


def rename(a, b):
    _change("rename", b)
    uos.rename(a, b)


def remove(p):
    _change("remove", p)
    uos.remove(p)


def rmdir(p):
    _change("rmdir", p)
    uos.rmdir(p)
