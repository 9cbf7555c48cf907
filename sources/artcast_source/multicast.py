"""The sending side of multicast, for sources.

Interface and TTL matter: TTL 0 keeps datagrams on this host, 1 on the local
network (the 2012 default). `interface` is the IPv4 address of the interface
to send from (127.0.0.1 keeps everything on loopback, as tests and the demo
do). Defaults can be set for a whole environment with ARTCAST_MULTICAST_INTERFACE
and ARTCAST_TTL. With no interface given and no default route (a Pi that
is its own hotspot), interfaces.choose_interface picks one or says which
to pass.
"""

import os

from artcast_server.multicast import open_sender_socket
from artcast_source.interfaces import choose_interface

DEFAULT_TTL = 1


def default_interface():
    return os.environ.get("ARTCAST_MULTICAST_INTERFACE") or None


def default_ttl():
    text = os.environ.get("ARTCAST_TTL")
    return int(text) if text else DEFAULT_TTL


def open_sender(interface=None, ttl=None, group=None, log=None):
    """A UDP socket ready to multicast to `group`. Loopback delivery stays
    on, so a server on the same machine hears its own sources. Raises
    OSError (interfaces.NoInterface) when no interface can carry `group`."""
    if ttl is None:
        ttl = default_ttl()
    if interface is None:
        interface = default_interface()
    if not 0 <= ttl <= 255:
        raise ValueError("ttl must be 0-255")
    if interface is None and group is not None:
        interface = choose_interface(group, log)
    return open_sender_socket(interface, ttl)

