"""The editor's host functions (editor_api.py): every output's first error,
board warnings, the preview through the real runtime, atomic saves."""

import json
import os

from artcast_kinetic.editor_api import preview, save_json, validate

STRIP = {"key": "test/tick", "device": {"type": "neopixel", "pin": 18, "count": 2},
         "mapping": {"type": "bar", "from": [0, 2], "colour": "#ff0000"}}


def test_validate_names_each_outputs_first_error_and_board_problems():
    piece = {"server": "http://h", "outputs": [dict(STRIP, device={"type": "neopixel", "pin": 18, "count": 0}),
                                               dict(STRIP, mapping={"type": "linear", "from": [0, 1]}),
                                               dict(STRIP, device={"type": "neopixel", "pin": 17, "count": 2})]}
    result = validate(piece, "pi")
    paths = [m["path"] for m in result["messages"]]
    assert not result["ok"]
    assert paths == ["outputs[0].device.count", "outputs[1].mapping.type", "outputs[2].device.pin"]
    assert validate({"server": "http://h", "outputs": [STRIP]}, "pi") == {"ok": True, "messages": []}
    # A board warning does not block.
    warned = validate({"server": "http://h", "outputs": [dict(STRIP, device={"type": "neopixel", "pin": 2, "count": 2})]}, "esp32")
    assert warned["ok"] and warned["messages"][0]["level"] == "warning"
    # Garbage is a message, not a crash.
    assert validate("nope", "pi")["messages"][0]["path"] == "piece"
    assert validate({"outputs": [STRIP]}, "pi", server_optional=True)["ok"]


def test_preview_runs_the_piece_on_the_simulator():
    result = preview({"outputs": [STRIP]}, [["test/tick", 1], ["other", 5], "junk", ["test/tick", 2]])
    assert result["ok"] and [s["value"] for s in result["steps"]] == [1, 5, 2]
    assert result["steps"][0]["outputs"][0]["pixels"] == ["#ff0000", "#000000"]
    assert result["steps"][-1]["outputs"][0]["pixels"] == ["#ff0000", "#ff0000"]
    bad = preview({"outputs": [dict(STRIP, mapping={"type": "bar"})]}, [["test/tick", 1]])
    assert not bad["ok"] and bad["path"] == "outputs[0].mapping.from"


def test_save_is_atomic_and_keeps_the_previous_version(tmp_path):
    path = str(tmp_path / "piece.json")
    save_json(path, {"v": 1})
    assert not os.path.exists(path + ".bak")
    save_json(path, {"v": 2})
    save_json(path, {"v": 3})
    with open(path) as f:
        assert json.load(f) == {"v": 3}
    with open(path + ".bak") as f:
        assert json.load(f) == {"v": 2}
    assert sorted(os.listdir(str(tmp_path))) == ["piece.json", "piece.json.bak"]     # no temp file left
