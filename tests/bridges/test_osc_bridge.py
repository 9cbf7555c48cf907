"""artcast bridge osc against a real python-osc client and server on
loopback and a real artcast-server: OSC in becomes datums the server serves,
datums on the group go out as OSC, with every documented type mapping."""

import json
import socket
import threading

import pytest

from artcast_bridges.osc import from_osc, osc_args
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer
from pythonosc.udp_client import SimpleUDPClient
from support.net import free_port

from bridge_support import multicast_args, start_artcast, stop, wait_until


class OscReceiver:
    """A python-osc server in a thread, keeping (address, args) it receives."""

    def __init__(self):
        self.got = []
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(lambda address, *args: self.got.append((address, list(args))))
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def osc_bridge(server, tmp_path):
    receiver = OscReceiver()
    port = free_port(socket.SOCK_DGRAM)
    log = tmp_path / "osc.log"
    proc = start_artcast(["bridge", "osc", "--listen", "127.0.0.1:%d" % port,
                          "--send", "127.0.0.1:%d" % receiver.port, "--keys", "to-osc/*"]
                         + multicast_args(server), log)
    wait_until(lambda: b"-> OSC to" in log.read_bytes(), what="the bridge to start")
    yield SimpleUDPClient("127.0.0.1", port), receiver, log
    assert stop(proc) == 0
    receiver.close()


def value_on(server, key):
    status, _, body = server.get("/artcasts/%s?wait=0" % key)
    return json.loads(body) if status == 200 else None


CASES_IN = [
    ("int", 42, 42),
    ("float", 21.1, 21.1),                 # 32-bit on the wire, 7 digits back
    ("text", "hello", "hello"),
    ("yes", True, True),
    ("no", False, False),
    ("list", [1, "a", 2.5], [1, "a", 2.5]),
]


def test_osc_in_becomes_datums(server, osc_bridge):
    client, _, _ = osc_bridge
    for name, args, expected in CASES_IN:
        key = "from-osc/" + name
        client.send_message("/artcast/" + key, args)
        wait_until(lambda: value_on(server, key) == expected, what="%s on the server" % key)


def test_datums_go_out_as_osc(server, osc_bridge):
    _, receiver, _ = osc_bridge
    sent = [("to-osc/n", 7, [7]), ("to-osc/f", 0.5, [0.5]), ("to-osc/s", "hi", ["hi"]),
            ("to-osc/b", True, [True]), ("to-osc/null", None, [None]),
            ("to-osc/list", [1, [2, 3], "x"], [1, [2, 3], "x"]),
            ("to-osc/obj", {"a": 1}, ['{"a":1}']),
            ("elsewhere/k", 1, None)]
    for key, value, _ in sent:
        server.send(key, value)
    wanted = [("/artcast/" + key, args) for key, _, args in sent if args is not None]
    wait_until(lambda: len(receiver.got) >= len(wanted), what="OSC out")
    assert sorted(receiver.got, key=repr) == sorted(wanted, key=repr)


def test_bad_osc_is_dropped_and_logged(server, osc_bridge):
    client, _, log = osc_bridge
    client.send_message("/other/thing", 1)
    client.send_message("/artcast/bad//key\x1b[31m", 1)
    client.send_message("/artcast/ok/after", 2)
    wait_until(lambda: value_on(server, "ok/after") == 2, what="a good message after bad ones")
    text = log.read_bytes()
    assert b"dropped OSC to '/other/thing'" in text
    assert b"key contains" in text
    assert b"\x1b" not in text           # no terminal control characters from the network


def test_value_mapping_both_ways():
    for value in (0, -3, 2 ** 40, 1.5, "s", True, False, None, [1, "a"], [[1, 2], True]):
        assert from_osc(osc_args(value)) == value
    assert osc_args({"k": [1]}) == ['{"k":[1]}']
    assert osc_args(2 ** 70) == [float(2 ** 70)]
    assert from_osc([]) is None
    with pytest.raises(ValueError):
        from_osc([b"blob"])


def test_repeated_problems_are_rate_limited(capsys):
    from artcast_bridges.log import Log
    now = [100.0]
    log = Log("osc", clock=lambda: now[0])
    for _ in range(50):
        log.problem("value", "dropped one")
    now[0] += 10.0
    log.problem("value", "dropped one")
    log.problem("address", "dropped another")
    assert capsys.readouterr().err.splitlines() == ["artcast bridge osc: dropped one"] * 2 + [
        "artcast bridge osc: dropped another"]
