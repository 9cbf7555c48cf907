"""The --simulate terminal view, from a runner's snapshot."""

import io

from artcast_core.piece import check_piece
from artcast_kinetic.backends.clock import ManualClock
from artcast_kinetic.backends.simulate import SimulatedBackend
from artcast_kinetic.runner import PieceRunner
from artcast_kinetic.simview import TerminalView, render

PIECE = check_piece({"name": "four kinds", "server": "http://127.0.0.1:9", "outputs": [
    {"name": "strip", "key": "a", "device": {"type": "neopixel", "pin": 18, "count": 3},
     "mapping": {"type": "direct"}},
    {"name": "arm", "key": "b", "device": {"type": "servo", "pin": 12}, "mapping": {"type": "direct"}},
    {"name": "relay", "key": "c", "device": {"type": "pin", "pin": 27, "active_low": True},
     "mapping": {"type": "direct"}},
    {"name": "lamp", "key": "d", "device": {"type": "pwm", "pin": 13}, "mapping": {"type": "direct"}}]})


def runner():
    r = PieceRunner(PIECE, SimulatedBackend(clock=ManualClock()))
    r.open_devices()
    return r


def test_render_every_kind():
    r = runner()
    r.link("a", True)
    r.deliver("a", ["#ff0000", "#00ff00"])
    r.deliver("b", 45)
    r.deliver("c", True)
    r.deliver("d", 0.25)
    r.deliver("b", "up")            # rejected, shown as such
    text = render(r.snapshot())
    lines = text.split("\n")
    assert lines[0] == "four kinds   http://127.0.0.1:9   simulate"
    assert lines[1] == "strip    GPIO 18      a = ['#ff0000', '#00ff00']  online"
    assert lines[2] == "  \x1b[48;2;255;0;0m  \x1b[0m\x1b[48;2;0;255;0m  \x1b[0m\x1b[48;2;0;0;0m  \x1b[0m"
    assert lines[3] == "arm      GPIO 12      b = up  waiting"
    assert lines[4] == "    45.0 deg [======>                  ] 1250 us"
    assert lines[5] == "  ignored last value: value 'up' is not a number"
    assert lines[7] == "  ON  (level 0)"
    assert lines[9] == "  duty  25.0% [######                  ]"


def test_no_color_shows_hex():
    r = runner()
    r.deliver("a", "#0a0b0c")
    assert "  0a0b0c 0a0b0c 0a0b0c " in render(r.snapshot(), colour=False)


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_terminal_view_redraws_in_place_and_throttles():
    r = runner()
    now = [0.0]
    out = Tty()
    view = TerminalView(r, stream=out, rate=10, colour=False, clock=lambda: now[0]).attach()
    r.deliver("d", 0.5)
    assert out.getvalue().count("\x1b[H\x1b[2J") == 1 and "duty  50.0%" in out.getvalue()
    r.deliver("d", 0.75)               # within 0.1 s: held back
    assert "duty  75.0%" not in out.getvalue() and view.pending
    now[0] = 0.2
    view.draw()
    assert out.getvalue().count("\x1b[H\x1b[2J") == 2 and "duty  75.0%" in out.getvalue()
