"""The dmx and wled checks live in the shared core: the same validator runs
on MicroPython (the ESP32 imports piece.py), and the firmware refuses these
outputs by name, since only the Pi client drives them."""

import json
import os

from artcast_core.piece import check_piece
from support.micropython import REPO, run_micropython

PIECE = {"server": "http://pi:8888", "outputs": [
    {"key": "a", "mapping": {"type": "direct"},
     "device": {"type": "dmx", "universe": 3, "start": 5, "fixtures": 2, "layout": "DRGBW", "target": "10.0.0.9"}},
    {"key": "b", "mapping": {"type": "linear", "from": [0, 1]},
     "device": {"type": "dmx", "universe": 3, "start": 20, "fixtures": 4, "layout": "D", "brightness": 0.5}},
    {"key": "c", "mapping": {"type": "direct"}, "device": {"type": "wled", "host": "wled.local", "count": 8}},
]}
BAD = dict(PIECE, outputs=PIECE["outputs"] + [
    {"key": "d", "mapping": {"type": "direct"}, "device": {"type": "dmx", "universe": 3, "start": 14}}])

CODE = """
import json
from artcast_core.piece import check_piece, PieceError
print(json.dumps(check_piece(json.loads(%r))))
try:
    check_piece(json.loads(%r))
except PieceError as e:
    print(str(e))
from artcast_fw import config
try:
    config.check_piece(json.loads(%r))
except config.ConfigError as e:
    print(str(e))
"""


def test_same_checks_on_micropython_and_the_firmware_refuses():
    code = CODE % (json.dumps(PIECE), json.dumps(BAD), json.dumps(PIECE))
    proc = run_micropython(code=code, micropypath=[os.path.join(REPO, "firmware", "micropython")])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    # JSON turns tuples into lists on both sides: compare as JSON.
    assert json.loads(lines[0]) == json.loads(json.dumps(check_piece(PIECE)))
    assert lines[1] == "outputs[3].device.start: DMX universe 3 channel 14 is already used by outputs[0]"
    assert lines[2] == ("outputs[0].device.type: DMX and WLED outputs are driven by the Pi client "
                        "(artcast-kinetic), not the ESP32 firmware")
