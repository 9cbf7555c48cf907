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
from artcast_core.piece import check_outputs, check_power
from artcast_core.piece_fields import REQUIRED, PieceError


class PiecePowerError(ValueError):
    """The piece file cannot be read for a power calculation."""


def _power_block(piece):
    # The kinetic client's own check of "power" (one set of fields and limits).
    power = check_power(piece)
    if power is None:
        return {"supply_volts": 5.0, "supply_amps": None, "reserve_amps": 0.0}
    return {name: float(value) for name, value in power.items()}


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
