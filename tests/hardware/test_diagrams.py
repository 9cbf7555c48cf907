# The wiring diagrams: the generator runs, writes every SVG, and each SVG
# names the pins the guides and example piece files use (the pin table in
# artcast_hardware/pinout.py). The committed SVGs must match the source.

import os
import re
import subprocess
import sys

import pytest

from artcast_hardware.pinout import ESP32, PI, PI_POWER

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIAGRAMS = os.path.join(REPO, "hardware", "diagrams")

# What each diagram must show: pin labels (as drawn) and parts.
EXPECTED = {
    "pi-neopixel.svg": ["GPIO18", ">12<", "74AHCT125", "330 Ω", "1000 µF", "fuse", "DIN", "GND"],
    "pi-servo.svg": ["GPIO12", ">32<", "1 kΩ", "1000 µF", "fuse", "SIG", "GND"],
    "pi-pca9685.svg": ["GPIO2", ">3<", "GPIO3", ">5<", "3V3", "PCA9685", "CH0 PWM", "0x40", "fuse",
                       "1000 µF"],
    "pi-inputs.svg": ["GPIO17", ">11<", "GPIO4", ">7<", "button", "PIR"],
    "esp32-neopixel.svg": ["GPIO16", "74AHCT125", "330 Ω", "1000 µF", "fuse", "DIN", "GPIO0"],
    "esp32-servo.svg": ["GPIO17", "1 kΩ", "1000 µF", "fuse", "SIG"],
}


def svg_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("diagrams")
    result = subprocess.run([sys.executable, os.path.join(DIAGRAMS, "generate.py"), "--out", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return out


def labels(svg):
    """Every text drawn in an SVG (schemdraw writes labels as <tspan>)."""
    return sorted(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg))


def test_generator_writes_every_diagram(generated):
    names = sorted(n for n in os.listdir(str(generated)) if n.endswith(".svg"))
    assert names == sorted(EXPECTED)
    for name in names:
        svg = svg_text(os.path.join(str(generated), name))
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_diagram_mentions_its_pins_and_parts(generated, name):
    svg = svg_text(os.path.join(str(generated), name))
    for word in EXPECTED[name]:
        assert word in svg, "%s does not mention %s" % (name, word)


def test_pins_in_diagrams_come_from_the_pin_table(generated):
    # The numbers the brief fixed, checked against the table the drawings use.
    assert (PI["neopixel"].gpio, PI["neopixel"].physical) == (18, 12)
    assert (PI["servo"].gpio, PI["servo"].physical) == (12, 32)
    assert (PI["i2c_sda"].gpio, PI["i2c_sda"].physical) == (2, 3)
    assert (PI["i2c_scl"].gpio, PI["i2c_scl"].physical) == (3, 5)
    assert (PI["button"].gpio, PI["button"].physical) == (17, 11)
    assert (PI["pir"].gpio, PI["pir"].physical) == (4, 7)
    assert (ESP32["neopixel"].gpio, ESP32["servo"].gpio, ESP32["setup_button"].gpio) == (16, 17, 0)
    # and each drawing's summary line spells the pin out in full
    svg = svg_text(os.path.join(str(generated), "pi-neopixel.svg"))
    assert PI["neopixel"].label() in svg            # "GPIO18 (pin 12)"
    svg = svg_text(os.path.join(str(generated), "pi-inputs.svg"))
    assert PI["button"].label() in svg and PI["pir"].label() in svg
    assert "(pin %d)" % PI_POWER["5V"] in svg


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_committed_svg_is_current(generated, name):
    committed = os.path.join(DIAGRAMS, name)
    assert os.path.exists(committed), "run hardware/diagrams/generate.py and commit %s" % name
    fresh = svg_text(os.path.join(str(generated), name))
    hint = "%s is out of date: run python3 hardware/diagrams/generate.py" % name
    same_version = (svg_text(os.path.join(DIAGRAMS, "rendered-with.txt")) ==
                    svg_text(os.path.join(str(generated), "rendered-with.txt")))
    if same_version:
        assert svg_text(committed) == fresh, hint
    else:
        # another schemdraw version: positions may differ, the words may not
        assert labels(svg_text(committed)) == labels(fresh), hint
