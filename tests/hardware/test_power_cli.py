# `artcast power`: the calculator's printed numbers against hand-checked
# cases, the exit status for a mismatched piece file, and clear errors.

import json
import os
import subprocess
import sys

import pytest

from artcast_hardware import power_cli

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(capsys, *argv):
    code = power_cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_piece(tmp_path, piece, name="piece.json"):
    path = tmp_path / name
    path.write_text(json.dumps(piece))
    return str(path)


def strip_output(count, brightness=None, order=None, key="room/light", pin=18):
    device = {"type": "neopixel", "pin": pin, "count": count}
    if brightness is not None:
        device["brightness"] = brightness
    if order is not None:
        device["order"] = order
    return {"key": key, "device": device, "mapping": {"type": "bar", "from": [0, 100]}}


def test_hand_checked_strip(capsys):
    # 60 * (1 + 0.5 * 60) = 1860 mA; * 1.2 = 2232 mA.
    # Fuse: 1.86 * 1.25 = 2.33 A -> 3 A. Wire rated for the 3 A fuse, 1 m
    # each way: 20 AWG (3 A) drops 1.86 * 2 * 0.03331 = 0.124 V.
    # Cap on 4 A: 0.90 (see core tests).
    code, out, _ = run(capsys, "--pixels", "60", "--brightness", "0.5", "--supply-amps", "4")
    assert code == 0
    assert "up to 1.86 A" in out
    assert "supply needed (with 20% margin): 2.23 A at 5 V" in out
    assert "fuse: 3 A in the + wire" in out
    assert "20 AWG (0.52 mm2) or thicker, loses 0.12 V" in out
    assert "allows brightness up to 0.90" in out
    assert "OK" in out


def test_hand_checked_rgbw_and_length(capsys):
    # 30 RGBW at full: 30 * 81 = 2430 mA; fuse 3.04 A -> 4 A. 2 m each way
    # at 5 V: 20 AWG is rated 3 A (< 4 A fuse); 18 AWG: 2.43 * 4 * 0.02095
    # = 0.204 V -> 18 AWG.
    code, out, _ = run(capsys, "--pixels", "30", "--rgbw", "--length", "2")
    assert code == 0
    assert "RGBW" in out and "up to 2.43 A" in out
    assert "18 AWG (0.82 mm2)" in out and "loses 0.20 V" in out


def test_hand_checked_servos(capsys):
    # 3 standard servos: 3 * 600 = 1.8 A moving, 3 * 2500 = 7.5 A stalled,
    # supply 1.8 * 1.2 = 2.16 A.
    code, out, _ = run(capsys, "--servos", "3", "--servo-size", "standard")
    assert code == 0
    assert "moving: 1.80 A; all stalled at once: 7.50 A" in out
    assert "servo supply needed: 2.16 A" in out
    # fuse survives all three stalled: 7.5 * 1.25 = 9.4 -> 10 A; wire rated
    # 10 A -> 14 AWG (13 A)
    assert "servo fuse: 10 A" in out and "14 AWG" in out
    assert "OWN" in out


def test_mismatch_warns_and_exits_nonzero(capsys):
    # 300 px at full white: 300 * 61 = 18.3 A, needs 21.96 A; a 10 A supply
    # allows (8333.3 - 300) / 18000 = 0.446 -> 0.44.
    code, out, _ = run(capsys, "--pixels", "300", "--supply-amps", "10")
    assert code == power_cli.EXIT_MISMATCH == 1
    assert "WARNING" in out
    assert "21.96 A" in out
    assert "Lower the brightness limit to 0.44" in out


def test_too_long_run_says_inject_power(capsys):
    code, out, _ = run(capsys, "--pixels", "300", "--length", "5")
    assert code == 0
    assert "no single wire is thick enough" in out


def test_controller_on_the_strip_supply(capsys):
    # 60 * 61 = 3660 + 250 (ESP32) = 3910 mA worst case
    code, out, _ = run(capsys, "--pixels", "60", "--controller", "esp32")
    assert "worst case (all white at the limit): 3.91 A" in out


def test_piece_file_that_fits(capsys, tmp_path):
    piece = {"server": "http://artcast.local:8888",
             "power": {"supply_volts": 5, "supply_amps": 4},
             "outputs": [strip_output(60, 0.5),
                         {"key": "room/angle", "device": {"type": "servo", "pin": 12},
                          "mapping": {"type": "linear", "from": [-10, 40]}}]}
    code, out, _ = run(capsys, "--piece", write_piece(tmp_path, piece))
    assert code == 0
    assert "room/light" in out and "up to 1.86 A" in out
    assert "Servos (1 micro)" in out
    assert "OK: the brightness limit fits the supply." in out


def test_piece_file_mismatch(capsys, tmp_path):
    # two strips share the 4 A supply: 2 * 60 * 61 = 7320 mA at full white.
    # Shared cap: (3333.3 - 120) / 7200 = 0.446 -> 0.44.
    piece = {"power": {"supply_amps": 4},
             "outputs": [strip_output(60, 1.0, key="a"),
                         strip_output(60, 1.0, key="b", pin=21)]}
    code, out, _ = run(capsys, "--piece", write_piece(tmp_path, piece))
    assert code == 1
    assert "WARNING" in out and "7.32 A" in out
    assert "Lower the brightness limit to 0.44" in out


def test_piece_rgbw_order_counts_four_channels(capsys, tmp_path):
    piece = {"outputs": [strip_output(10, 1.0, order="GRBW")]}
    code, out, _ = run(capsys, "--piece", write_piece(tmp_path, piece))
    assert "RGBW" in out and "up to 0.81 A" in out     # 10 * 81


def test_command_line_overrides_piece(capsys, tmp_path):
    piece = {"power": {"supply_amps": 4}, "outputs": [strip_output(60, 1.0)]}
    code, out, _ = run(capsys, "--piece", write_piece(tmp_path, piece),
                       "--brightness", "0.5")
    assert code == 0 and "brightness limit 0.50" in out


@pytest.mark.parametrize("piece, field", [
    ({"outputs": [strip_output(-1)]}, "outputs[0].device.count"),
    ({"outputs": [strip_output(10, 2)]}, "outputs[0].device.brightness"),
    ({"outputs": [strip_output(10, order=3)]}, "outputs[0].device.order"),
    ({"outputs": [{"key": "k", "device": {"type": "neopixel", "pin": 18},
                   "mapping": {"type": "bar", "from": [0, 1]}}]},
     "outputs[0].device.count: is required"),
    ({"outputs": [strip_output(10), strip_output(10, key="b")]},
     "outputs[1].device.pin: GPIO 18 is already used"),
    ({"outputs": []}, "outputs: is empty"),
    ({"outputs": [strip_output(10)], "power": {"supply_volts": 5}},
     "power.supply_amps: is required"),
    ({"outputs": "none"}, "outputs"),
    ({"outputs": [strip_output(10)], "power": {"supply_amps": "4"}}, "power.supply_amps"),
    ({"outputs": [strip_output(10)], "power": 4}, "power"),
    ({"outputs": [strip_output(10)], "power": {"amps": 4}}, "power.amps: unknown field"),
    ([1, 2], "JSON object"),
])
def test_bad_piece_files_name_the_field(capsys, tmp_path, piece, field):
    code, out, err = run(capsys, "--piece", write_piece(tmp_path, piece))
    assert code == 2
    assert field in err
    assert "Traceback" not in err


def test_unreadable_and_broken_files(capsys, tmp_path):
    code, _, err = run(capsys, "--piece", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read piece file" in err
    broken = tmp_path / "broken.json"
    broken.write_text('{"outputs": [')
    code, _, err = run(capsys, "--piece", str(broken))
    assert code == 2 and "not valid JSON" in err


@pytest.mark.parametrize("argv, words", [
    (["--pixels", "10", "--brightness", "1.5"], "--brightness"),
    (["--pixels", "-4"], "--pixels"),
    (["--pixels", "ten"], "--pixels"),
    (["--supply-amps", "0", "--pixels", "3"], "--supply-amps"),
    ([], "--piece"),
])
def test_bad_arguments(capsys, argv, words):
    with pytest.raises(SystemExit) as exit_info:
        power_cli.main(argv)
    assert exit_info.value.code == 2
    assert words in capsys.readouterr().err


def test_runs_as_a_module():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(REPO, "clients"), os.path.join(REPO, "hardware"), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, "-m", "artcast_hardware.power_cli",
                             "--pixels", "144", "--brightness", "0.25"],
                            capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "up to 2.30 A" in result.stdout   # 144 * 16 = 2304 mA


def test_reserve_amps_from_the_piece(capsys, tmp_path):
    # 60 * 61 = 3660 + 500 reserve = 4160 mA worst case.
    # Cap on 4 A: (3333.3 - 500 - 60) / 3600 = 0.770 -> 0.77
    piece = {"power": {"supply_amps": 4, "reserve_amps": 0.5},
             "outputs": [strip_output(60, 0.7)]}
    code, out, _ = run(capsys, "--piece", write_piece(tmp_path, piece))
    assert "other loads on this supply: 0.50 A" in out
    assert "allows brightness up to 0.77" in out
    assert code == 0


def test_hardware_docstring_examples():
    import doctest
    from artcast_hardware import appliance_files, appliance_steps, piece_power, pinout
    for module in (piece_power, pinout, appliance_files, appliance_steps):
        failures, tried = doctest.testmod(module)
        assert tried >= 2 and failures == 0, module.__name__


def test_artcast_power_through_the_artcast_command(capfd):
    """`artcast power ...` (an alias in the client CLI) runs this calculator's
    own command, artcast-power, as a process (so capfd, not capsys)."""
    from artcast_client.cli import main as artcast_main
    code = artcast_main(["power", "--pixels", "300", "--supply-amps", "10"])
    assert code == 1
    assert "Lower the brightness limit to 0.44" in capfd.readouterr().out


def test_shared_supply_counts_the_servos_and_sizes_one_fuse(capsys):
    """--shared-supply: the servo's running current is on the strip supply,
    the fuse survives strip + stalled servo and the whole supply."""
    from artcast_hardware import power_cli
    assert power_cli.main(["--pixels", "30", "--brightness", "0.4", "--servos", "1",
                           "--supply-amps", "2", "--shared-supply"]) == 0
    out = capsys.readouterr().out
    # 30 px at 0.4: 0.75 A; one micro servo moving 0.25 A -> 1.00 A on the supply
    assert "servos         moving, on the same supply: 0.25 A" in out
    assert "worst case (all white at the limit): 1.00 A" in out
    # fuse: max(0.75 + 0.80 stalled, 2 A supply) * 1.25 = 2.5 A -> 3 A
    assert "fuse: 3 A in the + wire" in out
    assert "on their OWN" not in out and "Servos: on the strip's supply" in out
    # without the option the servo is on its own supply, as before
    assert power_cli.main(["--pixels", "30", "--brightness", "0.4", "--servos", "1", "--supply-amps", "2"]) == 0
    assert "on their OWN 5-6 V supply" in capsys.readouterr().out
