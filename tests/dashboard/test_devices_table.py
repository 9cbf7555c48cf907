"""Devices (PROTOCOL.md, "Devices"): the Artcast-Device header or ?device=,
fw and rssi, the bounded table, states and GET /devices, against a real
server; hostile names never reach a page as markup."""

import json
import threading

from artcast_server.devices import Devices, parse_device, read_expected
from support.wait import wait_until


def devices(server):
    return json.loads(server.get("/devices")[2])


def test_parse_device_header():
    assert parse_device("kit-07; fw=1.2.0; rssi=-61") == ("kit-07", "1.2.0", "-61")
    assert parse_device("kit-07")[0] == "kit-07"
    assert parse_device("bad\x1bname")[0] is None
    assert parse_device("kit\u202e70")[0] is None          # a bidi override: shown reversed
    assert parse_device("ki\x85t")[0] is None
    assert parse_device("x" * 65)[0] is None


def test_header_and_query_name_a_device_with_state(server_factory, tmp_path):
    expected = tmp_path / "class.txt"
    expected.write_text("# class 4B\nkit-01\nkit-02\n\nkit-03\n")
    server = server_factory("--poll-timeout", "1", "--expected-devices", str(expected))
    server.send("d/k", 1)
    server.wait_for_datums(1)
    server.get("/artcasts/d/k?wait=0", {"Artcast-Device": "kit-01; fw=1.2.0; rssi=-61"})
    server.get("/artcasts/d/k?wait=0&device=kit-02&fw=0.9&rssi=-80")
    table = devices(server)
    rows = {row["name"]: row for row in table["devices"]}
    assert rows["kit-01"]["fw"] == "1.2.0" and rows["kit-01"]["rssi"] == -61 and rows["kit-01"]["keys"] == ["d/k"]
    assert rows["kit-02"]["fw"] == "0.9" and rows["kit-02"]["address"] == "127.0.0.1"
    assert rows["kit-03"]["state"] == "offline" and rows["kit-03"]["last_seen"] is None
    assert table["expected"] == 3 and table["expected_online"] == 2
    assert [row["name"] for row in table["devices"]][0] == "kit-03", "offline first"
    # a held request is "waiting"; two poll timeouts without a request: offline
    thread = threading.Thread(target=server.get, args=("/artcasts/d/k",), kwargs={"headers": {"Artcast-Device": "kit-01"}})
    thread.start()
    wait_until(lambda: {r["name"]: r["state"] for r in devices(server)["devices"]}["kit-01"] == "waiting",
               what="kit-01 waiting")
    thread.join()
    wait_until(lambda: {r["name"]: r["state"] for r in devices(server)["devices"]}["kit-02"] == "offline",
               what="kit-02 offline")


def test_hostile_names_are_text_and_bad_ones_refused(server):
    server.get("/artcasts/d/k?wait=0", {"Artcast-Device": "<img src=x onerror=alert(1)>; fw=<b>"})
    server.get("/artcasts/d/k?wait=0&device=%1b%5b2J")
    table = devices(server)
    assert [row["name"] for row in table["devices"]] == ["<img src=x onerror=alert(1)>"]
    assert server.status()["devices_refused"] == 1
    status, _, page = server.get("/devices", {"Accept": "text/html"})
    assert status == 200 and b"<img" not in page      # the roster fills itself with textContent


def test_the_table_is_bounded_and_evicts_the_longest_offline():
    now = [0.0]
    table = Devices(max_devices=2, poll_timeout=1, clock=lambda: now[0])

    class Request:
        def __init__(self, name):
            self.headers = {"Artcast-Device": name}
            self.args = {}
            self.path = "/artcasts/k"
            self.client_addr = ("127.0.0.1", 1)

    class Conn:
        state = 0

    table.seen(Request("a"), Conn())
    now[0] = 1.0
    table.seen(Request("b"), Conn())
    table.seen(Request("c"), Conn())            # both online: c is not recorded
    assert sorted(table.table) == ["a", "b"] and table.refused == 1
    now[0] = 2.5                                # a is offline (2 poll timeouts), b not yet
    table.seen(Request("c"), Conn())
    assert sorted(table.table) == ["b", "c"]


def test_expected_file_errors_name_the_line(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("kit-1\nbad\x07bell\n")
    try:
        read_expected(str(path))
    except ValueError as exc:
        assert "line 2" in str(exc)
    else:
        raise AssertionError("no error")


def test_behind_a_trusted_balancer_the_device_address_is_the_forwarded_one(server_factory):
    server = server_factory("--trust-proxy", "127.0.0.1")
    server.get("/artcasts/d/k?wait=0", {"Artcast-Device": "kit-9", "X-Forwarded-For": "192.0.2.7"})
    assert devices(server)["devices"][0]["address"] == "192.0.2.7"
    plain = server_factory()
    plain.get("/artcasts/d/k?wait=0", {"Artcast-Device": "kit-9", "X-Forwarded-For": "192.0.2.7"})
    assert devices(plain)["devices"][0]["address"] == "127.0.0.1"      # not trusted: not believed
