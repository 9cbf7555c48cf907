"""DMX fixtures over sACN (E1.31) through the `sacn` library.

A "dmx" output (piece_net.py) is a row of identical fixtures in one
universe: fixture i starts at channel start + i * channels, and its
"layout" says what each of its channels is (R G B W colour, D dimmer,
- unused, left at 0). The shared core computes the state (one colour per
fixture, or one level for dimmers, fades and brightness applied); this
module only turns it into channel values (dmx_levels, pure) and hands the
whole universe to the library, whose sender thread transmits it (30 times a
second while it changes, once a second otherwise, as E1.31 asks).

Wiring: the Pi's Ethernet to an sACN node or a fixture with an sACN input
(or QLC+, which can also show the universe). With "target" the packets go
to that address; without it, to the universe's multicast group
(239.255.<hi>.<lo>) on the interface the kernel picks.
"""

from artcast_core.colour import to_byte
from artcast_kinetic.backends.base import Device

SOURCE_NAME = "artcast-kinetic"


def dmx_levels(device, state):
    """A device state -> channel values 0..255 for the output's footprint.

    >>> dev = {"type": "neopixel", "dmx": {"fixtures": 2, "channels": 4, "layout": "DRGB"}}
    >>> dmx_levels(dev, [(255, 128, 0), (0, 0, 0)])
    [255, 255, 128, 0, 0, 0, 0, 0]
    """
    dmx = device["dmx"]
    layout = dmx["layout"]
    levels = []
    for i in range(dmx["fixtures"]):
        if device["type"] == "pwm":
            level = to_byte(state * 255.0)
            colour = (level, level, level, level)
        else:
            colour = tuple(state[i]) + (0,)
            # With a colour, a dimmer channel is held open: the colour carries the brightness.
            level = 255 if any(colour) else 0
        for ch in layout:
            levels.append(level if ch == "D" else colour["RGBW".index(ch)] if ch in "RGBW" else 0)
        levels.extend([0] * (dmx["channels"] - len(layout)))
    return levels


class SacnSender:
    """One sACNsender for the backend. Each universe's 512 channels are kept
    here, so outputs sharing a universe each write their own slice."""

    def __init__(self, sender=None):
        if sender is None:
            import sacn
            # Port 0: never take 5568 from a receiver on this machine. No universe
            # discovery: it would multicast even when every output is unicast.
            sender = sacn.sACNsender(bind_port=0, source_name=SOURCE_NAME, universeDiscovery=False)
        self.sender = sender
        self.universes = {}     # number -> [512 channel values]
        self.targets = {}       # number -> target address (None: multicast)
        self.started = False

    def open_universe(self, dmx):
        number, target = dmx["universe"], dmx["target"]
        if number in self.targets:
            if self.targets[number] != target:
                raise ValueError("DMX universe %d goes to %s already, not also to %s"
                                 % (number, self.targets[number] or "multicast", target or "multicast"))
            return
        self.sender.activate_output(number)
        if target:
            self.sender[number].destination = target
        else:
            self.sender[number].multicast = True
        self.universes[number] = [0] * 512
        self.targets[number] = target
        if not self.started:
            self.sender.start()
            self.started = True

    def write(self, universe, first, levels):
        channels = self.universes[universe]
        channels[first - 1:first - 1 + len(levels)] = levels
        self.sender[universe].dmx_data = tuple(channels)

    def close(self):
        """Send each universe's last (parked) state with the E1.31 stream-terminated
        flag, so receivers release it at once, then stop the sender thread."""
        for number in list(self.universes):
            self.sender.deactivate_output(number)
        self.universes = {}
        self.targets = {}
        if self.started:
            self.sender.stop()
            self.started = False


class DmxFixtures(Device):
    def __init__(self, spec, sender):
        super().__init__(spec)
        self.sender = sender
        self.dmx = self.device["dmx"]
        sender.open_universe(self.dmx)

    def write(self, state):
        self.sender.write(self.dmx["universe"], self.dmx["start"], dmx_levels(self.device, state))
