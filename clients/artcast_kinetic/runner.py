"""Run a piece on a Pi: long-polls in, the shared piece runtime in the middle, devices out.

    runner = PieceRunner(piece, SimulatedBackend())
    await runner.run()          # until cancelled; parks every output on the way out

What every output shows, and when, is artcast_core.runtime.PieceRuntime's
(the ESP32 firmware runs the same class): values and link news go in with
the backend clock's time, changed device states come back through one
write call. This shell adds the asyncio side: one follow() task per
distinct key (outputs sharing a key share the poll), a frame task that
runs FPS times a second while anything moves and not at all when nothing
does (and wakes exactly when a held play-at value is due: SETTLE_S before
it, then the clock's settle()), the clock
samples for play-at (shared_time.py), logging, and the listeners the
--simulate views hang on.
"""

import asyncio
import logging

from artcast_core.clock import ClockEstimator
from artcast_core.colour import as_hex
from artcast_core.mapping import MappingError, pin_level, servo_pulse_us
from artcast_core.piece import device_where
from artcast_core.runtime import PieceRuntime
from artcast_kinetic.follow import follow
from artcast_kinetic.shared_time import _first, keep_time, local_ms

log = logging.getLogger("artcast.kinetic")

FPS = 50
# A held play-at value: the frame task sleeps until this long before its
# moment, then settles the rest on the clock (backends/clock.py), which
# wakes within ~0.1 ms where asyncio's sleep may be a ms late.
SETTLE_S = 0.002


class PieceRunner:
    def __init__(self, piece, backend, server=None, fps=FPS, backoff_factory=None):
        self.piece = piece
        self.backend = backend
        self.clock = backend.clock
        self.server = server or piece["server"]
        self.fps = fps
        self.backoff_factory = backoff_factory
        self.runtime = PieceRuntime(piece, self._write)
        self.devices = []
        # The runtime's own objects, named for the views and tests.
        self.outputs = self.runtime.outputs
        self.values = self.runtime.values    # key -> last value received
        self.online = self.runtime.online    # key -> True / False (None before the first answer)
        self.errors = self.runtime.errors    # output index -> last rejected-value message
        self.keys = self.runtime.keys
        self.listeners = []     # called with no arguments after every frame that wrote something
        self._wake = None
        # Play-at: the server's clock in ms of the backend's clock.
        self.estimator = ClockEstimator()
        self.unsynced = 0       # play-at values shown at once: no clock estimate yet
        self._clock_wake = asyncio.Event()

    # --- devices --------------------------------------------------------

    def open_devices(self):
        """Open every device (parked). On a failure, close the ones opened."""
        try:
            for out in self.outputs:
                device = self.backend.open(out.spec)
                log.info("%s -> %s", out.key, self.backend.describe(out.spec))
                asked = out.device.get("brightness")
                if asked is not None and out.brightness < asked:
                    log.warning("%s: the %s A supply in \"power\" caps this strip's brightness at %.2f "
                                "(the piece asks for %.2f)", out.key, self.piece["power"]["supply_amps"],
                                out.brightness, asked)
                self.devices.append(device)
        except Exception:
            self.backend.close()
            raise
        if self.runtime.start(self.clock.now()):
            self._notify()

    def close(self):
        """Park every output (dark, released, off) and free the hardware."""
        self.runtime.park()
        self.backend.close()
        self._notify()

    def _write(self, index, state):
        # The one hardware step: the runtime calls it for a changed state.
        self.devices[index].write(state)

    # --- values in -------------------------------------------------------

    def deliver(self, key, value, play_at=None):
        """A value from the poll; `play_at` its Artcast-Play-At (server ms) or None."""
        due = None
        if play_at is not None:
            self._clock_wake.set()          # keep_time starts on the first play-at
            local = self.estimator.to_local(play_at)
            if local is None:
                self.unsynced += 1
            else:
                due = local / 1000.0
        for i, e in self.runtime.accept(key, value, self.clock.now(), due):
            if isinstance(e, MappingError):
                log.warning("outputs[%d] (%s): ignored value %s: %s", i, key, _short(value), e)
            else:   # a bug: the traceback goes to the log
                log.error("outputs[%d] (%s): value %s failed", i, key, _short(value), exc_info=e)
        self.frame()        # show it at once
        self._poke()
        self._notify()      # the value shown changed even if no device did

    def link(self, key, online, reason=""):
        if online and self.online.get(key) is False and self.estimator.best is not None:
            self.estimator.reconnected(local_ms(self.clock))     # maybe another server: fresh samples
            self._clock_wake.set()
        self.runtime.link(key, online, self.clock.now())
        self.frame()
        self._poke()
        self._notify()

    # --- frames ----------------------------------------------------------

    def frame(self):
        """Advance motion to the clock's now; write devices whose state changed."""
        if self.runtime.frame(self.clock.now()):
            self._notify()

    def moving(self):
        return self.runtime.moving()

    def _poke(self):
        if self._wake is not None:
            self._wake.set()

    def _notify(self):
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:  # a view must never stop the piece
                log.exception("view failed")

    async def frame_loop(self):
        self._wake = asyncio.Event()
        while True:
            due = self.runtime.next_due(self.clock.now())
            if due is not None and due <= SETTLE_S + 1e-6:    # (float rounding)
                await self.clock.settle(due)        # the last stretch (0: none)
            elif self.moving():
                await self.clock.sleep(1.0 / self.fps if due is None else min(due - SETTLE_S, 1.0 / self.fps))
            elif due is not None:
                await _first(self.clock.sleep(due - SETTLE_S), self._wake.wait())
            else:
                await self._wake.wait()
            self._wake.clear()
            self.frame()

    # --- the whole piece ----------------------------------------------------

    def tasks(self, hold=None):
        """Coroutines to run together: one follow() per key, plus frames."""
        hold = hold or self.piece.get("hold") or 20
        coros = [self.frame_loop(), keep_time(self.server, self.estimator, self.clock, self._clock_wake)]
        for key in self.keys:
            backoff = self.backoff_factory() if self.backoff_factory else None
            coros.append(follow(self.server, key, self.deliver, self.link, hold=hold, backoff=backoff,
                                play_at=True))
        return coros

    async def run(self, hold=None, extra=()):
        """Open devices, follow every key until cancelled, then park and close."""
        self.open_devices()
        tasks = [asyncio.ensure_future(c) for c in list(self.tasks(hold)) + list(extra)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.close()

    # --- what the views show ------------------------------------------------

    def snapshot(self):
        """Plain data for the terminal view, the web page and tests."""
        outs = []
        for i, out in enumerate(self.outputs):
            dev = out.device
            item = {"index": i, "name": out.spec.get("name") or "%s %d" % (dev["type"], i),
                    "key": out.key, "kind": dev["type"], "online": self.online.get(out.key),
                    "value": self.values.get(out.key), "has_value": out.key in self.values, "error": self.errors.get(i)}
            state = out.last
            if dev["type"] == "neopixel":
                item["pixels"] = [as_hex(p) for p in (state or [])]
            elif dev["type"] == "servo":
                item["angle"] = state
                item["pulse_us"] = servo_pulse_us(dev, state)
                item["range"] = dev["angle"]
            elif dev["type"] == "pin":
                item["on"] = bool(state)
                item["level"] = pin_level(dev, state)
            else:
                item["duty"] = state
            item["where"] = device_where(dev)
            outs.append(item)
        return {"name": self.piece.get("name") or "piece", "server": self.server,
                "backend": self.backend.name, "outputs": outs, "late": self.runtime.late}


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
