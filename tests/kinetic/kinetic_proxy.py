"""A loopback TCP proxy that can go silent, to test network loss.

    proxy = SilentableProxy(server.port).start()   # clients use proxy.url
    proxy.silent = True     # like a pulled cable: no data either way, no RST
    proxy.silent = False    # the network is back (new connections work)

Everything binds and connects to 127.0.0.1 only.
"""

import socket
import threading

LOOPBACK = "127.0.0.1"


class SilentableProxy:
    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.silent = False
        self.closed = False
        self.connections = 0
        self._socks = []

    @property
    def url(self):
        return "http://%s:%d" % (LOOPBACK, self.port)

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self._socks.append(client)
            if self.silent:
                continue          # accepted, never answered: a black hole
            try:
                upstream = socket.create_connection((LOOPBACK, self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            self._socks.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            src.settimeout(None)
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.silent:
                    continue      # swallowed by the broken network
                dst.sendall(data)
            if not self.silent:
                dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        self.closed = True
        self.listener.close()
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass
