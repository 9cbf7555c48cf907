"""At the open-file limit the server backs off instead of spinning on
accept(), logs that rate-limited, and recovers when connections go (issue
9.6). A real server process under a low RLIMIT_NOFILE (prlimit) and a
bounded connection flood."""

import socket
import time

from support.server import ServerProcess

NOFILE = 64
FLOOD = 200


class LimitedServer(ServerProcess):
    def command(self):
        return ["prlimit", "--nofile=%d:%d" % (NOFILE, NOFILE)] + ServerProcess.command(self)


def cpu_ticks(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])        # utime + stime


def test_accept_at_the_fd_limit_backs_off_logs_bounded_and_recovers(tmp_path):
    server = LimitedServer(log_dir=tmp_path).start()
    flood = []
    try:
        for _ in range(FLOOD):
            c = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            c.sendall(b"GET /artcasts/fd/k HTTP/1.1\r\nHost: x\r\n\r\n")
            flood.append(c)
        time.sleep(1)                                   # the server is at its limit now
        before = cpu_ticks(server.proc.pid)
        time.sleep(2)
        spent = cpu_ticks(server.proc.pid) - before
        assert spent <= 10, "%d CPU ticks in 2 s at the file limit: spinning on accept()" % spent
        log = server.stderr()
        assert 1 <= log.count("socket.accept() out of system resource") <= 5
        assert "Traceback" not in log and len(log) < 4000
        for c in flood:
            c.close()
        flood = []
        deadline = time.monotonic() + 10
        while True:                                     # recovers once connections go
            try:
                if server.status()["waiting_clients"] == 0:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "server did not recover"
            time.sleep(0.1)
        server.send("fd/k", 1)
        server.wait_for_datums(1)
        assert server.get("/artcasts/fd/k?wait=0")[0] == 200
    finally:
        for c in flood:
            c.close()
        server.close()
