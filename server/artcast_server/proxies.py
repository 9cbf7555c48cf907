"""Client addresses behind a load balancer (`--trust-proxy`).

Behind nginx or HAProxy every request comes from the balancer's address;
the balancer names the client in `X-Forwarded-For` (deploy/). A request
that arrives *from* an address given to `--trust-proxy` is logged with the
rightmost address in that header that is not itself a trusted proxy: the
last hop a trusted machine saw. Anything to its left was written by the
client and could be made up.

The header is text from the network: only a value that parses as an IP
address is ever used, so nothing else reaches the access log.

    trusted = parse_trusted(["10.0.0.5", "10.1.0.0/24"])
    client_address("10.0.0.5", "203.0.113.7, 10.1.0.9", trusted)   # -> "203.0.113.7"
"""

import ipaddress


def parse_trusted(addresses):
    """Addresses or networks (10.0.0.5, 10.1.0.0/24) -> a tuple of networks.
    Raises ValueError naming the bad one."""
    networks = []
    for text in addresses or ():
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError("%r is not an IP address or network" % text)
    return tuple(networks)


def _trusted(address, trusted):
    return any(address.version == net.version and address in net for net in trusted)


def client_address(peer, forwarded_for, trusted):
    """The address to log for a request from `peer` (a string or None)."""
    if not trusted or not peer or not forwarded_for:
        return peer
    try:
        if not _trusted(ipaddress.ip_address(peer), trusted):
            return peer
    except ValueError:
        return peer
    for hop in reversed(forwarded_for.split(",")):
        try:
            address = ipaddress.ip_address(hop.strip())
        except ValueError:
            return peer             # garbage where a hop should be: keep what we know
        if not _trusted(address, trusted):
            return str(address)
    return peer
