"""Read the power-relevant parts of a piece file for `artcast power`.

A piece file (see clients/artcast_kinetic) lists outputs; the calculator
needs only: each neopixel output's pixel count, pixel order (RGBW draws
more) and brightness limit, each servo output, and the optional top-level
block

    "power": {"supply_volts": 5, "supply_amps": 4}

describing the strip supply. Everything else in the file is ignored here;
the kinetic client's own validator checks the rest when the piece starts.

Errors name the field, like the kinetic client's:

>>> try:
...     read_piece_data({"outputs": [{"key": "a", "device": {"type": "neopixel",
...                      "pin": 18, "count": -3}}]})
... except PiecePowerError as e:
...     print(e)
outputs[0].device.count: must be a whole number >= 0 (got -3)
"""

import json

from artcast_core.power import SERVO_MA

PIXEL_COUNT_FIELDS = ("count", "pixels", "pixel_count")
BRIGHTNESS_FIELDS = ("brightness", "brightness_limit", "max_brightness")
ORDER_FIELDS = ("order", "pixel_order")


class PiecePowerError(ValueError):
    """The piece file cannot be read for a power calculation."""


def _is_number(x):
    return type(x) in (int, float)


def _first(obj, names):
    for name in names:
        if name in obj:
            return name, obj[name]
    return None, None


def _device(output, where):
    """Return (kind, fields, path) for an output, in either layout:
    {"device": {"type": "neopixel", ...}} or {"device": "neopixel", ...}."""
    device = output.get("device", output.get("type"))
    if isinstance(device, dict):
        kind = device.get("type", device.get("kind"))
        return kind, device, where + ".device"
    return device, output, where


def _strip(fields, path, name):
    field, count = _first(fields, PIXEL_COUNT_FIELDS)
    if field is None:
        raise PiecePowerError("%s.count: is required for a neopixel output" % path)
    if type(count) is not int or count < 0:
        raise PiecePowerError("%s.%s: must be a whole number >= 0 (got %s)"
                              % (path, field, json.dumps(count)))
    field, brightness = _first(fields, BRIGHTNESS_FIELDS)
    if field is None:
        brightness = 1.0
    elif not _is_number(brightness) or not 0 <= brightness <= 1:
        raise PiecePowerError("%s.%s: must be a number from 0 to 1 (got %s)"
                              % (path, field, json.dumps(brightness)))
    field, order = _first(fields, ORDER_FIELDS)
    channels = 3
    if order is not None:
        if not isinstance(order, str):
            raise PiecePowerError("%s.%s: must be a string like \"GRB\" or \"GRBW\" (got %s)"
                                  % (path, field, json.dumps(order)))
        channels = 4 if "W" in order.upper() else 3
    if fields.get("rgbw") is True:
        channels = 4
    return {"name": name, "pixels": count, "channels": channels,
            "brightness": float(brightness)}


def _power_block(piece):
    block = piece.get("power")
    result = {"supply_volts": 5.0, "supply_amps": None}
    if block is None:
        return result
    if not isinstance(block, dict):
        raise PiecePowerError("power: must be an object like "
                              "{\"supply_volts\": 5, \"supply_amps\": 4}")
    for name, lo in (("supply_volts", 0.5), ("supply_amps", 0.001)):
        if name in block:
            x = block[name]
            if not _is_number(x) or x < lo:
                raise PiecePowerError("power.%s: must be a number of at least %s (got %s)"
                                      % (name, lo, json.dumps(x)))
            result[name] = float(x)
    return result


def read_piece_data(piece):
    """Power settings from a parsed piece (a dict).

    >>> s = read_piece_data({"power": {"supply_amps": 4}, "outputs": [
    ...     {"key": "k", "device": {"type": "neopixel", "pin": 18, "count": 60,
    ...      "brightness": 0.5}}]})
    >>> s["strips"][0]["pixels"], s["strips"][0]["brightness"], s["supply_amps"]
    (60, 0.5, 4.0)
    """
    if not isinstance(piece, dict):
        raise PiecePowerError("the piece file must hold a JSON object {...}")
    outputs = piece.get("outputs")
    if not isinstance(outputs, list):
        raise PiecePowerError("outputs: must be a list of outputs (got %s)"
                              % ("nothing" if outputs is None else json.dumps(outputs)[:40]))
    settings = {"strips": [], "servos": []}
    settings.update(_power_block(piece))
    for i, output in enumerate(outputs):
        where = "outputs[%d]" % i
        if not isinstance(output, dict):
            raise PiecePowerError("%s: must be an object {...}" % where)
        kind, fields, path = _device(output, where)
        name = output.get("name") or output.get("key") or where
        if not isinstance(name, str):
            name = where
        if kind == "neopixel":
            settings["strips"].append(_strip(fields, path, name))
        elif kind == "servo":
            size = fields.get("size", "micro")
            if size not in SERVO_MA:
                raise PiecePowerError("%s.size: must be one of %s (got %s)"
                                      % (path, ", ".join(sorted(SERVO_MA)), json.dumps(size)))
            settings["servos"].append({"name": name, "size": size})
    return settings


def read_piece_power(path):
    """Read a piece file from disk; PiecePowerError says what is wrong."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise PiecePowerError("cannot read piece file %s: %s" % (path, e.strerror or e))
    try:
        piece = json.loads(text)
    except ValueError as e:
        raise PiecePowerError("%s is not valid JSON: %s" % (path, e))
    try:
        return read_piece_data(piece)
    except PiecePowerError as e:
        raise PiecePowerError("%s: %s" % (path, e))
