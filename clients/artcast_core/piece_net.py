# Piece-file checks for outputs that are other machines: DMX fixtures over
# sACN (E1.31) and WLED strips. The Pi client drives them
# (artcast_kinetic/backends/dmx.py, wled.py); the ESP32 firmware refuses them.
#
# Each normalises to the device kind the shared runtime already knows, plus
# a sub-object saying where the state goes, as a PCA9685 servo is a "servo"
# with "pca9685": so mappings, fades, brightness and the status pixel work
# unchanged.
#
#   dmx, "layout" with R, G and B  ->  "neopixel": one pixel per fixture
#   dmx, "layout" of D only        ->  "pwm": one level 0..1 for every fixture
#   wled                           ->  "neopixel" with "wled": {...}
#
#   >>> check_dmx({"type": "dmx", "universe": 1, "fixtures": 2, "layout": "DRGB"}, "d")["order"]
#   'RGB'
#   >>> check_dmx({"type": "dmx", "universe": 1, "start": 510, "fixtures": 2, "layout": "RGB"}, "d")
#   Traceback (most recent call last):
#   ...
#   PieceError: d.start: 2 fixtures of 3 channels from channel 510 go past channel 512

from artcast_core.colour import channels_of
from artcast_core.piece_fields import PieceError, REQUIRED, get_int, get_number, get_str, only_fields, show, sub

DMX_CHANNELS = 512
SACN_UNIVERSES = (1, 63999)
LAYOUT_LETTERS = "RGBWD-"
WLED_PROTOCOLS = ("ddp", "json")
WLED_PORTS = {"ddp": 4048, "json": 80}
MAX_WLED_PIXELS = 1500  # DDP carries 480 RGB pixels a packet; WLED's own limit is higher


def _host(obj, name, path, default):
    host = get_str(obj, name, path, default=default)
    if host is None:
        return None
    if not host or len(host) > 253 or " " in host or "/" in host or ":" in host:
        raise PieceError(sub(path, name), "must be a host name or IPv4 address like \"192.168.1.40\" (got %s)"
                         % show(host))
    return host


def check_dmx(obj, path):
    only_fields(obj, path, ("type", "protocol", "target", "universe", "start", "fixtures", "layout",
                            "channels", "brightness"))
    protocol = get_str(obj, "protocol", path, default="sacn", choices=("sacn",))
    layout = get_str(obj, "layout", path, default="RGB")
    where = sub(path, "layout")
    for ch in layout:
        if ch not in LAYOUT_LETTERS:
            raise PieceError(where, "letters are R G B W (colour), D (dimmer) and - (unused); got %s" % show(layout))
    colour = "".join([ch for ch in layout if ch in "RGBW"])
    if colour and (sorted(colour) not in (["B", "G", "R"], ["B", "G", "R", "W"])):
        raise PieceError(where, "needs R, G and B once each (W at most once), or only D for dimmers (got %s)"
                         % show(layout))
    if not colour and "D" not in layout:
        raise PieceError(where, "drives nothing: give R, G and B, or D (got %s)" % show(layout))
    channels = get_int(obj, "channels", path, lo=len(layout), hi=DMX_CHANNELS, default=len(layout))
    fixtures = get_int(obj, "fixtures", path, lo=1, hi=DMX_CHANNELS, default=1)
    start = get_int(obj, "start", path, lo=1, hi=DMX_CHANNELS, default=1)
    if start - 1 + fixtures * channels > DMX_CHANNELS:
        raise PieceError(sub(path, "start"), "%d fixtures of %d channels from channel %d go past channel %d"
                         % (fixtures, channels, start, DMX_CHANNELS))
    dmx = {
        "protocol": protocol,
        "target": _host(obj, "target", path, None),   # None: the universe's multicast group
        "universe": get_int(obj, "universe", path, lo=SACN_UNIVERSES[0], hi=SACN_UNIVERSES[1]),
        "start": start,
        "fixtures": fixtures,
        "channels": channels,
        "layout": layout,
    }
    brightness = get_number(obj, "brightness", path, lo=0, hi=1, default=1.0)
    if not colour:
        return {"type": "pwm", "pin": None, "frequency": None, "duty": [0.0, brightness], "dmx": dmx}
    # The state is one colour per fixture in R, G, B(, W) order; "layout" places them.
    order = "RGBW" if "W" in colour else "RGB"
    return {"type": "neopixel", "pin": None, "count": fixtures, "order": order,
            "channels": channels_of(order), "brightness": brightness, "dmx": dmx}


def check_wled(obj, path):
    only_fields(obj, path, ("type", "host", "port", "protocol", "count", "order", "brightness", "segment"))
    protocol = get_str(obj, "protocol", path, default="ddp", choices=WLED_PROTOCOLS)
    order = get_str(obj, "order", path, default="RGB", choices=("RGB", "RGBW"))
    wled = {
        "host": _host(obj, "host", path, REQUIRED),
        "port": get_int(obj, "port", path, lo=1, hi=65535, default=WLED_PORTS[protocol]),
        "protocol": protocol,
        "segment": get_int(obj, "segment", path, lo=0, hi=31, default=0),
    }
    return {"type": "neopixel", "pin": None, "count": get_int(obj, "count", path, lo=1, hi=MAX_WLED_PIXELS),
            "order": order, "channels": channels_of(order),
            "brightness": get_number(obj, "brightness", path, lo=0, hi=1, default=1.0), "wled": wled}


def net_claims(device):
    """What a network output holds, for the "already used by" check:
    each DMX channel of its universe, or the WLED device."""
    if device.get("dmx"):
        d = device["dmx"]
        first = d["start"]
        return [("dmx", d["universe"], ch) for ch in range(first, first + d["fixtures"] * d["channels"])]
    w = device["wled"]
    return [("wled", w["host"], w["port"])]


def net_text(owner):
    if owner[0] == "dmx":
        return "DMX universe %d channel %d" % (owner[1], owner[2])
    return "WLED %s:%d" % (owner[1], owner[2])


def net_where(device):
    """Where a network output's state goes, for logs and views."""
    if device.get("dmx"):
        d = device["dmx"]
        last = d["start"] + d["fixtures"] * d["channels"] - 1
        return "sACN %s u%d ch %d-%d" % (d["target"] or "multicast", d["universe"], d["start"], last)
    w = device["wled"]
    return "WLED %s %s:%d" % (w["protocol"].upper(), w["host"], w["port"])
