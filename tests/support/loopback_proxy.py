"""The part every loopback test proxy shares: a listener on 127.0.0.1, a
thread accepting connections, byte pumps, and a close that drops every
socket. Subclasses say what to do with each accepted client
(`_connected`): kinetic_proxy.SilentableProxy (network loss) and
tamper_proxy.TamperProxy (spoilt firmware downloads).
"""

import socket
import threading

LOOPBACK = "127.0.0.1"


class LoopbackProxy:
    backlog = 16
    silent = False          # while True, pumped bytes are swallowed (SilentableProxy)

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(self.backlog)
        self.port = self.listener.getsockname()[1]
        self.closed = False
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
            self._socks.append(client)
            self._connected(client)

    def _connected(self, client):
        raise NotImplementedError

    def _upstream(self, timeout):
        upstream = socket.create_connection((LOOPBACK, self.target_port), timeout=timeout)
        self._socks.append(upstream)
        return upstream

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
