"""WLED strips over the network: the same mappings as a NeoPixel strip.

A "wled" output (piece_net.py) sends the strip's pixels, computed by the
shared core (fades and brightness applied), to a stock WLED device:

  "protocol": "ddp"   realtime UDP, port 4048: every frame, smooth fades.
                      WLED shows it while frames keep coming and returns
                      to its own effect 2.5 s after the last one, so the
                      last frame is repeated every second while the piece
                      runs.
  "protocol": "json"  HTTP POST /json/state with the segment's per-LED
                      colours ("i"): kept by WLED until changed, but slow
                      (one request per change, the latest state only).

DDP, as WLED reads it (http://www.3waylabs.com/ddp/): a 10-byte header
(flags 0x41 = version 1 + push on the last packet of a frame, a sequence
number 1-15, data type 0x0B for RGB / 0x1B for RGBW, destination 1, the
byte offset and length, big-endian) then the channel bytes, at most 1440
per packet. WLED has no Python library for DDP, hence the few lines here.

Sending happens on a small thread, so a slow or unplugged WLED never holds
up the piece; only the latest state is ever sent.
"""

import json
import logging
import socket
import struct
import threading

from artcast_kinetic.backends.base import Device

log = logging.getLogger("artcast.kinetic")

DDP_MAX_DATA = 1440
DDP_TYPES = {3: 0x0B, 4: 0x1B}
KEEPALIVE = 1.0


def ddp_packets(data, channels, sequence):
    """The frame's channel bytes -> DDP packets (push set on the last).

    >>> [p[:10].hex() for p in ddp_packets(bytes(6), 3, 1)]
    ['41010b01000000000006']
    """
    packets = []
    offset = 0
    while True:
        chunk = data[offset:offset + DDP_MAX_DATA]
        last = offset + len(chunk) >= len(data)
        header = struct.pack(">BBBBIH", 0x41 if last else 0x40, sequence, DDP_TYPES[channels], 1,
                             offset, len(chunk))
        packets.append(header + chunk)
        offset += len(chunk)
        if last:
            return packets


def json_state(pixels, segment):
    """The body of POST /json/state that shows these pixels on `segment`."""
    colours = ["".join(["%02X" % c for c in p]) for p in pixels]
    return json.dumps({"on": True, "bri": 255, "seg": [{"id": segment, "i": colours}]},
                      separators=(",", ":")).encode()


class DdpTransport:
    def __init__(self, host, port, channels):
        self.address = (host, port)
        self.channels = channels
        self.sequence = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(self, pixels):
        self.sequence = self.sequence % 15 + 1
        data = bytes([c for p in pixels for c in p])
        for packet in ddp_packets(data, self.channels, self.sequence):
            self.sock.sendto(packet, self.address)

    def close(self):
        self.sock.close()


class JsonTransport:
    keepalive = None      # WLED keeps a JSON state: nothing to repeat

    def __init__(self, host, port, segment, timeout=5.0):
        self.host, self.port, self.segment, self.timeout = host, port, segment, timeout

    def send(self, pixels):
        import http.client
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("POST", "/json/state", json_state(pixels, self.segment),
                         {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise OSError("WLED answered %d" % response.status)
        finally:
            conn.close()

    def close(self):
        pass


class WledStrip(Device):
    def __init__(self, spec, transport=None):
        super().__init__(spec)
        wled = self.device["wled"]
        self.where = "%s:%d" % (wled["host"], wled["port"])
        if transport is None:
            if wled["protocol"] == "ddp":
                transport = DdpTransport(wled["host"], wled["port"], self.device["channels"])
            else:
                transport = JsonTransport(wled["host"], wled["port"], wled["segment"])
        self.transport = transport
        self.keepalive = getattr(transport, "keepalive", KEEPALIVE)
        self.latest = None
        self.pending = False
        self.stopping = False
        self.failed = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, name="wled-" + self.where, daemon=True)
        self.thread.start()

    def write(self, state):
        with self.cond:
            self.latest = [tuple(p) for p in state]
            self.pending = True
            self.cond.notify()

    def _run(self):
        while True:
            with self.cond:
                if not self.pending and not self.stopping:
                    self.cond.wait(self.keepalive)
                if self.stopping:
                    return
                pixels, self.pending = self.latest, False
            if pixels is not None:
                self._send(pixels)

    def _send(self, pixels):
        try:
            self.transport.send(pixels)
            if self.failed:
                log.info("WLED %s reached again", self.where)
            self.failed = False
        except OSError as exc:
            if not self.failed:
                log.warning("WLED %s: %s (will keep trying)", self.where, exc)
            self.failed = True

    def release(self):
        """Stop the thread, then send the parked (dark) state once more here."""
        with self.cond:
            self.stopping = True
            self.cond.notify()
        self.thread.join(10)
        if self.latest is not None:
            self._send(self.latest)
        self.transport.close()
