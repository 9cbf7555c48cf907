"""A throwaway network namespace shaped like a Pi that is its own Wi-Fi
hotspot: loopback, one or more interfaces with private 10.42.x addresses
(veth pairs whose far end stays inside the namespace), and no default
route. Needs root; everything is deleted on exit.

    with HotspotNamespace(["10.42.0.1/24"]) as ns:
        ns.run(["ip", "route"])
"""

import os
import subprocess
import sys


class HotspotNamespace:
    def __init__(self, addresses):
        self.name = "artcast-t%d-%d" % (os.getpid(), id(self) % 100000)
        self.addresses = list(addresses)

    def _ip(self, *args):
        subprocess.run(["ip", "-n", self.name] + list(args), check=True, capture_output=True)

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True)
        try:
            self._ip("link", "set", "lo", "up")
            for i, address in enumerate(self.addresses):
                self._ip("link", "add", "hot%d" % i, "type", "veth", "peer", "name", "far%d" % i)
                self._ip("addr", "add", address, "dev", "hot%d" % i)
                self._ip("link", "set", "far%d" % i, "up")
                self._ip("link", "set", "hot%d" % i, "up")
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        subprocess.run(["ip", "netns", "delete", self.name], capture_output=True)

    def __exit__(self, *exc):
        self.close()

    def command(self, argv):
        return ["ip", "netns", "exec", self.name] + list(argv)

    @staticmethod
    def env():
        """The test session's loopback defaults (conftest) removed: inside
        the namespace the commands run as a user would type them."""
        env = dict(os.environ)
        env.pop("ARTCAST_MULTICAST_INTERFACE", None)
        env.pop("ARTCAST_TTL", None)
        return env

    def run(self, argv, timeout=30, **kwargs):
        return subprocess.run(self.command(argv), capture_output=True, text=True, timeout=timeout,
                              env=self.env(), **kwargs)

    def popen(self, argv, **kwargs):
        return subprocess.Popen(self.command(argv), env=self.env(), **kwargs)

    def python(self, code, timeout=30):
        return self.run([sys.executable, "-c", code], timeout=timeout)
