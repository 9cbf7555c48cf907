# Piece-file checks for an output's "mapping", "motion" and "on_disconnect".
#
# Which mapping fits which device (see mapping.py for what each does):
#
#   type        neopixel  servo  pin  pwm
#   linear         -        x     -    x
#   threshold      x        x     x    x
#   gradient       x        -     -    -
#   bar            x        -     -    -
#   direct         x        x     x    x
#
#   >>> check_mapping({"type": "bar", "from": [0, 10]}, "m", {"type": "servo"})
#   Traceback (most recent call last):
#   ...
#   PieceError: m.type: a "bar" mapping drives a neopixel strip, not a servo (servo takes: linear, threshold, direct)

from artcast_core.colour import parse_colour, colour_problem
from artcast_core.piece_fields import (
    PieceError, check_number, get_bool, get_int, get_number, get_pair,
    get_str, need_object, only_fields, show, sub)

MAPPINGS = ("linear", "threshold", "gradient", "bar", "direct")
FITS = {
    "neopixel": ("threshold", "gradient", "bar", "direct"),
    "servo": ("linear", "threshold", "direct"),
    "pin": ("threshold", "direct"),
    "pwm": ("linear", "threshold", "direct"),
}
MAX_PALETTE = 64


def _colour(value, where, channels):
    problem = colour_problem(value, channels)
    if problem is not None:
        raise PieceError(where, problem + " (got %s)" % show(value))
    return parse_colour(value, channels)


def _palette(obj, where, channels):
    value = obj["palette"]
    if not isinstance(value, list) or not value:
        raise PieceError(where, "must be a non-empty list of colours (got %s)" % show(value))
    if len(value) > MAX_PALETTE:
        raise PieceError(where, "has %d colours (at most %d)" % (len(value), MAX_PALETTE))
    return [_colour(value[i], "%s[%d]" % (where, i), channels) for i in range(len(value))]


def _target(obj, name, path, device, default):
    """A threshold's "on"/"off": a state of this output's device."""
    where = sub(path, name)
    kind = device["type"]
    if name not in obj:
        if default is None:
            raise PieceError(where, "is required for a %s (an angle in degrees)" % kind)
        return default
    value = obj[name]
    if kind == "neopixel":
        return _colour(value, where, device["channels"])
    if kind == "pin":
        return get_bool(obj, name, path)
    if kind == "pwm":
        return float(check_number(value, where, 0, 1))
    lo, hi = device["angle"]
    return float(check_number(value, where, lo, hi))


def check_mapping(obj, path, device):
    need_object(obj, path)
    kind = get_str(obj, "type", path, choices=MAPPINGS)
    dev = device["type"]
    if kind not in FITS[dev]:
        raise PieceError(sub(path, "type"), 'a "%s" mapping drives a %s, not a %s (%s takes: %s)' % (
            kind, "neopixel strip" if kind in ("gradient", "bar") else "servo or pwm output",
            dev, dev, ", ".join(FITS[dev])))
    channels = device.get("channels", 3)
    out = {"type": kind, "modulo": None}
    if kind != "direct":
        # Counters and clocks cycle: "modulo": 60 turns 0, 1, ... 61 into 0..59, 0, 1.
        out["modulo"] = get_number(obj, "modulo", path, lo=1e-9, default=None)
    if kind == "linear":
        only_fields(obj, path, ("type", "from", "to", "modulo"))
        out["from"] = get_pair(obj, "from", path)
        if dev == "servo":
            lo, hi = device["angle"]
            out["to"] = get_pair(obj, "to", path, lo=lo, hi=hi, default=list(device["angle"]), distinct=False)
        else:
            out["to"] = get_pair(obj, "to", path, lo=0, hi=1, default=[0.0, 1.0], distinct=False)
    elif kind == "threshold":
        only_fields(obj, path, ("type", "above", "hysteresis", "on", "off", "modulo"))
        out["above"] = get_number(obj, "above", path)
        out["hysteresis"] = get_number(obj, "hysteresis", path, lo=0, default=0)
        defaults = {
            "neopixel": (tuple([255] * channels), tuple([0] * channels)),
            "pin": (True, False),
            "pwm": (1.0, 0.0),
            "servo": (None, None),
        }[dev]
        out["on"] = _target(obj, "on", path, device, defaults[0])
        out["off"] = _target(obj, "off", path, device, defaults[1])
    elif kind == "gradient":
        only_fields(obj, path, ("type", "from", "palette", "modulo"))
        out["from"] = get_pair(obj, "from", path)
        if "palette" not in obj:
            raise PieceError(sub(path, "palette"), 'is required (a list of colours, e.g. ["#0000ff", "#ff0000"])')
        out["palette"] = _palette(obj, sub(path, "palette"), channels)
    elif kind == "bar":
        only_fields(obj, path, ("type", "from", "colour", "palette", "background", "modulo"))
        out["from"] = get_pair(obj, "from", path)
        if "colour" in obj and "palette" in obj:
            raise PieceError(sub(path, "palette"), 'give either "colour" (one colour) or "palette" (colours along the strip), not both')
        out["palette"] = _palette(obj, sub(path, "palette"), channels) if "palette" in obj else None
        out["colour"] = _colour(obj.get("colour", "#ffffff"), sub(path, "colour"), channels)
        out["background"] = _colour(obj.get("background", [0, 0, 0]), sub(path, "background"), channels)
    else:
        only_fields(obj, path, ("type",))
    return out


def check_motion(obj, path, device):
    """{"slew": deg/s} for servos, {"fade": seconds} for strips and pwm."""
    motion = {"slew": None, "fade": 0.0}
    if obj is None:
        return motion
    need_object(obj, path)
    dev = device["type"]
    allowed = {"servo": ("slew",), "neopixel": ("fade",), "pwm": ("fade",), "pin": ()}[dev]
    for name in sorted(obj):
        if not name.startswith("_") and name not in allowed and name in ("slew", "fade"):
            raise PieceError(sub(path, name), "does not apply to a %s (%s)" % (
                dev, "slew is for servos" if name == "slew" else "fade is for neopixel and pwm outputs"))
    only_fields(obj, path, allowed)
    motion["slew"] = get_number(obj, "slew", path, lo=0.1, hi=10000, default=None)
    motion["fade"] = float(get_number(obj, "fade", path, lo=0, hi=3600, default=0.0))
    return motion


def check_on_disconnect(obj, path, device):
    """"hold" | "safe" | {"action": ..., "status_pixel": {"index", "colour"}}."""
    result = {"action": "hold", "status_pixel": None}
    if obj is None:
        return result
    if isinstance(obj, str):
        obj = {"action": obj}
        if obj["action"] not in ("hold", "safe"):
            raise PieceError(path, 'must be "hold", "safe" or an object (got %s)' % show(obj["action"]))
    need_object(obj, path)
    only_fields(obj, path, ("action", "status_pixel"))
    result["action"] = get_str(obj, "action", path, default="hold", choices=("hold", "safe"))
    if "status_pixel" in obj:
        where = sub(path, "status_pixel")
        if device["type"] != "neopixel":
            raise PieceError(where, "only a neopixel output has pixels (this one is a %s)" % device["type"])
        raw = obj["status_pixel"]
        if type(raw) is int:
            raw = {"index": raw}
        need_object(raw, where)
        only_fields(raw, where, ("index", "colour"))
        index = get_int(raw, "index", where, lo=0, hi=device["count"] - 1)
        colour = _colour(raw.get("colour", "#ff0000"), sub(where, "colour"), device["channels"])
        result["status_pixel"] = {"index": index, "colour": colour}
    return result
