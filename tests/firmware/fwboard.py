"""Helpers for the ESP32 firmware tests (imported by conftest.py and the
tests; a plain module, so its name never collides with other conftests).

Board: one firmware process (MicroPython main.py, or a host build of the
Arduino sketch) in its own "flash" folder, and what reached the recording
stand-ins: every record is [ticks_ms, kind, ...].
"""

import json
import os
import subprocess
import sys
import time

from support.micropython import REPO, micropython_command
from support.process import stop_process

HERE = os.path.dirname(os.path.abspath(__file__))
STUBS = os.path.join(HERE, "stubs")
FIRMWARE = os.path.join(REPO, "firmware", "micropython")
CLIENTS = os.path.join(REPO, "clients")


def _load_deploy():
    # firmware/micropython/deploy.py (the build and its file lists), under a
    # name no other test area can shadow.
    import importlib.util
    spec = importlib.util.spec_from_file_location("artcast_firmware_deploy",
                                                  os.path.join(FIRMWARE, "deploy.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


deploy = _load_deploy()


def wifi_config(server_url, outputs, **extra):
    cfg = {"wifi": {"ssid": "gallery", "password": "sculpture"}, "server": server_url,
           "outputs": outputs, "setup_button": None}
    cfg.update(extra)
    return cfg


def parse_records(text, kind=None):
    """Records from the text of a growing record file. Read in one go and
    only up to the last newline: a record still being written (no newline
    yet) is left for the next read, never parsed in two pieces."""
    out = []
    for line in text[:text.rfind("\n") + 1].splitlines():
        if line:
            rec = json.loads(line)
            if kind is None or rec[1] == kind:
                out.append(rec)
    return out


class Board:
    """One firmware process and its flash folder."""

    def __init__(self, folder, micropypath):
        self.dir = str(folder)
        os.makedirs(self.dir, exist_ok=True)
        self.record_path = os.path.join(self.dir, "record.jsonl")
        self.wifi_down_path = os.path.join(self.dir, "wifi-down")
        self.micropypath = micropypath
        self.proc = None
        self.out_path = os.path.join(self.dir, "console.txt")

    def write_config(self, cfg):
        with open(os.path.join(self.dir, "config.json"), "w") as f:
            json.dump(cfg, f)

    def read_config(self):
        with open(os.path.join(self.dir, "config.json")) as f:
            return json.load(f)

    def start(self, script=None, code=None, inputs="", args=(), binary=None, env=None):
        env = dict(os.environ, **(env or {}))
        env["MICROPYPATH"] = ":".join(self.micropypath + [".frozen"])
        env["ARTCAST_RECORD"] = self.record_path
        env["STUB_WIFI_DOWN"] = self.wifi_down_path
        env["STUB_INPUTS"] = inputs
        env["STUB_INPUT_FILE"] = os.path.join(self.dir, "inputs")
        if binary is not None:
            cmd = [binary]  # a host build of the Arduino sketch
        elif code is not None:
            cmd = [micropython_command(), "-c", code]
        else:
            cmd = [micropython_command(), script or os.path.join(FIRMWARE, "main.py")]
        self._out = open(self.out_path, "ab")
        self.proc = subprocess.Popen(cmd + list(args), cwd=self.dir, env=env,
                                     stdout=self._out, stderr=subprocess.STDOUT)
        return self

    def console(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def wait_console(self, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        while text not in self.console():
            if time.monotonic() > deadline or (self.proc and self.proc.poll() is not None):
                raise AssertionError("console never said %r:\n%s" % (text, self.console()[-3000:]))
            time.sleep(0.02)

    def records(self, kind=None):
        if not os.path.exists(self.record_path):
            return []
        with open(self.record_path) as f:
            text = f.read()
        return parse_records(text, kind)

    def mark(self):
        """A point in the history: pass as wait_for(since=...) to only see
        what happens after it."""
        return len(self.records())

    def wait_for(self, predicate, timeout=10.0, kind=None, what="record", since=0):
        """First record (of `kind`, after mark `since`) matching predicate;
        fails after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for rec in self.records()[since:]:
                if kind is not None and rec[1] != kind:
                    continue
                if predicate(rec):
                    return rec
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError("firmware exited (%s) before %s:\n%s"
                                     % (self.proc.returncode, what, self.console()[-3000:]))
            if time.monotonic() > deadline:
                raise AssertionError("no %s within %.0fs; console:\n%s"
                                     % (what, timeout, self.console()[-3000:]))
            time.sleep(0.02)

    def wifi(self, up):
        if up:
            if os.path.exists(self.wifi_down_path):
                os.remove(self.wifi_down_path)
        else:
            open(self.wifi_down_path, "w").close()

    def press(self, levels):
        """Set input levels while running, e.g. press("0=0") holds GPIO0 low."""
        with open(os.path.join(self.dir, "inputs"), "w") as f:
            f.write(levels)

    def wait_exit(self, timeout=10.0):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("firmware still running; console:\n" + self.console()[-3000:])

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
        if getattr(self, "_out", None):
            self._out.close()


