# Recording stand-in for MicroPython's `machine` (tests only).
#
# Same names and signatures the firmware uses on an ESP32; every write is
# recorded (see _record.py) instead of reaching a pin:
#   ["pin", id, level]           Pin.value(level) / Pin(..., value=)
#   ["pwm_init", id, freq]       PWM(...)
#   ["pwm", id, duty_u16]        PWM.duty_u16(duty)
#   ["pwm_deinit", id]
#   ["wdt_init", timeout_ms], ["wdt_expired", gap_ms],
#   ["wdt_feed", longest gap between feeds since the last such record, ms]
#   ["reset"]                    machine.reset() (then the process exits 77)
# Input levels come from $STUB_INPUTS, e.g. "0=0" holds GPIO0 low
# (the setup button), or, read at every call, from the file named by
# $STUB_INPUT_FILE (same "pin=level,..." text) so a test can press a button
# while the firmware runs; unlisted inputs read 1 (pulled up).

import os
import sys
import time

from _record import record

def _parse_levels(text, into):
    for item in text.split(","):
        if "=" in item:
            k, v = item.split("=")
            into[int(k)] = int(v)
    return into


_inputs = _parse_levels(os.getenv("STUB_INPUTS") or "", {})
_input_file = os.getenv("STUB_INPUT_FILE")


def _input_level(pin):
    levels = _inputs
    if _input_file:
        try:
            with open(_input_file) as f:
                levels = _parse_levels(f.read(), dict(_inputs))
        except OSError:
            pass
    return levels.get(pin, 1)


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 2
    PULL_DOWN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = mode
        self.level = 0
        if mode != -1 or value is not None:
            self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self.mode = mode
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            if self.mode == Pin.IN:
                return _input_level(self.id)
            return self.level
        self.level = 1 if v else 0
        record("pin", self.id, self.level)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def __call__(self, v=None):
        return self.value(v)


class PWM:
    def __init__(self, pin, freq=None, duty_u16=None, duty_ns=None):
        self.pin = pin
        self._freq = freq or 5000
        self._duty = 0
        record("pwm_init", pin.id, self._freq)
        if duty_u16 is not None:
            self.duty_u16(duty_u16)
        if duty_ns is not None:
            self.duty_ns(duty_ns)

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f
        record("pwm_freq", self.pin.id, f)

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        if not 0 <= d <= 65535:
            raise ValueError("duty_u16 out of range")
        self._duty = int(d)
        record("pwm", self.pin.id, self._duty)

    def duty_ns(self, ns=None):
        period = 1000000000 // self._freq
        if ns is None:
            return self._duty * period // 65535
        self.duty_u16(ns * 65535 // period)

    def deinit(self):
        record("pwm_deinit", self.pin.id)


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.last = time.ticks_ms()
        self.recorded = self.last
        self.max_gap = 0
        record("wdt_init", timeout)

    def feed(self):
        now = time.ticks_ms()
        gap = time.ticks_diff(now, self.last)
        self.last = now
        if gap > self.timeout:
            # The real chip would have reset the board by now.
            record("wdt_expired", gap)
            sys.exit(78)
        # Record at most every 200 ms, with the longest gap between two
        # feeds since the previous record.
        if gap > self.max_gap:
            self.max_gap = gap
        if time.ticks_diff(now, self.recorded) >= 200:
            self.recorded = now
            record("wdt_feed", self.max_gap)
            self.max_gap = 0


def reset():
    record("reset")
    raise SystemExit(77)


def soft_reset():
    reset()


def unique_id():
    return b"\x24\x0a\xc4\x12\xab\xcd"


def freq(f=None):
    return 240000000


def reset_cause():
    return 1


def bitstream(pin, encoding, timing, buf):
    record("bitstream", pin.id, bytes(buf).hex())


PWRON_RESET = 1
WDT_RESET = 3
