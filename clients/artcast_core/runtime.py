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
# Play-at (PROTOCOL.md, "Shared time and play-at"): accept() may say when
# the value is due, in the shell's time (the shell converts the server's
# Artcast-Play-At with artcast_core.clock). Outputs with "sync" (the
# default) hold it until then: the frame that passes the due moment first
# advances motion TO the due moment, takes the value there, then advances
# to its own now, so a fade starts exactly at the due moment however late
# the frame runs. A value whose moment has already passed is taken at once
# and counted in `late`. The shell asks next_due() how long it may sleep.
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

# Values held for a later moment, at most (all outputs together). Past it
# the one due soonest is dropped and counted: a later value follows it.
PENDING_MAX = 32


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
        self.pending = []       # [due, output index, value], soonest first (play-at)
        self.late = 0           # values whose play-at had passed when they arrived
        self.dropped = 0        # held values dropped past PENDING_MAX

    def start(self, now):
        """Devices are open: write every output's first (safe) state."""
        self.last = now
        return self.frame(now)

    def frame(self, now):
        """Take held values that are due, advance motion to `now`, write
        what changed. -> True if anything was written."""
        if self.last is None:
            return False
        wrote = False
        pending = self.pending
        elapsed = self.elapsed
        while pending and elapsed(now, pending[0][0]) >= 0:
            due, i, value = pending.pop(0)
            if elapsed(due, self.last) > 0:
                wrote = self._advance(due) or wrote    # motion up to the due moment first
            self._take(i, value)
        return self._advance(now) or wrote

    def _advance(self, now):
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

    def accept(self, key, value, now, due=None):
        """A value for `key` arrived at `now`; `due`: when it takes effect
        (play-at, in the shell's time), None for at once.

        -> the (output index, exception) pairs of the outputs that could not
        use it (MappingError: the value does not fit; anything else is a
        bug), empty when all could. Those keep their state; the others take
        the value, shown from the shell's next frame() (the Pi calls it at
        once; the board at its loop's next turn, after the poller has let
        go of the response, which keeps its heap peak low). Outputs with
        "sync" hold a value that is due later; its problems, if any, show
        in `errors` when it is taken.
        """
        self.frame(now)                   # the ordering rule: catch up first
        self.values[key] = value
        if due is not None and self.elapsed(due, now) <= 0:
            if self.elapsed(due, now) < 0 and self._syncs(key):
                self.late += 1
            due = None                    # its moment has come (or gone): at once
        failed = None
        outputs = self.outputs
        for i in range(len(outputs)):
            out = outputs[i]
            if out.key != key:
                continue
            if due is not None and out.spec.get("sync", True):
                self._hold(due, i, value)
                continue
            e = self._take(i, value)
            if e is not None:
                failed = _add(failed, (i, e))
        return failed or ()

    def _syncs(self, key):
        for out in self.outputs:
            if out.key == key and out.spec.get("sync", True):
                return True
        return False

    def _hold(self, due, i, value):
        pending = self.pending
        at = len(pending)
        while at > 0 and self.elapsed(pending[at - 1][0], due) > 0:
            at -= 1                       # soonest first; equal moments keep arrival order
        pending.insert(at, (due, i, value))
        if len(pending) > PENDING_MAX:
            pending.pop(0)
            self.dropped += 1

    def soonest(self):
        """The moment (shell's time) the soonest held value is due, or None."""
        return self.pending[0][0] if self.pending else None

    def next_due(self, now):
        """Seconds until the soonest held value is due (0 when it is), or
        None when nothing is held: the shell sleeps no longer than this."""
        if not self.pending:
            return None
        wait = self.elapsed(self.pending[0][0], now)
        return wait if wait > 0 else 0.0

    def _take(self, i, value):
        """Output i takes `value` -> None, or the exception that refused it."""
        try:
            self.outputs[i].accept(value)
            if i in self.errors:
                del self.errors[i]
            return None
        except MappingError as e:
            self.errors[i] = str(e)
            return e
        except Exception as e:  # noqa: B902 - one odd value must not stop the others
            self.errors[i] = "%s: %s" % (type(e).__name__, e)
            return e

    def link(self, key, online, now):
        """The long-poll for `key` reached the server (True) or lost it
        (False). Shown from the shell's next frame(), as for accept()."""
        self.frame(now)                   # the ordering rule: catch up first
        self.online[key] = online
        if not online and self.pending:
            # Held values of a lost key are dropped: on reconnect the poll
            # fetches the latest datum again (wait=0), with its play-at.
            outputs = self.outputs
            self.pending = [p for p in self.pending if outputs[p[1]].key != key]
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
        self.pending = []
        for out in self.outputs:
            out.last = out.park()
