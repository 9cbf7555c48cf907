"""Read the power-relevant parts of a piece file for `artcast power`.

The outputs are checked by the same validator the kinetic client and the
ESP32 firmware use (artcast_core.piece.check_outputs), so the calculator
reads exactly the numbers the piece will run with: every neopixel output's
pixel count, pixel order (RGBW draws more) and brightness limit, and every
servo. The optional top-level block

    "power": {"supply_volts": 5, "supply_amps": 4, "reserve_amps": 0}

describes the strip supply ("reserve_amps": anything else on it, such as an
ESP32). The rest of the file (server, name, an ESP32 config's "wifi") is not
looked at here. Errors name the field, in the kinetic client's words:

>>> try:
...     read_piece_data({"outputs": [{"key": "a", "mapping": {"type": "bar", "from": [0, 9]},
...                      "device": {"type": "neopixel", "pin": 18, "count": -3}}]})
... except PiecePowerError as e:
...     print(e)
outputs[0].device.count: must be between 1 and 2048 (got -3)
"""

import json

from artcast_core.output import on_piece_supply
from artcast_core.piece import check_outputs
from artcast_core.piece_fields import (
    REQUIRED, PieceError, get_number, need_object, only_fields)


class PiecePowerError(ValueError):
    """The piece file cannot be read for a power calculation."""


def _power_block(piece):
    # Same fields and limits as artcast_core.piece's check of "power".
    result = {"supply_volts": 5.0, "supply_amps": None, "reserve_amps": 0.0}
    if "power" not in piece:
        return result
    block = need_object(piece["power"], "power")
    only_fields(block, "power", ("supply_volts", "supply_amps", "reserve_amps"))
    result["supply_volts"] = float(get_number(block, "supply_volts", "power", lo=1, hi=48, default=5))
    result["supply_amps"] = float(get_number(block, "supply_amps", "power", lo=0.05, hi=200))
    result["reserve_amps"] = float(get_number(block, "reserve_amps", "power", lo=0, hi=200, default=0))
    return result


def read_piece_data(piece):
    """Power settings from a decoded piece file (or ESP32 config.json).

    >>> s = read_piece_data({"power": {"supply_amps": 4}, "outputs": [
    ...     {"key": "k", "mapping": {"type": "bar", "from": [0, 100]},
    ...      "device": {"type": "neopixel", "pin": 18, "count": 60, "brightness": 0.5}}]})
    >>> s["strips"][0]["pixels"], s["strips"][0]["brightness"], s["supply_amps"]
    (60, 0.5, 4.0)
    """
    if not isinstance(piece, dict):
        raise PiecePowerError("the piece file must hold a JSON object {...}")
    try:
        outputs = check_outputs(piece.get("outputs", REQUIRED), "outputs")
        settings = _power_block(piece)
    except PieceError as e:
        raise PiecePowerError(str(e))
    settings["strips"] = []
    settings["servos"] = []
    for i, output in enumerate(outputs):
        device = output["device"]
        name = output["name"] or output["key"]
        if on_piece_supply(device):
            settings["strips"].append({
                "name": name, "pixels": device["count"],
                "channels": device["channels"], "brightness": float(device["brightness"])})
        elif device["type"] == "servo":
            # Piece files do not say how big a servo is; `--servo-size` does.
            settings["servos"].append({"name": name, "size": "micro"})
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
