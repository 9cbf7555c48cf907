"""A loopback TCP proxy that can go silent, to test network loss.

    proxy = SilentableProxy(server.port).start()   # clients use proxy.url
    proxy.silent = True     # like a pulled cable: no data either way, no RST
    proxy.silent = False    # the network is back (new connections work)

Everything binds and connects to 127.0.0.1 only.
"""

import threading

from support.loopback_proxy import LOOPBACK, LoopbackProxy


class SilentableProxy(LoopbackProxy):
    def __init__(self, target_port):
        LoopbackProxy.__init__(self, target_port)
        self.silent = False
        self.connections = 0

    def _connected(self, client):
        self.connections += 1
        if self.silent:
            return                # accepted, never answered: a black hole
        try:
            upstream = self._upstream(timeout=5)
        except OSError:
            client.close()
            return
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()


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
