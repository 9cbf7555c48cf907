"""The --simulate terminal view: colour blocks, servo angles, pin states.

render(snapshot) turns PieceRunner.snapshot() into text: each strip as a
row of 24-bit ANSI colour blocks (the colour that pixel would show), each
servo as its angle on a gauge, each pin ON/off, each PWM its duty:

    tick: strip and servo   http://127.0.0.1:8888   simulate
    strip  GPIO 18    test/tick = 12  online
      ██████████████████████
    servo  GPIO 12    test/tick = 12  online
      120.0°  [================>        ]  1667 us

With NO_COLOR set (no-color.org) pixels are shown as hex codes instead.
Text from the network or a piece file (values, keys, names, errors, the
server URL) is escaped with artcast_core.text.printable: a value cannot
move the cursor or retitle the terminal; the only escapes written are this
view's own colours and repaint.
TerminalView repaints in place on a terminal, at most `rate` times a
second, and appends plain frames when stdout is a pipe or file. Repainting
clears the screen, so on a terminal it prints its `footer` (the live web
page's URL) under every frame instead of letting it be wiped.
"""

import os
import sys
import time

from artcast_core.text import printable

GAUGE = 24
PER_ROW = 40


def _block(hex_colour, colour=True):
    r, g, b = int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)
    if not colour:
        return hex_colour[1:7] + " "
    return "\x1b[48;2;%d;%d;%dm  \x1b[0m" % (r, g, b)


def _link(item):
    return {True: "online", False: "OFFLINE", None: "waiting"}[item["online"]]


def _value(item):
    value = item["value"]
    if not item.get("has_value"):
        return "-"
    text = printable(repr(value) if not isinstance(value, str) else value)
    return text if len(text) <= 30 else text[:27] + "..."


def render(snap, colour=True):
    lines = [printable("%s   %s   %s" % (snap["name"], snap["server"], snap["backend"]))]
    for item in snap["outputs"]:
        lines.append(printable("%-8s %-12s %s = %s  %s" % (item["name"][:8], item["where"], item["key"], _value(item),
                                                             _link(item))))
        kind = item["kind"]
        if kind == "neopixel":
            px = item["pixels"]
            for start in range(0, len(px), PER_ROW):
                lines.append("  " + "".join(_block(p, colour) for p in px[start:start + PER_ROW]))
        elif kind == "servo":
            if item["angle"] is None:
                lines.append("  released (no pulses)")
            else:
                lo, hi = item["range"]
                t = (item["angle"] - lo) / float(hi - lo)
                filled = int(round(t * GAUGE))
                lines.append("  %6.1f deg [%s>%s] %4d us" % (item["angle"], "=" * filled, " " * (GAUGE - filled),
                                                              int(round(item["pulse_us"]))))
        elif kind == "pin":
            lines.append("  %s (level %d)" % ("ON " if item["on"] else "off", item["level"]))
        else:
            duty = item["duty"] or 0.0
            lines.append("  duty %5.1f%% [%s%s]" % (duty * 100, "#" * int(round(duty * GAUGE)),
                                                    " " * (GAUGE - int(round(duty * GAUGE)))))
        if item["error"]:
            lines.append(printable("  ignored last value: %s" % item["error"]))
    return "\n".join(lines)


class TerminalView:
    """Prints render(runner.snapshot()) whenever the devices change."""

    def __init__(self, runner, stream=None, rate=10.0, colour=None, clock=time.monotonic):
        self.runner = runner
        self.stream = stream or sys.stdout
        self.rate = rate
        self.colour = (not os.environ.get("NO_COLOR")) if colour is None else colour
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.clock = clock
        self.last_draw = None
        self.last_text = None
        self.pending = False
        self.footer = None

    def set_footer(self, text):
        """A line kept under every repainted frame (on a terminal)."""
        self.footer = text
        if self.tty:
            self.last_text = None
            self.draw()

    def attach(self):
        self.runner.listeners.append(self.changed)
        return self

    def changed(self):
        now = self.clock()
        if self.last_draw is not None and now - self.last_draw < 1.0 / self.rate:
            self.pending = True
            return
        self.draw()

    def draw(self):
        text = render(self.runner.snapshot(), self.colour)
        self.pending = False
        self.last_draw = self.clock()
        if text == self.last_text:
            return
        self.last_text = text
        if self.tty:
            footer = "\n" + self.footer if self.footer else ""
            self.stream.write("\x1b[H\x1b[2J" + text + "\n" + footer + "\n")
        else:
            self.stream.write(text + "\n\n")
        self.stream.flush()

    async def loop(self):
        """Draw throttled changes that arrived between frames."""
        import asyncio
        while True:
            await asyncio.sleep(1.0 / self.rate)
            if self.pending:
                self.draw()
