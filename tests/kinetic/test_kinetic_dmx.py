"""The "dmx" output through the real `sacn` library: a real sACN receiver
from the same library listens on 127.0.0.1 (unicast only), and the channel
values it receives are asserted over time, fades included, on the
backend's clock. Also: the shared validator's field-named errors and the
--simulate view."""

import threading

import pytest

from artcast_core.piece import PieceError, check_piece
from artcast_kinetic.backends.dmx import dmx_levels
from artcast_kinetic.backends.hardware import HardwareBackend


class Receiver:
    """sacn's own receiver on 127.0.0.1:5568, keeping each new universe state."""

    def __init__(self, universe):
        import sacn
        self.states = []
        self.lock = threading.Lock()
        self.receiver = sacn.sACNreceiver(bind_address="127.0.0.1")
        self.receiver.register_listener("universe", self._data, universe=universe)
        self.receiver.start()

    def _data(self, packet):
        with self.lock:
            self.states.append(tuple(packet.dmxData))

    def latest(self):
        with self.lock:
            return self.states[-1] if self.states else None

    def channels(self, first, count):
        latest = self.latest()
        return list(latest[first - 1:first - 1 + count]) if latest else None

    def stop(self):
        self.receiver.stop()


@pytest.fixture
def receiver():
    r = Receiver(7)
    yield r
    r.stop()


def dmx_piece(url):
    return check_piece({"server": url, "outputs": [
        {"key": "k/colour", "mapping": {"type": "direct"}, "motion": {"fade": 1.0},
         "device": {"type": "dmx", "universe": 7, "start": 10, "fixtures": 2, "layout": "DRGB",
                    "target": "127.0.0.1"}},
        {"key": "k/level", "mapping": {"type": "linear", "from": [0, 100]}, "motion": {"fade": 2.0},
         "device": {"type": "dmx", "universe": 7, "start": 1, "fixtures": 3, "layout": "D",
                    "target": "127.0.0.1"}},
    ]})


def test_channel_values_over_time_with_fades(server, clock, live, receiver):
    lr = live(dmx_piece(server.url), HardwareBackend(clock=clock))
    lr.wait_for(lambda: receiver.latest() == (0,) * 512, what="the parked universe")

    server.send("k/colour", "#ff8000")
    lr.wait_for(lambda: lr.runner.values.get("k/colour") == "#ff8000")
    lr.advance(0.5)                       # half way through the 1 s fade; the dimmer channel held open
    lr.wait_for(lambda: receiver.channels(10, 8) == [255, 128, 64, 0] * 2, what="half way")
    lr.advance(0.5)
    lr.wait_for(lambda: receiver.channels(10, 8) == [255, 255, 128, 0] * 2, what="the colour")

    server.send("k/level", 50)            # linear 0..100 -> level 0.5, faded over 2 s
    lr.wait_for(lambda: lr.runner.values.get("k/level") == 50)
    lr.advance(1.0)
    lr.wait_for(lambda: receiver.channels(1, 3) == [64] * 3, what="dimmers a quarter up")
    lr.advance(1.0)
    lr.wait_for(lambda: receiver.channels(1, 3) == [128] * 3, what="dimmers half up")
    assert receiver.channels(10, 8) == [255, 255, 128, 0] * 2      # the other output's slice untouched
    assert receiver.latest()[4:9] == (0,) * 5 and receiver.latest()[17:] == (0,) * 495

    lr.stop()                             # parked: every channel back to 0
    lr.wait_for(lambda: receiver.latest() == (0,) * 512, what="the parked universe after stop")
    # What the fixtures showed, in order: each state the runner wrote, and nothing else.
    seen = [(s[9:17], s[0:3]) for s in receiver.states]
    assert seen == [((0,) * 8, (0,) * 3), ((255, 128, 64, 0) * 2, (0,) * 3), ((255, 255, 128, 0) * 2, (0,) * 3),
                    ((255, 255, 128, 0) * 2, (64,) * 3), ((255, 255, 128, 0) * 2, (128,) * 3),
                    ((0,) * 8, (0,) * 3)]


def test_levels_follow_the_layout():
    rgbw = check_piece({"server": "http://x:1", "outputs": [
        {"key": "k", "mapping": {"type": "direct"},
         "device": {"type": "dmx", "universe": 1, "layout": "W-BGRD", "channels": 8, "fixtures": 1}}]})
    dev = rgbw["outputs"][0]["device"]
    assert dev["order"] == "RGBW" and dev["channels"] == 4
    assert dmx_levels(dev, [(1, 2, 3, 4)]) == [4, 0, 3, 2, 1, 255, 0, 0]


@pytest.mark.parametrize("device, message", [
    ({"universe": 0}, "outputs[0].device.universe: must be between 1 and 63999 (got 0)"),
    ({"universe": 1, "layout": "RGX"}, "outputs[0].device.layout: letters are R G B W"),
    ({"universe": 1, "layout": "RRB"}, "outputs[0].device.layout: needs R, G and B once each"),
    ({"universe": 1, "layout": "RGB", "channels": 2}, "outputs[0].device.channels: must be between 3 and 512"),
    ({"universe": 1, "start": 500, "fixtures": 5}, "outputs[0].device.start: 5 fixtures of 3 channels"),
    ({"universe": 1, "target": "10.0.0.1:5568"}, "outputs[0].device.target: must be a host name"),
    ({"universe": 1, "protocol": "dmx512"}, "outputs[0].device.protocol: must be one of \"sacn\""),
    ({"universe": 1, "pin": 4}, "outputs[0].device.pin: unknown field"),
])
def test_validator_names_the_field(device, message):
    device = dict(device, type="dmx")
    with pytest.raises(PieceError) as e:
        check_piece({"server": "http://x:1", "outputs": [{"key": "k", "device": device,
                                                           "mapping": {"type": "direct"}}]})
    assert str(e.value).startswith(message)


def test_overlapping_fixtures_are_refused():
    out = {"key": "k", "mapping": {"type": "direct"}, "device": {"type": "dmx", "universe": 2, "fixtures": 2}}
    other = {"key": "k", "mapping": {"type": "direct"}, "device": {"type": "dmx", "universe": 2, "start": 6}}
    with pytest.raises(PieceError) as e:
        check_piece({"server": "http://x:1", "outputs": [out, other]})
    assert str(e.value) == "outputs[1].device.start: DMX universe 2 channel 6 is already used by outputs[0]"
    other["device"]["start"] = 7
    check_piece({"server": "http://x:1", "outputs": [out, other]})


def test_simulate_shows_dmx_fixtures(server, clock, live):
    from artcast_kinetic.backends.simulate import SimulatedBackend
    from artcast_kinetic.simview import render
    lr = live(dmx_piece(server.url), SimulatedBackend(clock=clock))
    server.send("k/colour", "#ff0000")
    lr.wait_for(lambda: lr.runner.values.get("k/colour") == "#ff0000")
    lr.advance(1.0)
    lr.wait_for(lambda: lr.runner.snapshot()["outputs"][0]["pixels"] == ["#ff0000", "#ff0000"])
    text = render(lr.runner.snapshot(), colour=False)
    assert "sACN 127.0.0.1 u7 ch 10-17" in text and "sACN 127.0.0.1 u7 ch 1-3" in text
    lr.stop()
