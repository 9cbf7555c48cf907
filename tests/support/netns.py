"""Several hosts on one machine: network namespaces joined by a Linux bridge.

Needs root. Everything lives inside namespaces this module creates: the
bridge itself sits in a "switch" namespace, each host gets a veth pair from
it, and the private addresses (10.231.0.0/24) exist only inside. Nothing is
added to the machine's own network namespace. `Lab.close()` stops every
process it started (by PID) and deletes every namespace (which deletes their
links), also after a failure.

    lab = Lab(["src", "s1", "lb"])
    lab.popen("s1", ["artcast-server", "--host", lab.address("s1"), ...])
    with lab.thread("lb") as lb:           # sockets created there live in "lb"
        lb.run(some_coroutine())
    lab.close()

A thread can enter a namespace (setns is per thread), so the test process
itself drives clients and probes inside the balancer's namespace without
a helper process: every socket created in that thread belongs there.
"""

import asyncio
import ctypes
import os
import signal
import subprocess
import threading

SUBNET = "10.231.0"
CLONE_NEWNET = 0x40000000


def require_root():
    if os.geteuid() != 0:
        raise AssertionError("tests/deploy need root (network namespaces, nftables): run them as root, "
                             "as CI does (`sudo python3 run.py test`)")


def ip(*args):
    done = subprocess.run(("ip",) + args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), done.stderr.strip()))
    return done.stdout


def enter(name):
    """Move the calling thread into namespace `name`."""
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY)
    try:
        if hasattr(os, "setns"):
            os.setns(fd, CLONE_NEWNET)
        else:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.setns(fd, CLONE_NEWNET) != 0:
                errno = ctypes.get_errno()
                raise OSError(errno, "setns(%s): %s" % (name, os.strerror(errno)))
    finally:
        os.close(fd)


class NsLoop:
    """An asyncio loop on a thread inside one namespace."""

    def __init__(self, name):
        self.name = name
        self.loop = None
        self.ready = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._main, name="netns-" + name, daemon=True)
        self.thread.start()
        self.ready.wait(10)
        if self.error is not None:
            raise self.error

    def _main(self):
        try:
            enter(self.name)
            self.loop = asyncio.new_event_loop()
        except Exception as exc:
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()
        self.loop.close()

    def run(self, coro, timeout=None):
        """Run `coro` on the namespace's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self, coro):
        """Start `coro` there; returns a concurrent.futures.Future."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, fn, *args, timeout=30):
        """Run a plain function in the namespace thread (e.g. to create a socket)."""
        async def wrapped():
            return fn(*args)
        return self.run(wrapped(), timeout)

    def close(self):
        if self.loop is not None and self.loop.is_running():
            def stop():
                for task in asyncio.all_tasks(self.loop):
                    task.cancel()
                self.loop.call_soon(self.loop.stop)
            self.loop.call_soon_threadsafe(stop)
            self.thread.join(10)


class Lab:
    """Hosts named in `hosts`, each a namespace with one address on a shared bridge."""

    def __init__(self, hosts, tag=None):
        require_root()
        self.tag = tag or "ac%d" % os.getpid()
        self.hosts = list(hosts)
        self.namespaces = []
        self.procs = []
        self.loops = []
        self.switch = self.ns("sw")
        try:
            self._build()
        except Exception:
            self.close()
            raise

    def ns(self, host):
        return "%s-%s" % (self.tag, host)

    def address(self, host):
        return "%s.%d" % (SUBNET, self.hosts.index(host) + 1)

    def _add(self, name):
        ip("netns", "add", name)
        self.namespaces.append(name)
        ip("-n", name, "link", "set", "lo", "up")

    def _build(self):
        self._add(self.switch)
        ip("-n", self.switch, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
        ip("-n", self.switch, "link", "set", "br0", "up")
        for i, host in enumerate(self.hosts):
            name = self.ns(host)
            self._add(name)
            port = "p%d" % i
            ip("-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", name)
            ip("-n", self.switch, "link", "set", port, "master", "br0")
            ip("-n", self.switch, "link", "set", port, "up")
            ip("-n", name, "addr", "add", self.address(host) + "/24", "dev", "eth0")
            ip("-n", name, "link", "set", "eth0", "up")
            # multicast leaves by eth0 (the kernel's choice without a route would fail)
            ip("-n", name, "route", "add", "224.0.0.0/4", "dev", "eth0")

    def popen(self, host, argv, **kwargs):
        """Start a process inside `host`; `ip netns exec` execs it, so the
        PID is the process's own."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns(host)] + list(argv), **kwargs)
        self.procs.append(proc)
        return proc

    def run(self, host, argv):
        done = subprocess.run(["ip", "netns", "exec", self.ns(host)] + list(argv), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError("%s in %s: %s" % (" ".join(argv), host, done.stderr.strip()))
        return done.stdout

    def loop(self, host):
        ns_loop = NsLoop(self.ns(host))
        self.loops.append(ns_loop)
        return ns_loop

    def close(self):
        for ns_loop in self.loops:
            ns_loop.close()
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        self.namespaces = []
