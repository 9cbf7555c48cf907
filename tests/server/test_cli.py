"""Every command-line option of artcast-server, on a real process."""

import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from artcast_server.privileges import write_pidfile
from support.net import free_port, http_get
from support.server import ServerProcess
from support.wait import pidfile_pid, wait_until


def test_help_lists_every_option():
    out = subprocess.run([sys.executable, "-m", "artcast_server", "--help"], capture_output=True, text=True).stdout
    for option in ("--client-port", "--host", "--access-log", "--access-log-size", "--access-log-count",
                   "--error-log", "--error-log-size", "--error-log-count", "--uid", "--gid", "--daemonize",
                   "--pidfile", "--data-group", "--data-port", "--register-group", "--register-port",
                   "--multicast-interface", "--poll-timeout", "--max-keys", "--max-clients",
                   "--access-control-allow-origin"):
        assert option in out, option


@pytest.mark.parametrize("args,message", [
    (["--client-port", "70000"], "port"),
    (["--data-group", "10.0.0.1"], "multicast"),
    (["--multicast-interface", "eth0"], "interface"),
    (["--poll-timeout", "-1"], "0 or more"),
    (["--max-clients", "0"], "1 or more"),
    (["--client-port", "abc"], "'abc' is not a port number (0-65535)"),
    (["--poll-timeout", "soon"], "'soon' is not a number of seconds"),
    (["--max-keys", "many"], "'many' is not a whole number"),
])
def test_bad_options_clear_error(args, message):
    proc = subprocess.run([sys.executable, "-m", "artcast_server"] + args, capture_output=True, text=True, timeout=10)
    assert proc.returncode == 2 and message in proc.stderr
    assert "_port" not in proc.stderr and "invalid" not in proc.stderr


def test_port_in_use_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "artcast_server", "--client-port", str(port),
                               "--multicast-interface", "127.0.0.1", "--data-port", str(free_port()),
                               "--register-port", str(free_port())], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 1
    assert "HTTP port 127.0.0.1:%d is already in use" % port in proc.stderr
    assert "--client-port" in proc.stderr and "Traceback" not in proc.stderr


def test_multicast_port_in_use_names_it():
    """Without SO_REUSEPORT on the other socket, the data port is taken too."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("0.0.0.0", 0))
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "artcast_server", "--client-port", str(free_port()),
                               "--multicast-interface", "127.0.0.1", "--data-port", str(port),
                               "--register-port", str(free_port())], capture_output=True, text=True, timeout=10)
    assert proc.returncode == 1, proc.stderr
    assert "multicast port 224.1.1.1:%d is already in use" % port in proc.stderr
    assert "--data-port" in proc.stderr


def test_access_log_combined_format_and_rotation(server_factory, tmp_path):
    log = tmp_path / "access.log"
    s = server_factory("--access-log", str(log), "--access-log-size", "400", "--access-log-count", "2")
    for i in range(12):
        s.get("/status?i=%d" % i, {"User-Agent": "tester/1", "Referer": "http://r/"})
    time.sleep(0.2)
    assert (tmp_path / "access.log.1").exists() and (tmp_path / "access.log.2").exists()
    assert not (tmp_path / "access.log.3").exists()
    line = log.read_text().splitlines()[-1]
    assert line.startswith("127.0.0.1 - - [")
    assert '"GET /status?i=11 HTTP/1.1" 200 ' in line and line.endswith('"http://r/" "tester/1"')


def test_access_log_off_writes_no_access_log(server_factory, monkeypatch, tmp_path):
    """--access-log off: no line on stderr and no file called "off"; the
    default (stderr) in the same test shows what the option takes away."""
    monkeypatch.chdir(tmp_path)                 # a file named "off" would land here
    logged, quiet = server_factory(), server_factory("--access-log", "off")
    for s in (logged, quiet):
        for i in range(3):
            assert s.get("/status?n=%d" % i)[0] == 200
        s.stop()
    assert '"GET /status?n=2 HTTP/1.1" 200' in logged.stderr()
    assert "GET /status" not in quiet.stderr()
    assert not (tmp_path / "off").exists()


def test_error_log_file_and_rotation(server_factory, tmp_path):
    log = tmp_path / "error.log"
    s = server_factory("--error-log", str(log), "--error-log-size", "300", "--error-log-count", "1")
    for key in ("a", "b", "c", "d"):                  # different reasons are not rate-limited together
        s.send_raw(b"junk")
        s.send_raw(b'["a//b", 1]')
        s.send_raw(b"\xff")
        s.send_raw(b'[1]')
    s.send("x", 1)
    s.wait_for_datums(1)
    time.sleep(0.2)
    assert "datagram dropped" in log.read_text() and "datagram dropped" in (tmp_path / "error.log.1").read_text()
    assert (tmp_path / "error.log.1").exists() and not (tmp_path / "error.log.2").exists()


def test_pidfile_appears_and_disappears(server_factory, tmp_path):
    pidfile = tmp_path / "server.pid"
    s = server_factory("--pidfile", str(pidfile))
    assert int(pidfile.read_text()) == s.proc.pid
    assert s.stop() == 0
    assert not pidfile.exists()


def test_sigterm_answers_held_requests_and_exits_fast(server_factory):
    s = server_factory()
    results = []

    def hold():
        results.append(s.get("/artcasts/held/k", timeout=10)[0])
    threads = [threading.Thread(target=hold) for _ in range(5)]
    for t in threads:
        t.start()
    deadline = time.time() + 5
    while s.status()["waiting_clients"] < 5 and time.time() < deadline:
        time.sleep(0.02)
    start = time.monotonic()
    assert s.stop(signal.SIGTERM) == 0
    assert time.monotonic() - start < 2
    for t in threads:
        t.join(5)
    assert results == [204] * 5


def test_sigint_exits_zero(server_factory):
    s = server_factory()
    assert s.stop(signal.SIGINT) == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root (CI runs as root)")
def test_uid_and_gid_drop_privileges(server_factory, tmp_path):
    nobody = pwd.getpwnam("nobody")
    s = server_factory("--uid", "nobody", "--gid", str(nobody.pw_gid))
    with open("/proc/%d/status" % s.proc.pid) as f:
        fields = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
    assert fields["Uid"].split()[0] == str(nobody.pw_uid)
    assert fields["Gid"].split()[0] == str(nobody.pw_gid)
    s.send("u/k", 1)
    s.wait_for_datums(1)                              # still receives after the drop


def test_unknown_user_is_a_clear_error(tmp_path):
    s = ServerProcess(["--uid", "no-such-user-xyz"], log_dir=tmp_path)
    proc = subprocess.run(s.command(), capture_output=True, text=True, timeout=10)
    assert proc.returncode == 1 and "no-such-user-xyz" in proc.stderr


def test_daemonize_with_pidfile(tmp_path):
    pidfile = tmp_path / "d.pid"
    s = ServerProcess(["--daemonize", "--pidfile", str(pidfile), "--error-log", str(tmp_path / "e.log")])
    proc = subprocess.run(s.command(), capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0                  # the foreground process returns at once
    pid = wait_until(lambda: pidfile_pid(pidfile), timeout=30, what="the daemon's pidfile")
    try:
        assert os.getsid(pid) != os.getsid(0)           # detached into a session of its own
        s.proc = None

        def answers():
            try:
                return http_get(s.port, "/status", timeout=1)[0] == 200
            except OSError:
                return False
        wait_until(answers, timeout=30, what="the daemon to answer /status")
        s.send("dm/k", 1)
        wait_until(lambda: s.status()["datums_received"] == 1, what="the datum")
        assert http_get(s.port, "/artcasts/dm/k?wait=0")[0] == 200
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not pidfile.exists(), timeout=30, what="the daemon to remove its pidfile")


def test_pidfile_is_written_atomically(tmp_path):
    """A new pidfile replaces the old one by rename (never truncated in
    place), so a reader sees the old pid or the new one, never an empty file."""
    pidfile = tmp_path / "a.pid"
    pidfile.write_text("1\n")
    before = os.stat(str(pidfile)).st_ino
    write_pidfile(str(pidfile))
    assert pidfile.read_text() == "%d\n" % os.getpid()
    assert os.stat(str(pidfile)).st_ino != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pid"]     # no temporary left behind


def test_custom_groups_and_ports(server_factory):
    s = server_factory("--data-group", "239.7.7.7", "--register-group", "239.7.7.8")
    s.group = "239.7.7.7"
    s.send("g/k", 1)
    s.wait_for_datums(1)
    s.sender.sendto(b'["g/k", {"description": "on the other group"}]', ("239.7.7.8", s.register_port))
    s.sender.sendto(b'["g/other", 2]', ("224.1.1.1", s.data_port))       # wrong group: not heard
    time.sleep(0.3)
    assert json.loads(s.get("/artcasts")[2]) == [{"key": "g/k", "description": "on the other group"}]


def test_access_control_allow_origin_option(server_factory):
    s = server_factory("--access-control-allow-origin", "https://gallery.example")
    assert s.get("/status")[1]["access-control-allow-origin"] == "https://gallery.example"


def test_host_option_binds_that_address(server_factory):
    s = server_factory()          # the fixture passes --host 127.0.0.1
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", s.port), timeout=1).close()


def test_no_default_route_says_which_option_to_pass():
    """A Pi that is its own hotspot has no default route: joining the group
    on "any interface" fails; the message says what to pass instead."""
    from support.hotspot import HotspotNamespace
    with HotspotNamespace(["10.42.0.1/24"]) as ns:
        proc = ns.run([sys.executable, "-m", "artcast_server"], timeout=20)
    assert proc.returncode == 1
    assert "no default route" in proc.stderr and "--multicast-interface" in proc.stderr
    assert "Traceback" not in proc.stderr
