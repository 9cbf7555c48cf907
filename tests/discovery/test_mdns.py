"""Discovery over mDNS / DNS-SD (`_artcast._tcp`), for real with
python-zeroconf, inside a network namespace each test creates and deletes
(support/hotspot.py): a private 10.42.0.1 interface whose far end stays in
the namespace, so no mDNS packet can reach a real network.

The server on the namespace's LAN-like address advertises itself by
default (--mdns auto); `artcast list`/`watch` and `artcast-kinetic` given
no server find it and say which they chose; a server on 127.0.0.1 stays
unannounced."""

import json
import os
import subprocess
import sys
import time

import pytest

from support.hotspot import HotspotNamespace

ADDRESS = "10.42.0.1"
BIN = os.path.dirname(sys.executable)


def start_server(ns, host, port, *extra):
    return ns.popen([sys.executable, "-m", "artcast_server", "--host", host, "--client-port", str(port),
                     "--multicast-interface", ADDRESS, "--mdns-name", "gallery %s" % port] + list(extra),
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_line(proc, text, timeout=15.0):
    """Read the process's stderr until a line holds `text`."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError("never said %r:\n%s" % (text, "".join(seen)))


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def ns():
    with HotspotNamespace([ADDRESS + "/24"]) as namespace:
        yield namespace


def test_clients_find_the_advertised_server_and_say_which(ns, tmp_path):
    lan = start_server(ns, ADDRESS, 8890)
    local = start_server(ns, "127.0.0.1", 8891)          # --mdns auto: not announced
    try:
        line = wait_line(lan, "mDNS: advertising")
        assert "'gallery 8890' as _artcast._tcp.local. on 10.42.0.1" in line
        wait_line(local, "listening on")

        proc = ns.run([os.path.join(BIN, "artcast"), "list", "--json"], timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert "found 'gallery 8890' at http://10.42.0.1:8890 over mDNS" in proc.stderr
        assert "8891" not in proc.stderr                  # the loopback server was not announced
        assert json.loads(proc.stdout) == [] or isinstance(json.loads(proc.stdout), list)

        piece = tmp_path / "piece.json"
        piece.write_text(json.dumps({"server": "auto", "outputs": [
            {"key": "test/tick", "device": {"type": "pin", "pin": 17}, "mapping": {"type": "direct"}}]}))
        kinetic = ns.popen([os.path.join(BIN, "artcast-kinetic"), str(piece), "--simulate",
                            "--no-view", "--no-web"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        try:
            line = wait_line(kinetic, "over mDNS", timeout=30)
            assert "found 'gallery 8890' at http://10.42.0.1:8890" in line
        finally:
            stop(kinetic)
    finally:
        stop(lan)
        stop(local)


def test_a_server_on_this_machine_is_chosen_first(ns):
    local = start_server(ns, "127.0.0.1", 8888)
    try:
        wait_line(local, "listening on")
        proc = ns.run([os.path.join(BIN, "artcast"), "list"], timeout=30)
        assert proc.returncode == 0, proc.stderr
        assert "using the one on this machine, http://127.0.0.1:8888" in proc.stderr
    finally:
        stop(local)


def test_no_server_anywhere_is_a_clear_error(ns):
    proc = ns.run([os.path.join(BIN, "artcast"), "watch", "test/tick"], timeout=30)
    assert proc.returncode == 1
    assert "none advertised over mDNS (_artcast._tcp)" in proc.stderr and "--server" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_mdns_off_announces_nothing(ns):
    lan = start_server(ns, ADDRESS, 8892, "--mdns", "off")
    try:
        wait_line(lan, "listening on")
        proc = ns.run([os.path.join(BIN, "artcast"), "list"], timeout=30)
        assert proc.returncode == 1 and "none advertised" in proc.stderr
    finally:
        stop(lan)


def test_boards_refuse_server_auto():
    from artcast_fw.config import ConfigError, check_piece
    with pytest.raises(ConfigError) as e:
        check_piece({"server": "auto", "outputs": [
            {"key": "a", "device": {"type": "pin", "pin": 5}, "mapping": {"type": "direct"}}]})
    assert str(e.value).startswith("server: a board cannot search for a server")
