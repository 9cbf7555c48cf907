"""Find an artcast server when none is given (PROTOCOL.md, "Discovery").

Servers advertise themselves over mDNS / DNS-SD as `_artcast._tcp`
(artcast-server --mdns). `choose_server()` is what `artcast` and
`artcast-kinetic` do without a server: a server on this machine
(http://127.0.0.1:8888) if one answers, else the servers found over mDNS
within `timeout` seconds (the first by name when there are several), and
it says which it chose and why on stderr.

    url = choose_server(say=lambda line: print(line, file=sys.stderr))

$ARTCAST_MDNS_INTERFACES (comma-separated IPv4 addresses) limits the
interfaces the search uses, e.g. 192.168.4.1 on a Pi with two networks.
"""

import os
import socket
import time

SERVICE = "_artcast._tcp.local."
LOCAL = "http://127.0.0.1:8888"
BROWSE_TIMEOUT = 2.0


class NoServer(RuntimeError):
    """No server given, none on this machine, none found over mDNS."""


def _interfaces():
    text = os.environ.get("ARTCAST_MDNS_INTERFACES")
    if text:
        return [part.strip() for part in text.split(",") if part.strip()]
    return None


def discover(timeout=BROWSE_TIMEOUT, interfaces=None):
    """[(name, url)] of the servers advertised over mDNS, sorted by name."""
    try:
        from zeroconf import InterfaceChoice, IPVersion, ServiceBrowser, Zeroconf
    except ImportError:
        raise NoServer("finding a server over mDNS needs python-zeroconf (pip install 'artcast[mdns]'); "
                       "or give the server's URL")
    zc = Zeroconf(interfaces=interfaces or _interfaces() or InterfaceChoice.All, ip_version=IPVersion.V4Only)
    names = []

    class Listener:
        def add_service(self, zc, type_, name):
            names.append(name)

        def update_service(self, zc, type_, name):
            pass

        def remove_service(self, zc, type_, name):
            pass
    try:
        browser = ServiceBrowser(zc, SERVICE, Listener())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if names and time.monotonic() > deadline - timeout / 2:
                break               # found some, and gave others half the time to answer
        browser.cancel()
        found = []
        for name in sorted(set(names)):
            info = zc.get_service_info(SERVICE, name, timeout=1000)
            if info is None or not info.parsed_addresses():
                continue
            label = name[:-len(SERVICE) - 1] if name.endswith("." + SERVICE) else name
            found.append((label, "http://%s:%d" % (info.parsed_addresses()[0], info.port)))
        return found
    finally:
        zc.close()


def _answers(url, timeout=0.3):
    from artcast_core.http import parse_url
    host, port, _ = parse_url(url)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def choose_server(say, timeout=BROWSE_TIMEOUT):
    """The server to use when none was given; says which and why."""
    if _answers(LOCAL):
        say("no server given: using the one on this machine, %s" % LOCAL)
        return LOCAL
    found = discover(timeout)
    if not found:
        raise NoServer("no server given, none at %s and none advertised over mDNS (_artcast._tcp) "
                       "within %.0f s: give the server's URL (--server http://host:8888)" % (LOCAL, timeout))
    name, url = found[0]
    others = "" if len(found) == 1 else " (%d found: %s)" % (
        len(found), ", ".join("%s at %s" % f for f in found))
    say("no server given: found %r at %s over mDNS%s" % (name, url, others))
    return url
