# The piece's outputs on this board: shared core in, pins out.
#
# artcast_core.output.Output does everything that decides what a device
# shows (field selection, mapping, fades, servo slew, brightness and power
# caps, the offline status pixel), exactly as on the Pi. This module only
# creates the matching device from devices.py for each output, feeds values
# and online/offline news in, and writes each frame's state with the
# device's one write call.
#
#   outs = Outputs(piece)               # piece = config.check(...)["piece"]
#   outs.on_value("test/tick", 7)       # from the poller
#   wait_ms = outs.tick(time.ticks_ms())   # None when nothing is moving

import time

from artcast_core.colour import wire_bytes
from artcast_core.mapping import MappingError, pin_level, servo_duty
from artcast_core.output import build_outputs
from artcast_fw import devices

# 50 frames a second while a fade or slew is under way: smooth to the eye
# and for a servo, and cheap for the ESP32.
FRAME_MS = 20


def make_device(spec):
    """The devices.py object for one normalised output device."""
    kind = spec["type"]
    if kind == "neopixel":
        return devices.Strip(spec["pin"], spec["count"], spec["channels"])
    if kind == "servo":
        return devices.Servo(spec["pin"], spec["frequency"])
    if kind == "pin":
        return devices.Switch(spec["pin"], pin_level(spec, False))
    return devices.Dimmer(spec["pin"], spec["frequency"])


def write(device, spec, state):
    """Put one Output.frame() state on its device: the only hardware step."""
    kind = spec["type"]
    if kind == "neopixel":
        device.show(wire_bytes(state, spec["order"]))
    elif kind == "servo":
        device.duty(servo_duty(spec, state))
    elif kind == "pin":
        device.level(pin_level(spec, state))
    else:
        device.duty(state)


class Outputs:
    """All outputs of a checked piece ({"outputs": [...], "power": ...})."""

    def __init__(self, piece, clock=time.ticks_ms):
        self.items = []
        for out in build_outputs(piece):
            self.items.append((out, make_device(out.device)))
        self.clock = clock
        self.last_ms = clock()
        self.rejected = 0  # values that did not fit (logged, ignored)
        self.tick(self.last_ms)

    def keys(self):
        """Each key once, in piece order: one long-poll per key."""
        seen = []
        for out, _ in self.items:
            if out.key not in seen:
                seen.append(out.key)
        return seen

    def on_value(self, key, value):
        # Bring motion up to now first, so a fade starts from where the
        # strip really is and lasts its full time.
        self.tick(self.clock())
        for out, _ in self.items:
            if out.key == key:
                try:
                    out.accept(value)
                except MappingError as e:
                    self.rejected += 1
                    print("artcast: %s: ignored value: %s" % (key, e))
                except Exception as e:  # noqa: B902
                    # Never let one odd value crash the board: after the
                    # restart wait=0 would fetch the same value again.
                    self.rejected += 1
                    print("artcast: %s: value not handled: %r" % (key, e))

    def on_online(self, key, online):
        for out, _ in self.items:
            if out.key == key:
                out.set_online(online)

    def tick(self, now):
        """Advance motion to `now` and write what changed.

        Returns ms until the next frame is needed, or None when all is still.
        """
        dt = time.ticks_diff(now, self.last_ms) / 1000.0
        if dt < 0:
            dt = 0.0
        self.last_ms = now
        moving = False
        for out, device in self.items:
            changed, state = out.frame(dt)
            if changed:
                write(device, out.device, state)
            if out.moving():
                moving = True
        return FRAME_MS if moving else None

    def close(self):
        """Park every output (strip dark, servo released, pins off)."""
        for out, device in self.items:
            write(device, out.device, out.park())
            device.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
