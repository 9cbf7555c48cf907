"""A small Server-Sent Events reader for tests: one raw socket, the stream
parsed as the SSE spec says (fields, blank line ends an event, `id:` kept
across events), with deadlines instead of sleeps.

    with EventStream(port, "/events?keys=a,b") as stream:
        event = stream.next_event(timeout=5)     # {"event", "id", "data", "last_id"}
"""

import json
import socket
import time

from support.net import LOOPBACK


class EventStream:
    def __init__(self, port, path, headers=None, host=LOOPBACK, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port), "Accept: text/event-stream"]
        for name, value in (headers or {}).items():
            lines.append("%s: %s" % (name, value))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        self.status = None
        self.headers = {}
        self.last_id = ""       # the browser's "last event ID string"
        self.comments = 0
        self.closed = False
        self._read_head(timeout)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no event in time; have %r" % self.buffer[-200:])
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(65536)
        if not chunk:
            self.closed = True
            raise ConnectionError("stream closed")
        self.buffer += chunk

    def _read_head(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buffer:
            self._fill(deadline)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        if self.status != 200:
            self.body = self.buffer

    def next_block(self, timeout=10.0):
        """The next block up to a blank line, as a list of decoded lines."""
        deadline = time.monotonic() + timeout
        while b"\n\n" not in self.buffer:
            self._fill(deadline)
        block, _, self.buffer = self.buffer.partition(b"\n\n")
        return block.decode("utf-8").split("\n")

    def next_parsed(self, timeout=10.0):
        """The next block parsed: {"event", "data", "id"} (data None for comments and id-only blocks)."""
        event = {"event": "message", "data": None, "id": None}
        for line in self.next_block(timeout):
            if line.startswith(":"):
                self.comments += 1
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "id":
                self.last_id = event["id"] = value
            elif name == "data":
                event["data"] = value if event["data"] is None else event["data"] + "\n" + value
            elif name in ("event", "retry"):
                event[name] = value
        return event

    def next_id(self, timeout=10.0):
        """Read until a block carries an id (events on the way are dropped); the id."""
        deadline = time.monotonic() + timeout
        while self.next_parsed(max(0.01, deadline - time.monotonic()))["id"] is None:
            pass
        return self.last_id

    def next_event(self, timeout=10.0):
        """The next dispatched event (comments and id-only blocks update state and are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next_parsed(max(0.01, deadline - time.monotonic()))
            if event["data"] is not None:
                event["last_id"] = self.last_id
                event["json"] = json.loads(event["data"]) if event["event"] == "datum" else None
                return event

    def events(self, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        return [self.next_event(max(0.01, deadline - time.monotonic())) for _ in range(count)]

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
