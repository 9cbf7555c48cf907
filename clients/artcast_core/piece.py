# The piece file: validate at start, normalise once, then trust it.
#
# A piece is JSON: the server URL and a list of outputs (the ESP32's
# config.json carries the same "outputs" block). check_piece() checks every
# field and returns a normalised copy (defaults filled in, colours parsed to
# tuples, "field" split into segments) or raises PieceError with ONE message
# naming the field:
#
#   >>> check_piece({"server": "http://pi:8888", "outputs": [
#   ...     {"key": "test/tick", "device": {"type": "pin", "pin": "17"},
#   ...      "mapping": {"type": "direct"}}]})
#   Traceback (most recent call last):
#   ...
#   PieceError: outputs[0].device.pin: must be an integer (got "17")
#
# The format is documented in clients/README.md ("The piece file").
# Pins are GPIO numbers: BCM numbering on the Pi, GPIO numbers on an ESP32.

from artcast_core.colour import ORDERS, channels_of
from artcast_core.keys import key_problem
from artcast_core.piece_fields import (
    PieceError, REQUIRED, get_bool, get_int, get_number, get_pair, get_str,
    need_object, only_fields, show, sub)
from artcast_core.piece_mapping import check_mapping, check_motion, check_on_disconnect
from artcast_core.piece_net import check_dmx, check_wled, net_claims, net_text, net_where

DEVICE_TYPES = ("neopixel", "servo", "pin", "pwm", "dmx", "wled")
BACKENDS = ("hardware", "simulate")
MAX_OUTPUTS = 32
MAX_PIXELS = 2048
MAX_PIN = 63  # GPIO numbers; the Pi client checks its own narrower limits


def load_piece(text):
    """JSON text -> normalised piece (PieceError if it is not usable)."""
    import json
    try:
        data = json.loads(text)
    except ValueError as e:
        raise PieceError("", "the piece file is not valid JSON (%s)" % e)
    return check_piece(data)


# "server": "auto": the Pi client finds a server over mDNS (PROTOCOL.md,
# "Discovery"); the ESP32 firmware refuses it (boards use artcast.local).
AUTO_SERVER = "auto"


def check_piece(data):
    """A decoded piece file -> normalised piece dict."""
    need_object(data, "piece")
    only_fields(data, "", ("name", "server", "backend", "hold", "power", "outputs"))
    server = get_str(data, "server", "")
    if server != AUTO_SERVER:
        try:
            from artcast_core.http import parse_url
            parse_url(server)
        except ValueError as e:
            raise PieceError("server", str(e))
    piece = {
        "name": get_str(data, "name", "", default=None),
        "server": server,
        "backend": get_str(data, "backend", "", default=None, choices=BACKENDS),
        "hold": get_int(data, "hold", "", lo=1, hi=300, default=None),
        "power": check_power(data),
    }
    piece["outputs"] = check_outputs(data.get("outputs", REQUIRED), "outputs")
    return piece


def check_power(data):
    """The piece's "power" block with defaults, or None (also read by `artcast power`)."""
    if "power" not in data:
        return None
    power = need_object(data["power"], "power")
    only_fields(power, "power", ("supply_volts", "supply_amps", "reserve_amps"))
    return {
        "supply_volts": get_number(power, "supply_volts", "power", lo=1, hi=48, default=5),
        "supply_amps": get_number(power, "supply_amps", "power", lo=0.05, hi=200),
        "reserve_amps": get_number(power, "reserve_amps", "power", lo=0, hi=200, default=0),
    }


def check_outputs(outputs, path="outputs"):
    """The "outputs" list (also the ESP32 config.json block) -> normalised."""
    if outputs is REQUIRED:
        raise PieceError(path, "is required (a list of outputs)")
    if not isinstance(outputs, list):
        raise PieceError(path, "must be a list of outputs (got %s)" % show(outputs))
    if not outputs:
        raise PieceError(path, "is empty: a piece needs at least one output")
    if len(outputs) > MAX_OUTPUTS:
        raise PieceError(path, "has %d outputs (at most %d)" % (len(outputs), MAX_OUTPUTS))
    result = []
    used = {}
    boards = {}
    for i in range(len(outputs)):
        where = "%s[%d]" % (path, i)
        out = check_output(outputs[i], where)
        for owner in _claims(out["device"]):
            if owner in used:
                field = _CLAIM_FIELDS[owner[0]]
                raise PieceError(sub(where, field), "%s is already used by %s" % (_owner_text(owner), used[owner]))
            used[owner] = where
        board = out["device"].get("pca9685")
        if board is not None:
            # One PCA9685 makes one PWM frequency for all 16 channels.
            first = boards.setdefault(board["address"], (out["device"]["frequency"], where))
            if first[0] != out["device"]["frequency"]:
                raise PieceError(sub(where, "device.frequency"), "%s Hz differs from %s Hz of %s on the same "
                                 "PCA9685 board (one frequency per board)" % (out["device"]["frequency"], first[0], first[1]))
        result.append(out)
    return result


_CLAIM_FIELDS = {"gpio": "device.pin", "pca9685": "device.pca9685.channel", "dmx": "device.start",
                 "wled": "device.host"}


def _claims(device):
    if device.get("dmx") or device.get("wled"):
        return net_claims(device)
    return [_claim(device)]


def device_where(device):
    """Where an output's state goes: "GPIO 18", "PCA9685 ch 3", "sACN ... u1 ch 1-12"."""
    if device.get("dmx") or device.get("wled"):
        return net_where(device)
    if device.get("pca9685"):
        return "PCA9685 ch %d" % device["pca9685"]["channel"]
    return "GPIO %d" % device["pin"]


def _claim(device):
    if "pca9685" in device and device["pca9685"] is not None:
        return ("pca9685", device["pca9685"]["address"], device["pca9685"]["channel"])
    return ("gpio", device["pin"])


def _owner_text(owner):
    if owner[0] in ("dmx", "wled"):
        return net_text(owner)
    if owner[0] == "gpio":
        return "GPIO %d" % owner[1]
    return "PCA9685 0x%02x channel %d" % (owner[1], owner[2])


def check_output(obj, path):
    need_object(obj, path)
    only_fields(obj, path, ("key", "field", "device", "mapping", "motion", "on_disconnect", "name", "sync"))
    key = get_str(obj, "key", path)
    problem = key_problem(key)
    if problem is not None:
        raise PieceError(sub(path, "key"), problem)
    out = {"key": key, "name": get_str(obj, "name", path, default=None)}
    field = get_str(obj, "field", path, default=None)
    if field is not None:
        segments = field.split(".")
        for seg in segments:
            if not seg:
                raise PieceError(sub(path, "field"), 'must be a dotted path like "temp" or "a.b.0" (got %s)' % show(field))
        field = segments
    out["field"] = field
    if "device" not in obj:
        raise PieceError(sub(path, "device"), "is required")
    device = check_device(obj["device"], sub(path, "device"))
    out["device"] = device
    if "mapping" not in obj:
        raise PieceError(sub(path, "mapping"), "is required")
    out["mapping"] = check_mapping(obj["mapping"], sub(path, "mapping"), device)
    out["motion"] = check_motion(obj.get("motion"), sub(path, "motion"), device)
    out["on_disconnect"] = check_on_disconnect(obj.get("on_disconnect"), sub(path, "on_disconnect"), device)
    # Honour a datum's play-at (hold the value until then); false: show at once.
    out["sync"] = get_bool(obj, "sync", path, default=True)
    return out


def check_device(obj, path):
    need_object(obj, path)
    kind = get_str(obj, "type", path, choices=DEVICE_TYPES)
    if kind == "dmx":
        return check_dmx(obj, path)
    if kind == "wled":
        return check_wled(obj, path)
    if kind == "neopixel":
        only_fields(obj, path, ("type", "pin", "count", "order", "brightness"))
        order = get_str(obj, "order", path, default="GRB", choices=ORDERS)
        return {
            "type": kind,
            "pin": get_int(obj, "pin", path, lo=0, hi=MAX_PIN),
            "count": get_int(obj, "count", path, lo=1, hi=MAX_PIXELS),
            "order": order,
            "channels": channels_of(order),
            "brightness": get_number(obj, "brightness", path, lo=0, hi=1, default=1.0),
        }
    if kind == "servo":
        return _check_servo(obj, path)
    if kind == "pin":
        only_fields(obj, path, ("type", "pin", "active_low"))
        return {
            "type": kind,
            "pin": get_int(obj, "pin", path, lo=0, hi=MAX_PIN),
            "active_low": get_bool(obj, "active_low", path, default=False),
        }
    only_fields(obj, path, ("type", "pin", "frequency", "duty"))
    return {
        "type": kind,
        "pin": get_int(obj, "pin", path, lo=0, hi=MAX_PIN),
        "frequency": get_number(obj, "frequency", path, lo=1, hi=100000, default=1000),
        "duty": get_pair(obj, "duty", path, lo=0, hi=1, default=[0.0, 1.0], distinct=False, rising=True),
    }


def _check_servo(obj, path):
    only_fields(obj, path, ("type", "pin", "pca9685", "pulse", "angle", "frequency"))
    pin = get_int(obj, "pin", path, lo=0, hi=MAX_PIN, default=None)
    board = None
    if "pca9685" in obj:
        where = sub(path, "pca9685")
        if pin is not None:
            raise PieceError(where, 'give either "pin" (a GPIO) or "pca9685" (a servo board channel), not both')
        raw = need_object(obj["pca9685"], where)
        only_fields(raw, where, ("channel", "address"))
        board = {
            "channel": get_int(raw, "channel", where, lo=0, hi=15),
            "address": get_int(raw, "address", where, lo=0x40, hi=0x7F, default=0x40),
        }
    elif pin is None:
        raise PieceError(sub(path, "pin"), 'is required (or "pca9685": {"channel": N} for a servo board)')
    frequency = get_number(obj, "frequency", path, lo=40, hi=400, default=50)
    pulse = get_pair(obj, "pulse", path, lo=100, hi=3000, default=[1000, 2000], rising=True)
    if pulse[1] >= 1000000.0 / frequency:
        raise PieceError(sub(path, "pulse"), "%s us does not fit in one period at %s Hz" % (pulse[1], frequency))
    return {
        "type": "servo",
        "pin": pin,
        "pca9685": board,
        "frequency": frequency,
        "pulse": pulse,
        "angle": get_pair(obj, "angle", path, lo=-360, hi=360, default=[0, 180], rising=True),
    }
