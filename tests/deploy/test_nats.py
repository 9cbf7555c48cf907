"""NATS as a backbone, with a real nats-server on 127.0.0.1.

- artcast-server --nats takes datums and registrations from NATS subjects,
  byte for byte, so the ETag is the multicast one;
- it starts before NATS does and survives NATS restarting;
- two "sites" (servers on different multicast ports, each with its own
  `artcast bridge nats`) agree on every ETag, with no datum bridged twice;
- two NATS servers in a cluster carry keys between two sites and to a cloud
  server that has no multicast at all.

Multicast stays on loopback (TTL 0); NATS listens on 127.0.0.1 only.
"""

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest

from artcast_bridges.nats import EchoMemory
from artcast_core.nats_subjects import key_for, subject_for
from artcast_core.datagram import encode_datum, encode_registration
from artcast_core.etag import etag_for
from support.nats_server import NatsServer
from support.process import stop_process
from support.net import GROUP, LOOPBACK, free_port, loopback_sender
from support.server import ServerProcess
from support.wait import wait_until

ARTCAST = [sys.executable, "-m", "artcast_client.cli"]


def publish(url, messages):
    """Publish (subject, payload) pairs to NATS and flush."""
    import nats

    async def go():
        client = await nats.connect(url, connect_timeout=5)
        for subject, payload in messages:
            await client.publish(subject, payload)
        await client.flush()
        await client.close()
    asyncio.run(go())


def latest(server, key):
    """(etag, value) of the key's latest datum on `server`, or None."""
    status, headers, body = server.get("/artcasts/%s?wait=0" % key)
    if status != 200:
        return None
    return headers["etag"], json.loads(body)


class Bridge:
    """`artcast bridge nats` as a process, between one loopback group:port pair and NATS."""

    def __init__(self, log_dir, nats_url, data_port, register_port):
        self.log_path = os.path.join(str(log_dir), "bridge-%d.log" % data_port)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                ARTCAST + ["bridge", "nats", "--nats", nats_url, "--group", GROUP,
                           "--data-port", str(data_port), "--register-port", str(register_port),
                           "--multicast-interface", LOOPBACK, "--ttl", "0"],
                stdout=subprocess.DEVNULL, stderr=log)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_bridging(self, count=1, timeout=20.0):
        wait_until(lambda: self.log().count("bridging ") >= count or self._died(), timeout,
                   "the bridge to connect:\n" + self.log())
        assert self.proc.poll() is None, self.log()

    def _died(self):
        return self.proc.poll() is not None

    def stop(self):
        stop_process(self.proc)


@pytest.fixture
def started(tmp_path):
    """Everything a test starts, stopped by PID at the end (also on failure)."""
    things = []

    def add(thing):
        things.append(thing)
        return thing
    yield add
    for thing in reversed(things):
        if isinstance(thing, ServerProcess):
            thing.close()
        else:
            thing.stop()


def nats_server(tmp_path, started, **kwargs):
    return started(NatsServer(tmp_path, **kwargs)).start()


def artcast_server(tmp_path, started, *args):
    return started(ServerProcess(list(args), log_dir=tmp_path)).start()


# --- the subject mapping --------------------------------------------------------


@pytest.mark.parametrize("key, subject", [
    ("test/tick", "artcast.data.test.tick"),
    ("gallery/north.wall/lux", "artcast.data.gallery.north%2Ewall.lux"),
    ("a", "artcast.data.a"),
    ("x.y/z~_-", "artcast.data.x%2Ey.z~_-"),
])
def test_subject_mapping_round_trips(key, subject):
    assert subject_for("artcast", "data", key) == subject
    assert key_for(subject, "artcast", "data") == key
    assert "." not in subject[len("artcast.data."):].replace(".", "").replace("%2E", "")


def test_echo_memory_skips_each_bridged_payload_once():
    now = [0.0]
    memory = EchoMemory(seconds=5, clock=lambda: now[0])
    memory.sent(b"a")
    memory.sent(b"a")
    assert memory.is_echo(b"a") and memory.is_echo(b"a")
    assert not memory.is_echo(b"a")            # a third copy is a new datum from the LAN
    memory.sent(b"b")
    now[0] = 6.0
    assert not memory.is_echo(b"b")            # its echo never came: forgotten


def test_server_cli_rejects_a_bad_prefix_and_no_feed():
    for args in (["--nats", "nats://127.0.0.1:1", "--nats-prefix", "a.>"], ["--no-multicast"]):
        done = subprocess.run([sys.executable, "-m", "artcast_server"] + args, capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 2, done.stderr
        assert "prefix" in done.stderr or "--nats" in done.stderr


# --- the server on NATS ---------------------------------------------------------------


def test_server_takes_exact_datagrams_from_nats(tmp_path, started):
    nats = nats_server(tmp_path, started)
    server = artcast_server(tmp_path, started, "--nats", nats.url, "--no-multicast")
    wait_until(lambda: "subscribed to artcast.data.>" in server.stderr(), 20, "the server to subscribe")
    datum = encode_datum("gallery/north.wall/lux", 312.5)
    registration = encode_registration("gallery/north.wall/lux", "North wall light", "BH1750", None)
    publish(nats.url, [(subject_for("artcast", "register", "gallery/north.wall/lux"), registration),
                       (subject_for("artcast", "data", "gallery/north.wall/lux"), datum),
                       ("artcast.data.bad", b"not json")])
    wait_until(lambda: latest(server, "gallery/north.wall/lux"), 10, "the datum")
    assert latest(server, "gallery/north.wall/lux") == (etag_for(datum), 312.5)
    assert json.loads(server.get("/artcasts")[2]) == [
        {"key": "gallery/north.wall/lux", "description": "North wall light", "provenance": "BH1750", "license": None}]
    wait_until(lambda: server.status()["datagrams_dropped"].get("not-json") == 1, 10, "the bad payload to count")


def test_server_started_before_nats_connects_and_survives_a_restart(tmp_path, started):
    port = free_port()
    server = artcast_server(tmp_path, started, "--nats", "nats://127.0.0.1:%d" % port, "--no-multicast")
    wait_until(lambda: "WARNING nats:" in server.stderr(), 10, "the server to report NATS down")
    assert server.status()["known_keys"] == 0         # up and serving while NATS is down

    nats = nats_server(tmp_path, started, port=port)
    wait_until(lambda: "subscribed to" in server.stderr(), 20, "the server to connect once NATS is up")
    first = encode_datum("site/a", 1)
    publish(nats.url, [(subject_for("artcast", "data", "site/a"), first)])
    wait_until(lambda: latest(server, "site/a") == (etag_for(first), 1), 10, "the first datum")

    nats.stop()
    wait_until(lambda: "disconnected" in server.stderr(), 10, "the server to notice NATS gone")
    assert server.status()["known_keys"] == 1
    nats = nats_server(tmp_path, started, port=port)
    wait_until(lambda: "reconnected" in server.stderr(), 20, "the server to reconnect")
    second = encode_datum("site/a", 2)
    publish(nats.url, [(subject_for("artcast", "data", "site/a"), second)])
    wait_until(lambda: latest(server, "site/a") == (etag_for(second), 2), 10, "a datum after the restart")
    assert server.proc.poll() is None


# --- two sites bridged through NATS ------------------------------------------------------


class Site:
    """A "network": a server and a bridge on their own multicast ports, and a source."""

    def __init__(self, tmp_path, started, nats_url):
        self.server = started(ServerProcess(log_dir=tmp_path)).start()
        self.bridge = started(Bridge(tmp_path, nats_url, self.server.data_port, self.server.register_port))
        self.sender = loopback_sender()

    def send(self, key, value):
        payload = encode_datum(key, value)
        self.sender.sendto(payload, (GROUP, self.server.data_port))
        return payload

    def register(self, key, description):
        self.sender.sendto(encode_registration(key, description, None, None), (GROUP, self.server.register_port))


def check_sites_agree(sites, rounds, keys):
    """Send from each site in turn; after every datum every server has it as the
    key's latest, with the same ETag. Returns the number of datums sent."""
    sent = 0
    for n in range(rounds):
        for i, site in enumerate(sites):
            key = keys[(n + i) % len(keys)]
            payload = site.send(key, {"n": n, "from": i})
            sent += 1
            for other in sites:
                wait_until(lambda: latest(other.server, key) == (etag_for(payload), {"n": n, "from": i}), 10,
                           "datum %d of site %d at every site" % (n, i))
    return sent


def probe_until_shared(sites, key="probe/ready", timeout=20.0):
    """Bridges are up once a datum crosses from every site to every other
    (subscriptions propagate through a NATS cluster asynchronously)."""
    deadline = time.monotonic() + timeout
    for i, site in enumerate(sites):
        while True:
            payload = site.send(key, i)
            time.sleep(0.1)
            if all(latest(other.server, key) == (etag_for(payload), i) for other in sites):
                break
            assert time.monotonic() < deadline, "probe from site %d never crossed" % i


def test_two_sites_through_nats_agree_on_every_etag(tmp_path, started):
    nats = nats_server(tmp_path, started)
    sites = [Site(tmp_path, started, nats.url) for _ in range(2)]
    for site in sites:
        site.bridge.wait_bridging()
    assert sites[0].server.data_port != sites[1].server.data_port       # two networks
    sites[0].register("museum/hall", "Hall sensor")
    wait_until(lambda: json.loads(sites[1].server.get("/artcasts")[2]) == [
        {"key": "museum/hall", "description": "Hall sensor", "provenance": None, "license": None}], 10,
        "the registration at the other site")

    keys = ["museum/hall", "museum/door.1", "site/b/temp"]
    sent = check_sites_agree(sites, 15, keys)
    # No loop: every server received every datum exactly once (a datum bridged
    # in and out again would count twice, and go on counting).
    for site in sites:
        wait_until(lambda: site.server.status()["datums_received"] >= sent, 10, "every datum")
    time.sleep(1.0)     # a loop would go on sending: give it the time to show
    assert [site.server.status()["datums_received"] for site in sites] == [sent, sent]
    published = 0
    for site in sites:
        site.bridge.stop()
        counts = dict((name, int(n)) for name, n in
                      (item.rsplit(" ", 1) for item in site.bridge.log().rsplit("stopped; ", 1)[1].strip().split(", ")))
        assert counts["echo-skipped"] == counts["to-multicast"], counts   # every bridged-in datagram, once
        published += counts["to-nats"]
    assert published == sent + 1        # each datum and the registration crossed once


def test_a_nats_restart_mid_stream_is_survived(tmp_path, started):
    nats = nats_server(tmp_path, started)
    sites = [Site(tmp_path, started, nats.url) for _ in range(2)]
    for site in sites:
        site.bridge.wait_bridging()
    keys = ["stream/%d" % i for i in range(5)]
    sender, receiver = sites
    last = {}
    for n in range(200):                     # 200 datums, 100/s; NATS goes away at 50, back at 100
        if n == 50:
            nats.stop()
        if n == 100:
            nats = nats_server(tmp_path, started, port=nats.port)
        key = keys[n % len(keys)]
        last[key] = sender.send(key, n)
        time.sleep(0.01)
    for site in sites:
        site.bridge.wait_bridging(count=1)
    wait_until(lambda: all("reconnected" in site.bridge.log() for site in sites), 20, "both bridges to reconnect")
    # Converged: after the restart, one more datum per key reaches the other site.
    for key in keys:
        last[key] = sender.send(key, "after")
    for key in keys:
        wait_until(lambda: latest(receiver.server, key) == (etag_for(last[key]), "after"), 15,
                   "%s to converge at the other site" % key)
        assert latest(sender.server, key) == latest(receiver.server, key)
    for site in sites:
        assert site.server.proc.poll() is None and site.bridge.proc.poll() is None


def test_a_nats_cluster_carries_keys_between_sites_and_to_a_cloud_server(tmp_path, started):
    first = nats_server(tmp_path, started, name="nats-a")
    second = nats_server(tmp_path, started, name="nats-b", routes=[first.cluster_url])
    second.wait_routes(1)
    site_a = Site(tmp_path, started, first.url)
    site_b = Site(tmp_path, started, second.url)
    cloud = artcast_server(tmp_path, started, "--nats", second.url, "--no-multicast")
    for site in (site_a, site_b):
        site.bridge.wait_bridging()
    wait_until(lambda: "subscribed to" in cloud.stderr(), 20, "the cloud server to subscribe")
    probe_until_shared([site_a, site_b])

    keys = ["shared/one", "shared/two"]
    check_sites_agree([site_a, site_b], 10, keys)
    for key in keys:
        wait_until(lambda: latest(cloud, key) == latest(site_a.server, key), 10, "%s at the cloud server" % key)


def test_http_publish_goes_through_nats_with_one_etag_everywhere(tmp_path, started):
    """A value published over HTTP on a NATS-only (cloud) server reaches every
    server on the NATS subjects, the receiving one included, with one ETag."""
    import http.client
    nats = nats_server(tmp_path, started)
    cloud = artcast_server(tmp_path, started, "--nats", nats.url, "--no-multicast", "--publish-token", "cloud-token")
    site = artcast_server(tmp_path, started, "--nats", nats.url, "--no-multicast")
    for server in (cloud, site):
        wait_until(lambda: "subscribed to artcast.data.>" in server.stderr(), 20, "the servers to subscribe")
    conn = http.client.HTTPConnection(LOOPBACK, cloud.port, timeout=10)
    conn.request("POST", "/artcasts/site/lamp", body=b'"on"',
                 headers={"Authorization": "Bearer cloud-token", "Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 202, response.read()
    etag = response.getheader("ETag")
    conn.close()
    for server in (cloud, site):
        wait_until(lambda: latest(server, "site/lamp") == (etag, "on"), 10, "the published value on every server")
