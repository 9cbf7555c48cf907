"""Fixtures for the ESP32 firmware tests: the firmware's own modules run
under the real MicroPython unix port, with recording stand-ins for the
board-only modules (tests/firmware/stubs), against the real server; the
Arduino sketch runs as a host build (arduino_build.py).

    def test_x(server, board):
        b = board(wifi_config(server.url, [...outputs...]))
        server.send("test/tick", 3)
        b.wait_for(lambda r: r[3] == "...", kind="pixels")
"""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fwboard import CLIENTS, FIRMWARE, STUBS, Board, deploy  # noqa: E402


@pytest.fixture(scope="session")
def microdot_dir(tmp_path_factory):
    """microdot's .py files from the installed package, as deploy.py copies them."""
    out = tmp_path_factory.mktemp("microdot")
    for src, dest in deploy.microdot_files():
        target = out / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, str(target))
    return str(out)


@pytest.fixture
def board(tmp_path, microdot_dir):
    """board(cfg) -> a running firmware (main.py) with that config.json.
    board(None, start=False) -> a Board to start yourself."""
    boards = []

    def make(cfg=None, start=True, name="board", micropypath=None, **start_args):
        path = micropypath or [STUBS, FIRMWARE, CLIENTS, microdot_dir]
        b = Board(tmp_path / ("%s%d" % (name, len(boards))), path)
        boards.append(b)
        if cfg is not None:
            b.write_config(cfg)
        if start:
            b.start(**start_args)
        return b
    yield make
    for b in boards:
        b.stop()


