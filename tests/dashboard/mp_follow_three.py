# Runs under the MicroPython unix port (and CPython): follow three keys with
# artcast_core.follow on ONE keep-alive socket, the way a board could.
# argv: port, count of changes to wait for. Prints "READY" once primed, one
# JSON line per change, then "SOCKETS n" and heap figures.
import gc
import json
import socket
import sys

from artcast_core.follow import Follow
from artcast_core.http import keeps_alive, response_end
from artcast_core.longpoll import LongPoll

PORT = int(sys.argv[-2])
WANT = int(sys.argv[-1])
HOST = "127.0.0.1"
KEYS = ["mp/a", "mp/b", "mp/c"]


def heap_used():
    gc.collect()
    try:
        return gc.mem_alloc()
    except AttributeError:
        return 0


def open_socket():
    sock = socket.socket()
    sock.connect(socket.getaddrinfo(HOST, PORT)[0][-1])
    return sock


def exchange(sock, request, rest):
    sock.send(request)
    data = rest
    while response_end(data) < 0:
        chunk = sock.recv(1024)
        if not chunk:
            raise OSError("closed")
        data += chunk
    end = response_end(data)
    return data[:end], data[end:]


# Heap: one socket and one Follow, against three sockets and three LongPolls.
base = heap_used()
one = [open_socket(), Follow(KEYS, hold=5)]
one_cost = heap_used() - base
three = [open_socket() for _ in KEYS] + [LongPoll(k, hold=5) for k in KEYS]
three_cost = heap_used() - base - one_cost
for s in three[:3]:
    s.close()
three = None
one[0].close()
one = None

follow = Follow(KEYS, hold=5, device="mp-kit; fw=0.1")
sock = open_socket()
sockets = 1
rest = b""
seen = 0
ready = False
while seen < WANT:
    data, rest = exchange(sock, follow.request(HOST, PORT, keep_alive=True), rest)
    if not keeps_alive(data):
        sock.close()
        sock = open_socket()
        sockets += 1
        rest = b""
    changes = follow.handle_bytes(data)
    for key, value in changes:
        print(json.dumps([key, value]))
        seen += 1
    if not ready:
        ready = True
        print("READY")
sock.close()
print("SOCKETS %d" % sockets)
print("HEAP one=%d three=%d" % (one_cost, three_cost))
