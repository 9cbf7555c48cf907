"""--workers N: real processes sharing one port (SO_REUSEPORT), each joined to
the multicast group itself. A datum reaches the clients of every worker; a
SIGTERM to the parent stops them all, answering their held requests."""

import os
import re
import socket
import subprocess
import time

from support.server import ServerProcess

CLIENTS = 24        # spread over two workers by the kernel's hash: all on one has odds 2**-23


def worker_of(port):
    """client port -> pid of the server process holding its connection (ss -p)."""
    out = subprocess.run(["ss", "-tnpH", "state", "established", "( sport = :%d )" % port],
                         capture_output=True, text=True, timeout=10).stdout
    owners = {}
    for line in out.splitlines():
        peer = re.search(r"127\.0\.0\.1:(\d+)\s+users:", line)
        pid = re.search(r"pid=(\d+)", line)
        if peer and pid:
            owners[int(peer.group(1))] = int(pid.group(1))
    return owners


def read_answer(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?i)content-length: *(\d+)", head)
    while length and len(body) < int(length.group(1)):
        body += sock.recv(4096)
    return head, body


def test_a_datum_reaches_clients_on_every_worker_and_sigterm_stops_them_all(tmp_path):
    server = ServerProcess(["--workers", "2", "--poll-timeout", "20"], log_dir=tmp_path).start()
    clients = []
    try:
        for _ in range(CLIENTS):
            c = socket.create_connection(("127.0.0.1", server.port))
            c.sendall(b"GET /artcasts/w/k HTTP/1.1\r\nHost: x\r\n\r\n")      # keep-alive: waits for the next datum
            clients.append(c)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            owners = worker_of(server.port)
            if all(c.getsockname()[1] in owners for c in clients):
                break
            time.sleep(0.05)
        pids = {owners[c.getsockname()[1]] for c in clients}
        assert len(pids) == 2 and server.proc.pid not in pids, (pids, server.proc.pid)   # two workers
        # each worker parks its requests in its own hub; datums every 0.2 s until every client has one
        got = {}
        deadline = time.monotonic() + 10
        value = 0
        while len(got) < CLIENTS and time.monotonic() < deadline:
            value += 1
            server.send("w/k", value)
            for c in clients:
                if c not in got:
                    try:
                        head, body = read_answer(c, 0.2)
                    except socket.timeout:
                        continue
                    assert head.startswith(b"HTTP/1.1 200"), head
                    got[c] = int(body)
        assert len(got) == CLIENTS, "%d of %d clients got a datum" % (len(got), CLIENTS)
        # the same datum has the same ETag in every worker: keys and values are everywhere
        for c in clients:
            c.sendall(b"GET /artcasts/w/k?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        answers = {read_answer(c, 5)[1] for c in clients}
        assert answers == {str(value).encode()}, answers
        # SIGTERM to the parent: passed on, held requests answered, every process gone
        for c in clients:
            c.sendall(b"GET /artcasts/w/other HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        assert server.stop() == 0
        for c in clients:
            head, _ = read_answer(c, 5)
            assert head.startswith(b"HTTP/1.1 204"), head
        for pid in pids:
            assert not os.path.exists("/proc/%d" % pid) or _zombie_or_gone(pid), pid
    finally:
        for c in clients:
            c.close()
        server.close()


def _zombie_or_gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_crashed_worker_is_started_again(tmp_path):
    server = ServerProcess(["--workers", "2"], log_dir=tmp_path).start()
    try:
        children = _children(server.proc.pid)
        assert len(children) == 2
        os.kill(children[0], 9)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = _children(server.proc.pid)
            if len(now) == 2 and children[0] not in now:
                break
            time.sleep(0.05)
        assert len(now) == 2 and children[0] not in now, now
        for _ in range(20):         # both workers answer (whichever the kernel picks)
            assert server.status()["version"]
        assert server.stop() == 0
    finally:
        server.close()


def _children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(p) for p in f.read().split()]


def test_every_worker_loads_the_state_file_and_one_saves_it(tmp_path):
    state = str(tmp_path / "state.json")
    server = ServerProcess(["--workers", "2", "--state-file", state], log_dir=tmp_path).start()
    try:
        server.send("w/saved", 7)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (os.path.exists(state) and "w/saved" in open(state).read()):
            time.sleep(0.05)
        assert server.stop() == 0
        assert "w/saved" in open(state).read()
        server.start()
        pids = set()
        for _ in range(40):         # new connections: the kernel spreads them over both workers
            c = socket.create_connection(("127.0.0.1", server.port))
            try:
                c.sendall(b"GET /artcasts/w/saved?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n")
                pids.add(worker_of(server.port).get(c.getsockname()[1]))
                head, body = read_answer(c, 5)
                assert head.startswith(b"HTTP/1.1 200") and body == b"7", (head, body)
            finally:
                c.close()
        assert len(pids - {None}) == 2, pids
    finally:
        server.close()
