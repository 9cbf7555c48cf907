# Value -> device target: the mapping semantics of a piece file.
#
# Takes an output that piece.check_output() has validated and normalised
# (colours are tuples, defaults filled in) and turns one artcast value into
# the *target* the device should move to:
#
#   neopixel -> list of colour tuples, one per pixel (before brightness)
#   servo    -> angle in degrees, inside the device's angle range
#   pin      -> True (on) / False (off)
#   pwm      -> level 0..1 (spread over the device's duty range later)
#
# Mapping types (PIECE-FORMAT in clients/README.md):
#   linear     number, clamped to "from", scaled onto "to"      servo, pwm
#   threshold  number > "above" -> "on" else "off" (hysteresis)  all
#   gradient   number -> one colour of a palette for the strip  neopixel
#   bar        number -> that fraction of the strip lit         neopixel
#   direct     the value is the target itself                   all
#
# Number mappings may cycle first: "modulo": 30 maps 29, 30, 31 to 29, 0, 1
# (x - m * floor(x / m), also for negative x), so a counter like test/tick
# sweeps a strip again and again.
#
# A value that does not fit raises MappingError; the caller logs it and
# keeps the previous state (a bad datum never crashes a piece).
#
#   >>> m = {"type": "linear", "from": [-10, 40], "to": [0, 180]}
#   >>> map_value(m, {"type": "servo", "angle": [0, 180]}, 15)
#   90.0

import math

from artcast_core.colour import blend, palette_at, parse_colour, to_byte


class MappingError(ValueError):
    """A value that this output cannot show (wrong type, missing field)."""


def is_number(x):
    # bool is not an int on MicroPython but is on CPython: test the type.
    return type(x) is int or type(x) is float


def select(value, path):
    """Pick a field out of an object value by a list of path segments.

    Segments were split from "a.b.0" by piece.py; a segment that looks like
    an integer indexes a list.

    >>> select({"a": {"b": [5, 6]}}, ["a", "b", "1"])
    6
    """
    walked = []
    for seg in path:
        walked.append(seg)
        if isinstance(value, dict):
            if seg not in value:
                raise MappingError("value has no field %s" % ".".join(walked))
            value = value[seg]
        elif isinstance(value, list):
            try:
                i = int(seg)
            except ValueError:
                raise MappingError("value at %s is a list, not an object" % ".".join(walked[:-1]))
            if i < 0 or i >= len(value):
                raise MappingError("value has no item %s" % ".".join(walked))
            value = value[i]
        else:
            raise MappingError("value has no field %s (it is not an object)" % ".".join(walked))
    return value


def number(value):
    """A usable number from a value: ints, floats, and true/false as 1/0."""
    if value is True:
        return 1
    if value is False:
        return 0
    if not is_number(value):
        raise MappingError("value %s is not a number" % _show(value))
    try:
        as_float = float(value)
    except OverflowError:   # a JSON integer with hundreds of digits
        raise MappingError("value is too large")
    if as_float != as_float or as_float in (float("inf"), float("-inf")):
        raise MappingError("value is not a finite number")
    return value


def fraction(value, lo, hi):
    """Where value sits between lo and hi, clamped to 0..1 (lo > hi inverts)."""
    t = (number(value) - lo) / (hi - lo)
    if t < 0:
        return 0.0
    if t > 1:
        return 1.0
    return t


def _show(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _clamp(x, lo, hi):
    if lo > hi:
        lo, hi = hi, lo
    return lo if x < lo else hi if x > hi else x


def _direct(device, value):
    kind = device["type"]
    if kind == "neopixel":
        channels = device["channels"]
        count = device["count"]
        if isinstance(value, list) and value and (isinstance(value[0], list) or isinstance(value[0], str)):
            try:
                colours = [parse_colour(c, channels) for c in value[:count]]
            except ValueError as e:
                raise MappingError("value is not a list of colours: %s" % e)
            off = tuple([0] * channels)
            while len(colours) < count:
                colours.append(off)
            return colours
        try:
            one = parse_colour(value, channels)
        except ValueError as e:
            raise MappingError("value %s is not a colour: %s" % (_show(value), e))
        return [one] * count
    if kind == "pin":
        if value is True or value is False:
            return value
        return number(value) != 0
    if kind == "servo":
        lo, hi = device["angle"]
        return float(_clamp(number(value), lo, hi))
    # pwm: the value is the level 0..1
    return float(_clamp(number(value), 0, 1))


def _bar(mapping, device, value):
    count = device["count"]
    lit = fraction(value, mapping["from"][0], mapping["from"][1]) * count
    full = int(lit)
    part = lit - full
    back = mapping["background"]
    palette = mapping["palette"]
    out = []
    for i in range(count):
        if palette is None:
            colour = mapping["colour"]
        else:
            colour = palette_at(palette, i / (count - 1) if count > 1 else 0)
        if i < full:
            out.append(colour)
        elif i == full and part > 0:
            out.append(blend(back, colour, part))
        else:
            out.append(back)
    return out


def _threshold(mapping, device, value, memory):
    x = number(value)
    above = mapping["above"]
    # Hysteresis: once on, stay on until the value falls to above - h, so a
    # reading hovering at the threshold does not make a relay chatter.
    if memory.get("on") and x > above - mapping["hysteresis"]:
        on = True
    else:
        on = x > above
    memory["on"] = on
    chosen = mapping["on"] if on else mapping["off"]
    if device["type"] == "neopixel":
        return [chosen] * device["count"]
    return chosen


def map_value(mapping, device, value, memory=None):
    """One value -> the device target (see the table at the top).

    `memory` is a dict the caller keeps per output between calls (threshold
    hysteresis remembers whether it is on); None means "no memory".
    """
    kind = mapping["type"]
    if mapping.get("modulo") is not None:
        m = mapping["modulo"]
        x = number(value)
        value = x - m * math.floor(x / m)   # always 0 <= value < m
    if kind == "linear":
        t = fraction(value, mapping["from"][0], mapping["from"][1])
        lo, hi = mapping["to"]
        return lo + (hi - lo) * t
    if kind == "threshold":
        return _threshold(mapping, device, value, {} if memory is None else memory)
    if kind == "gradient":
        t = fraction(value, mapping["from"][0], mapping["from"][1])
        return [palette_at(mapping["palette"], t)] * device["count"]
    if kind == "bar":
        return _bar(mapping, device, value)
    if kind == "direct":
        return _direct(device, value)
    raise ValueError("unknown mapping type %r" % kind)  # piece.py prevents this


# --- device units: from targets to what the hardware call takes ----------

def servo_pulse_us(device, angle):
    """Angle -> pulse width in microseconds (None: released, no pulses).

    >>> servo_pulse_us({"angle": [0, 180], "pulse": [1000, 2000]}, 45)
    1250.0
    """
    if angle is None:
        return None
    a0, a1 = device["angle"]
    p0, p1 = device["pulse"]
    return p0 + (p1 - p0) * (float(angle) - a0) / (a1 - a0)


def servo_duty(device, angle):
    """Angle -> duty cycle 0..1 of a servo PWM at device["frequency"] Hz."""
    pulse = servo_pulse_us(device, angle)
    if pulse is None:
        return 0.0
    return pulse * device["frequency"] / 1000000.0


def pwm_duty(device, level):
    """Level 0..1 -> duty 0..1 inside the device's duty range; 0 stays off."""
    if level is None or level <= 0:
        return 0.0
    lo, hi = device["duty"]
    return lo + (hi - lo) * level


def pin_level(device, on):
    """Logical on/off -> the electrical level, honouring active_low relays."""
    return 1 if bool(on) != bool(device.get("active_low")) else 0


def apply_brightness(colours, factor):
    """Target colours times the strip's brightness limit -> pixel tuples."""
    if factor >= 1:
        return list(colours)
    out = [None] * len(colours)    # sized once (motion._mix says why)
    prev_in = prev_out = None
    for i in range(len(colours)):
        c = colours[i]
        if c is not prev_in:   # runs of one colour object are scaled once
            prev_in, prev_out = c, tuple(to_byte(ch * factor) for ch in c)
        out[i] = prev_out
    return out
