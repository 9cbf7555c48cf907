"""artcast bridge nats: a site's multicast group to NATS and back.

Sources and boards on a LAN keep using multicast and HTTP; one bridge per
site joins the site's group to a NATS server (or cluster), so several sites
or a cloud `artcast-server --nats ... --no-multicast` share the same keys.

    artcast bridge nats --nats nats://broker.example:4222 --multicast-interface 192.168.1.20

- multicast -> NATS: every valid datagram on the data and registration ports
  is published, byte for byte, on `<prefix>.data.<key>` or
  `<prefix>.register.<key>` (`subject_for`), with the header
  `Artcast-Bridge: <this bridge's id>`.
- NATS -> multicast: every message on `<prefix>.data.>` / `<prefix>.register.>`
  from elsewhere is sent, byte for byte, to the site's group.

The bytes never change, so a datum has the same ETag at every site.

Loops: the bridge connects with NATS `no_echo` (it never receives its own
publications, and skips any carrying its own id), and remembers for a few
seconds the hash of every payload it sent to multicast: when that datagram
comes back on the group (the bridge hears its own sends, as the servers on
its host must), it is not published again. Run one bridge per multicast
group: two bridges on one group would each republish what the other sent.
"""

import argparse
import asyncio
import collections
import hashlib
import os
import signal
import sys
import time

from artcast_core.backoff import Backoff
from artcast_core.datagram import DATA_PORT, DEFAULT_GROUP, REGISTER_PORT, parse_datum, parse_registration
from artcast_core.errors import WireError
from artcast_core.nats_subjects import key_for, subject_for
from artcast_core.text import printable
from artcast_server.nats_feed import describe_error

ORIGIN_HEADER = "Artcast-Bridge"
ECHO_SECONDS = 5.0          # how long a payload sent to multicast is expected back
ECHO_MAX = 20000            # remembered payloads at most (a burst beyond this just ages out)
KINDS = ("data", "register")
PARSE = {"data": parse_datum, "register": parse_registration}


class EchoMemory:
    """Payloads recently sent to multicast, each expected back once."""

    def __init__(self, seconds=ECHO_SECONDS, limit=ECHO_MAX, clock=time.monotonic):
        self.seconds = seconds
        self.limit = limit
        self.clock = clock
        self.pending = collections.OrderedDict()    # digest -> (count, expiry)

    def sent(self, payload):
        now = self.clock()
        self._expire(now)
        digest = hashlib.sha256(payload).digest()
        count = self.pending.pop(digest, (0, 0))[0]
        self.pending[digest] = (count + 1, now + self.seconds)
        while len(self.pending) > self.limit:
            self.pending.popitem(last=False)

    def is_echo(self, payload):
        """True (once per send) when `payload` is one we sent to multicast."""
        if not self.pending:
            return False
        digest = hashlib.sha256(payload).digest()
        entry = self.pending.get(digest)
        if entry is None or entry[1] < self.clock():
            return False
        if entry[0] > 1:
            self.pending[digest] = (entry[0] - 1, entry[1])
        else:
            del self.pending[digest]
        return True

    def _expire(self, now):
        while self.pending:
            digest, (count, expiry) = next(iter(self.pending.items()))
            if expiry >= now:
                break
            del self.pending[digest]


class NatsBridge:
    def __init__(self, servers, prefix, group, ports, interface, ttl, log):
        self.servers = list(servers)
        self.prefix = prefix
        self.group = group
        self.ports = dict(zip(KINDS, ports))
        self.interface = interface
        self.ttl = ttl
        self.log = log
        self.id = "%s-%d-%s" % (os.uname().nodename, os.getpid(), os.urandom(3).hex())
        self.echoes = EchoMemory()
        self.client = None
        self.counts = collections.Counter()
        self.said = {}              # error text -> when last logged
        self.sender = None
        self.receivers = []

    # --- multicast -> NATS ---------------------------------------------------

    def outbound(self, kind, payloads):
        for payload in payloads:
            if self.echoes.is_echo(payload):
                self.counts["echo-skipped"] += 1
                continue
            try:
                key = PARSE[kind](payload)[0]
            except WireError as exc:
                self.counts["dropped-" + exc.reason] += 1
                continue
            if self.client is None or self.client.is_closed:
                self.counts["dropped-no-nats"] += 1
                continue
            asyncio.ensure_future(self._publish(subject_for(self.prefix, kind, key), payload))

    async def _publish(self, subject, payload):
        try:
            await self.client.publish(subject, payload, headers={ORIGIN_HEADER: self.id})
            self.counts["to-nats"] += 1
        except Exception as exc:            # disconnected with a full buffer, closed, ...
            self.counts["dropped-nats-error"] += 1
            self.log("cannot publish to NATS: %s" % describe_error(exc))

    # --- NATS -> multicast ---------------------------------------------------

    def _inbound(self, kind):
        port = self.ports[kind]

        async def handle(msg):
            if msg.headers and msg.headers.get(ORIGIN_HEADER) == self.id:
                return
            payload = msg.data
            try:
                PARSE[kind](payload)
            except WireError as exc:
                self.counts["dropped-" + exc.reason] += 1
                return
            self.echoes.sent(payload)
            try:
                self.sender.sendto(payload, (self.group, port))
                self.counts["to-multicast"] += 1
            except OSError as exc:
                self.counts["dropped-send-error"] += 1
                self.log("cannot multicast to %s:%d: %s" % (self.group, port, exc))
        return handle

    # --- running -------------------------------------------------------------

    def open(self, loop):
        from artcast_server.multicast import Receiver, open_multicast_socket
        from artcast_source.multicast import open_sender
        self.sender = open_sender(self.interface, self.ttl)
        for kind in KINDS:
            sock = open_multicast_socket(self.group, self.ports[kind], self.interface)
            self.receivers.append(Receiver(loop, sock, lambda payloads, senders, kind=kind: self.outbound(kind, payloads)))

    async def connect(self, nats):
        backoff = Backoff(base=0.25, cap=5.0)
        while True:
            try:
                self.client = await nats.connect(
                    servers=self.servers, name="artcast-bridge", no_echo=True, allow_reconnect=True,
                    max_reconnect_attempts=-1, reconnect_time_wait=1.0, connect_timeout=2.0,
                    error_cb=self._error, disconnected_cb=self._disconnected, reconnected_cb=self._reconnected)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = backoff.next_delay()
                self.log("cannot connect to %s (%s); retrying in %.1fs" % (", ".join(self.servers), describe_error(exc), delay))
                await asyncio.sleep(delay)
        for kind in KINDS:
            await self.client.subscribe("%s.%s.>" % (self.prefix, kind), cb=self._inbound(kind))
        await self.client.flush()
        self.log("bridging %s:%d/%d <-> NATS %s (%s.data.>, %s.register.>), id %s"
                 % (self.group, self.ports["data"], self.ports["register"], self.client.connected_url.netloc,
                    self.prefix, self.prefix, self.id))

    async def _error(self, exc):
        # nats-py reports each failed attempt (about once a second while NATS is
        # down): say each different error once a minute at most
        text, now = describe_error(exc), time.monotonic()
        if self.said.get(text, -60.0) <= now - 60.0:
            self.said[text] = now
            self.log("NATS: %s" % text)

    async def _disconnected(self):
        self.log("NATS: disconnected; reconnecting")

    async def _reconnected(self):
        self.log("NATS: reconnected to %s" % self.client.connected_url.netloc)

    async def close(self):
        for receiver in self.receivers:
            receiver.close()
        if self.sender is not None:
            self.sender.close()
        if self.client is not None:
            try:
                await asyncio.wait_for(self.client.close(), 1.0)
            except Exception:
                pass



def build_parser():
    from artcast_server.nats_feed import check_prefix
    from artcast_source.multicast import default_interface, default_ttl

    def prefix(text):
        try:
            return check_prefix(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc))

    p = argparse.ArgumentParser(prog="artcast bridge nats",
                                description="Forward a site's multicast group to NATS and NATS to it.")
    p.add_argument("--nats", action="append", metavar="URL", required=True,
                   help="NATS server, e.g. nats://127.0.0.1:4222 (repeat for a cluster)")
    p.add_argument("--nats-prefix", type=prefix, default="artcast", metavar="PREFIX",
                   help="subjects PREFIX.data.<key>, PREFIX.register.<key> (default artcast)")
    p.add_argument("--group", default=DEFAULT_GROUP, help="default " + DEFAULT_GROUP)
    p.add_argument("--data-port", type=int, default=DATA_PORT)
    p.add_argument("--register-port", type=int, default=REGISTER_PORT)
    p.add_argument("--multicast-interface", default=default_interface(), metavar="ADDRESS",
                   help="address of the interface to join and send on")
    p.add_argument("--ttl", type=int, default=default_ttl(), help="TTL of what is sent to the group")
    return p


def log(message):
    print(printable("artcast bridge nats: %s" % message), file=sys.stderr, flush=True)


async def run(args):
    from artcast_server.nats_feed import import_nats
    nats = import_nats()
    loop = asyncio.get_running_loop()
    bridge = NatsBridge(args.nats, args.nats_prefix, args.group, (args.data_port, args.register_port),
                        args.multicast_interface, args.ttl, log)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    bridge.open(loop)
    connecting = loop.create_task(bridge.connect(nats))
    await stop.wait()
    connecting.cancel()
    await bridge.close()
    log("stopped; %s" % ", ".join("%s %d" % item for item in sorted(bridge.counts.items())))


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(run(args))
    except (OSError, RuntimeError, ValueError) as exc:
        print(printable("artcast bridge nats: %s" % exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
