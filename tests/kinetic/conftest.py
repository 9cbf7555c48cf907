"""Fixtures for the kinetic client tests: hardware fakes at the innermost
boundary (kinetic_fakes.py) and a piece runner on a background event loop.

BLINKA_OS_AGNOSTIC lets Blinka's `board` and Adafruit's `neopixel` import
on a PC; RPI_LGPIO_REVISION makes rpi-lgpio's RPi.GPIO believe it runs on a
Pi 5 (its chip calls are then faked by LgpioChip).
"""

import asyncio
import os
import sys
import threading
import time

os.environ.setdefault("BLINKA_OS_AGNOSTIC", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402

from artcast_core.backoff import Backoff  # noqa: E402
from artcast_kinetic.backends.clock import ManualClock  # noqa: E402
from artcast_kinetic.runner import PieceRunner  # noqa: E402
from kinetic_fakes import LgpioChip, Pca9685Bus, PixelWire  # noqa: E402


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def gpio_chip(monkeypatch, clock):
    monkeypatch.setenv("RPI_LGPIO_REVISION", "d04170")
    chip = LgpioChip(clock.now).install(monkeypatch)
    import RPi.GPIO as GPIO
    yield chip
    import gc
    gc.collect()   # PWM objects stop themselves in __del__: let them, while the fake is in place
    # Reset rpi-lgpio's module state so the next test starts from scratch.
    GPIO._pwms.clear()
    GPIO._alerts.clear()
    GPIO._chip = None
    GPIO._mode = GPIO.UNKNOWN


@pytest.fixture
def pixel_wire(monkeypatch, clock):
    return PixelWire(clock.now).install(monkeypatch)


@pytest.fixture
def i2c_bus(clock):
    return Pca9685Bus(clock.now)


class LiveRunner:
    """A PieceRunner on its own event loop thread, talking to a real server.

    The backend's ManualClock only moves by advance(), so fades and slews
    are asserted step by step while the network runs in real time.
    """

    def __init__(self, piece, backend, server=None, hold=2, backoff=(0.05, 0.3)):
        self.runner = PieceRunner(piece, backend, server=server,
                                  backoff_factory=lambda: Backoff(base=backoff[0], cap=backoff[1]))
        self.backend = backend
        self.hold = hold
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.task = None
        self.error = None

    def _main(self):
        asyncio.set_event_loop(self.loop)
        self.task = self.loop.create_task(self.runner.run(hold=self.hold))
        try:
            self.loop.run_until_complete(self.task)
        except asyncio.CancelledError:
            pass
        except BaseException as e:  # surfaced by stop()
            self.error = e
        finally:
            self.loop.close()

    def start(self):
        self.thread.start()
        self.wait_for(lambda: self.runner.devices and len(self.runner.devices) == len(self.runner.outputs))
        return self

    def call(self, fn, *args):
        async def run():
            result = fn(*args)
            for _ in range(5):
                await asyncio.sleep(0)
            return result
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(5)

    def advance(self, seconds):
        """Move the backend clock; the frame loop then writes that much motion."""
        self.call(self.backend.clock.advance, seconds)

    def wait_for(self, predicate, timeout=8.0, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.error is not None:
                raise self.error
            if predicate():
                return
            time.sleep(0.01)
        raise AssertionError("timed out waiting for %s" % what)

    def stop(self):
        if self.task is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)
        assert not self.thread.is_alive(), "runner did not stop"
        if self.error is not None:
            raise self.error


@pytest.fixture
def live():
    started = []

    def make(piece, backend, **kwargs):
        lr = LiveRunner(piece, backend, **kwargs).start()
        started.append(lr)
        return lr
    yield make
    for lr in started:
        if lr.thread.is_alive():
            lr.stop()
