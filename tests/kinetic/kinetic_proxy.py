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


class DelayingProxy:
    """A loopback TCP proxy that delays every chunk, both ways, like a slow
    Wi-Fi link: `delay` seconds plus up to `jitter` more (uniform, drawn per
    chunk), bytes kept in order. asyncio, so one thread carries many (the
    skew benchmark runs one per simulated kit: this kernel has no netem).

        proxy = DelayingProxy(server.port, delay=0.08, jitter=0.01)
        await proxy.start()          # clients use proxy.url
        proxy.close()
    """

    def __init__(self, target_port, delay, jitter=0.0, rng=None):
        import random
        self.target_port = target_port
        self.delay = delay
        self.jitter = jitter
        self.rng = rng or random.Random()
        self.server = None
        self.port = None
        self.connections = 0
        self._writers = []

    @property
    def url(self):
        return "http://%s:%d" % (LOOPBACK, self.port)

    async def start(self):
        import asyncio
        self.server = await asyncio.start_server(self._client, LOOPBACK, 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _client(self, reader, writer):
        import asyncio
        self.connections += 1
        self._writers.append(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.append(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                             return_exceptions=True)
        for w in (writer, up_writer):
            w.close()

    async def _pipe(self, reader, writer):
        import asyncio
        loop = asyncio.get_running_loop()
        queue = asyncio.Queue()

        async def deliver():
            while True:
                at, data = await queue.get()
                wait = at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)

        sender = asyncio.ensure_future(deliver())
        last = 0.0
        try:
            while True:
                try:
                    data = await reader.read(65536)
                except OSError:
                    data = b""
                at = max(last, loop.time() + self.delay + self.rng.uniform(0, self.jitter))
                last = at
                queue.put_nowait((at, data))
                if not data:
                    break
            await sender
        except (OSError, RuntimeError):
            sender.cancel()

    def close(self):
        if self.server is not None:
            self.server.close()
        for w in self._writers:
            w.close()
