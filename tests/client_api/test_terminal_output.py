"""What the terminal commands print, run as a user runs them against a real
server (issue 9.9, 11.13): no control character from a value, description,
key list or error reaches the terminal raw (they are shown escaped, e.g.
\\x1b), and `artcast watch` on a key the server has never seen says so and
names the close matches."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO, "clients", "examples", "tick-strip-servo.json")

# retitle the terminal, clear it, ring the bell, go back to column 0, C1 CSI
NASTY = "a\x1b]0;owned\x07\x1b[2J\rb\x9b31m"
RAW = ("\x1b", "\x07", "\r", "\x9b")


def env():
    e = dict(os.environ)
    paths = [os.path.join(REPO, d) for d in ("clients", "server", "sources")]
    e["PYTHONPATH"] = os.pathsep.join(paths + ([e["PYTHONPATH"]] if e.get("PYTHONPATH") else []))
    e["NO_COLOR"] = "1"          # the simulate view's own colour escapes off: any ESC left came from data
    e.pop("ARTCAST_BACKEND", None)
    return e


class Running:
    """A command in the background; stdout and stderr collected as bytes."""

    def __init__(self, module, *args):
        self.proc = subprocess.Popen([sys.executable, "-m", module] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env())
        self.out, self.err = [], []
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, sink), daemon=True).start()

    @staticmethod
    def _read(stream, sink):
        for chunk in iter(lambda: stream.read1(65536), b""):
            sink.append(chunk)

    def stdout(self):
        return b"".join(self.out).decode("utf-8", "replace")

    def stderr(self):
        return b"".join(self.err).decode("utf-8", "replace")

    def wait_for(self, predicate, what, timeout=30.0, poke=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                raise AssertionError("%s exited %s: %s" % (self.proc.args, self.proc.returncode, self.stderr()))
            if poke is not None:
                poke()
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s\nstdout: %r\nstderr: %r"
                             % (what, self.stdout()[-800:], self.stderr()[-800:]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def assert_clean(text):
    for raw in RAW:
        assert raw not in text, "raw %r printed: %r" % (raw, text[-400:])


def test_watch_text_escapes_control_characters(server):
    run = Running("artcast_client.cli", "watch", "--text", "--server", server.url, "term/k")
    try:
        server.send("term/k", NASTY)
        # the first answer may be wait=0's 204; keep sending until the value is printed
        run.wait_for(lambda: "owned" in run.stdout(), "the value", poke=lambda: server.send("term/k", NASTY))
    finally:
        run.stop()
    out = run.stdout()
    assert_clean(out)
    assert "a\\x1b]0;owned\\x07\\x1b[2J\\rb\\x9b31m" in out


def test_list_escapes_descriptions(server):
    server.register("term/list", description="desc " + NASTY)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and b"term/list" not in server.get("/artcasts")[2]:
        time.sleep(0.05)
    proc = subprocess.run([sys.executable, "-m", "artcast_client.cli", "list", "--server", server.url],
                          capture_output=True, env=env(), timeout=30)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, proc.stderr
    assert "term/list  -  desc a\\x1b]0;owned" in out
    assert_clean(out)


def test_simulate_view_escapes_values(server):
    run = Running("artcast_kinetic.cli", "--simulate", "--no-web", "--server", server.url, EXAMPLE)
    try:
        run.wait_for(lambda: "online" in run.stdout(), "online")
        run.wait_for(lambda: "owned" in run.stdout(), "the value shown",
                     poke=lambda: server.send("test/tick", NASTY))
    finally:
        run.stop()
    assert_clean(run.stdout())
    assert "\x1b" not in run.stdout()
    assert "\\x1b]0;owned" in run.stdout()


def test_watch_names_close_matches_for_a_misspelt_key(server):
    server.send("test/tick", 1)
    server.register("test/now", description="time")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(json.loads(server.get("/artcasts")[2])) < 2:
        time.sleep(0.05)
    run = Running("artcast_client.cli", "watch", "--server", server.url, "test/tik")
    try:
        run.wait_for(lambda: "never seen" in run.stderr(), "the unknown-key note")
    finally:
        run.stop()
    assert "%s has never seen test/tik (yet); close matches: test/tick" % server.url in run.stderr()


def test_watch_says_nothing_for_a_known_key(server):
    server.send("test/tick", 1)
    server.wait_for_datums(1)
    run = Running("artcast_client.cli", "watch", "--server", server.url, "test/tick")
    try:
        run.wait_for(lambda: run.stdout().strip() == "1", "the current value")
    finally:
        run.stop()
    assert "never seen" not in run.stderr()
