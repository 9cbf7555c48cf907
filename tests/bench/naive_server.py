"""The naive baseline: what a first microdot long-poll server looks like.

microdot's built-in server (asyncio.start_server, backlog 100), one asyncio
future and one wait_for timer per waiting request, the response built per
client, and an asyncio datagram endpoint that reads one datagram per loop
turn. Same wire behaviour as artcast for what the benchmark uses:
GET /artcasts/<key> with If-None-Match, JSON body, ETag from the datagram
bytes, 204 after 25 s, GET /status with waiting_clients / datums_received.

    python tests/bench/naive_server.py --port 8890 --data-port 5107
"""

import argparse
import asyncio
import hashlib
import json
import socket
import struct

from microdot import Microdot

GROUP = "224.1.1.1"
waiters = {}            # key -> list of futures
latest = {}             # key -> (etag, body)
counts = {"datums_received": 0}
app = Microdot()


@app.get("/status")
async def status(request):
    return {"waiting_clients": sum(len(w) for w in waiters.values()),
            "datums_received": counts["datums_received"]}


@app.get("/artcasts/<path:key>")
async def artcast(request, key):
    etag = request.headers.get("If-None-Match")
    current = latest.get(key)
    if current is None or not etag or etag == current[0]:
        future = asyncio.get_running_loop().create_future()
        waiters.setdefault(key, []).append(future)
        try:
            current = await asyncio.wait_for(future, 25)
        except asyncio.TimeoutError:
            return "", 204
        finally:
            if future in waiters.get(key, ()):
                waiters[key].remove(future)
    return current[1], 200, {"Content-Type": "application/json", "ETag": current[0],
                             "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}


class Datagrams(asyncio.DatagramProtocol):
    def datagram_received(self, data, addr):
        try:
            key, value = json.loads(data)
        except ValueError:
            return
        counts["datums_received"] += 1
        latest[key] = current = ('"%s"' % hashlib.sha1(data).hexdigest()[:16], json.dumps(value))
        for future in waiters.pop(key, ()):
            if not future.done():
                future.set_result(current)


async def main(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((GROUP, args.data_port))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                    socket.inet_aton(GROUP) + struct.pack("4s", socket.inet_aton("127.0.0.1")))
    await asyncio.get_running_loop().create_datagram_endpoint(Datagrams, sock=sock)
    await app.start_server(host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-port", type=int, required=True)
    asyncio.run(main(parser.parse_args()))
