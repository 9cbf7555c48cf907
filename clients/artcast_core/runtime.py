# The piece runtime: every output of a piece, between the network and the
# devices. Values and link news go in, device states come out through ONE
# write callback. The Pi client (artcast_kinetic/runner.py) and the ESP32
# firmware (artcast_fw/outputs.py) are thin shells around this class: they
# own the clock, the polls and the devices; everything that decides when a
# device changes lives here, once.
#
# No clock is read here: every call says what time it is (`now`, in the
# shell's own units) and `elapsed(now, then)` turns two readings into
# seconds (plain subtraction on the Pi, time.ticks_diff()/1000 on a board,
# where the millisecond counter wraps).
#
# The ordering rule: motion is advanced to `now` BEFORE a value or link
# change is taken. Between values nothing moves and no frame runs, so the
# last frame may be long ago; a fade started without first catching up
# would see all that idle time in its first frame and jump to its end.
#
#   >>> from artcast_core.piece import check_outputs
#   >>> outs = check_outputs([{"key": "k", "device": {"type": "pwm", "pin": 13},
#   ...                        "mapping": {"type": "direct"}, "motion": {"fade": 1}}])
#   >>> written = []
#   >>> rt = PieceRuntime({"outputs": outs, "power": None}, lambda i, s: written.append(s))
#   >>> rt.start(0.0)               # devices open: the safe state is written
#   True
#   >>> written
#   [0.0]
#   >>> rt.accept("k", 1, 60.0)     # a minute idle, then a value: the fade starts now
#   ()
#   >>> rt.frame(60.5)
#   True
#   >>> written                     # half way, not at its end
#   [0.0, 0.5]
#   >>> rt.moving()
#   True

from artcast_core.mapping import MappingError
from artcast_core.output import build_outputs


def _seconds(now, then):
    return now - then


def _add(items, item):
    # No list at all for the usual case of a value every output takes.
    if items is None:
        items = []
    items.append(item)
    return items


class PieceRuntime:
    """All outputs of a validated piece ({"outputs": [...], "power": ...}).

    write(index, state) puts one output's new device state on its device
    (see Output.frame for the states); it is called only when the state
    changed. Nothing is written before start().
    """

    def __init__(self, piece, write, elapsed=_seconds):
        self.outputs = build_outputs(piece)
        self.write = write
        self.elapsed = elapsed
        self.values = {}        # key -> last value received (accepted or not)
        self.online = {}        # key -> True / False (None before the first answer)
        self.errors = {}        # output index -> message of its last rejected value
        self.keys = []          # each key once, in piece order: one long-poll per key
        for out in self.outputs:
            if out.key not in self.keys:
                self.keys.append(out.key)
                self.online[out.key] = None
        self.last = None        # the time of the last frame; None before start()

    def start(self, now):
        """Devices are open: write every output's first (safe) state."""
        self.last = now
        return self.frame(now)

    def frame(self, now):
        """Advance motion to `now`; write what changed. -> True if anything was written."""
        if self.last is None:
            return False
        dt = self.elapsed(now, self.last)
        if dt < 0:
            dt = 0.0
        self.last = now
        wrote = False
        outputs = self.outputs
        for i in range(len(outputs)):
            changed, state = outputs[i].frame(dt)
            if changed:
                self.write(i, state)
                wrote = True
        return wrote

    def accept(self, key, value, now):
        """A value for `key` arrived at `now`.

        -> the (output index, exception) pairs of the outputs that could not
        use it (MappingError: the value does not fit; anything else is a
        bug), empty when all could. Those keep their state; the others take
        the value, shown from the shell's next frame() (the Pi calls it at
        once; the board at its loop's next turn, after the poller has let
        go of the response, which keeps its heap peak low).
        """
        self.frame(now)                   # the ordering rule: catch up first
        self.values[key] = value
        failed = None
        outputs = self.outputs
        for i in range(len(outputs)):
            out = outputs[i]
            if out.key != key:
                continue
            try:
                out.accept(value)
                if i in self.errors:
                    del self.errors[i]
            except MappingError as e:
                self.errors[i] = str(e)
                failed = _add(failed, (i, e))
            except Exception as e:  # noqa: B902 - one odd value must not stop the others
                self.errors[i] = "%s: %s" % (type(e).__name__, e)
                failed = _add(failed, (i, e))
        return failed or ()

    def link(self, key, online, now):
        """The long-poll for `key` reached the server (True) or lost it
        (False). Shown from the shell's next frame(), as for accept()."""
        self.frame(now)                   # the ordering rule: catch up first
        self.online[key] = online
        for out in self.outputs:
            if out.key == key:
                out.set_online(online)

    def moving(self):
        """True while a fade or slew is under way (frames are needed)."""
        for out in self.outputs:
            if out.moving():
                return True
        return False

    def park(self):
        """Every output to its safe state (dark, released, off), as its
        `last` state; the shell then parks and closes its devices."""
        for out in self.outputs:
            out.last = out.park()
