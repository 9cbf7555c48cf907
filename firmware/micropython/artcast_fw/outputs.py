# The piece's outputs on this board: the shared piece runtime in, pins out.
#
# artcast_core.runtime.PieceRuntime decides everything a device shows and
# when (field selection, mapping, fades, servo slew, brightness and power
# caps, on_disconnect and the status pixel, catching motion up before a
# value), exactly as on the Pi. This module only creates the matching
# device from devices.py for each output, passes the board's millisecond
# clock in, and writes each changed state with the device's one write call.
#
#   outs = Outputs(piece)               # piece = config.check(...)["piece"]
#   outs.on_value("test/tick", 7)       # from the poller
#   wait_ms = outs.tick(time.ticks_ms())   # None when nothing is moving
#
# Play-at: on_value gets the value's Artcast-Play-At (server ms) too; the
# estimator (timekeeper.py) turns it into ticks_ms and the runtime holds
# the value until then. tick() asks to be called again SETTLE_MS before
# that moment and settle() sleeps the rest in short steps watching
# ticks_ms: a poll's ms timeout wakes up to a ms late (on the ESP32 it
# waits in RTOS ticks), these steps within ~0.1 ms of the moment.

import time

from artcast_core.mapping import MappingError, pin_level, servo_duty
from artcast_core.runtime import PieceRuntime
from artcast_fw import config, devices

# 50 frames a second while a fade or slew is under way: smooth to the eye
# and for a servo, and cheap for the ESP32.
FRAME_MS = 20
# The last stretch before a held value's moment (ms), slept in steps of
# SETTLE_US for its last ms, then TICK_MIDDLE_US more: a ticks_ms value
# stands for its whole millisecond (the clock samples' t0 and t1 were
# floored too), so its middle is the moment. At most SETTLE_MS + 0.5 ms
# of the loop per value, sockets unpolled.
SETTLE_MS = 2
SETTLE_US = 100
TICK_MIDDLE_US = 500


def make_device(spec):
    """The devices.py object for one normalised output device."""
    kind = spec["type"]
    if kind == "neopixel":
        return devices.Strip(spec["pin"], spec["count"], spec["channels"])
    if kind == "servo":
        return devices.Servo(spec["pin"], spec["frequency"])
    if kind == "pin":
        return devices.Switch(spec["pin"], pin_level(spec, False))
    return devices.Dimmer(spec["pin"], spec["frequency"])


def write(device, spec, state):
    """Put one Output.frame() state on its device: the only hardware step."""
    kind = spec["type"]
    if kind == "neopixel":
        device.show(state, spec["order"])
    elif kind == "servo":
        device.duty(servo_duty(spec, state))
    elif kind == "pin":
        device.level(pin_level(spec, state))
    else:
        device.duty(state)


def _elapsed(now, then):
    # The ms counter wraps: ticks_diff, never subtraction.
    return time.ticks_diff(now, then) / 1000.0


class Outputs:
    """All outputs of a checked piece ({"outputs": [...], "power": ...})."""

    def __init__(self, piece, clock=time.ticks_ms, estimator=None):
        self.runtime = PieceRuntime(piece, self._write, _elapsed)
        # The power cap is computed once, above: its module (~6.5 KB of
        # bytecode) is heap for the pixels from here on.
        config.forget(("artcast_core.power",))
        self.devices = [make_device(out.device) for out in self.runtime.outputs]
        self.clock = clock
        self.estimator = estimator  # artcast_core.clock.ClockEstimator in ticks_ms, or None
        self.rejected = 0  # values that did not fit (logged, ignored)
        self.unsynced = 0  # play-at values shown at once: no clock estimate yet
        self.runtime.start(clock())

    def keys(self):
        """Each key once, in piece order: one long-poll per key."""
        return self.runtime.keys

    def _write(self, i, state):
        write(self.devices[i], self.runtime.outputs[i].device, state)

    def on_value(self, key, value, play_at=None):
        # Never let one odd value crash the board: after the restart
        # wait=0 would fetch the same value again. The runtime catches.
        due = None
        if play_at is not None:
            if self.estimator is not None:
                due = self.estimator.to_local(play_at)
            if due is None:
                self.unsynced += 1
        late = self.runtime.late
        for i, e in self.runtime.accept(key, value, self.clock(), due):
            self.rejected += 1
            if isinstance(e, MappingError):
                print("artcast: %s: ignored value: %s" % (key, e))
            else:
                print("artcast: %s: value not handled: %r" % (key, e))
        if self.runtime.late != late:
            print("artcast: %s: value arrived after its play-at (%d late so far)" % (key, self.runtime.late))

    def on_online(self, key, online):
        self.runtime.link(key, online, self.clock())

    def tick(self, now):
        """Advance motion to `now` and write what changed.

        Returns ms until the next frame is needed (a frame while moving,
        the moment a held value is due), or None when all is still.
        """
        runtime = self.runtime
        runtime.frame(now)
        wait = FRAME_MS if runtime.moving() else None
        held = runtime.soonest()
        if held is not None:
            due = time.ticks_diff(held, now) - SETTLE_MS    # woken early: settle() finishes
            if due < 0:
                due = 0
            if wait is None or due < wait:
                wait = due
        return wait

    def settle(self, sleep_us=time.sleep_us):
        """When a held value is due within SETTLE_MS: sleep until it is
        (whole ms at once while at least one is left, then SETTLE_US steps:
        a few wake-ups, bounded whatever the clock does), then to the middle
        of that ms. -> True if it slept."""
        held = self.runtime.soonest()
        clock = self.clock
        left = -1 if held is None else time.ticks_diff(held, clock())
        if not 0 < left <= SETTLE_MS:
            return False
        if left > 1:
            sleep_us((left - 1) * 1000)       # still inside the ms before the moment
        for _ in range(1000 // SETTLE_US + 5):
            sleep_us(SETTLE_US)
            if time.ticks_diff(held, clock()) <= 0:
                sleep_us(TICK_MIDDLE_US)
                break
        return True

    def close(self):
        """Park every output (strip dark, servo released, pins off)."""
        self.runtime.park()
        for i in range(len(self.devices)):
            write(self.devices[i], self.runtime.outputs[i].device, self.runtime.outputs[i].last)
            self.devices[i].close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
