"""Clients that never read cannot pin the server's memory (issue 9.7): real
sockets with tiny receive buffers pipeline thousands of requests for an
8 KB value and read nothing. The server stops reading from a connection
while its answer waits, so its RSS stays flat and /status answers
meanwhile. No timing asserts beyond generous deadlines."""

import socket
import time

from artcast_core.datagram import encode_datum

CLIENTS = 8
REQUESTS = 5000             # pipelined per client: 41 MB of answers each if the server read them all


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_pipelining_clients_that_never_read_cannot_pin_memory(server):
    value = "v" * 8000
    server.send_raw(encode_datum("sl/k", value))
    server.wait_for_datums(1)
    assert server.get("/artcasts/sl/k?wait=0")[0] == 200
    before = rss_kb(server.proc.pid)
    request = b"GET /artcasts/sl/k?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n" * REQUESTS
    readers, sent = [], 0
    for _ in range(CLIENTS):
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.connect(("127.0.0.1", server.port))
        c.setblocking(False)
        readers.append([c, memoryview(request)])
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(len(rest) for _, rest in readers):
        for entry in readers:
            c, rest = entry
            try:
                n = c.send(rest[:65536])
            except BlockingIOError:
                continue
            entry[1] = rest[n:]
            sent += n
        time.sleep(0.01)
    time.sleep(0.5)
    start = time.monotonic()
    status, _, _ = server.get("/status", timeout=10)
    assert status == 200 and time.monotonic() - start < 5
    grown = rss_kb(server.proc.pid) - before
    print("RSS grew by %d KB; %d request bytes sent" % (grown, sent))
    assert grown < 30 * 1024, "server RSS grew by %d KB with %d request bytes sent" % (grown, sent)
    assert server.status()["connections_open"] >= CLIENTS          # still there, just not read
    for c, _ in readers:
        c.close()
