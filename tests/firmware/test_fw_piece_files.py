"""The Pi's example piece files work unchanged as the board's config (same
outputs block, same checker), except what an ESP32 cannot do."""

import json
import os

from fwboard import wifi_config
from support.micropython import REPO

EXAMPLES = os.path.join(REPO, "clients", "examples")


def piece_as_config(name, server_url):
    with open(os.path.join(EXAMPLES, name)) as f:
        piece = json.load(f)
    cfg = wifi_config(server_url, piece["outputs"])
    if "power" in piece:
        cfg["power"] = piece["power"]
    return cfg


def test_pi_example_piece_runs_on_the_board(server, board):
    server.send("test/tick", 15)
    server.wait_for_datums(1)
    b = board(piece_as_config("tick-strip-servo.json", server.url))
    # The Pi's strip pin (18) and count (30), bar graph half full.
    rec = b.wait_for(lambda r: r[2] == 18 and r[3] != "00" * 90, kind="pixels", what="strip on GPIO18")
    assert len(bytes.fromhex(rec[3])) == 90


def test_pi_sensor_piece_is_accepted(server, board):
    b = board(piece_as_config("room-sensors.json", server.url))
    b.wait_for(lambda r: True, kind="wifi_connect", what="normal mode")
    assert not b.records("ap")


def test_pca9685_piece_is_refused_by_name(server, board):
    b = board(piece_as_config("pca9685-servos.json", server.url), start=False)
    b.start(code="from artcast_fw import app\napp.main(setup_host='127.0.0.1', setup_port=0)\n")
    b.wait_console("outputs[0].device.pca9685: servo boards are not supported")
