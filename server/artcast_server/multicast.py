"""Multicast receivers: UDP datagrams from sources into the hub.

One socket per group/port, joined on one interface (`--multicast-interface`;
tests and the demo use 127.0.0.1, so nothing leaves the machine). The socket
is registered with the asyncio loop; on each wake it drains *every* pending
datagram, keeps only the latest per key, then publishes, so a burst never
backs up in the kernel's receive buffer.

Bad datagrams are dropped, counted in the hub by reason, and reported to the
error log (which rate-limits itself). Each datagram is parsed on its own, so
one bad datagram never costs the good ones drained in the same wake. Nothing
a datagram holds can stop the server.

Datagrams the kernel drops because the receive buffer was full never reach
us; `kernel_drops()` reads the kernel's per-socket count for /status.
"""

import errno
import os
import socket
import struct

from artcast_core.datagram import parse_datum_at, parse_registration
from artcast_core.errors import WireError
from artcast_core.signing import is_signed, unwrap
from artcast_server.clock import play_at
from artcast_server.firmware import reserved

RECEIVE_BUFFER = 1 << 20     # 1 MiB: room for a burst while the loop is busy
MAX_READ = 65535             # a UDP datagram can be this long; we refuse > 8 KB later
DRAIN_LIMIT = 1000           # datagrams per wake, so HTTP work is not starved


def open_multicast_socket(group, port, interface=None):
    """A non-blocking UDP socket bound to `group`:`port`, joined on `interface`.

    `interface` is the IPv4 address of the interface to join on; None lets the
    kernel choose. SO_REUSEADDR/SO_REUSEPORT let several servers (and tests)
    share the port on one host, each receiving every datagram.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        except OSError:
            pass
        sock.bind((group, port))
        local = socket.inet_aton(interface) if interface else struct.pack("=I", socket.INADDR_ANY)
        mreq = socket.inet_aton(group) + local
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def open_sender_socket(interface=None, ttl=1):
    """A UDP socket that multicasts with `ttl` from `interface` (the IPv4
    address of one of this machine's interfaces; None lets the kernel choose).
    Loopback delivery stays on, so a server on this machine hears what it
    sends. Sources (artcast_source.multicast.open_sender) and HTTP publish
    (publish.Publisher) send through it. ValueError for an interface that is
    not an IPv4 address; OSError naming it when no interface has it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        if interface:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, _interface_address(interface))
    except (OSError, ValueError) as exc:
        sock.close()
        if getattr(exc, "errno", None) == errno.EADDRNOTAVAIL:
            raise OSError(exc.errno, "no interface of this machine has the address %s "
                          "(--multicast-interface is this machine's own address)" % interface)
        raise
    return sock


def _interface_address(interface):
    try:
        return socket.inet_aton(interface)
    except OSError:
        raise ValueError("--multicast-interface wants an IPv4 address such as 127.0.0.1 "
                         "(the address of the interface, not its name), got %r" % interface)


class Receiver:
    """Reads one multicast socket on the loop and hands datagrams to a handler.

    `handle(payloads, senders)` gets the payloads drained in one wake and
    their senders' (address, port), in the same order.
    """

    def __init__(self, loop, sock, handle):
        self.loop = loop
        self.sock = sock
        self.handle = handle
        loop.add_reader(sock.fileno(), self._drain)

    def _drain(self):
        payloads = []
        senders = []
        recvfrom = self.sock.recvfrom
        for _ in range(DRAIN_LIMIT):
            try:
                payload, sender = recvfrom(MAX_READ)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            payloads.append(payload)
            senders.append(sender)
        if payloads:
            self.handle(payloads, senders)

    def close(self):
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()


def kernel_drops(socks, table="/proc/net/udp"):
    """Datagrams the kernel dropped for these sockets (receive buffer full),
    from the `drops` column of /proc/net/udp; None where there is no such
    table (not Linux). Read only when /status is asked for: the receive path
    pays nothing for it."""
    inodes = set()
    for sock in socks:
        try:
            inodes.add(str(os.fstat(sock.fileno()).st_ino))
        except (OSError, ValueError):      # closed
            pass
    try:
        with open(table) as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return None
    total = 0
    for line in lines:
        fields = line.split()
        # sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
        if len(fields) >= 13 and fields[9] in inodes:
            total += int(fields[12])
    return total


def datum_body(payload):
    """The 2012 datagram inside a payload: the payload itself, or what follows
    a signature line (artcast_core.signing). The ETag is always of the whole
    payload; the history and the state file keep whole payloads."""
    return unwrap(payload)[-1] if is_signed(payload) else payload


def _sender(senders, index):
    """' (from 192.0.2.7:40123)' for the log line, '' when the sender is not
    known (a datum that came over NATS)."""
    if not senders:
        return ""
    return " (from %s:%d)" % senders[index][:2]


def _parsed(payloads, parse, hub, report, kind, verifier=None, senders=None):
    """(payload, parse(payload)) for each good payload; each bad one is
    counted by reason and reported with its sender, never raised.

    With a `verifier` (artcast_core.signing.Verifier, from --datagram-keys)
    signatures are checked first and the parse sees the 2012 body; the
    payload (whole, signature included) still names the datum's ETag."""
    for index, payload in enumerate(payloads):
        try:
            if verifier is None:            # no keys: a signed datagram is read, not checked
                parsed = parse(datum_body(payload))
            else:
                body, key_id = verifier.open(payload)
                parsed = parse(body)
                verifier.permit(parsed[0], key_id)
                hub.count_signed(key_id is not None)
            if hub.reserved and parsed[0].startswith(hub.reserved):
                raise WireError("reserved-key", "%s is served by this server (--pieces)" % parsed[0][:60])
            yield payload, parsed
        except WireError as exc:
            hub.drop(exc.reason)
            report(exc.reason, "%s datagram dropped: %s%s" % (kind, exc.message, _sender(senders, index)))
        except Exception as exc:    # a parser bug: still only this datagram is lost
            hub.drop("parser-error")
            report("parser-error", "%s datagram dropped: parser failed with %s%s"
                   % (kind, type(exc).__name__, _sender(senders, index)))


def data_handler(hub, report, verifier=None):
    """Datagram payloads -> hub.publish, latest per key only.

    `report(reason, message)` is called for each dropped datagram.
    `senders` (from the Receiver) name the sender of a dropped one.
    """
    def handle(payloads, senders=None):
        latest = {}
        for payload, (key, value, play) in _parsed(payloads, parse_datum_at, hub, report, "data", verifier,
                                                   senders):
            if reserved(key):
                hub.drop("reserved-key")        # only this server publishes _firmware/...
                continue
            older = latest.get(key)
            if older is not None:
                hub.superseded(key, older[1])   # into the history only: nobody waits for it
            latest[key] = (value, payload, play)
        now_ms = hub.server_clock.ms()      # play-at is receive-time based (PROTOCOL.md)
        for key, (value, payload, play) in latest.items():
            hub.publish(key, value, payload,
                        play_at=play_at(play, hub.meta(key).get("delay"), now_ms))
    return handle


def registration_handler(hub, report, verifier=None):
    def handle(payloads, senders=None):
        for _, (key, meta) in _parsed(payloads, parse_registration, hub, report, "registration", verifier,
                                      senders):
            hub.register(key, meta)
    return handle
