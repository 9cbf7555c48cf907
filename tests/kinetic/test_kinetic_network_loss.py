"""Network loss during a long-poll: the server keeps running but nothing
gets through (no RST, no FIN), as when a cable is pulled or Wi-Fi drops.
The client must notice by its socket timeout, show offline, and recover."""

import pytest

import artcast_core.longpoll
from artcast_core.piece import check_piece
from artcast_kinetic.backends.simulate import SimulatedBackend
from kinetic_proxy import SilentableProxy


@pytest.fixture
def proxy(server):
    p = SilentableProxy(server.port).start()
    yield p
    p.close()


def test_silent_network_goes_offline_then_recovers(server, proxy, clock, monkeypatch, live):
    # Socket timeout = hold + margin; shorten the margin so the test takes seconds.
    monkeypatch.setattr(artcast_core.longpoll, "SOCKET_MARGIN", 1)
    piece = check_piece({"server": proxy.url, "outputs": [
        {"key": "room/lamp", "device": {"type": "neopixel", "pin": 18, "count": 2},
         "mapping": {"type": "direct"},
         "on_disconnect": {"action": "safe", "status_pixel": {"index": 1, "colour": "#0000ff"}}}]})
    backend = SimulatedBackend(clock=clock)
    lr = live(piece, backend, hold=1)
    strip = backend.devices[0]
    server.send("room/lamp", "#ffffff")
    lr.wait_for(lambda: strip.state == [(255, 255, 255)] * 2, what="first value")
    proxy.silent = True
    lr.wait_for(lambda: lr.runner.online["room/lamp"] is False, timeout=10, what="offline by timeout")
    assert strip.state == [(0, 0, 0), (0, 0, 255)]        # safe: dark, status pixel blue
    before = proxy.connections
    proxy.silent = False
    lr.wait_for(lambda: lr.runner.online["room/lamp"] is True, timeout=10, what="online again")
    assert proxy.connections > before
    # reconnecting asks wait=0 again: the held value comes back at once
    lr.wait_for(lambda: strip.state == [(255, 255, 255)] * 2, what="current value after recovery")
    server.send("room/lamp", "#010203")
    lr.wait_for(lambda: strip.state == [(1, 2, 3)] * 2)
