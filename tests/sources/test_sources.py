"""The source module, test-sources.py and the artcast command line, end to
end against a real server (loopback multicast, TTL 0)."""

import datetime
import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from artcast_source import Source
from support.wait import pidfile_pid, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTCAST = [sys.executable, "-m", "artcast_client.cli"]


def loopback_source(server, **kwargs):
    return Source(data_port=server.data_port, register_port=server.register_port,
                  interface="127.0.0.1", ttl=0, **kwargs)


def test_source_in_a_few_lines(server):
    with loopback_source(server) as source:
        temp = source.artcast("studio/temp", description="Studio temperature", provenance="test",
                              license={"uri": "https://creativecommons.org/publicdomain/zero/1.0/", "title": "CC0"})
        time.sleep(0.2)
        temp.send(21.5)
        server.wait_for_datums(1)
    status, headers, body = server.get("/artcasts/studio/temp?wait=0")
    assert json.loads(body) == 21.5
    assert 'rel="license"' in headers["link"]
    assert json.loads(server.get("/artcasts")[2])[0]["description"] == "Studio temperature"


def test_registration_repeats(server):
    with loopback_source(server, register_every=0.2) as source:
        source.artcast("rep/k", description="d")
        time.sleep(0.9)
    assert server.status()["registrations_received"] >= 3


def test_source_refuses_caller_mistakes(server):
    with loopback_source(server) as source:
        with pytest.raises(ValueError):
            source.artcast("bad//key")
        good = source.artcast("ok/k")
        with pytest.raises(ValueError):
            good.send(object())
        with pytest.raises(ValueError):
            good.send("x" * 10000)


def test_test_sources_script(server, tmp_path):
    pidfile = tmp_path / "src.pid"
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "sources", "test-sources.py"),
                             "--data-port", str(server.data_port), "--registration-port", str(server.register_port),
                             "--multicast-interface", "127.0.0.1", "--ttl", "0", "--pidfile", str(pidfile)])
    try:
        _, _, first = server.get("/artcasts/test/tick")
        _, h, second = server.get("/artcasts/test/tick")
        assert int(second) == int(first) + 1
        _, _, now = server.get("/artcasts/test/now")
        stamp = datetime.datetime.strptime(json.loads(now), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        assert abs((datetime.datetime.now(datetime.timezone.utc) - stamp).total_seconds()) < 5
        keys = {e["key"]: e for e in json.loads(server.get("/artcasts")[2])}
        assert keys["test/tick"]["description"] and keys["test/now"]["description"]
        assert int(pidfile.read_text()) == proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0
    assert not pidfile.exists()


def test_artcast_send_json_and_plain_text(server):
    env = dict(os.environ)
    base = ["--data-port", str(server.data_port)]
    subprocess.run(ARTCAST + ["send", "cli/num", "42"] + base, check=True, env=env)
    out = subprocess.run(ARTCAST + ["send", "cli/word", "on"] + base, check=True, env=env,
                         capture_output=True, text=True)
    assert "sent as the string" in out.stderr
    server.wait_for_datums(2)
    assert server.get("/artcasts/cli/num?wait=0")[2] == b"42"
    assert server.get("/artcasts/cli/word?wait=0")[2] == b'"on"'


def test_artcast_send_bad_key_is_clear():
    out = subprocess.run(ARTCAST + ["send", "bad//key", "1"], capture_output=True, text=True)
    assert out.returncode == 1 and "empty segment" in out.stderr


def test_artcast_watch_prints_each_value(server):
    proc = subprocess.Popen(ARTCAST + ["watch", "w/k", "--server", server.url], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.8)
        for i in range(3):
            server.send("w/k", {"n": i})
            time.sleep(0.3)
        lines = []
        deadline = time.time() + 5
        while len(lines) < 3 and time.time() < deadline:
            lines.append(proc.stdout.readline().strip())
        assert [json.loads(line) for line in lines] == [{"n": 0}, {"n": 1}, {"n": 2}]
    finally:
        proc.terminate()
        proc.wait(5)


def test_artcast_list(server):
    server.register("l/a", description="first thing")
    server.send("l/b", 1)
    server.wait_for_datums(1)
    time.sleep(0.1)
    out = subprocess.run(ARTCAST + ["list", "--server", server.url], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["l/a  -  first thing", "l/b"]


def test_artcast_list_unreachable_server_is_clear():
    out = subprocess.run(ARTCAST + ["list", "--server", "http://127.0.0.1:1"], capture_output=True, text=True)
    assert out.returncode == 1 and "artcast list:" in out.stderr


def _run_test_sources(server, *extra, **popen):
    return subprocess.Popen([sys.executable, os.path.join(REPO, "sources", "test-sources.py"),
                             "--data-port", str(server.data_port), "--registration-port", str(server.register_port),
                             "--multicast-interface", "127.0.0.1", "--ttl", "0"] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def test_source_group_and_verbose_options(server_factory):
    s = server_factory("--data-group", "239.9.9.9", "--register-group", "239.9.9.9")
    proc = _run_test_sources(s, "--group", "239.9.9.9", "--verbose")
    try:
        # the first line is printed (and flushed) right after the first tick is sent
        assert select.select([proc.stdout], [], [], 30)[0], "no output within 30 s"
        line = proc.stdout.readline()
        assert "sent test/tick = 0" in line
        _, _, body = s.get("/artcasts/test/tick", timeout=30)
        assert int(body) >= 0               # and it went to the server on the other group
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


@pytest.mark.skipif(os.geteuid() != 0, reason="--uid needs root (CI runs as root)")
def test_source_uid_option(server):
    # started with a supplementary group, as a root shell may have: dropping
    # to nobody must drop it too
    proc = _run_test_sources(server, "--uid", "nobody", extra_groups=[4242])
    try:
        server.get("/artcasts/test/tick", timeout=5)
        with open("/proc/%d/status" % proc.pid) as f:
            uid_line = [line for line in f if line.startswith("Uid:")][0]
        import pwd
        assert uid_line.split()[1] == str(pwd.getpwnam("nobody").pw_uid)
        with open("/proc/%d/status" % proc.pid) as f:
            groups_line = [line for line in f if line.startswith("Groups:")][0]
        assert groups_line.split() == ["Groups:"]        # setgroups([]): root's groups are gone
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(5)


def test_source_daemonize_option(server, tmp_path):
    pidfile = tmp_path / "daemon-src.pid"
    proc = _run_test_sources(server, "--daemonize", "--pidfile", str(pidfile))
    assert proc.wait(30) == 0                      # the foreground process returns at once
    pid = wait_until(lambda: pidfile_pid(pidfile), timeout=30, what="the daemon's pidfile")
    try:
        assert pid != proc.pid
        assert server.get("/artcasts/test/tick", timeout=30)[0] == 200
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not pidfile.exists(), timeout=30, what="the daemon to remove its pidfile")


def test_source_unknown_uid_is_a_clean_message(server):
    proc = _run_test_sources(server, "--uid", "no-such-user-here")
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 1
    assert "no such user: 'no-such-user-here'" in err and "Traceback" not in err


def test_source_leaves_a_pidfile_it_does_not_own(server, tmp_path):
    """Another process took the pidfile over (a second copy started with the
    same --pidfile): the first one, exiting, must not remove it."""
    pidfile = tmp_path / "src.pid"
    proc = _run_test_sources(server, "--pidfile", str(pidfile))
    try:
        deadline = time.time() + 10
        while not (pidfile.exists() and pidfile.read_text().strip() == str(proc.pid)):
            assert time.time() < deadline and proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        pidfile.write_text("%d\n" % os.getppid())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=5)
    assert proc.returncode == 0
    assert pidfile.read_text().strip() == str(os.getppid())


def test_license_as_a_bare_name_is_a_clear_error(server):
    with loopback_source(server) as source:
        with pytest.raises(ValueError) as caught:
            source.artcast("studio/temp", license="CC-BY-4.0")
    assert "license is {\"uri\": ..., \"title\": ...}" in str(caught.value)
    assert "'CC-BY-4.0'" in str(caught.value)


def test_a_network_error_while_running_is_logged_once_not_raised(server, capsys):
    """The socket fails under a running source (Wi-Fi gone): send says False,
    the log says it once, and when sending works again it says so."""
    with loopback_source(server) as source:
        tick = source.artcast("test/tick")
        good = source.sock
        broken = __import__("socket").socket(__import__("socket").AF_INET, __import__("socket").SOCK_DGRAM)
        broken.close()
        source.sock = broken                              # every sendto now raises OSError (EBADF)
        assert tick.send(1) is False and tick.send(2) is False
        source.sock = good
        assert tick.send(3) is True
    err = capsys.readouterr().err
    assert err.count("not sent to 224.1.1.1") == 1 and "sending again" in err


def test_cli_messages_name_the_url_and_the_key_rules():
    from support.net import free_port
    url = "http://127.0.0.1:%d" % free_port()          # nothing listens there
    listed = subprocess.run(ARTCAST + ["list", "--server", url], capture_output=True, text=True, timeout=20)
    assert listed.returncode == 1
    assert listed.stderr.strip() == "artcast list: %s: Connection refused" % url
    watch = subprocess.Popen(ARTCAST + ["watch", "test/tick", "--server", url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = watch.stderr.readline()
    finally:
        watch.send_signal(signal.SIGINT)
        watch.communicate(timeout=10)
    assert line.startswith("artcast watch: %s: Connection refused; retrying in " % url), line
    for key in ("café", "a b"):
        for argv in (["send", key, "1"], ["watch", key, "--server", url]):
            result = subprocess.run(ARTCAST + argv, capture_output=True, text=True, timeout=20)
            assert result.returncode == 1
            assert "allowed: A-Z a-z 0-9 . _ ~ - and /" in result.stderr and "Traceback" not in result.stderr
            assert url not in result.stderr
