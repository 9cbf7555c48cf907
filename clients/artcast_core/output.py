# One output of a piece, end to end, without hardware:
# value -> field -> mapping -> motion -> device state.
#
# The piece runtime (runtime.py, shared by the Pi client and the ESP32
# firmware) holds one Output per output of a piece: it calls `frame(dt)`
# and hands the state it returns to the device's ONE write call when it
# changed. Everything that decides what the hardware shows
# (mapping, fades, slew, brightness limit, power cap, the offline status
# pixel) lives here, so both run the same code and tests/vectors/mapping.json
# pins it down.
#
#   >>> from artcast_core.piece import check_outputs
#   >>> spec = check_outputs([{"key": "t", "device": {"type": "servo", "pin": 12},
#   ...                        "mapping": {"type": "linear", "from": [0, 10]},
#   ...                        "motion": {"slew": 60}}])[0]
#   >>> out = Output(spec)
#   >>> out.accept(0)                       # the target angle: 0..10 -> 0..180 deg
#   0.0
#   >>> out.frame(0)                        # a servo's first angle is taken at once
#   (True, 0.0)
#   >>> out.accept(10)
#   180.0
#   >>> out.frame(1.0)                      # at 60 deg/s: one second later
#   (True, 60.0)
#   >>> out.frame(0.5)
#   (True, 90.0)
#
# Device states returned by frame():
#   neopixel  list of pixel tuples, brightness and power cap applied
#   servo     angle in degrees, or None (released: no pulses)
#   pin       True / False (logical; mapping.pin_level gives the level)
#   pwm       duty 0..1 (mapping.pwm_duty applied)

from artcast_core.mapping import apply_brightness, map_value, pwm_duty, select
from artcast_core.motion import Fade, Slew, jump

# artcast_core.power is imported only inside power_caps(): it is needed once
# while the outputs are built, and the ESP32 firmware unloads it after
# (artcast_fw/outputs.py) so its bytecode is heap for the pixels.

def safe_target(device):
    """What a device shows when parked: dark, released, off."""
    kind = device["type"]
    if kind == "neopixel":
        return [tuple([0] * device["channels"])] * device["count"]
    if kind == "servo":
        return None
    if kind == "pin":
        return False
    return 0.0


def on_piece_supply(device):
    """A strip powered by the piece's supply (DMX fixtures and WLED strips have their own)."""
    return device["type"] == "neopixel" and not device.get("dmx") and not device.get("wled")


def power_caps(piece):
    """Brightness ceiling per output (1.0 = none) so that all strips of the
    piece together never draw more than its "power" supply, even at full
    white. The figures and the 20 % margin are power.py's (hardware/).

    >>> power_caps({"power": {"supply_volts": 5, "supply_amps": 4, "reserve_amps": 0},
    ...             "outputs": [{"device": {"type": "neopixel", "count": 60, "channels": 3}}]})
    [0.9]
    """
    outputs = piece["outputs"]
    caps = [1.0] * len(outputs)
    power = piece.get("power")
    if not power:
        return caps
    strips = [(o["device"]["count"], o["device"]["channels"])
              for o in outputs if on_piece_supply(o["device"])]
    if not strips:
        return caps
    from artcast_core.power import shared_brightness_cap
    cap = shared_brightness_cap(strips, power["supply_amps"] * 1000.0, power["reserve_amps"] * 1000.0)
    for i in range(len(outputs)):
        if on_piece_supply(outputs[i]["device"]):
            caps[i] = cap
    return caps


class Output:
    """Runtime state of one validated output (see check_output)."""

    def __init__(self, spec, brightness_cap=1.0):
        self.spec = spec
        self.key = spec["key"]
        self.device = spec["device"]
        self.kind = self.device["type"]
        # The strip's own limit, lowered further if the supply needs it.
        self.brightness = min(self.device.get("brightness", 1.0), brightness_cap)
        motion = spec["motion"]
        if self.kind == "servo":
            self.motion = Slew(motion["slew"])
        else:
            self.motion = Fade(motion["fade"] if self.kind != "pin" else 0.0)
        jump(self.motion, safe_target(self.device))
        self.memory = {}
        self.online = True
        self.last = None
        self.value = None         # last accepted value (raw, before "field")
        self.has_value = False

    def accept(self, value):
        """Take a new artcast value. Raises MappingError if it is unusable
        (the state is then unchanged)."""
        raw = value
        if self.spec["field"] is not None:
            value = select(value, self.spec["field"])
        target = map_value(self.spec["mapping"], self.device, value, self.memory)
        self.motion.set_target(target)
        self.value = raw
        self.has_value = True
        return target

    def set_online(self, online):
        """The server was lost (False) or reached again (True)."""
        if online == self.online:
            return
        self.online = online
        if self.spec["on_disconnect"]["action"] != "safe":
            return
        if not online:
            jump(self.motion, safe_target(self.device))
            self.memory = {}
        elif self.has_value:
            # Back online: the server answers If-None-Match with 204 while
            # the value is unchanged, so show the last value again now.
            self.accept(self.value)

    def park(self):
        """Go to the safe state now (SIGTERM, close()): fully dark, no
        status pixel either, since the piece is stopping."""
        jump(self.motion, safe_target(self.device))
        self.online = True
        return self.state()

    def state(self):
        """The device state for the current motion position."""
        now = self.motion.current
        if self.kind == "neopixel":
            pixels = apply_brightness(now, self.brightness)
            status = self.spec["on_disconnect"]["status_pixel"]
            if status is not None and not self.online:
                pixels[status["index"]] = apply_brightness([status["colour"]], self.brightness)[0]
            return pixels
        if self.kind == "pwm":
            return pwm_duty(self.device, now)
        if self.kind == "pin":
            return bool(now)
        return now

    def frame(self, dt):
        """Advance motion by dt seconds -> (changed, device state)."""
        self.motion.step(dt)
        state = self.state()
        changed = state != self.last
        self.last = state
        return changed, state

    def moving(self):
        return self.motion.moving()


def build_outputs(piece):
    """Output objects for every output of a validated piece."""
    caps = power_caps(piece)
    return [Output(piece["outputs"][i], caps[i]) for i in range(len(piece["outputs"]))]
