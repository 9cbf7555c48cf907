"""A real artcast-server process on 127.0.0.1 for tests, fed by real
multicast on the loopback interface."""

import json
import os
import signal
import subprocess
import sys
import time

from artcast_core.datagram import encode_datum, encode_registration
from support.net import GROUP, LOOPBACK, free_port, http_get, loopback_sender
from support.process import stop_process
import socket


class ServerProcess:
    def __init__(self, extra_args=(), data_port=None, register_port=None, port=None, log_dir=None):
        self.port = port or free_port()
        self.data_port = data_port or free_port(socket.SOCK_DGRAM)
        self.register_port = register_port or free_port(socket.SOCK_DGRAM)
        self.group = GROUP
        self.extra_args = list(extra_args)
        self.log_dir = log_dir
        self.proc = None
        self.sender = loopback_sender()
        self.stderr_path = None

    @property
    def url(self):
        return "http://%s:%d" % (LOOPBACK, self.port)

    def command(self):
        return [sys.executable, "-m", "artcast_server", "--host", LOOPBACK,
                "--client-port", str(self.port), "--data-port", str(self.data_port),
                "--register-port", str(self.register_port), "--multicast-interface", LOOPBACK] + self.extra_args

    def start(self, wait=True):
        err = subprocess.DEVNULL
        if self.log_dir is not None:
            self.stderr_path = os.path.join(str(self.log_dir), "server-%d.stderr" % self.port)
            err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=err)
        if err is not subprocess.DEVNULL:
            err.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("artcast-server exited with %s: %s" % (self.proc.returncode, self.stderr()))
            try:
                status, _, _ = http_get(self.port, "/status", timeout=1.0)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("artcast-server did not answer within %.0fs" % timeout)

    def stderr(self):
        if self.stderr_path and os.path.exists(self.stderr_path):
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        return ""

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        return stop_process(self.proc, sig, timeout) if self.proc is not None else None

    def send_raw(self, payload, port=None):
        self.sender.sendto(payload, (self.group, port or self.data_port))

    def send(self, key, value):
        """Multicast one datum, exactly as the source module encodes it."""
        self.send_raw(encode_datum(key, value))

    def register(self, key, description=None, provenance=None, license=None, **hints):
        self.send_raw(encode_registration(key, description, provenance, license, **hints), self.register_port)

    def get(self, path, headers=None, method="GET", timeout=10.0):
        return http_get(self.port, path, headers, method, timeout)

    def status(self):
        return json.loads(self.get("/status")[2])

    def wait_for_datums(self, count, timeout=5.0):
        """Block until the server has received `count` datums in all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.status()["datums_received"] >= count:
                return
            time.sleep(0.01)
        raise AssertionError("server saw %d datums, expected %d" % (self.status()["datums_received"], count))

    def close(self):
        self.stop()
        self.sender.close()
