# The classroom config generator: one config per group that the ESP32
# firmware's own config check accepts, pins from the pin table, a distinct
# key and board name per group, supplies that fit, and a class list where
# every group sends to another group.

import json
import os
import sys

import pytest

from artcast_core.keys import key_problem
from artcast_hardware import classroom, power_cli
from artcast_hardware.pinout import ESP32

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "firmware", "micropython"))

from artcast_fw import config as fw_config  # noqa: E402


@pytest.fixture
def configs(tmp_path):
    out = tmp_path / "class"
    code = classroom.main(["--groups", "15", "--wifi", "Artcast Class", "class-password",
                           "--server", "http://10.42.0.1:8888", "--out", str(out)])
    assert code == 0
    return out


def load(path):
    with open(str(path)) as f:
        return json.load(f)


def test_one_config_per_group_accepted_by_the_firmware(configs):
    names = sorted(os.listdir(str(configs)))
    assert names == ["class-list.md"] + ["group-%02d.json" % n for n in range(1, 16)]
    keys, hostnames = set(), set()
    for n in range(1, 16):
        cfg = fw_config.check(load(configs / ("group-%02d.json" % n)))
        assert cfg["wifi"] == {"ssid": "Artcast Class", "password": "class-password"}
        outputs = cfg["piece"]["outputs"]
        strip = [o for o in outputs if o["device"]["type"] == "neopixel"][0]
        servo = [o for o in outputs if o["device"]["type"] == "servo"][0]
        assert strip["device"]["pin"] == ESP32["neopixel"].gpio == 16
        assert servo["device"]["pin"] == ESP32["servo"].gpio == 17
        assert strip["key"] == servo["key"]
        assert key_problem(strip["key"]) is None
        keys.add(strip["key"])
        hostnames.add(cfg["hostname"])
    assert len(keys) == 15 and len(hostnames) == 15


def test_each_kit_fits_its_supply(configs, capsys):
    assert power_cli.main(["--piece", str(configs / "group-01.json"), "--controller", "esp32"]) == 0
    assert "OK" in capsys.readouterr().out


def test_every_group_moves_another_groups_strip(configs):
    text = (configs / "class-list.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| 0") or line.startswith("| 1")]
    assert len(rows) == 15
    follows = []
    sends = []
    for row in rows:
        cells = [c.strip(" `") for c in row.strip("|").split("|")]
        follows.append(cells[2])
        sends.append(cells[3])
        assert cells[2] != cells[3]
    assert sorted(sends) == sorted(follows)          # every strip is moved by someone
    assert sends[-1] == "class/group-01"


@pytest.mark.parametrize("argv, words", [
    (["--groups", "0", "--wifi", "x", "password1"], "--groups"),
    (["--groups", "3", "--wifi", "x", "short"], "PASSWORD"),
    (["--groups", "3", "--wifi", "x", "password1", "--server", "ftp://pi"], "--server"),
])
def test_bad_arguments(argv, words, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        classroom.main(argv + ["--out", str(tmp_path / "x")])
    assert info.value.code == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_classroom_guide_matches_the_generator():
    with open(os.path.join(REPO, "hardware", "CLASSROOM.md"), encoding="utf-8") as f:
        text = f.read()
    assert "python3 -m artcast_hardware.classroom" in text
    assert "firmware/README.md" in text
    assert classroom.group_key(1) in text and classroom.group_key(2) in text
    assert "GPIO%d" % ESP32["neopixel"].gpio in text and "GPIO%d" % ESP32["servo"].gpio in text
    assert "from artcast_source import Source" in text
    # the lesson's code is real Python
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    compile(code, "wave.py", "exec")
