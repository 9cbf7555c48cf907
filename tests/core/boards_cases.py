# The board pin tables (artcast_core.boards) as plain functions with bare
# asserts: run under CPython (test_boards.py) and the MicroPython unix port.

from artcast_core.boards import BOARDS, pin_problems, pin_table


def out(kind, pin):
    return {"key": "k", "device": {"type": kind, "pin": pin}, "mapping": {"type": "direct"}}


def test_esp32_flash_input_only_and_missing_pins_are_errors():
    found = pin_problems([out("pin", 7), out("pwm", 35), out("pin", 24), out("pin", 25)], "esp32")
    assert [(p, level) for p, _, level in found] == [
        ("outputs[0].device.pin", "error"), ("outputs[1].device.pin", "error"), ("outputs[2].device.pin", "error")]
    assert "flash chip" in found[0][1] and "input-only" in found[1][1] and "does not exist" in found[2][1]


def test_esp32_strapping_pins_are_warnings():
    found = pin_problems([out("pin", 12), out("neopixel", 0), out("pin", 16)], "esp32")
    assert [(p, level) for p, _, level in found] == [("outputs[0].device.pin", "warning"),
                                                     ("outputs[1].device.pin", "warning")]
    assert "strapping pin" in found[0][1]


def test_pi_strip_pins_and_header():
    found = pin_problems([out("neopixel", 17), out("pin", 28), out("neopixel", 18), out("pin", 2)], "pi")
    assert found[0] == ("outputs[0].device.pin", "a NeoPixel strip on a Pi needs GPIO 10, 12, 18 or 21 (got 17)", "error")
    assert found[1] == ("outputs[1].device.pin", "GPIO 28 does not exist on a Raspberry Pi header (BCM 0-27)", "error")
    assert found[2][0] == "outputs[3].device.pin" and found[2][2] == "warning"
    assert len(found) == 3


def test_raw_and_odd_outputs_are_skipped_not_crashed_on():
    assert pin_problems("nope", "pi") == []
    assert pin_problems([None, {"device": "x"}, {"device": {"pin": "12"}}, out("servo", None)], "esp32") == []


def test_pin_table_rows():
    for board in BOARDS:
        table = pin_table(board)
        assert table["board"] == board and table["pins"]
        for row in table["pins"]:
            assert row["level"] in ("ok", "warning", "error")
    esp = dict((r["gpio"], r["level"]) for r in pin_table("esp32")["pins"])
    assert esp[6] == "error" and esp[12] == "warning" and esp[16] == "ok" and 20 not in esp
