"""Advertise the server over mDNS / DNS-SD as `_artcast._tcp` (PROTOCOL.md,
"Discovery"), with python-zeroconf, so `artcast` and `artcast-kinetic`
find it without an address (clients/artcast_client/discover.py).

--mdns auto (the default) advertises only when the server listens on an
address other machines can reach (not 127.0.0.1 / ::1): a server kept to
this machine announces nothing on the LAN. --mdns on forces it (on a
loopback address, only on the loopback interface), --mdns off never.
The records: service `<name>._artcast._tcp.local.`, the port, the
listening address (every IPv4 address of the machine for 0.0.0.0), TXT
path=/artcasts and version=<server version>.

    adv = Advertiser("0.0.0.0", 8888, "artcast on pi")
    await adv.start()            # raises MdnsUnavailable without zeroconf
    ...
    await adv.close()
"""

import ipaddress
import socket

from artcast_server import VERSION

SERVICE = "_artcast._tcp.local."


class MdnsUnavailable(RuntimeError):
    """zeroconf is not installed (pip install 'artcast[mdns]')."""


def wanted(mode, host):
    """Should this server advertise? mode: auto | on | off."""
    if mode == "off":
        return False
    if mode == "on":
        return True
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True             # a host name: reachable by others, presumably


def default_name():
    return "artcast on %s" % socket.gethostname().split(".")[0]


def _addresses(host):
    """(addresses to announce, interfaces to announce on) for a listen address."""
    if host in ("0.0.0.0", "", "::"):
        import ifaddr            # a zeroconf dependency
        found = sorted({ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips
                        if ip.is_IPv4 and not ipaddress.ip_address(ip.ip).is_loopback})
        return found, found or ["127.0.0.1"]
    return [host], [host]


class Advertiser:
    def __init__(self, host, port, name=None):
        self.host = host
        self.port = port
        self.name = name or default_name()
        self.zc = None
        self.info = None

    async def start(self):
        try:
            from zeroconf import IPVersion, ServiceInfo
            from zeroconf.asyncio import AsyncZeroconf
        except ImportError:
            raise MdnsUnavailable("mDNS needs python-zeroconf: pip install 'artcast[mdns]'")
        addresses, interfaces = _addresses(self.host)
        label = self.name.replace(".", " ")[:63]
        self.info = ServiceInfo(SERVICE, "%s.%s" % (label, SERVICE),
                                addresses=[socket.inet_aton(a) for a in addresses or interfaces],
                                port=self.port, properties={"path": "/artcasts", "version": VERSION},
                                server="%s.local." % socket.gethostname().split(".")[0])
        self.zc = AsyncZeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
        # Another server already uses the name: announce as "name (2)".
        await self.zc.async_register_service(self.info, allow_name_change=True)
        return self

    def describe(self):
        return "mDNS: advertising %r as %s on %s" % (self.info.name[:-len(SERVICE) - 1], SERVICE,
                                                    ", ".join(self.info.parsed_addresses()))

    async def close(self):
        if self.zc is not None:
            try:
                await self.zc.async_unregister_service(self.info)
            finally:
                await self.zc.async_close()
            self.zc = None
