"""Stopping a process a test started (by its Popen, never by name)."""

import signal
import subprocess


def stop_process(proc, sig=signal.SIGTERM, timeout=5.0):
    """Send `sig` to `proc` if it still runs, wait up to `timeout` seconds,
    then kill it; return its exit code (-9 when it had to be killed)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode
