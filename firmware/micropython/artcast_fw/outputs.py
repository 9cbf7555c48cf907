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
# that moment and settle() sleeps the rest in one precise sleep_us().

import time

from artcast_core.mapping import MappingError, pin_level, servo_duty
from artcast_core.runtime import PieceRuntime
from artcast_fw import config, devices

# 50 frames a second while a fade or slew is under way: smooth to the eye
# and for a servo, and cheap for the ESP32.
FRAME_MS = 20
# The last stretch before a held value's moment (ms): one sleep_us() to
# the middle of the moment's millisecond (a ticks_ms value stands for its
# whole ms, and the clock samples' t0 and t1 were floored too) instead of
# a poll, whose whole-ms timeout wakes up to a ms late. One wake-up, no
# steps: 30 simulated boards share two CPUs in tests/bench/skew.py.
SETTLE_MS = 2
TICK_MIDDLE_US = 500
# ticks_ms and ticks_us count one microsecond clock (ESP32, unix port),
# both modulo this period, so (ticks_us - 1000 * ticks_ms) mod it is how
# far into the current ms we are. settle() checks that it is below 1000.
_PERIOD = time.ticks_add(0, -1) + 1


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

    def settle(self, sleep_us=time.sleep_us, ticks_us=time.ticks_us):
        """When a held value is due within SETTLE_MS: sleep to the middle
        of its millisecond in one sleep_us(). -> True if it slept."""
        held = self.runtime.soonest()
        if held is None:
            return False
        clock = self.clock
        ms = clock()
        us = ticks_us()
        if clock() != ms:           # a ms edge between the two readings: again
            ms = clock()
            us = ticks_us()
        left = time.ticks_diff(held, ms)
        if not 0 < left <= SETTLE_MS:
            return False
        into = (us - ms * 1000) % _PERIOD
        if into >= 1000:            # the two counters are not one clock here
            into = TICK_MIDDLE_US   # (then: on average the middle)
        sleep_us(left * 1000 - into + TICK_MIDDLE_US)
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
