"""A real nats-server (Debian package `nats-server`) as our own process on
127.0.0.1, for tests: free ports, a log file, stopped by PID."""

import os
import shutil
import signal
import socket
import subprocess
import time

from support.net import LOOPBACK, free_port
from support.process import stop_process


def nats_server_binary():
    path = shutil.which("nats-server") or "/usr/sbin/nats-server"
    if not os.path.exists(path):
        raise AssertionError("nats-server is not installed: python3 run.py test installs it "
                             "(Debian package nats-server)")
    return path


class NatsServer:
    """`routes`: cluster URLs of other NatsServers to join (a NATS cluster)."""

    def __init__(self, log_dir, name="nats", port=None, routes=()):
        self.name = name
        self.port = port or free_port()
        self.cluster_port = free_port()
        self.routes = list(routes)
        self.log_path = os.path.join(str(log_dir), "%s-%d.log" % (name, self.port))
        self.proc = None

    @property
    def url(self):
        return "nats://%s:%d" % (LOOPBACK, self.port)

    @property
    def cluster_url(self):
        return "nats://%s:%d" % (LOOPBACK, self.cluster_port)

    def start(self, timeout=10.0):
        cmd = [nats_server_binary(), "-a", LOOPBACK, "-p", str(self.port), "-n", self.name,
               "--cluster_name", "artcast-test", "--cluster", self.cluster_url, "-l", self.log_path]
        if self.routes:
            cmd += ["--routes", ",".join(self.routes)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nats-server exited with %s: %s" % (self.proc.returncode, self.log()))
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1.0) as s:
                    if s.recv(5) == b"INFO ":
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nats-server did not answer within %.0fs" % timeout)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_routes(self, count, timeout=15.0):
        """Block until this server logs `count` cluster routes as established."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log().count("Route connection created") >= count:
                return
            time.sleep(0.05)
        raise AssertionError("nats-server %s: %d route(s) not up:\n%s" % (self.name, count, self.log()[-2000:]))

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.proc is not None:
            stop_process(self.proc, sig, timeout)
