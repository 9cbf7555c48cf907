"""What firmware/README.md promises: with the shipped example settings, the
strip and servo follow test/tick from the real test source
(sources/test-sources.py, loopback multicast, TTL 0) through a real server."""

import json
import os
import subprocess
import sys

import pytest

from arduino_build import build_sketch
from fwboard import FIRMWARE
from support.micropython import REPO


@pytest.fixture
def test_source(server):
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "sources", "test-sources.py"),
                             "--multicast-interface", "127.0.0.1", "--ttl", "0",
                             "--data-port", str(server.data_port),
                             "--registration-port", str(server.register_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    proc.terminate()
    proc.wait(5)


def assert_follows_tick(b):
    """Three ticks' worth of servo positions and strip colours."""
    def servo_positions():
        return set(r[3] for r in b.records() if r[1] in ("pwm", "servo_us") and r[2] == 17 and r[3] > 0)
    b.wait_for(lambda r: len(servo_positions()) >= 3, timeout=15, what="the servo following test/tick")
    mark = b.mark()
    # A tick later the strip shows a colour it did not show before.
    before = set(r[3] for r in b.records("pixels"))
    b.wait_for(lambda r: r[2] == 16 and r[3] not in before, kind="pixels", since=mark,
               timeout=5, what="a new strip colour")


def test_micropython_example_config_follows_test_tick(server, test_source, board):
    with open(os.path.join(FIRMWARE, "config.example.json")) as f:
        cfg = json.load(f)
    cfg["server"] = server.url          # the only change from the shipped example
    cfg["setup_button"] = None
    b = board(cfg)
    assert_follows_tick(b)


def test_arduino_default_settings_follow_test_tick(server, test_source, board, tmp_path):
    binary = build_sketch(tmp_path, server=server.url)   # everything else: artcast_config.h
    b = board(None, start=False)
    b.start(binary=binary)
    assert_follows_tick(b)
