"""The firmware fixtures (tests/firmware/conftest.py: `board`, `microdot_dir`)
for the dashboard tests, which run the real MicroPython firmware and the
Arduino sketch's host build against the server; and a headless Chromium."""

import importlib.util
import os
import sys

import pytest

FIRMWARE_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "firmware")
sys.path.insert(0, FIRMWARE_TESTS)

_spec = importlib.util.spec_from_file_location("artcast_firmware_fixtures",
                                               os.path.join(FIRMWARE_TESTS, "conftest.py"))
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)
board = _fixtures.board
microdot_dir = _fixtures.microdot_dir


@pytest.fixture
def browser():
    from support.browser import Browser
    b = Browser()
    yield b
    b.close()
