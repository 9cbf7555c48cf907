"""Helpers for the bridge tests: the artcast command as a process, a key
followed over HTTP with its ETags, and polling a condition."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

from support.net import http_get
from support.process import stop_process
from support.wait import wait_until

ARTCAST = [sys.executable, "-m", "artcast_client.cli"]


def multicast_args(server):
    """The options that point a bridge at `server`'s group and ports, on loopback."""
    return ["--data-port", str(server.data_port), "--registration-port", str(server.register_port),
            "--multicast-interface", "127.0.0.1", "--ttl", "0"]


def start_artcast(args, log_path):
    log = open(str(log_path), "ab")
    try:
        return subprocess.Popen(ARTCAST + list(args), stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def stop(proc, sig=signal.SIGTERM, timeout=10.0):
    """Signal one process we started and return its exit code."""
    running = proc.poll() is None
    code = stop_process(proc, sig, timeout)
    assert not (running and code == -signal.SIGKILL), "process %d did not stop on signal %d" % (proc.pid, sig)
    return code


class Follower(threading.Thread):
    """Follows one key on a server as a client does (If-None-Match loop),
    keeping (monotonic arrival time, ETag, value) for each datum."""

    def __init__(self, server, key, deadline=30.0):
        super().__init__(daemon=True)
        self.server = server
        self.key = key
        self.got = []
        self.deadline = time.monotonic() + deadline
        self.done = threading.Event()

    def run(self):
        etag = '"none"'
        while not self.done.is_set() and time.monotonic() < self.deadline:
            status, headers, body = http_get(self.server.port, "/artcasts/%s?wait=1" % self.key,
                                             {"If-None-Match": etag})
            if status == 200:
                etag = headers["etag"]
                self.got.append((time.monotonic(), etag, json.loads(body)))

    def values(self):
        return [v for _, _, v in self.got]

    def stop(self):
        self.done.set()
        self.join(5)


def read_lines(path):
    if not os.path.exists(str(path)):
        return []
    with open(str(path), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.endswith("\n")]


class Mosquitto:
    """A real mosquitto broker on 127.0.0.1, with its own config file on a
    free port, stopped by PID."""

    def __init__(self, tmp_path):
        from support.net import free_port
        self.port = free_port()
        self.conf = tmp_path / "mosquitto.conf"
        self.log = tmp_path / "mosquitto.log"
        self.conf.write_text("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
                             "log_dest stderr\n" % self.port)
        err = open(str(self.log), "ab")
        try:
            self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)], stdout=err, stderr=err)
        finally:
            err.close()
        wait_until(self._ready, what="mosquitto on port %d" % self.port)

    def _ready(self):
        import socket
        if self.proc.poll() is not None:
            raise AssertionError("mosquitto exited: %s" % self.log.read_text())
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self):
        stop(self.proc)


class Subscriber:
    """A paho-mqtt client keeping every message it receives."""

    def __init__(self, port, topics):
        import paho.mqtt.client as mqtt
        self.got = []
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="test-sub-%d" % id(self))
        self.client.on_message = self._message
        self.client.on_connect = lambda c, u, f, rc, p: [c.subscribe(t, qos=1) for t in topics]
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _message(self, client, userdata, message):
        with self.lock:
            self.got.append((message.topic, bytes(message.payload), bool(message.retain)))

    def on(self, topic):
        with self.lock:
            return [m for m in self.got if m[0] == topic]

    def publish(self, topic, payload, retain=False):
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()
