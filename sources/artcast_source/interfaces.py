"""Which interface a source sends its multicast from, when nobody said.

On a LAN the kernel follows the default route. A Pi that is its own Wi-Fi
hotspot has no default route, so a plain `sendto(224.1.1.1)` fails with
"Network is unreachable". Then: if exactly one interface is up, can
multicast and has an IPv4 address, send from it (and say so); if several
could, refuse and list the `--multicast-interface` values to choose from.

Linux only (ioctl on a socket, as `ip addr` does); elsewhere the kernel's
choice stands.
"""

import array
import errno
import socket
import struct

try:
    import fcntl
except ImportError:          # not a Unix: let the kernel choose
    fcntl = None

SIOCGIFCONF = 0x8912
SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
IFF_MULTICAST = 0x1000
_IFREQ = 40                  # sizeof(struct ifreq) on 64-bit Linux (32 on 32-bit)
_UNREACHABLE = (errno.ENETUNREACH, errno.EHOSTUNREACH)


class NoInterface(OSError):
    """No interface could be chosen; the message says which option to pass."""


def ipv4_interfaces():
    """[(name, address, flags)] for every interface with an IPv4 address."""
    if fcntl is None:
        return []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        size = _IFREQ if struct.calcsize("P") == 8 else 32
        buf = array.array("B", b"\0" * (size * 64))
        # struct ifconf {int length; pointer}: "iL" pads the pointer as C does
        length = struct.unpack("iL", fcntl.ioctl(
            sock.fileno(), SIOCGIFCONF, struct.pack("iL", len(buf), buf.buffer_info()[0])))[0]
        raw = buf.tobytes()[:length]
        result = []
        for offset in range(0, length, size):
            name = raw[offset:offset + 16].split(b"\0", 1)[0]
            address = socket.inet_ntoa(raw[offset + 20:offset + 24])
            flags = struct.unpack("H", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS,
                                                   struct.pack("16sH", name, 0))[16:18])[0]
            result.append((name.decode("ascii", "replace"), address, flags))
    return result


def multicast_candidates(interfaces=None):
    """The (name, address) pairs a source could send from: up, multicast, not loopback."""
    if interfaces is None:
        interfaces = ipv4_interfaces()
    return [(name, address) for name, address, flags in interfaces
            if flags & IFF_UP and flags & IFF_MULTICAST and not flags & IFF_LOOPBACK]


def routable(group):
    """True when the kernel has a route to `group` (a default route will do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((group, 9))     # a UDP connect sends nothing; it only looks up the route
        except OSError as exc:
            if exc.errno in _UNREACHABLE:
                return False
            raise
    return True


def choose_interface(group, log=None):
    """None when the kernel can route `group` itself, else the address to
    send from. Raises NoInterface saying exactly what to pass."""
    if fcntl is None or routable(group):
        return None
    candidates = multicast_candidates()
    if len(candidates) == 1:
        name, address = candidates[0]
        if log is not None:
            log("no default route: sending from %s (%s); pass --multicast-interface to choose"
                % (name, address))
        return address
    local = "--multicast-interface 127.0.0.1 --ttl 0 (this machine only)"
    if not candidates:
        raise NoInterface(errno.ENETUNREACH, "no network to send %s to: no default route and no "
                          "interface that is up with an IPv4 address. Connect one, or pass %s"
                          % (group, local))
    choices = "; ".join("--multicast-interface %s (%s)" % (address, name) for name, address in candidates)
    raise NoInterface(errno.ENETUNREACH, "no default route, and several interfaces could carry %s: "
                      "pass one of %s; or %s" % (group, choices, local))
