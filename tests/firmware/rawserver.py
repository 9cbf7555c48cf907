"""A scripted TCP server on 127.0.0.1 for the cases a real server must not
do on purpose: accept and never answer, or answer late.

    srv = RawServer(["silent", ("answer", 1.5, b"HTTP/1.1 200 OK...")])
    ...
    srv.requests      # the raw request bytes, one per connection
    srv.close()

Connections beyond the script get the last entry again.
"""

import socket
import threading
import time


def http_200(body, etag):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: " + etag.encode()
            + b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)


class RawServer:
    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        self.accepted = []  # monotonic times
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.held = []
        self.closed = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        n = 0
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(time.monotonic())
            step = self.script[min(n, len(self.script) - 1)]
            n += 1
            threading.Thread(target=self._handle, args=(conn, step), daemon=True).start()

    def _handle(self, conn, step):
        conn.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        self.requests.append(data.decode("latin-1"))
        if step == "silent":
            self.held.append(conn)  # keep it open, say nothing
            return
        _, delay, response = step
        time.sleep(delay)
        try:
            conn.sendall(response)
        finally:
            conn.close()

    def wait_connections(self, count, timeout):
        deadline = time.monotonic() + timeout
        while len(self.accepted) < count:
            if time.monotonic() > deadline:
                raise AssertionError("only %d connections within %.0fs" % (len(self.accepted), timeout))
            time.sleep(0.02)

    def wait_requests(self, count, timeout):
        """Until `count` requests have been read (a connection is counted
        when accepted, its request a moment later)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError("only %d requests within %.0fs" % (len(self.requests), timeout))
            time.sleep(0.02)
        return self.requests[:count]

    def close(self):
        self.closed = True
        self.sock.close()
        for conn in self.held:
            conn.close()
