"""Waiting on an event in tests: poll a condition until it holds, with a
generous deadline (a busy 2-core machine is slow, never wrong)."""

import time


def wait_until(condition, timeout=10.0, what="condition"):
    """Return condition()'s first true value; AssertionError after `timeout`
    seconds naming `what` (a string, or a function called for the message)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what() if callable(what) else what))


def pidfile_pid(path):
    """The pid in `path` once the file holds one, else None (not yet written)."""
    try:
        with open(str(path)) as f:
            text = f.read().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None
