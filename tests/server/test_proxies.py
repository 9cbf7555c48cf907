"""--trust-proxy: the client address behind a balancer (server/artcast_server/proxies.py).
The real balancers are exercised in tests/deploy/test_balancers.py."""

import pytest

from artcast_server.proxies import client_address, parse_trusted

TRUSTED = parse_trusted(["10.0.0.5", "10.1.0.0/24"])


@pytest.mark.parametrize("peer, header, logged", [
    ("10.0.0.5", "203.0.113.7", "203.0.113.7"),                    # the balancer names the client
    ("10.0.0.5", "1.2.3.4, 203.0.113.7", "203.0.113.7"),           # the client's own claim is ignored
    ("10.0.0.5", "203.0.113.7, 10.1.0.9", "203.0.113.7"),          # a chain of trusted proxies
    ("10.0.0.5", "2001:db8::1", "2001:db8::1"),
    ("198.51.100.1", "203.0.113.7", "198.51.100.1"),               # not from a proxy: header ignored
    ("10.0.0.5", None, "10.0.0.5"),
    ("10.0.0.5", "<script>", "10.0.0.5"),                          # not an address: never logged
    ("10.0.0.5", "1.2.3.4\x1b[31m", "10.0.0.5"),
    ("10.0.0.5", "10.1.0.3", "10.0.0.5"),                          # only proxies: the peer
    (None, "203.0.113.7", None),
])
def test_client_address(peer, header, logged):
    assert client_address(peer, header, TRUSTED) == logged


def test_no_trusted_proxy_means_the_peer():
    assert client_address("10.0.0.5", "203.0.113.7", ()) == "10.0.0.5"


def test_bad_trust_proxy_is_a_clear_error():
    with pytest.raises(ValueError, match="not an IP address"):
        parse_trusted(["gateway"])
