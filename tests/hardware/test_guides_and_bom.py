# The guides and the BOM say what the code says: every piece snippet in a
# wiring guide passes the shared piece validator and uses the pins of the
# pin table; the example pieces use the same pins and fit their supplies;
# the fuse/wire table matches the calculator; BOM.md is rendered from bom.py;
# the README shows every diagram.

import glob
import json
import os
import re

import pytest

from artcast_core import power
from artcast_core.piece import check_outputs, load_piece
from artcast_hardware import bom, power_cli
from artcast_hardware.pinout import ESP32, PCA9685_CHANNEL, PCA9685_I2C_ADDRESS, PI

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HW = os.path.join(REPO, "hardware")
GUIDES = sorted(glob.glob(os.path.join(HW, "wiring", "*.md")))
EXAMPLES = sorted(glob.glob(os.path.join(REPO, "clients", "examples", "*.json")))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def snippets(text):
    """The ```json blocks of a guide, as decoded outputs lists."""
    found = []
    for block in re.findall(r"```json\n(.*?)```", text, re.S):
        block = block.strip()
        if block.startswith('"'):
            data = json.loads("{" + block + "}")
            if "outputs" in data:
                found.append(data["outputs"])
        else:
            data = json.loads(block)
            if "key" in data:
                found.append([data])
    return found


def expected_pins(guide):
    board = ESP32 if os.path.basename(guide).startswith("esp32") else PI
    return {"neopixel": board["neopixel"].gpio, "servo": board["servo"].gpio}


def test_there_is_a_guide_per_setup():
    names = [os.path.basename(g) for g in GUIDES]
    assert names == sorted(["pi-neopixel.md", "pi-servo.md", "pi-pca9685.md", "pi-inputs.md",
                            "esp32-neopixel.md", "esp32-servo.md"])


@pytest.mark.parametrize("guide", GUIDES, ids=os.path.basename)
def test_guide_shows_its_diagram_and_safety_parts(guide):
    text = read(guide)
    name = os.path.basename(guide)[:-3]
    assert "](../diagrams/%s.svg)" % name in text
    assert os.path.exists(os.path.join(HW, "diagrams", name + ".svg"))
    if name != "pi-inputs":
        assert "fuse" in text.lower() and "1000 µF" in text
        assert "ground" in text.lower()
    if name.endswith("neopixel"):
        assert "74AHCT125" in text and "330 Ω" in text


@pytest.mark.parametrize("guide", GUIDES, ids=os.path.basename)
def test_guide_snippets_are_valid_and_use_the_pin_table(guide):
    pins = expected_pins(guide)
    for outputs in snippets(read(guide)):
        for out in check_outputs(outputs):
            device = out["device"]
            if device["type"] == "neopixel":
                assert device["pin"] == pins["neopixel"]
            elif device["type"] == "servo" and device["pca9685"]:
                assert device["pca9685"]["channel"] == PCA9685_CHANNEL
                assert device["pca9685"]["address"] == PCA9685_I2C_ADDRESS
            elif device["type"] == "servo":
                assert device["pin"] == pins["servo"]


def test_guides_name_the_pins_of_the_pin_table():
    text = read(os.path.join(HW, "wiring", "pi-inputs.md"))
    assert "pin %d | GPIO%d" % (PI["button"].physical, PI["button"].gpio) in text
    assert "pin %d | GPIO%d" % (PI["pir"].physical, PI["pir"].gpio) in text
    text = read(os.path.join(HW, "wiring", "pi-pca9685.md"))
    assert "pin %d | GPIO%d (SDA)" % (PI["i2c_sda"].physical, PI["i2c_sda"].gpio) in text
    assert "pin %d | GPIO%d (SCL)" % (PI["i2c_scl"].physical, PI["i2c_scl"].gpio) in text
    text = read(os.path.join(HW, "wiring", "esp32-neopixel.md"))
    assert "GPIO%d (the BOOT button" % ESP32["setup_button"].gpio in text


def test_example_pieces_use_the_pin_table():
    assert EXAMPLES, "clients/examples/*.json missing"
    seen = set()
    for path in EXAMPLES:
        for out in load_piece(read(path))["outputs"]:
            device = out["device"]
            if device["type"] == "neopixel":
                assert device["pin"] == PI["neopixel"].gpio, path
                seen.add("neopixel")
            elif device["type"] == "servo" and device["pca9685"]:
                assert device["pca9685"]["address"] == PCA9685_I2C_ADDRESS, path
                seen.add("pca9685")
            elif device["type"] == "servo":
                assert device["pin"] == PI["servo"].gpio, path
                seen.add("servo")
    assert seen == {"neopixel", "servo", "pca9685"}


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_example_pieces_fit_their_supply(path, capsys):
    assert power_cli.main(["--piece", path]) == 0, capsys.readouterr().out


def test_fuse_and_wire_table_matches_the_calculator():
    text = read(os.path.join(HW, "wiring", "pi-neopixel.md"))
    rows = re.findall(r"^\| (\d+) A \| ([\d.]+) A \| (\d+) AWG", text, re.M)
    assert len(rows) >= 3
    for supply, fuse, awg in rows:
        want_fuse = power.fuse_rating(int(supply) * 1000)
        assert float(fuse) == want_fuse
        wire = power.wire_gauge(int(supply) * 1000, 1.0, 5.0, rated_ma=want_fuse * 1000)
        assert int(awg) == wire["awg"]


def test_bom_md_is_rendered_from_bom_py():
    assert read(os.path.join(HW, "BOM.md")) == bom.render_markdown(), \
        "run: python3 -m artcast_hardware.bom > hardware/BOM.md"


def test_every_kit_has_its_safety_parts():
    for kit in bom.KITS:
        names = " ".join(item[0] for item in kit["items"]).lower()
        assert "fuse" in names and "capacitor" in names and "supply" in names, kit["name"]
        if "strip" in names:
            assert "74ahct125" in names and "330 ohm" in names, kit["name"]
        for item in kit["items"]:
            assert item[2] >= 1 and item[3] > 0
    assert bom.classroom_total(30) > bom.classroom_total(15) > bom.kit_total(bom.KITS[0])


def test_readme_shows_every_diagram_and_guide():
    text = read(os.path.join(HW, "README.md"))
    for svg in glob.glob(os.path.join(HW, "diagrams", "*.svg")):
        assert "](diagrams/%s)" % os.path.basename(svg) in text
    for guide in GUIDES:
        assert "wiring/%s" % os.path.basename(guide) in text
    assert "CLASSROOM.md" in text and "BOM.md" in text
