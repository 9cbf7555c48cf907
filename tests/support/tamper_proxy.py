"""A loopback HTTP proxy that spoils chosen responses on the way, for the
over-the-air update tests (what a bad network or a flaky server does).

    proxy = TamperProxy(server.port).start()       # boards use proxy.url
    proxy.rules["/firmware/main.py"] = "corrupt"   # one body byte flipped
    proxy.rules["/firmware/main.py"] = "stall"     # head + half the body, then silence
    proxy.release()                                # let stalled answers end (connection closed)

One request per connection (the firmware asks for Connection: close);
anything without a rule passes through untouched. 127.0.0.1 only.
"""

import socket
import threading

LOOPBACK = "127.0.0.1"


class TamperProxy:
    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(32)
        self.port = self.listener.getsockname()[1]
        self.rules = {}
        self.tampered = []          # paths spoilt so far
        self._released = threading.Event()
        self._socks = []
        self.closed = False

    @property
    def url(self):
        return "http://%s:%d" % (LOOPBACK, self.port)

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def release(self):
        self._released.set()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._socks.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            client.settimeout(30)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 16384:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            path = head.split(b" ", 2)[1].decode("latin-1")
            upstream = socket.create_connection((LOOPBACK, self.target_port), timeout=30)
            self._socks.append(upstream)
            upstream.sendall(head)
            rule = self.rules.get(path)
            if rule is None:
                threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
                self._pump(upstream, client)
                return
            answer = b""
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                answer += chunk
            self.tampered.append(path)
            if rule == "corrupt":
                answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
                client.sendall(answer)
            elif rule == "stall":
                start = answer.index(b"\r\n\r\n") + 4
                client.sendall(answer[:start + (len(answer) - start) // 2])
                self._released.wait(60)
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            client.close()

    def _pump(self, src, dst):
        try:
            src.settimeout(None)
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        self.closed = True
        self._released.set()
        self.listener.close()
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass
