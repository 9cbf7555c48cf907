"""Three artcast-servers as separate hosts behind the shipped nginx and
HAProxy configs, for real.

Five network namespaces joined by a Linux bridge (itself in a sixth):
s1, s2, s3 run artcast-server, src multicasts datums to the group on the
bridge (TTL 1: the bridge is the whole network), lb runs nginx (Debian
nginx-light) and HAProxy (Debian haproxy) with deploy/'s configs and the
clients, 200 of them by default, each following one key with the real
Python client (artcast_client.awatch: wait=0, then If-None-Match).

Figures are printed (run with -s to see them); the durations are
parameters: ARTCAST_DEPLOY_CLIENTS (200), ARTCAST_DEPLOY_SECONDS (the
100 datums/s run, 10; the issue's full run is 60).

Needs root: without it these tests fail with a message, they do not skip.
"""

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

import pytest

from artcast_client.watch import aexchange, awatch
from artcast_core.datagram import encode_datum
from artcast_core.etag import etag_for
from artcast_core.http import build_get, parse_response
from support.balancers import haproxy_command, nginx_command
from support.netns import Lab, require_root
from support.wait import wait_until

pytestmark = pytest.mark.netns

SERVERS = ("s1", "s2", "s3")
HOSTS = SERVERS + ("src", "lb")
GROUP = "224.1.1.1"
DATA_PORT = 5007
HTTP_PORT = 8888
BALANCERS = {"nginx": 8080, "haproxy": 8081}
CLIENTS = int(os.environ.get("ARTCAST_DEPLOY_CLIENTS", "200"))
LOAD_SECONDS = float(os.environ.get("ARTCAST_DEPLOY_SECONDS", "10"))
HOLD = 20


def figure(text):
    print("\n[deploy figures] " + text, flush=True)


async def aget(host, port, path, headers=None, timeout=10.0):
    data = await aexchange(host, port, build_get(host, port, path, headers), timeout)
    return parse_response(data)


class Deployment:
    """The lab: servers, source, balancers. Built once per module."""

    def __init__(self, tmp):
        require_root()
        self.tmp = str(tmp)
        self.lab = Lab(HOSTS)
        self.sender = None
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _build(self):
        self.lb = self.lab.loop("lb")
        self.lb_address = self.lab.address("lb")
        self.src = self.lab.loop("src")
        self.sender = self.src.call(self._open_sender, self.lab.address("src"))
        self.procs = {}
        self.counter = {}
        self.last = {}              # key -> payload of its latest datum
        for name in SERVERS:
            self.start_server(name)
        servers = [(self.lab.address(name), HTTP_PORT) for name in SERVERS]
        self.balancers = {}
        for name, command in (("nginx", nginx_command), ("haproxy", haproxy_command)):
            prefix = os.path.join(self.tmp, name)
            argv = command(prefix, (self.lb_address, BALANCERS[name]), servers)
            with open(os.path.join(self.tmp, name + ".out"), "ab") as out:
                self.balancers[name] = self.lab.popen("lb", argv, stdout=out, stderr=subprocess.STDOUT)
        for name, port in BALANCERS.items():
            wait_until(lambda: self._status(self.lb_address, port) == 200, 20, name + " to answer")

    @staticmethod
    def _open_sender(address):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(address))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        return sock

    # --- servers -----------------------------------------------------------------

    def server_command(self, name, *extra):
        address = self.lab.address(name)
        return [sys.executable, "-m", "artcast_server", "--host", address, "--client-port", str(HTTP_PORT),
                "--multicast-interface", address, "--max-clients", "5000",
                "--trust-proxy", self.lab.address("lb")] + list(extra)

    def start_server(self, name, *extra):
        with open(os.path.join(self.tmp, name + ".stderr"), "ab") as err:
            proc = self.procs[name] = self.lab.popen(name, self.server_command(name, *extra),
                                                     stdout=err, stderr=err)
        address = self.lab.address(name)
        wait_until(lambda: proc.poll() is not None or self._status(address, HTTP_PORT) == 200, 20,
                   name + " to answer")
        assert proc.poll() is None, "%s exited %s:\n%s" % (name, proc.returncode, self.stderr(name))
        return proc

    def stderr(self, name, tail=3000):
        with open(os.path.join(self.tmp, name + ".stderr"), errors="replace") as f:
            text = f.read()
        return text[-tail:] if tail else text

    def _status(self, address, port):
        try:
            return self.lb.run(aget(address, port, "/status", timeout=2.0), 5)[0]
        except Exception:
            return None

    def get(self, address, port, path, headers=None):
        return self.lb.run(aget(address, port, path, headers), 15)

    def status(self, name):
        return json.loads(self.get(self.lab.address(name), HTTP_PORT, "/status")[2])

    def latest(self, name, key, port=HTTP_PORT):
        address = self.lab.address(name) if name in SERVERS else self.lb_address
        status, headers, body = self.get(address, port, "/artcasts/%s?wait=0" % key)
        return (headers["etag"], json.loads(body)) if status == 200 else None

    # --- the source -------------------------------------------------------------

    def send(self, key):
        n = self.counter[key] = self.counter.get(key, 0) + 1
        payload = encode_datum(key, n)
        self.sender.sendto(payload, (GROUP, DATA_PORT))
        self.last[key] = payload
        return payload

    def send_at_rate(self, keys, per_second, seconds, during=None):
        """Send round-robin over `keys` at `per_second` for `seconds` (bounded);
        `during(elapsed)` is called between datums. Returns datums sent."""
        start = time.monotonic()
        count = int(per_second * seconds)
        for i in range(count):
            due = start + i / float(per_second)
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            self.send(keys[i % len(keys)])
            if during is not None:
                during(time.monotonic() - start)
        return count

    def wait_servers_agree(self, keys, timeout=15.0, servers=SERVERS):
        for key in keys:
            want = (etag_for(self.last[key]), self.counter[key])
            for name in servers:
                wait_until(lambda: self.latest(name, key) == want, timeout, "%s to have %s = %s" % (name, key, want))

    # --- faults --------------------------------------------------------------------

    def drop_datagrams(self, name):
        script = ("add table inet artcast_test\n"
                  "add chain inet artcast_test input { type filter hook input priority 0 ; }\n"
                  "add rule inet artcast_test input udp dport %d drop\n" % DATA_PORT)
        self._nft(name, script)

    def stop_dropping(self, name):
        self._nft(name, "delete table inet artcast_test\n")

    def _nft(self, name, script):
        done = subprocess.run(["ip", "netns", "exec", self.lab.ns(name), "nft", "-f", "-"], input=script,
                              capture_output=True, text=True)
        assert done.returncode == 0, "nft in %s: %s" % (name, done.stderr)

    def close(self):
        try:
            if self.sender is not None:
                self.sender.close()
        finally:
            self.lab.close()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    built = Deployment(tmp_path_factory.mktemp("deploy"))
    try:
        yield built
    finally:
        built.close()


# --- clients --------------------------------------------------------------------


class Crowd:
    """`count` followers through one balancer, spread over `keys`, on the lb
    namespace's loop. Each records (time, value) per delivery."""

    def __init__(self, deployment, balancer, keys, count=CLIENTS):
        self.deployment = deployment
        self.url = "http://%s:%d" % (deployment.lb_address, BALANCERS[balancer])
        self.keys = [keys[i % len(keys)] for i in range(count)]
        self.histories = [[] for _ in range(count)]
        self.errors = []
        self.future = deployment.lb.start(self._main())

    async def _follow(self, key, history):
        def on_error(exc, delay):
            self.errors.append((time.monotonic(), repr(exc)))
        async for value in awatch(self.url, key, hold=HOLD, on_error=on_error):
            history.append((time.monotonic(), value))

    async def _main(self):
        self.tasks = [asyncio.ensure_future(self._follow(k, h)) for k, h in zip(self.keys, self.histories)]
        try:
            await asyncio.gather(*self.tasks)
        except asyncio.CancelledError:
            pass

    def caught_up(self):
        counter = self.deployment.counter
        return all(h and h[-1][1] == counter.get(k) for k, h in zip(self.keys, self.histories))

    def wait_caught_up(self, timeout=30.0):
        wait_until(self.caught_up, timeout, lambda: "every client to have the latest: %s" % self._behind())

    def _behind(self):
        counter = self.deployment.counter
        behind = [(k, h[-1][1] if h else None, counter.get(k)) for k, h in zip(self.keys, self.histories)
                  if not h or h[-1][1] != counter.get(k)]
        servers = {}
        if behind:
            for name in SERVERS:
                try:
                    servers[name] = self.deployment.latest(name, behind[0][0])
                except Exception as exc:
                    servers[name] = repr(exc)
        return "%d behind, e.g. %s; the servers have %s" % (len(behind), behind[:5], servers)

    def backwards(self):
        """(client, from, to) for every delivery older than the one before."""
        steps = []
        for i, history in enumerate(self.histories):
            for (_, before), (_, after) in zip(history, history[1:]):
                if after < before:
                    steps.append((i, before, after))
        return steps

    def deliveries(self):
        return sum(len(h) for h in self.histories)

    def close(self):
        loop = self.deployment.lb.loop

        def cancel():
            for task in self.tasks:
                task.cancel()
        loop.call_soon_threadsafe(cancel)
        try:
            self.future.result(10)
        except Exception:
            pass


@pytest.fixture
def crowds():
    made = []

    def make(*args, **kwargs):
        crowd = Crowd(*args, **kwargs)
        made.append(crowd)
        return crowd
    yield make
    for crowd in made:
        crowd.close()


def prime(deployment, keys):
    """Every key has a datum on every server before clients start."""
    for key in keys:
        deployment.send(key)
    deployment.wait_servers_agree(keys)


# --- the tests -------------------------------------------------------------------


def test_not_root_is_a_failure_not_a_skip(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(AssertionError, match="need root"):
        require_root()


def test_every_server_gives_every_datum_the_same_etag(deployment):
    keys = ["etag/%d" % i for i in range(4)]
    for n in range(20):
        key = keys[n % len(keys)]
        payload = deployment.send(key)
        want = (etag_for(payload), deployment.counter[key])
        for name in SERVERS:
            wait_until(lambda: deployment.latest(name, key) == want, 10, "%s to have datum %d" % (name, n))
        for port in BALANCERS.values():
            assert deployment.latest("lb", key, port) == want


def test_a_client_reading_until_close_is_answered_through_both_balancers(deployment):
    """Item 3: no `Connection: close`, read until the socket closes."""
    deployment.send("close/test")
    deployment.wait_servers_agree(["close/test"])

    async def read_until_close(port):
        reader, writer = await asyncio.open_connection(deployment.lb_address, port)
        writer.write(("GET /artcasts/close/test?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n").encode())
        data = await asyncio.wait_for(reader.read(-1), 5.0)     # EOF within 5 s, or TimeoutError
        writer.close()
        return data
    for name, port in BALANCERS.items():
        data = deployment.lb.run(read_until_close(port), 15)
        assert data.startswith(b"HTTP/1.1 200"), (name, data[:200])
        assert data.endswith(b"1"), (name, data[-50:])


@pytest.mark.parametrize("balancer", sorted(BALANCERS))
def test_the_servers_log_the_client_address_the_balancer_forwards(deployment, balancer):
    """A client on another host (src) through the balancer: the servers
    (--trust-proxy <balancer>) log the client's address, not the balancer's,
    and not an address the client made up."""
    path = "/artcasts/xff/%s?wait=0" % balancer
    port = BALANCERS[balancer]
    for _ in range(len(SERVERS)):              # round-robin: one request per server
        status = deployment.src.run(aget(deployment.lb_address, port, path, {"X-Forwarded-For": "192.0.2.66"}), 15)[0]
        assert status in (200, 204)
    client = deployment.lab.address("src")
    logged = []

    def lines():
        logged[:] = [line.split(" ", 1)[0] for name in SERVERS for line in deployment.stderr(name, None).splitlines()
                     if '"GET %s ' % path in line]
        return len(logged) == len(SERVERS)
    wait_until(lines, 10, lambda: "an access log line from each server: %s" % logged)
    assert logged == [client] * len(SERVERS)


@pytest.mark.parametrize("balancer", sorted(BALANCERS))
def test_clients_through_the_balancer_never_miss_the_latest_nor_go_backwards(deployment, crowds, balancer):
    keys = ["follow-%s/%d" % (balancer, i) for i in range(4)]
    prime(deployment, keys)
    crowd = crowds(deployment, balancer, keys)
    crowd.wait_caught_up()
    sent = deployment.send_at_rate(keys, 40, 5)
    crowd.wait_caught_up()
    deployment.wait_servers_agree(keys)
    figure("%s: %d clients, %d datums at 40/s over %d keys: %d deliveries, %d client errors, %d backwards"
           % (balancer, CLIENTS, sent, len(keys), crowd.deliveries(), len(crowd.errors), len(crowd.backwards())))
    assert crowd.backwards() == []


@pytest.mark.parametrize("balancer", sorted(BALANCERS))
def test_clients_that_leave_free_their_place_at_the_servers(deployment, crowds, balancer):
    """A client that closes while held: the balancer drops the request at the
    server too, instead of leaving it held until --poll-timeout."""
    keys = ["leave-%s/%d" % (balancer, i) for i in range(4)]
    prime(deployment, keys)
    crowd = crowds(deployment, balancer, keys)
    crowd.wait_caught_up()
    wait_until(lambda: sum(deployment.status(name)["waiting_clients"] for name in SERVERS) == CLIENTS, 10,
               "every client held at a server")
    crowd.close()
    wait_until(lambda: sum(deployment.status(name)["waiting_clients"] for name in SERVERS) == 0, 10,
               lambda: "the servers to let go: %s" % [deployment.status(name)["waiting_clients"] for name in SERVERS])


@pytest.mark.parametrize("balancer", sorted(BALANCERS))
def test_a_server_that_misses_datagrams_sends_no_client_backwards(deployment, crowds, balancer):
    """Issue 18 item 1: s3 drops every datagram for a while (nftables inside
    its namespace). It must never answer a client that is ahead of it with
    its older datum."""
    keys = ["loss-%s/%d" % (balancer, i) for i in range(4)]
    prime(deployment, keys)
    crowd = crowds(deployment, balancer, keys)
    crowd.wait_caught_up()
    before = deployment.status("s3")["datums_received"]
    deployment.drop_datagrams("s3")
    try:
        deployment.send_at_rate(keys, 20, 2)
    finally:
        deployment.stop_dropping("s3")
    assert deployment.status("s3")["datums_received"] == before      # the rule did drop them
    deployment.send_at_rate(keys, 20, 1)
    crowd.wait_caught_up()
    deployment.wait_servers_agree(keys)
    backwards = crowd.backwards()
    figure("%s: s3 missed 40 datums: %d clients, %d deliveries, %d backwards (clients: %d)"
           % (balancer, CLIENTS, crowd.deliveries(), len(backwards), len(set(b[0] for b in backwards))))
    assert backwards == []


@pytest.mark.parametrize("balancer", sorted(BALANCERS))
def test_a_server_killed_mid_poll_and_restarted(deployment, crowds, balancer):
    keys = ["kill-%s/%d" % (balancer, i) for i in range(4)]
    prime(deployment, keys)
    crowd = crowds(deployment, balancer, keys)
    crowd.wait_caught_up()
    wait_until(lambda: deployment.status("s2")["waiting_clients"] > 0, 10, "clients held on s2")
    held = deployment.status("s2")["waiting_clients"]
    killed_at = time.monotonic()
    deployment.procs["s2"].send_signal(signal.SIGKILL)
    deployment.procs["s2"].wait(5)
    first = {key: deployment.counter[key] + 1 for key in keys}
    sent_at = {}

    def note(elapsed):
        for key in keys:
            if deployment.counter[key] == first[key] and key not in sent_at:
                sent_at[key] = time.monotonic()
    deployment.send_at_rate(keys, 20, 2, during=note)
    crowd.wait_caught_up()
    # recovery: from the first datum after the kill to the client having it (or newer)
    recovery = []
    for key, history in zip(crowd.keys, crowd.histories):
        got = next(t for t, value in history if value >= first[key])
        recovery.append(got - sent_at[key])
    recovery.sort()
    errors = [e for e in crowd.errors if e[0] >= killed_at]
    figure("%s: s2 killed (-9) with %d requests held on it: %d clients recovered; recovery p50 %.0f ms, "
           "p99 %.0f ms, max %.0f ms; %d client errors (each retried)"
           % (balancer, held, CLIENTS, 1000 * statistics.median(recovery),
              1000 * recovery[int(0.99 * (len(recovery) - 1))], 1000 * recovery[-1], len(errors)))
    deployment.start_server("s2")
    deployment.send_at_rate(keys, 20, 1)
    crowd.wait_caught_up()
    deployment.wait_servers_agree(keys)
    assert crowd.backwards() == []


@pytest.mark.parametrize("balancer", sorted(BALANCERS))
def test_a_server_host_that_vanishes_without_a_reset(deployment, crowds, balancer):
    """Issue 18 item 4: s2's link goes down (no reset reaches anyone).
    HAProxy marks it down after two failed health checks and cuts the
    requests held there (on-marked-down shutdown-sessions); nginx has no
    active checks, so those clients wait for their own timeout (hold + 10 s)."""
    keys = ["vanish-%s/%d" % (balancer, i) for i in range(4)]
    prime(deployment, keys)
    crowd = crowds(deployment, balancer, keys)
    crowd.wait_caught_up()
    wait_until(lambda: deployment.status("s2")["waiting_clients"] > 0, 10, "clients held on s2")
    held = deployment.status("s2")["waiting_clients"]
    ns = deployment.lab.ns("s2")
    subprocess.run(["ip", "-n", ns, "link", "set", "eth0", "down"], check=True)
    try:
        vanished = time.monotonic()
        first = {key: deployment.counter[key] + 1 for key in keys}
        for key in keys:
            deployment.send(key)
        limit = 8.0 if balancer == "haproxy" else HOLD + 15.0
        crowd.wait_caught_up(timeout=limit)
        recovery = sorted(next(t for t, value in history if value >= first[key]) - vanished
                          for key, history in zip(crowd.keys, crowd.histories))
        figure("%s: s2 vanished (link down, no reset) with %d requests held on it: every client had the "
               "next datum within %.1f s (p50 %.2f s); %d client errors"
               % (balancer, held, recovery[-1], statistics.median(recovery), len(crowd.errors)))
    finally:
        subprocess.run(["ip", "-n", ns, "link", "set", "eth0", "up"], check=True)
    deployment.send_at_rate(keys, 20, 1)
    crowd.wait_caught_up()
    deployment.wait_servers_agree(keys)
    assert crowd.backwards() == []


def test_a_restarted_server_with_a_state_file_has_the_latest_at_once(deployment):
    """Issue 18 item 2 (`--state-file`, from the "remember" work): after
    kill -9 and a restart, s2 answers wait=0 with the latest of every key
    before any new datum arrives."""
    help_text = subprocess.run([sys.executable, "-m", "artcast_server", "--help"], capture_output=True,
                               text=True).stdout
    assert "--state-file" in help_text, "artcast-server has no --state-file yet (issue 18 item 2)"
    state = os.path.join(deployment.tmp, "s2.state")
    deployment.procs["s2"].send_signal(signal.SIGTERM)
    deployment.procs["s2"].wait(5)
    try:
        deployment.start_server("s2", "--state-file", state)
    except AssertionError:
        deployment.start_server("s2")       # leave the lab whole for the tests after this one
        raise
    keys = ["state/%d" % i for i in range(5)]
    prime(deployment, keys)

    def saved():
        # the file keeps each datum's exact bytes (as a JSON string): wait until every latest is there
        try:
            with open(state) as f:
                text = f.read()
        except OSError:
            return False
        return all(json.dumps(deployment.last[key].decode()) in text for key in keys)
    wait_until(saved, 20, "s2 to save every key's latest in its state file")
    deployment.procs["s2"].send_signal(signal.SIGKILL)
    deployment.procs["s2"].wait(5)
    deployment.start_server("s2", "--state-file", state)
    for key in keys:
        assert deployment.latest("s2", key) == (etag_for(deployment.last[key]), deployment.counter[key])


def test_100_datums_per_second_across_20_keys(deployment, crowds):
    keys = ["load/%02d" % i for i in range(20)]
    prime(deployment, keys)
    before = {name: deployment.status(name)["datums_received"] for name in SERVERS}
    followers = [crowds(deployment, balancer, keys, count=CLIENTS // 2) for balancer in sorted(BALANCERS)]
    for crowd in followers:
        crowd.wait_caught_up()
    start = time.monotonic()
    sent = deployment.send_at_rate(keys, 100, LOAD_SECONDS)
    took = time.monotonic() - start
    for crowd in followers:
        crowd.wait_caught_up()
    deployment.wait_servers_agree(keys)
    received = {name: deployment.status(name)["datums_received"] - before[name] for name in SERVERS}
    figure("load: %d datums in %.1f s (%.0f/s) across %d keys; received per server %s; "
           "%d clients (nginx %d, haproxy %d): %d deliveries, %d errors, %d backwards"
           % (sent, took, sent / took, len(keys), received, CLIENTS, len(followers[1].keys),
              len(followers[0].keys), sum(c.deliveries() for c in followers),
              sum(len(c.errors) for c in followers), sum(len(c.backwards()) for c in followers)))
    assert all(count == sent for count in received.values()), received
    for crowd in followers:
        assert crowd.backwards() == []
