"""The servers the benchmark measures, each started as our own child process.

Every target listens on 127.0.0.1 only, is pinned to one core (when taskset
exists) and is stopped by the PID we started. A target knows how to ask for
a key's next value, how to publish one, and how many requests it holds:

    artcast        the real artcast-server (uvloop when installed)
    artcast-asyncio  the same server on plain asyncio (as on a Pi without uvloop)
    naive          naive_server.py: microdot's built-in server, one future per waiter
    nchan          nginx + nchan (C), from nginx.conf in this folder, when installed
    static         nginx answering a fixed 200 at once: the load generator's ceiling

    with Artcast(cpu=0) as target:
        target.publish("bench/k", 1)

`CpuQuota` runs servers under one cgroup v1 CPU quota (the Pi-class mode):
every target started with `quota=` is moved into the group right after it
is spawned, so its start-up is measured under the quota too.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))          # tests/: the shared loopback helpers
from support.net import free_port, http_get, loopback_sender  # noqa: E402  (multicast out via 127.0.0.1, TTL 0)
from support.process import stop_process  # noqa: E402

LOOPBACK = "127.0.0.1"
GROUP = "224.1.1.1"
NCHAN_MODULE_DIRS = ("/usr/lib/nginx/modules", "/usr/share/nginx/modules")


def http(port, method, path, timeout=5.0):
    """One blocking HTTP exchange on loopback -> (status, body bytes)."""
    status, _, body = http_get(port, path, method=method, timeout=timeout)
    return status, body


def env_with_sources(root=REPO):
    """The environment for a server from the checkout at `root` (this one by default)."""
    env = dict(os.environ)
    dirs = [os.path.join(root, d) for d in ("clients", "server", "sources")]
    env["PYTHONPATH"] = os.pathsep.join(dirs + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def pinned(cmd, cpu):
    if cpu is not None and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)] + cmd
    return cmd


def find_nginx():
    """The nginx binary, or None. ARTCAST_BENCH_NGINX names another (or a missing
    path, to try the benchmark as on a machine without nginx)."""
    path = os.environ.get("ARTCAST_BENCH_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    return path if os.path.exists(path) else None


def nchan_available():
    nginx = find_nginx()
    module = next((os.path.join(d, "ngx_nchan_module.so") for d in NCHAN_MODULE_DIRS
                   if os.path.exists(os.path.join(d, "ngx_nchan_module.so"))), None)
    return (nginx, module) if nginx and module else (None, None)


CGROUP_CPU = "/sys/fs/cgroup/cpu"      # the cgroup v1 cpu controller


class CpuQuota:
    """A cgroup v1 child group whose processes get 1/`factor` of one core:
    cpu.cfs_quota_us = cpu.cfs_period_us / factor. A short period (10 ms)
    keeps the throttling fine-grained, so a wave sees a slower core rather
    than a fast one that stops for tens of ms. Needs root and the v1 cpu
    controller (systemd hosts: CPUQuota= on a scope does the same).

        with CpuQuota(8) as quota:
            target = Artcast(cpu=0, quota=quota).start()
    """

    PERIOD_US = 10000

    def __init__(self, factor, root=CGROUP_CPU):
        self.factor = float(factor)
        self.root = root
        self.path = os.path.join(root, "artcast-bench-%d" % os.getpid())

    def __enter__(self):
        if not os.path.exists(os.path.join(self.root, "cpu.cfs_quota_us")):
            raise RuntimeError("no cgroup v1 cpu controller at %s" % self.root)
        os.mkdir(self.path)
        self._write("cpu.cfs_period_us", self.PERIOD_US)
        self._write("cpu.cfs_quota_us", int(self.PERIOD_US / self.factor))
        return self

    def _write(self, name, value):
        with open(os.path.join(self.path, name), "w") as f:
            f.write("%d\n" % value)

    def add(self, pid):
        self._write("cgroup.procs", pid)

    def throttled(self):
        """(periods throttled, seconds throttled) so far, from cpu.stat."""
        stats = {}
        with open(os.path.join(self.path, "cpu.stat")) as f:
            for line in f:
                name, value = line.split()
                stats[name] = int(value)
        return stats.get("nr_throttled", 0), stats.get("throttled_time", 0) / 1e9

    def __exit__(self, *exc):
        # our servers are stopped by now; move any straggler back before rmdir
        try:
            with open(os.path.join(self.path, "cgroup.procs")) as f:
                left = [int(line) for line in f if line.strip()]
            for pid in left:
                with open(os.path.join(self.root, "cgroup.procs"), "w") as f:
                    f.write("%d\n" % pid)
            os.rmdir(self.path)
        except OSError:
            pass


class Target:
    name = "?"
    multicast = True        # datums arrive by multicast (else: HTTP publish)
    root = REPO             # whose source the server runs

    def __init__(self, cpu=None, quota=None):
        self.cpu = cpu
        self.quota = quota
        self.port = free_port()
        self.proc = None
        self.startup = None     # seconds from spawn to the first answered request

    # --- process ------------------------------------------------------------
    def command(self):
        raise NotImplementedError

    def ready_path(self):
        return "/status"

    def start(self, timeout=15.0):
        started = time.monotonic()
        self.proc = subprocess.Popen(pinned(self.command(), self.cpu), env=env_with_sources(self.root),
                                     stdout=subprocess.DEVNULL, stderr=self.stderr_file())
        if self.quota is not None:
            self.quota.add(self.proc.pid)
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s" % (self.name, self.proc.returncode))
            try:
                if http(self.port, "GET", self.ready_path(), timeout=1.0)[0] == 200:
                    self.startup = time.monotonic() - started
                    return self
            except OSError:
                time.sleep(0.005)
        self.stop()
        raise RuntimeError("%s did not answer within %.0f s" % (self.name, timeout))

    def stderr_file(self):
        return subprocess.DEVNULL

    @property
    def pid(self):
        return self.proc.pid

    def server_pid(self):
        """The PID doing the serving (taskset execs, so it is the same one)."""
        return self.proc.pid

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- protocol -----------------------------------------------------------
    def request(self, key, token, keep_alive=False):
        """Request bytes for the next value of `key` after `token` (None: the next one);
        keep_alive=False asks the server to close after the answer."""
        extra = "If-None-Match: %s\r\n" % token if token else ""
        return ("GET /artcasts/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s\r\n"
                % (key, "" if keep_alive else "Connection: close\r\n", extra)).encode()

    def token(self, head):
        """The 'after' token from a response head (lower-cased bytes)."""
        return _header(head, b"etag")

    def waiting(self, key):
        return json.loads(http(self.port, "GET", "/status")[1])["waiting_clients"]

    def datums(self):
        return json.loads(http(self.port, "GET", "/status")[1])["datums_received"]


class Artcast(Target):
    name = "artcast"
    uvloop = True

    def __init__(self, cpu=None, quota=None, max_clients=20000):
        Target.__init__(self, cpu, quota)
        self.data_port = free_port(socket.SOCK_DGRAM)
        self.register_port = free_port(socket.SOCK_DGRAM)
        self.max_clients = max_clients
        self.sender = loopback_sender()

    def command(self):
        args = ["--host", LOOPBACK, "--client-port", str(self.port), "--data-port", str(self.data_port),
                "--register-port", str(self.register_port), "--multicast-interface", LOOPBACK,
                "--max-clients", str(self.max_clients), "--access-log", self.access_log()]
        if self.uvloop:
            return [sys.executable, "-m", "artcast_server"] + args
        # the same server with uvloop made unimportable: plain asyncio, as on a Pi
        code = "import sys; sys.modules['uvloop'] = None; from artcast_server.cli import main; sys.exit(main())"
        return [sys.executable, "-c", code] + args

    def access_log(self):
        """No access log, as nginx.conf's `access_log off` (a server from before
        --access-log off existed writes its log to /dev/null)."""
        with open(os.path.join(self.root, "server", "artcast_server", "cli.py")) as f:
            return "off" if "ACCESS_LOG_OFF" in f.read() else os.devnull

    def publish(self, key, value):
        self.sender.sendto(json.dumps([key, value]).encode(), (GROUP, self.data_port))

    def stop(self):
        Target.stop(self)


class ArtcastAsyncio(Artcast):
    name = "artcast-asyncio"
    uvloop = False


class ArtcastBefore(Artcast):
    """The server from another checkout (ARTCAST_BENCH_BEFORE, e.g. `git archive main`
    unpacked), measured by this generator in the same run: the "before" column."""
    name = "artcast-before"

    def __init__(self, cpu=None, quota=None, max_clients=20000):
        self.root = os.environ.get("ARTCAST_BENCH_BEFORE")
        if not self.root or not os.path.isdir(os.path.join(self.root, "server", "artcast_server")):
            raise RuntimeError("set ARTCAST_BENCH_BEFORE to a checkout of the earlier server")
        Artcast.__init__(self, cpu, quota, max_clients)


class ArtcastAsyncioBefore(ArtcastBefore):
    name = "artcast-asyncio-before"
    uvloop = False


class Naive(Artcast):
    name = "naive"

    def command(self):
        return [sys.executable, os.path.join(HERE, "naive_server.py"), "--port", str(self.port),
                "--data-port", str(self.data_port)]


class Nginx(Target):
    """nginx as our own process: a temporary prefix, config from this folder."""
    multicast = False
    template = "nginx.conf"

    def __init__(self, cpu=None, quota=None):
        Target.__init__(self, cpu, quota)
        self.nginx, self.module = nchan_available()
        if self.template == "nginx.conf" and not self.nginx:
            raise RuntimeError("nginx with the nchan module is not installed "
                               "(apt-get install nginx-light libnginx-mod-nchan)")
        self.nginx = self.nginx or find_nginx()
        if not self.nginx:
            raise RuntimeError("nginx is not installed")
        self.prefix = tempfile.mkdtemp(prefix="artcast-bench-nginx-")

    def command(self):
        with open(os.path.join(HERE, self.template)) as f:
            conf = f.read()
        load = "load_module %s;" % self.module if self.module else ""
        conf = conf.replace("@LOAD_NCHAN@", load if self.template == "nginx.conf" else "")
        conf = conf.replace("@PREFIX@", self.prefix).replace("@PORT@", str(self.port))
        os.makedirs(self.prefix, exist_ok=True)
        path = os.path.join(self.prefix, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        os.makedirs(os.path.join(self.prefix, "logs"), exist_ok=True)
        return [self.nginx, "-p", self.prefix, "-c", path, "-e", os.path.join(self.prefix, "error.log")]

    def ready_path(self):
        return "/ready"

    def stop(self):
        Target.stop(self)
        shutil.rmtree(self.prefix, ignore_errors=True)


class Nchan(Nginx):
    name = "nchan"

    def __init__(self, cpu=None, quota=None):
        Nginx.__init__(self, cpu, quota)
        self.publishers = []

    def request(self, key, token, keep_alive=False):
        extra = ""
        if token:
            etag, modified = token
            extra = "If-None-Match: %s\r\nIf-Modified-Since: %s\r\n" % (etag, modified)
        return ("GET /artcasts/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s\r\n"
                % (key, "" if keep_alive else "Connection: close\r\n", extra)).encode()

    def token(self, head):
        etag, modified = _header(head, b"etag"), _header(head, b"last-modified")
        return (etag, modified) if etag and modified else None

    def publish(self, key, value):
        """POST the message without waiting for nchan's answer (nchan answers the
        publisher after its fan-out; a blocking POST would hide the deliveries)."""
        body = json.dumps(value).encode()
        sock = socket.create_connection((LOOPBACK, self.port), timeout=2.0)
        sock.sendall(b"POST /pub/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (key.encode(), len(body), body))
        self.publishers.append(sock)
        while len(self.publishers) > 50:        # answered long ago: close
            self.publishers.pop(0).close()

    def stop(self):
        for sock in self.publishers:
            sock.close()
        self.publishers = []
        Nginx.stop(self)

    def waiting(self, key):
        status, body = http(self.port, "GET", "/pub/" + key)
        for line in body.decode().splitlines():
            if line.startswith("active subscribers:"):
                return int(line.split(":")[1])
        return 0


class Static(Nginx):
    """A fixed 200 answered at once: what the load generator can do at most."""
    name = "static"
    template = "nginx-static.conf"


def _header(head, name):
    """A header's value from a response head; `head` is the raw bytes."""
    lower = head.lower()
    at = lower.find(b"\r\n" + name + b":")
    if at < 0:
        return None
    start = at + len(name) + 3
    end = head.find(b"\r\n", start)
    return head[start:end if end >= 0 else len(head)].strip().decode("latin-1")
