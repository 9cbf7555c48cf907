"""Sources and `artcast send` on a Pi that is its own hotspot: no default
route. Each test makes a network namespace with only private veth
addresses (tests/support/hotspot.py), runs the documented commands in it
exactly as typed (no --multicast-interface), and deletes it."""

import os
import sys
import time

from support.hotspot import HotspotNamespace

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_SOURCES = [sys.executable, os.path.join(REPO, "sources", "test-sources.py")]
ARTCAST = [sys.executable, "-m", "artcast_client.cli"]
HOTSPOT = "10.42.0.1"
FETCH = """
import json, sys, time, urllib.request
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen("http://127.0.0.1:8888/artcasts/%s?wait=0", timeout=2) as r:
            if r.status == 200:
                print(r.read().decode()); sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit("no value")
"""


def _server(ns):
    """The appliance's hotspot server: it joins on the hotspot's address."""
    return ns.popen([sys.executable, "-m", "artcast_server", "--multicast-interface", HOTSPOT])


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except Exception:
        proc.kill()
        proc.wait()


def test_namespace_really_has_no_default_route():
    with HotspotNamespace([HOTSPOT + "/24"]) as ns:
        assert "default" not in ns.run(["ip", "route"]).stdout
        plain = ns.python("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                          "s.sendto(b'[]', ('224.1.1.1', 5007))")
        assert "Network is unreachable" in plain.stderr     # what test-sources hit before


def test_test_sources_pick_the_only_interface():
    with HotspotNamespace([HOTSPOT + "/24"]) as ns:
        server = _server(ns)
        sources = ns.popen(TEST_SOURCES, stdout=open(os.devnull, "w"), stderr=-1, text=True)
        try:
            got = ns.python(FETCH % "test/tick")
            assert got.returncode == 0, got.stderr
            assert int(got.stdout) >= 0
        finally:
            _stop(sources)
            _stop(server)
        err = sources.stderr.read()
        assert "sending from hot0 (%s)" % HOTSPOT in err
        assert "Traceback" not in err


def test_artcast_send_picks_the_only_interface():
    with HotspotNamespace([HOTSPOT + "/24"]) as ns:
        server = _server(ns)
        try:
            ready = ns.python(FETCH.replace("/artcasts/%s?wait=0", "/status"))
            assert ready.returncode == 0, ready.stderr
            sent = ns.run(ARTCAST + ["send", "room/light", '"on"'])
            assert sent.returncode == 0, sent.stderr
            got = ns.python(FETCH % "room/light")
            assert got.stdout.strip() == '"on"', got.stderr
        finally:
            _stop(server)


GPIO_SOURCE = [sys.executable, "-m", "artcast_source.gpio", "--simulate", "--pin", "17", "--key", "room/button"]


def test_several_interfaces_name_the_option_to_pass():
    with HotspotNamespace([HOTSPOT + "/24", "10.43.0.1/24"]) as ns:
        for argv in (TEST_SOURCES, ARTCAST + ["send", "room/light", "1"], GPIO_SOURCE):
            proc = ns.run(argv, timeout=20)
            assert proc.returncode == 1, proc
            assert "--multicast-interface 10.42.0.1 (hot0)" in proc.stderr
            assert "--multicast-interface 10.43.0.1 (hot1)" in proc.stderr
            assert "Traceback" not in proc.stderr


def test_no_interface_at_all_is_a_message_not_a_traceback():
    with HotspotNamespace([]) as ns:
        for argv in (TEST_SOURCES, ARTCAST + ["send", "room/light", "1"]):
            proc = ns.run(argv, timeout=20)
            assert proc.returncode == 1, proc
            assert "--multicast-interface 127.0.0.1 --ttl 0" in proc.stderr
            assert "Traceback" not in proc.stderr


def test_explicit_interface_that_is_not_ours_is_a_message():
    with HotspotNamespace([HOTSPOT + "/24"]) as ns:
        proc = ns.run(ARTCAST + ["send", "--multicast-interface", "10.99.0.1", "room/light", "1"])
        assert proc.returncode == 1
        assert "no interface of this machine has the address 10.99.0.1" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_namespaces_are_deleted():
    with HotspotNamespace([HOTSPOT + "/24"]) as ns:
        name = ns.name
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and os.path.exists("/run/netns/" + name):
        time.sleep(0.05)
    assert not os.path.exists("/run/netns/" + name)
