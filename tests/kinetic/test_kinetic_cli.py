"""artcast-kinetic as a user runs it: a real process, a real server.

Bad piece files stop it with one line naming the field (exit 2); with
--simulate it follows test/tick on the shipped example piece, in the
terminal (ANSI colour blocks) and on its local web page; SIGTERM parks
every output and exits 0."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

from support.net import http_get

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO, "clients", "examples", "tick-strip-servo.json")


def env(**extra):
    """The installed package, as a user runs it: no PYTHONPATH, no backend
    chosen, not a systemd service unless asked (INVOCATION_ID)."""
    e = dict(os.environ)
    for name in ("PYTHONPATH", "ARTCAST_BACKEND", "INVOCATION_ID"):
        e.pop(name, None)
    e.update(extra)
    return e


def kinetic(*args, timeout=30, **extra_env):
    return subprocess.run([sys.executable, "-m", "artcast_kinetic.cli"] + list(args), capture_output=True,
                          text=True, env=env(**extra_env), timeout=timeout, stdin=subprocess.DEVNULL)


def test_a_service_with_hardware_outputs_never_falls_back_to_simulate():
    """Started by systemd (INVOCATION_ID set) on a machine whose Pi libraries
    do not load (this x86 machine): exit 3, naming the library, instead of
    simulating while the service looks healthy."""
    result = kinetic("--no-web", "--no-view", EXAMPLE, INVOCATION_ID="0123456789abcdef", timeout=20)
    assert result.returncode == 3, result.stderr
    assert "running as a service" in result.stderr
    # which library fails first depends on the Blinka variables the kinetic tests set
    assert re.search(r"running as a service, and cannot import (board|neopixel|RPi\.GPIO) \(\w+Error: ",
                     result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    # the same piece from a terminal still falls back to simulating, and says so
    proc = subprocess.Popen([sys.executable, "-m", "artcast_kinetic.cli", "--no-web", "--no-view", EXAMPLE],
                            env=env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "backend: simulate (fallback: no Pi hardware here" in line
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)


def test_the_service_units_do_not_restart_a_missing_library():
    with open(os.path.join(REPO, "clients", "artcast_kinetic", "systemd", "artcast-kinetic@.service")) as f:
        assert "RestartPreventExitStatus=2 3\n" in f.read()
    from artcast_hardware.appliance_files import kinetic_unit_text
    assert "RestartPreventExitStatus=2 3\n" in kinetic_unit_text(False, "test")


def write_piece(tmp_path, data, name="piece.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


GOOD_OUTPUT = {"key": "k", "device": {"type": "pin", "pin": 17}, "mapping": {"type": "direct"}}


def test_config_errors_exit_2_with_one_line_naming_the_field(tmp_path):
    cases = [
        ("{not json", "is not valid JSON"),
        ({"server": "http://h", "outputs": [dict(GOOD_OUTPUT, device={"type": "pin", "pin": "17"})]},
         'outputs[0].device.pin: must be an integer (got "17")'),
        ({"server": "http://h", "outputs": [dict(GOOD_OUTPUT, mapping={"type": "gradient", "from": [0, 1]})]},
         'outputs[0].mapping.type: a "gradient" mapping drives a neopixel strip, not a pin'),
        ({"server": "ftp://h", "outputs": [GOOD_OUTPUT]}, "server: server URL must start with http://"),
        ({"server": "http://h", "backend": "gpio", "outputs": [GOOD_OUTPUT]}, 'backend: must be one of'),
    ]
    for i, (data, expected) in enumerate(cases):
        path = write_piece(tmp_path, data, "p%d.json" % i)
        result = kinetic("--no-web", path)
        assert result.returncode == 2, (data, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("artcast-kinetic: %s: " % path), result.stderr
        assert expected in lines[0], lines[0]
        assert result.stdout == ""


def test_missing_file_and_bad_server_option(tmp_path):
    result = kinetic(str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert result.stderr.strip() == "artcast-kinetic: cannot read %s: No such file or directory" % (tmp_path / "nope.json")
    path = write_piece(tmp_path, {"server": "http://h", "outputs": [GOOD_OUTPUT]})
    result = kinetic("--server", "artcast.local", path)
    assert result.returncode == 2 and "--server: server URL must start with http://" in result.stderr


def test_pi_pin_rules_checked_on_hardware(tmp_path):
    strip = {"key": "k", "device": {"type": "neopixel", "pin": 17, "count": 3}, "mapping": {"type": "direct"}}
    path = write_piece(tmp_path, {"server": "http://h", "outputs": [strip]})
    result = kinetic("--backend", "hardware", path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "%s: outputs[0].device.pin: a NeoPixel strip on a Pi needs GPIO 10, 12, 18 or 21 (got 17)" % path)


def test_check_describes_the_piece():
    result = kinetic("--check", EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "%s: OK, 2 outputs, server http://127.0.0.1:8888" % EXAMPLE,
        "  outputs[0]: neopixel on GPIO 18 <- test/tick (bar)",
        "  outputs[1]: servo on GPIO 12 <- test/tick (linear)"]
    room = os.path.join(REPO, "clients", "examples", "room-sensors.json")
    assert "  outputs[2]: neopixel on GPIO 18 <- weather/now.temp (gradient)" in kinetic("--check", room).stdout


class Running:
    """artcast-kinetic in the background, its stdout and stderr collected live."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, "-m", "artcast_kinetic.cli"] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                                     stdin=subprocess.DEVNULL)
        self.out, self.err = [], []
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, sink), daemon=True).start()

    @staticmethod
    def _read(stream, sink):
        for line in stream:
            sink.append(line)

    def stdout(self):
        return "".join(self.out)

    def stderr(self):
        return "".join(self.err)

    def wait_for(self, predicate, timeout=10.0, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                raise AssertionError("artcast-kinetic exited %s: %s" % (self.proc.returncode, self.stderr()))
            time.sleep(0.02)
        raise AssertionError("timed out waiting for %s\nstdout tail: %r\nstderr: %s"
                             % (what, self.stdout()[-800:], self.stderr()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def block(r, g, b):
    return "\x1b[48;2;%d;%d;%dm  \x1b[0m" % (r, g, b)


def test_simulate_follows_tick_in_terminal_and_web_page(server):
    run = Running("--simulate", "--server", server.url, "--web-port", "0", EXAMPLE)
    try:
        run.wait_for(lambda: "live view: http://127.0.0.1:" in run.stderr(), what="the web page")
        port = int(re.search(r"live view: http://127\.0\.0\.1:(\d+)/", run.stderr()).group(1))
        assert "backend: simulate (chosen by command line)" in run.stderr()

        def state():
            return json.loads(http_get(port, "/state")[2])

        run.wait_for(lambda: state()["outputs"][0]["online"] is True, what="online")
        server.send("test/tick", 15)
        # 15 % 30 = half the bar (15 pixels, green -> yellow), 15 % 10 = 5 -> 100 degrees
        run.wait_for(lambda: state()["outputs"][1]["angle"] == 100.0, what="servo at 100")
        run.wait_for(lambda: state()["outputs"][0]["pixels"][0] == "#006600", what="fade finished")
        snap = state()
        strip = snap["outputs"][0]["pixels"]
        assert len(strip) == 30 and strip[14] != "#000003" and strip[15:29] == ["#000003"] * 14
        assert snap["outputs"][1]["pulse_us"] == 1000 + 1000 * 100 / 180.0
        assert snap["backend"] == "simulate" and snap["outputs"][0]["value"] == 15

        run.wait_for(lambda: block(0, 102, 0) in run.stdout() and "100.0 deg" in run.stdout(),
                     what="terminal frame")
        frame = run.stdout().split("\n\n")[-2]
        assert "test/tick = 15  online" in frame
        assert frame.count(block(0, 0, 3)) == 15      # 14 background + the status pixel's place
        page = http_get(port, "/")
        assert page[0] == 200 and "tick: strip and servo" in page[2].decode()
        assert "fetch('/state')" in page[2].decode()
    finally:
        code = run.stop()
    assert code == 0, run.stderr()
    assert "SIGTERM: parking outputs and stopping" in run.stderr()
    last = run.stdout().strip().split("\n\n")[-1]
    assert last.count(block(0, 0, 0)) == 30 and "released (no pulses)" in last


def test_simulate_shows_offline_and_status_pixel(server):
    run = Running("--simulate", "--no-web", "--server", server.url, EXAMPLE)
    try:
        run.wait_for(lambda: "test/tick = -  online" in run.stdout(), what="online, no value yet")
        server.stop()
        run.wait_for(lambda: "OFFLINE" in run.stdout(), what="offline")
        frame = run.stdout().strip().split("\n\n")[-1]
        # status pixel (index 29) red at brightness 0.4; the servo went safe (released)
        assert frame.count(block(102, 0, 0)) == 1 and "released (no pulses)" in frame
        server.start()
        run.wait_for(lambda: run.stdout().strip().split("\n\n")[-1].count("online") == 2, what="online again")
    finally:
        assert run.stop() == 0


def test_terminal_view_keeps_its_web_url_visible(server):
    """On a terminal the view clears the screen for every frame; the live
    page's URL must be under the newest frame, not wiped with the old one."""
    import pty
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "artcast_kinetic.cli", "--simulate", "--server", server.url,
                             "--web-port", "0", EXAMPLE], stdout=follower, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env=env())
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 20
        sent = False
        while time.monotonic() < deadline:
            import select
            if select.select([leader], [], [], 0.2)[0]:
                try:
                    seen += os.read(leader, 65536)
                except OSError:
                    break
            if b"live view: http://127.0.0.1:" in seen and not sent:
                server.send("test/tick", 7)           # a new frame after the URL appeared
                sent = True
            frames = seen.split(b"\x1b[2J")
            if sent and b"test/tick = 7" in frames[-1] and re.search(rb"\(Ctrl-C stops\)\r?\n", frames[-1]):
                break
        last = seen.split(b"\x1b[2J")[-1].decode("utf-8", "replace")
        assert "test/tick = 7" in last, last
        assert re.search(r"live view: http://127\.0\.0\.1:\d+/", last), last
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        os.close(leader)
