"""Drawing helpers for the wiring diagrams: boards as labelled boxes with
their pins, wires as lines between points, and the parts every guide uses
(supply, fuse, series resistor, capacitor, level shifter).

Coordinates are schemdraw drawing units (y grows upwards). Each helper
takes explicit positions so a diagram reads like a description of the
layout; generate.py holds one function per diagram.

    >>> with schemdraw.Drawing(show=False) as d:
    ...     pi = board(d, "Raspberry Pi", (0, 0), (3, 2), right=[("GPIO18", "12")])
    ...     round(pi.pin("GPIO18")[1], 2)
    0.0
"""

import schemdraw
import schemdraw.elements as elm

# Servo lead colours, printed next to each servo wire: the most common
# question in a workshop is "which wire is which?".
SERVO_COLOURS = {"GND": "brown/black", "V+": "red", "SIG": "orange/yellow"}

# Wire colours in the drawings: red for +5 V, black for ground, blue for data.
POWER = "#c00000"
GROUND = "#202020"
DATA = "#1f4fbf"


class Box:
    """A placed board or module: its element plus a pin lookup by name."""

    def __init__(self, element, anchors):
        self.element = element
        self._anchors = anchors

    def pin(self, name):
        anchor = self._anchors[name]
        return tuple(getattr(self.element, anchor))


def _pin_list(names, side):
    """IcPins for one side, listed top-to-bottom (left/right) or
    left-to-right (top/bottom); schemdraw counts slots from the other end."""
    pins = []
    anchors = {}
    n = len(names)
    for i, entry in enumerate(names):
        name, number = entry
        anchor = "p_%s_%d" % (side, i)
        slot = "%d/%d" % ((n - i) if side in ("left", "right") else (i + 1), n)
        pins.append(elm.IcPin(name=name, pin=number, side=side, slot=slot, anchorname=anchor))
        anchors[name] = anchor
    return pins, anchors


def _make_ic(size, pins):
    ic = elm.Ic(size=size, pins=pins, pinspacing=0, plblsize=10, lsize=11, leadlen=0.5)
    return ic.theta(0)


def _pin_offset(size, pins, anchor):
    """Where `anchor` sits relative to the box centre (measured on a
    throwaway drawing, so a box can be placed to line a pin up)."""
    with schemdraw.Drawing(show=False) as scratch:
        ic = _make_ic(size, pins).at((0, 0)).anchor("center")
        scratch.add(ic)
        x, y = getattr(ic, anchor)
    return x, y


def board(d, title, center, size, left=(), right=(), top=(), bottom=(), note=None,
          align=None, title_below=False):
    """A box with pins. Each side is a list of (name, pin-number-or-"").

    align=(pin name, y): move the box up or down so that pin is at height y
    (straight wires from the board before it).
    """
    pins = []
    anchors = {}
    for side, names in (("left", left), ("right", right), ("top", top), ("bottom", bottom)):
        p, a = _pin_list(list(names), side)
        pins += p
        anchors.update(a)
    x, y = center
    if align is not None:
        name, want_y = align
        y = want_y - _pin_offset(size, pins, anchors[name])[1]
    ic = _make_ic(size, pins).at((x, y)).anchor("center")
    d.add(ic)
    w, h = size
    below = y - h / 2.0 - (1.0 if bottom else 0.4)
    if title_below:
        d.add(elm.Label().at((x, below)).label(title, fontsize=13, halign="center", valign="top"))
        below -= 0.9
    else:
        label_y = y + h / 2.0 + (0.95 if top else 0.35)
        d.add(elm.Label().at((x, label_y)).label(title, fontsize=13, halign="center", valign="bottom"))
    if note:
        d.add(elm.Label().at((x, below))
              .label(note, fontsize=9, halign="center", valign="top", color="#555555"))
    return Box(ic, anchors)


def wire(d, points, color=GROUND, label=None, label_at=0, dots=()):
    """Straight segments through `points`; optional label on one segment and
    junction dots at the given points."""
    for i in range(len(points) - 1):
        line = elm.Line().at(points[i]).to(points[i + 1]).color(color)
        if label is not None and i == label_at:
            line.label(label, fontsize=9, color=color)
        d.add(line)
    for p in dots:
        d.add(elm.Dot(radius=0.09).at(p).color(color))


def text(d, at, words, size=9, color="#333333", halign="left"):
    d.add(elm.Label().at(at).label(words, fontsize=size, color=color, halign=halign, valign="center"))


def resistor(d, start, end, label, color=DATA):
    """A resistor drawn from start to end (horizontal or vertical)."""
    d.add(elm.Resistor().at(start).to(end).color(color).label(label, fontsize=10))


def fuse(d, start, end, label, color=POWER):
    d.add(elm.Fuse().at(start).to(end).color(color).label(label, fontsize=10))


def capacitor(d, top, label, length=2.0):
    """Electrolytic capacitor from a +5 V point down to a ground symbol:
    the + leg goes to +5 V, the other leg to GND."""
    bottom = (top[0], top[1] - length)
    d.add(elm.Capacitor(polar=True).at(top).to(bottom).color(GROUND)
          .label(label, fontsize=10, loc="bottom", ofst=0.25))
    d.add(elm.Ground().at(bottom).color(GROUND))
    d.add(elm.Dot(radius=0.09).at(top).color(POWER))


def supply(d, title, center, size=(2.4, 2.0)):
    """A bench/plug-in supply with + (top) and - (bottom) on its right."""
    return board(d, title, center, size, right=[("+", ""), ("−", "")])


def level_shifter(d, center, align=None):
    """74AHCT125: 3.3 V data in on 1A, 5 V data out on 1Y, 1OE tied low."""
    return board(d, "74AHCT125 level shifter", center, (2.6, 2.4),
                 left=[("1A", "2"), ("1OE", "1")], right=[("1Y", "3")],
                 top=[("VCC", "14")], bottom=[("GND", "7")], align=align)


def save(d, path):
    d.save(path)


def drawing():
    schemdraw.use("svg")
    d = schemdraw.Drawing(show=False)
    # generous margin: schemdraw does not count label text in the bounds
    d.config(fontsize=11, unit=2, lw=1.6, margin=1.5)
    return d
