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

from support.loopback_proxy import LoopbackProxy


class TamperProxy(LoopbackProxy):
    backlog = 32

    def __init__(self, target_port):
        LoopbackProxy.__init__(self, target_port)
        self.rules = {}
        self.tampered = []          # paths spoilt so far
        self._released = threading.Event()

    def release(self):
        self._released.set()

    def _connected(self, client):
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
            upstream = self._upstream(timeout=30)
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

    def close(self):
        self._released.set()
        LoopbackProxy.close(self)
