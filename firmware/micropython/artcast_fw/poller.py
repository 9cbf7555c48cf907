# One long-poll subscription on a non-blocking socket.
#
# The protocol (wait=0 first, then If-None-Match + wait=hold, 204 = ask
# again, how long to wait for an answer) lives in artcast_core.longpoll; the
# reconnect schedule in artcast_core.backoff. This module only moves bytes,
# so one main loop can follow several keys and keep fading LEDs while every
# request is held open by the server.
#
#   import select
#   p = select.poll()
#   poller = Poller("test/tick", "artcast.local", 8888, "", p, resolver,
#                   on_value=lambda key, value, play_at: print(key, value))
#   while True:
#       now = time.ticks_ms()
#       poller.step(now)                       # start / time out
#       for sock, ev in p.ipoll(100):
#           poller.on_event(sock, ev, now)
#
# Every failure (refused, reset, cut response, silent server past
# LongPoll.socket_timeout(), HTTP error) closes the socket, asks for the
# current value again next time (LongPoll.reset) and waits a jittered,
# growing delay before reconnecting.
#
# HTTP/1.1 keep-alive: an answer is complete at its Content-Length
# (artcast_core.http.response_end), and while the server keeps the
# connection (keeps_alive) the next request goes out on it: no TCP
# handshake per value over Wi-Fi. A kept connection the server has closed
# meanwhile is replaced at once, without counting a failure.

import errno
import gc
import select
import socket
import time

from artcast_core.backoff import Backoff
from artcast_core.errors import WireError
from artcast_core.http import keeps_alive, response_end
from artcast_core.longpoll import DEFAULT_HOLD, LongPoll

# A board on the same LAN connects in milliseconds; a host that is off
# never answers the SYN, so give up after this long and back off.
CONNECT_TIMEOUT_MS = 5000
# Answers bigger than this are refused: an ESP32 has ~100 KB of heap and a
# value that moves a strip is a few hundred bytes.
MAX_RESPONSE = 8192
RECV_CHUNK = 512

IDLE = 0        # waiting until next_at to (re)connect
CONNECTING = 1  # non-blocking connect in progress, request not yet sent
READING = 2     # request sent, collecting the answer (to its length, or until the server closes)

_IN_PROGRESS = (errno.EINPROGRESS, getattr(errno, "EALREADY", -1), errno.EAGAIN)


class Resolver:
    """getaddrinfo with a cache: a name (e.g. artcast.local via mDNS) is
    looked up once, and again only after connections start failing.

    lookup() gives every address of the name as (family, sockaddr), IPv4
    first: a Debian host's /etc/hosts says "::1 localhost" before
    127.0.0.1, and a board's network may have no IPv6 at all. The poller
    makes the socket for each address's family and falls through the list
    when one does not connect."""

    def __init__(self):
        self._cache = {}

    def lookup(self, host, port):
        addrs = self._cache.get((host, port))
        if addrs is None:
            addrs = addresses(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
            if not addrs:
                raise OSError("no address for %s" % host)
            self._cache[(host, port)] = addrs
        return addrs

    def forget(self, host, port):
        self._cache.pop((host, port), None)


def addresses(infos):
    """getaddrinfo() rows -> [(family, sockaddr)], IPv4 first, each once."""
    v4 = []
    other = []
    for info in infos:
        entry = (info[0], info[-1])
        into = v4 if info[0] == socket.AF_INET else other
        if entry not in v4 and entry not in other:
            into.append(entry)
    return v4 + other


class Poller:
    """Follow one key; call on_value(key, value, play_at) for each new value
    (play_at: its Artcast-Play-At in server ms, or None) and
    on_online(key, bool) when the server is reached / lost."""

    def __init__(self, key, host, port, prefix, poll, resolver,
                 on_value, on_online=None, hold=DEFAULT_HOLD, fmt="json",
                 backoff=None, device=None, max_response=None, keep_alive=True):
        self.lp = LongPoll(key, hold=hold, prefix=prefix, fmt=fmt)
        self.lp.device = device     # the Artcast-Device request header: "<name>; fw=<version>"
        self.max_response = max_response or MAX_RESPONSE
        self.key = key
        self.host = host
        self.port = port
        self.poll = poll
        self.resolver = resolver
        self.on_value = on_value
        self.on_online = on_online
        self.backoff = backoff or Backoff(base=0.5, cap=30.0)
        self.keep_alive = keep_alive
        self.state = IDLE
        self.sock = None        # while IDLE: a connection kept open from the last answer, or None
        self.reused = False     # the request in flight went out on a kept connection
        self.addr_index = 0  # which of the host's addresses to connect to
        self.next_at = time.ticks_ms()
        self.deadline = 0
        self.chunks = []
        self.size = 0
        self.online = None  # unknown until the first answer or failure
        # Counters for tests and the serial log.
        self.responses = 0
        self.connections = 0
        self.failures = 0
        self.memory_errors = 0
        self.last_error = None

    # --- driving ---------------------------------------------------------

    def step(self, now):
        """Start a request when one is due; fail one that took too long."""
        if self.state == IDLE:
            if time.ticks_diff(now, self.next_at) >= 0:
                self._start(now)
        elif time.ticks_diff(now, self.deadline) >= 0:
            if self.state == CONNECTING:
                self._next_address()
            self._fail("timeout" if self.state == READING else "connect-timeout", now)

    def wake_in(self, now):
        """Milliseconds until step() has something to do (for the loop's sleep)."""
        target = self.next_at if self.state == IDLE else self.deadline
        return max(0, time.ticks_diff(target, now))

    def on_event(self, sock, events, now):
        """Handle a poll event; returns False when `sock` is not ours."""
        if sock is not self.sock:
            return False
        if self.state == IDLE:
            # the kept connection spoke or closed between polls: drop it, the
            # next request opens a new one (no failure: the server may close)
            self._close()
            return True
        try:
            if self.state == CONNECTING:
                if events & (select.POLLERR | select.POLLHUP):
                    raise OSError(errno.ECONNREFUSED)
                if events & select.POLLOUT:
                    self._send(now)
            elif self.state == READING:
                self._read(now)
        except OSError as e:
            if self.state == CONNECTING:
                self._next_address()   # refused: try the name's next address
            self._fail("socket error %s" % (e.args[0] if e.args else e), now)
        except WireError as e:
            self._fail(e.reason, now)
        except MemoryError:
            # A big answer on a nearly full heap: drop it, free what we can
            # and ask again after the backoff (never a reboot).
            self._close()
            gc.collect()
            self.memory_errors += 1
            self._fail("out of memory", now)
        except Exception as e:
            # Anything else one response can cause (a bug in a value's
            # mapping, a decode error): count it, back off, keep following.
            self._fail("error %s" % type(e).__name__, now)
        return True

    def pause(self, now):
        """The network is gone (Wi-Fi down): drop the connection quietly and
        start again with wait=0 once step() is called after it returns."""
        if self.state != IDLE:
            self.lp.reset()
        self._close()           # a kept connection too
        self.state = IDLE
        self.next_at = now
        self._set_online(False)

    def close(self):
        self._close()
        self.state = IDLE

    # --- the exchange ------------------------------------------------------

    def _start(self, now):
        if self.sock is not None:
            # the connection the last answer came on
            self.reused = True
            try:
                self._send(now)
                return
            except OSError:
                self._close()       # closed under us: a new connection, at once
        self.reused = False
        try:
            addrs = self.resolver.lookup(self.host, self.port)
        except OSError as e:
            self._fail("name lookup failed for %s (%s)" % (self.host, e), now)
            return
        family, addr = addrs[self.addr_index % len(addrs)]
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
        except OSError as e:
            self._next_address()
            self._fail("socket failed %s" % (e.args[0] if e.args else e), now)
            return
        self.sock = s
        self.connections += 1
        s.setblocking(False)
        try:
            s.connect(addr)
        except OSError as e:
            if e.args[0] not in _IN_PROGRESS:
                self._next_address()
                self._fail("connect failed %s" % e.args[0], now)
                return
        self.state = CONNECTING
        self.deadline = time.ticks_add(now, CONNECT_TIMEOUT_MS)
        self.poll.register(s, select.POLLOUT)

    def _next_address(self):
        # This address did not connect: the next attempt tries the next one
        # of the name's addresses (and wraps round).
        self.addr_index += 1

    def _send(self, now):
        request = self.lp.request(self.host, self.port, self.keep_alive)
        sent = self.sock.send(request)
        if sent != len(request):
            # A fresh socket takes a ~300 byte request whole; anything
            # else means the connection is not healthy.
            raise OSError(errno.EIO)
        self.state = READING
        self.chunks = []
        self.size = 0
        self.deadline = time.ticks_add(now, int(self.lp.socket_timeout() * 1000))
        self.poll.modify(self.sock, select.POLLIN)

    def _read(self, now):
        try:
            data = self.sock.recv(RECV_CHUNK)
        except OSError as e:
            if e.args[0] == errno.EAGAIN:
                return
            if not (self.reused and self.size == 0):
                raise
            data = b""      # reset on a kept connection before any answer: as a close
        if data:
            self.size += len(data)
            if self.size > self.max_response:
                raise WireError("too-big", "answer larger than %d bytes" % self.max_response)
            self.chunks.append(data)
            if not self.keep_alive:
                return
            whole = data if len(self.chunks) == 1 else b"".join(self.chunks)
            end = response_end(whole)
            if end < 0:
                return
            # A whole answer: keep the connection when the server keeps it.
            keep = end == len(whole) and keeps_alive(whole)
            self.chunks = []
            if keep:
                self.size = 0
                self.poll.modify(self.sock, select.POLLIN)      # a close while idle shows as an event
            else:
                self._close()
            self._answered(whole if keep else whole[:end], now)
            return
        if self.reused and self.size == 0:
            # The server closed the kept connection before answering (its idle
            # timeout, a restart): ask again on a new connection, at once.
            self._close()
            self.state = IDLE
            self.next_at = now
            return
        # The server closed: the answer is complete.
        whole = b"".join(self.chunks)
        self.chunks = []
        self._close()
        self._answered(whole, now)

    def _answered(self, whole, now):
        self.state = IDLE
        changed, value = self.lp.handle_bytes(whole)
        whole = None
        self.responses += 1
        self.backoff.reset()
        self.next_at = now
        self._set_online(True)
        if changed:
            self.on_value(self.key, value, self.lp.play_at)
        gc.collect()

    # --- failure and cleanup -------------------------------------------------

    def _fail(self, why, now):
        self._close()
        self.lp.reset()
        self.state = IDLE
        self.failures += 1
        self.last_error = why
        if self.failures % 3 == 0:
            # A name that resolved before may point elsewhere now
            # (DHCP gave the Pi a new address): look it up again.
            self.resolver.forget(self.host, self.port)
        delay_ms = int(self.backoff.next_delay() * 1000)
        self.next_at = time.ticks_add(now, delay_ms)
        print("artcast: %s: %s; retry in %d ms" % (self.key, why, delay_ms))
        self._set_online(False)

    def _close(self):
        s = self.sock
        if s is not None:
            self.sock = None
            try:
                self.poll.unregister(s)
            except (OSError, KeyError, ValueError):
                pass
            try:
                s.close()
            except OSError:
                pass
        self.chunks = []
        self.size = 0

    def _set_online(self, online):
        if online != self.online:
            self.online = online
            if self.on_online is not None:
                self.on_online(self.key, online)
