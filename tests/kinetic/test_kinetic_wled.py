"""The "wled" output against a recording fake WLED on 127.0.0.1 that speaks
the documented protocols: DDP on UDP (parsed here from the DDP spec, not
with the backend's code) and the JSON API (POST /json/state). Pixels are
asserted over time, fades included, on the backend's clock."""

import http.server
import json
import socket
import struct
import threading

import pytest

from artcast_core.piece import PieceError, check_piece
from artcast_kinetic.backends.hardware import HardwareBackend


class FakeWledDdp:
    """Collects DDP packets into frames (a frame ends at the push flag)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.frames = []          # (data type, bytes of the whole frame)
        self.packets = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        buffer = bytearray()
        while self.running:
            try:
                packet = self.sock.recv(2000)
            except socket.timeout:
                continue
            flags, sequence, dtype, dest, offset, length = struct.unpack(">BBBBIH", packet[:10])
            assert flags >> 6 == 1 and dest == 1 and len(packet) == 10 + length
            with self.lock:
                self.packets.append((flags, sequence, dtype, offset, length))
            buffer[offset:offset + length] = packet[10:]
            if flags & 0x01:
                with self.lock:
                    self.frames.append((dtype, bytes(buffer)))
                buffer = bytearray()

    def distinct(self):
        with self.lock:
            out = []
            for frame in self.frames:
                if not out or out[-1] != frame:
                    out.append(frame)
            return out

    def latest(self):
        with self.lock:
            return self.frames[-1][1] if self.frames else None

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


class FakeWledJson:
    """POST /json/state recorded and answered {"success":true}, as WLED does."""

    def __init__(self):
        bodies = self.bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/json/state" and self.headers["Content-Type"] == "application/json":
                    bodies.append(json.loads(body))
                    reply, status = b'{"success":true}', 200
                else:
                    reply, status = b'{"error":9}', 400
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def colours(self):
        return self.bodies[-1]["seg"][0]["i"] if self.bodies else None

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ddp():
    fake = FakeWledDdp()
    yield fake
    fake.close()


@pytest.fixture
def wled_json():
    fake = FakeWledJson()
    yield fake
    fake.close()


def wled_piece(url, device, fade=1.0):
    return check_piece({"server": url, "outputs": [
        {"key": "k/strip", "mapping": {"type": "direct"}, "motion": {"fade": fade},
         "device": dict(device, type="wled", host="127.0.0.1")}]})


def test_ddp_frames_over_time(server, clock, live, ddp):
    lr = live(wled_piece(server.url, {"port": ddp.port, "count": 3}), HardwareBackend(clock=clock))
    lr.wait_for(lambda: ddp.latest() == bytes(9), what="the dark strip")
    server.send("k/strip", "#ff0080")
    lr.wait_for(lambda: lr.runner.values.get("k/strip") == "#ff0080")
    lr.advance(0.5)
    lr.wait_for(lambda: ddp.latest() == bytes([128, 0, 64] * 3), what="half way")
    lr.advance(0.5)
    lr.wait_for(lambda: ddp.latest() == bytes([255, 0, 128] * 3), what="the colour")
    lr.stop()
    lr.wait_for(lambda: ddp.latest() == bytes(9), what="parked dark")
    assert ddp.distinct() == [(0x0B, bytes(9)), (0x0B, bytes([128, 0, 64] * 3)),
                              (0x0B, bytes([255, 0, 128] * 3)), (0x0B, bytes(9))]
    assert all(1 <= p[1] <= 15 for p in ddp.packets)


def test_ddp_long_rgbw_strip_splits_into_packets(server, clock, live, ddp):
    lr = live(wled_piece(server.url, {"port": ddp.port, "count": 400, "order": "RGBW"}, fade=0),
              HardwareBackend(clock=clock))
    server.send("k/strip", "#000000ff")
    lr.wait_for(lambda: ddp.latest() == bytes([0, 0, 0, 255] * 400), what="the white strip")
    lr.stop()
    first, second = ddp.packets[:2]             # 1600 bytes a frame: 1440 + 160, push on the second
    assert first == (0x40, first[1], 0x1B, 0, 1440)
    assert second == (0x41, first[1], 0x1B, 1440, 160)


def test_json_api_state(server, clock, live, wled_json):
    lr = live(wled_piece(server.url, {"protocol": "json", "port": wled_json.port, "count": 2, "segment": 1,
                                      "brightness": 0.5}), HardwareBackend(clock=clock))
    lr.wait_for(lambda: wled_json.colours() == ["000000", "000000"], what="the dark strip")
    server.send("k/strip", "#ff0000")
    lr.wait_for(lambda: lr.runner.values.get("k/strip") == "#ff0000")
    lr.advance(1.0)
    lr.wait_for(lambda: wled_json.colours() == ["800000", "800000"], what="the colour at brightness 0.5")
    body = wled_json.bodies[-1]
    assert body["on"] is True and body["seg"][0]["id"] == 1
    lr.stop()
    assert wled_json.colours() == ["000000", "000000"]


def test_an_unreachable_wled_does_not_stop_the_piece(server, clock, live, caplog):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()                     # nothing listens there
    lr = live(wled_piece(server.url, {"protocol": "json", "port": port, "count": 2}, fade=0),
              HardwareBackend(clock=clock))
    server.send("k/strip", "#ff0000")
    lr.wait_for(lambda: lr.runner.values.get("k/strip") == "#ff0000")
    lr.wait_for(lambda: "WLED 127.0.0.1:%d" % port in caplog.text, what="the warning")
    lr.stop()


@pytest.mark.parametrize("device, message", [
    ({"count": 3}, "outputs[0].device.host: is required"),
    ({"host": "a b", "count": 3}, "outputs[0].device.host: must be a host name"),
    ({"host": "w", "count": 0}, "outputs[0].device.count: must be between 1 and 1500"),
    ({"host": "w", "count": 3, "protocol": "e131"}, "outputs[0].device.protocol: must be one of \"ddp\", \"json\""),
    ({"host": "w", "count": 3, "order": "GRB"}, "outputs[0].device.order: must be one of \"RGB\", \"RGBW\""),
])
def test_validator_names_the_field(device, message):
    with pytest.raises(PieceError) as e:
        check_piece({"server": "http://x:1", "outputs": [{"key": "k", "device": dict(device, type="wled"),
                                                           "mapping": {"type": "direct"}}]})
    assert str(e.value).startswith(message)


def test_readme_examples_are_valid_pieces():
    import os
    import re
    readme = os.path.join(os.path.dirname(__file__), "..", "..", "clients", "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("## DMX fixtures (sACN) and WLED strips"):text.index("## For firmware and client authors")]
    outputs = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", section, re.S)]
    kinds = [check_piece({"server": "http://pi:8888", "outputs": [out]})["outputs"][0]["device"] for out in outputs]
    assert [bool(k.get("dmx")) for k in kinds] == [True, False] and kinds[1]["wled"]["protocol"] == "ddp"
