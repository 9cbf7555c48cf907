"""The load generator's clients: many long-poll clients on raw sockets.

A `Crowd` is N clients, each a raw non-blocking socket: send the request
(with the last ETag it saw, like a real client), note when the first byte of
the answer arrived (the kernel's receive timestamp, so the figure does not
depend on how fast the generator reads), read the answer and poll again at
once (or, during a timed wave, when the wave is complete). With
`keep_alive=False` every request says `Connection: close` and the client
reads to the close and reconnects (the 2012 way); with `keep_alive=True`
it reads one answer (Content-Length) and sends the next request on the same
connection, reconnecting only when the server closed it. All sockets sit in one epoll set that asyncio watches, so the
generator spends little per response: no transport, task or stream per
client. measure.ceiling() says how little.

    crowd = Crowd(target, 1000, ("bench/k",))
    crowd.start()
    await all_waiting(crowd, 1000, timeout=10)
"""

import asyncio
import collections
import errno
import select
import socket
import struct
import time

LOOPBACK = "127.0.0.1"
perf = time.perf_counter
SO_TIMESTAMPING = getattr(socket, "SO_TIMESTAMPING", 37)     # Linux
RX_SOFTWARE_STAMPS = (1 << 3) | (1 << 4)   # SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE
STAMP = struct.Struct("@ll")                # struct timespec, the first of scm_timestamping's three


def _arrival(ancillary):
    """When the answer's first bytes reached this socket: the kernel's receive
    timestamp (CLOCK_REALTIME) when it gave one, else now. The kernel's stamp
    does not depend on how busy the generator is when it gets round to reading."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPING and len(data) >= STAMP.size:
            seconds, nanoseconds = STAMP.unpack_from(data)
            if seconds:
                return seconds + nanoseconds * 1e-9
    return time.time()


class Client:
    __slots__ = ("key", "token", "sock", "chunks", "first", "value", "sent", "connections")

    def __init__(self, key):
        self.key = key
        self.token = None           # the ETag (nchan: ETag and Last-Modified) it sends back
        self.sock = None
        self.chunks = None
        self.first = None           # when the first byte of the answer was read
        self.value = None           # the last value this client received
        self.sent = False
        self.connections = 0        # TCP connections this client opened


class Crowd:
    """N clients polling `keys` (client i polls keys[i % len(keys)]).

    Raw non-blocking sockets in one epoll set; asyncio watches the epoll fd
    and `_ready` handles every ready socket in one call.
    """

    def __init__(self, target, n, keys=("bench/k",), concurrency=256, keep_alive=False):
        self.target = target
        self.keep_alive = keep_alive
        self.loop = asyncio.get_running_loop()
        self.address = (LOOPBACK, target.port)
        self.clients = [Client(keys[i % len(keys)]) for i in range(n)]
        self.concurrency = concurrency  # connects whose handshake is still out, at most
        self.connecting = 0
        self.queue = collections.deque()
        self.by_fd = {}
        self.epoll = select.epoll()
        self.loop.add_reader(self.epoll.fileno(), self._ready)
        self.running = True
        self.hold_reconnects = False    # True: answered clients wait for release()
        self.held = []
        self.waiting = 0            # requests sent and not yet answered
        self.deliveries = 0         # 200 answers
        self.others = 0             # 204 and anything else
        self.errors = 0             # closed without an answer
        self.connect_errors = 0
        self.kernel_stamps = True   # arrival times from the kernel, while the socket option works
        self.expect = None          # the value of the wave being timed
        self.t0 = 0.0
        self.times = []

    def start(self):
        for client in self.clients:
            self.connect(client)

    def connect(self, client):
        if not self.running:
            return
        if self.connecting >= self.concurrency:
            self.queue.append(client)
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.kernel_stamps:
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING, RX_SOFTWARE_STAMPS)
            except OSError:
                self.kernel_stamps = False
        err = sock.connect_ex(self.address)
        if err not in (0, errno.EINPROGRESS):
            sock.close()
            self.connect_errors += 1
            self.loop.call_later(0.05, self.connect, client)
            return
        client.sock, client.sent, client.first, client.chunks = sock, False, None, []
        client.connections += 1
        fd = sock.fileno()
        self.by_fd[fd] = client
        try:
            sock.send(self.target.request(client.key, client.token, self.keep_alive))
        except OSError:                 # handshake not finished: wait until writable
            self.connecting += 1
            self.epoll.register(fd, select.EPOLLOUT)
            return
        client.sent = True
        self.waiting += 1
        self.epoll.register(fd, select.EPOLLIN)

    def _ready(self):
        for fd, events in self.epoll.poll(0):
            client = self.by_fd.get(fd)
            if client is None:
                continue
            if not client.sent:
                self._connected(fd, client)
            else:
                self._read(fd, client)

    def _connected(self, fd, client):
        self.connecting -= 1
        sock = client.sock
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            try:
                sock.send(self.target.request(client.key, client.token, self.keep_alive))
                client.sent = True
                self.waiting += 1
                self.epoll.modify(fd, select.EPOLLIN)
            except OSError:
                pass
        if not client.sent:
            self.connect_errors += 1
            del self.by_fd[fd]
            sock.close()
            self.loop.call_later(0.05, self.connect, client)
        # a queued connect that completes at once never comes back here, so keep
        # starting them until the handshakes out reach the limit again (a single
        # pop could leave the last queued clients waiting forever)
        while self.queue and self.connecting < self.concurrency:
            self.connect(self.queue.popleft())

    def _read(self, fd, client):
        sock = client.sock
        while True:
            try:
                if client.first is None:
                    data, ancillary, _, _ = sock.recvmsg(65536, 256)
                else:
                    data = sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                break
            if client.first is None:
                if not client.sent:         # kept open between polls, and the server closed it
                    break
                client.first = _arrival(ancillary)
                self.waiting -= 1
            client.chunks.append(data)
            if self.keep_alive:
                whole = b"".join(client.chunks)
                size = _response_size(whole)
                if size is not None and len(whole) >= size:
                    return self._next_on(client, whole[:size])
        del self.by_fd[fd]
        sock.close()                    # also leaves the epoll set
        client.sock = None
        if client.first is None:
            if not client.sent:
                return                  # idle and closed by the server: poll() reconnects
            self.waiting -= 1
            self.errors += 1
        else:
            self.answered(client, b"".join(client.chunks), client.first)
        if self.hold_reconnects:
            self.held.append(client)
        else:
            self.connect(client)

    def _next_on(self, client, data):
        """Keep-alive: one whole answer read; poll again on the same connection."""
        first, client.first, client.chunks, client.sent = client.first, None, [], False
        self.answered(client, data, first)
        if self.hold_reconnects:
            self.held.append(client)
        else:
            self.poll(client)

    def poll(self, client):
        """The next request: on the kept-open connection, or on a new one."""
        if client.sock is None:
            return self.connect(client)
        try:
            client.sock.send(self.target.request(client.key, client.token, True))
        except OSError:
            self.by_fd.pop(client.sock.fileno(), None)
            client.sock.close()
            client.sock = None
            return self.connect(client)
        client.sent = True
        self.waiting += 1

    def answered(self, client, data, first):
        if data[9:12] != b"200":
            self.others += 1
            return
        self.deliveries += 1
        head, _, body = data.partition(b"\r\n\r\n")
        client.token = self.target.token(head) or client.token
        try:
            value = int(body)
        except ValueError:
            value = body
        client.value = value
        if value == self.expect:
            self.times.append(first - self.t0)

    def release(self):
        """Reconnect every client held back during a wave, all at once."""
        self.hold_reconnects = False
        held, self.held = self.held, []
        for client in held:
            self.poll(client)

    def arm(self, value):
        self.expect = value
        self.times = []
        self.t0 = time.time()

    def stop(self):
        self.running = False
        self.loop.remove_reader(self.epoll.fileno())
        for client in self.clients:
            if client.sock is not None:
                client.sock.close()
                client.sock = None
        self.epoll.close()


def _response_size(data):
    """Bytes of the whole answer at the start of `data`, or None while its
    head is incomplete (answers here carry Content-Length, or have no body)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = data[:end].lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return end + 4
    stop = head.find(b"\r\n", at + 2)
    return end + 4 + int(head[at + 17:stop if stop >= 0 else len(head)])


async def until(check, timeout, step=0.002):
    deadline = perf() + timeout
    while perf() < deadline:
        if check():
            return True
        await asyncio.sleep(step)
    return check()


async def all_waiting(crowd, n, timeout):
    """Every client has its request out and the server says it holds them."""
    target = crowd.target
    key = crowd.clients[0].key
    return await until(lambda: crowd.waiting >= n and target.waiting(key) >= n, timeout, 0.01)
