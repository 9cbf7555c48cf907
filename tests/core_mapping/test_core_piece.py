# Piece-file validation: one clear message naming the field.
# Plain functions and bare asserts (also run under MicroPython).

import json

from artcast_core.piece import check_outputs, check_piece, load_piece
from artcast_core.piece_fields import PieceError


def _error(data):
    try:
        check_piece(data)
    except PieceError as e:
        return str(e)
    raise AssertionError("piece was accepted: %r" % (data,))


def _piece(**output):
    out = {"key": "test/tick", "device": {"type": "pin", "pin": 17}, "mapping": {"type": "direct"}}
    out.update(output)
    return {"server": "http://127.0.0.1:8888", "outputs": [out]}


def test_message_names_the_field_and_the_problem():
    data = _piece()
    data["outputs"].append({"key": "b", "device": {"type": "servo", "pin": "12"}, "mapping": {"type": "direct"}})
    assert _error(data) == 'outputs[1].device.pin: must be an integer (got "12")'


def test_top_level_errors():
    assert _error([]) == "piece: must be an object {...} (got a list of 0)"
    assert _error({"outputs": []}) == "server: is required"
    assert _error({"server": "artcast.local", "outputs": []}).startswith("server: server URL must start with http://")
    assert _error({"server": "http://h:8888"}) == "outputs: is required (a list of outputs)"
    assert _error({"server": "http://h", "outputs": [], "colour": 1}) == \
        "colour: unknown field (allowed here: name, server, backend, hold, power, outputs)"
    data = _piece()
    data["backend"] = "gpio"
    assert _error(data) == 'backend: must be one of "hardware", "simulate" (got "gpio")'
    data = _piece()
    data["power"] = {"supply_amps": 0}
    assert _error(data) == "power.supply_amps: must be between 0.05 and 200 (got 0)"


def test_comment_fields_are_allowed():
    data = _piece(_comment="the relay in room 2")
    data["_about"] = "demo"
    assert check_piece(data)["outputs"][0]["key"] == "test/tick"


def test_defaults_are_filled_in():
    piece = check_piece({"server": "http://pi:8888", "outputs": [
        {"key": "a", "device": {"type": "neopixel", "pin": 18, "count": 30},
         "mapping": {"type": "bar", "from": [0, 10]}},
        {"key": "b", "field": "x.0", "device": {"type": "servo", "pin": 12},
         "mapping": {"type": "linear", "from": [0, 1]}}]})
    strip, servo = piece["outputs"]
    assert strip["device"] == {"type": "neopixel", "pin": 18, "count": 30, "order": "GRB",
                               "channels": 3, "brightness": 1.0}
    assert strip["mapping"]["colour"] == (255, 255, 255) and strip["mapping"]["background"] == (0, 0, 0)
    assert strip["on_disconnect"] == {"action": "hold", "status_pixel": None}
    assert servo["device"]["pulse"] == [1000, 2000] and servo["device"]["angle"] == [0, 180]
    assert servo["device"]["frequency"] == 50 and servo["device"]["pca9685"] is None
    assert servo["mapping"]["to"] == [0, 180]
    assert servo["field"] == ["x", "0"]
    assert servo["motion"] == {"slew": None, "fade": 0.0}
    assert piece["power"] is None and piece["backend"] is None


def test_pca9685_servo_and_shared_channel():
    board = {"type": "servo", "pca9685": {"channel": 0}}
    piece = check_piece(_piece(device=board))
    assert piece["outputs"][0]["device"]["pca9685"] == {"channel": 0, "address": 0x40}
    data = _piece(device=board)
    data["outputs"].append({"key": "b", "device": {"type": "servo", "pca9685": {"channel": 0, "address": 64}},
                            "mapping": {"type": "direct"}})
    assert _error(data) == "outputs[1].device.pca9685.channel: PCA9685 0x40 channel 0 is already used by outputs[0]"


def test_pin_used_twice():
    data = _piece()
    data["outputs"].append({"key": "b", "device": {"type": "neopixel", "pin": 17, "count": 3},
                            "mapping": {"type": "direct"}})
    assert _error(data) == "outputs[1].device.pin: GPIO 17 is already used by outputs[0]"


def test_mapping_that_does_not_fit_the_device():
    msg = _error(_piece(mapping={"type": "gradient", "from": [0, 1], "palette": ["#ffffff"]}))
    assert msg == ('outputs[0].mapping.type: a "gradient" mapping drives a neopixel strip, '
                   'not a pin (pin takes: threshold, direct)')


def test_colour_messages():
    strip = {"type": "neopixel", "pin": 18, "count": 4}
    msg = _error(_piece(device=strip, mapping={"type": "bar", "from": [0, 1], "colour": "red"}))
    assert msg == 'outputs[0].mapping.colour: must be "#rrggbb" or a list [r, g, b] of integers 0..255 (got "red")'
    msg = _error(_piece(device=strip, mapping={"type": "gradient", "from": [0, 1], "palette": []}))
    assert msg == "outputs[0].mapping.palette: must be a non-empty list of colours (got a list of 0)"


def test_numbers_reject_booleans_and_nan():
    assert _error(_piece(device={"type": "pin", "pin": True})) == \
        "outputs[0].device.pin: must be an integer (got true)"
    msg = _error(_piece(device={"type": "servo", "pin": 12}, mapping={"type": "linear", "from": [0, float("nan")]}))
    assert msg.startswith("outputs[0].mapping.from[1]: must be a number")


def test_servo_pulse_must_fit_the_period():
    msg = _error(_piece(device={"type": "servo", "pin": 12, "frequency": 400, "pulse": [500, 2500]}))
    assert msg == "outputs[0].device.pulse: 2500 us does not fit in one period at 400 Hz"


def test_load_piece_reports_bad_json():
    try:
        load_piece('{"server": "http://h", ')
    except PieceError as e:
        assert str(e).startswith("the piece file is not valid JSON")
    else:
        raise AssertionError("bad JSON accepted")


def test_load_piece_round_trip():
    piece = load_piece(json.dumps(_piece(on_disconnect="safe")))
    assert piece["outputs"][0]["on_disconnect"]["action"] == "safe"


def test_outputs_block_alone_for_the_esp32():
    outs = check_outputs([{"key": "k", "device": {"type": "pwm", "pin": 5}, "mapping": {"type": "direct"}}])
    assert outs[0]["device"] == {"type": "pwm", "pin": 5, "frequency": 1000, "duty": [0.0, 1.0]}
    try:
        check_outputs([{"key": "k"}], path="config.outputs")
    except PieceError as e:
        assert e.path == "config.outputs[0].device"
    else:
        raise AssertionError("accepted")


def test_example_pieces_are_valid():
    here = __file__[:__file__.rfind("/")] if "/" in __file__ else "."
    root = here + "/../../clients/examples/"
    for name in ("tick-strip-servo.json", "pca9685-servos.json", "room-sensors.json"):
        with open(root + name) as f:
            piece = load_piece(f.read())
        assert piece["outputs"]
