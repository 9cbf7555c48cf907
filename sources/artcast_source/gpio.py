"""artcast-gpio-source: a button, PIR sensor or switch on a Pi pin becomes an artcast.

    artcast-gpio-source --pin 17 --key room-1/button               # button to GND
    artcast-gpio-source --pin 4 --key room-1/motion --pull down --active-high   # PIR
    artcast-gpio-source --simulate --pin 17 --key room-1/button    # anywhere: Enter toggles

The value is true (pressed / motion) or false. It is sent when it changes
(after debouncing: the level must hold for --debounce seconds, so a
bouncing contact sends one change, not ten) and again every --every
seconds, so a server that starts later, or a client that joins, learns
the state without waiting for the next press.

Wiring (hardware/ has the diagrams):
  button  between GPIO17 (pin 11) and GND (pin 9); the Pi's internal pull-up
          holds the pin high, a press pulls it low: --pull up --active-low
          (the defaults).
  PIR     HC-SR501: VCC to 5 V, GND to GND, OUT to GPIO4 (pin 7). Its output
          is 3.3 V when it sees motion: --pull down --active-high.

A source, so it lives in sources/ and sends with artcast_source. The pin
is read through the Pi's backend layer, the same one artcast-kinetic
drives its outputs through (artcast_kinetic.backends: RPi.GPIO, or
rpi-lgpio on a Pi 5; or --simulate / ARTCAST_BACKEND=simulate, a
recording stand-in toggled from the keyboard), by polling every --poll
seconds: simple, and the debounce maths stays plain and testable.
"""

import argparse
import sys
import threading
import time

from artcast_core.keys import key_problem
from artcast_kinetic.backends import NAMES, choose_backend, make_backend
from artcast_kinetic.backends.base import Input
from artcast_kinetic.backends.hardware import MAX_BCM


class Debouncer:
    """A raw level counts only after it has held for `stable` seconds.

    >>> d = Debouncer(0.05)
    >>> d.update(True, 0.00), d.update(False, 0.01), d.update(False, 0.07)
    (None, None, False)
    >>> d.update(True, 0.10), d.update(True, 0.16)
    (None, True)
    """

    def __init__(self, stable=0.05):
        self.stable = stable
        self.value = None        # the debounced value (None before the first)
        self._raw = None
        self._since = None

    def update(self, raw, now):
        """Feed one reading; return the new debounced value when it changes."""
        if raw != self._raw:
            self._raw = raw
            self._since = now
        if raw != self.value and now - self._since >= self.stable - 1e-9:
            self.value = raw
            return raw
        return None


class Reporter:
    """Decides what to send: every change, and the current value every `every` s."""

    def __init__(self, every=30.0):
        self.every = every
        self.last_sent = None

    def due(self, changed, value, now):
        if value is None:
            return False
        if changed or self.last_sent is None or (self.every and now - self.last_sent >= self.every):
            self.last_sent = now
            return True
        return False


def follow_pin(read, send, keep_going, debounce=0.05, every=30.0, poll=0.01,
               now=time.monotonic, sleep=time.sleep):
    """The loop: read, debounce, send on change and periodically."""
    debouncer = Debouncer(debounce)
    reporter = Reporter(every)
    while keep_going():
        t = now()
        changed = debouncer.update(read(), t) is not None
        if reporter.due(changed, debouncer.value, t):
            send(debouncer.value)
        sleep(poll)


def parse_args(argv):
    from artcast_source.options import add_source_options
    p = argparse.ArgumentParser(prog="artcast-gpio-source",
                                description="Publish a Pi input pin (button, PIR, switch) as an artcast.")
    p.add_argument("--pin", type=int, required=True, help="BCM GPIO number (button: 17, PIR: 4)")
    p.add_argument("--key", required=True, help="artcast key, e.g. room-1/button")
    p.add_argument("--pull", choices=Input.PULLS, default="up", help="internal resistor (default up)")
    level = p.add_mutually_exclusive_group()
    level.add_argument("--active-low", dest="active_low", action="store_true", default=True,
                       help="0 V means active (a button to GND; the default)")
    level.add_argument("--active-high", dest="active_low", action="store_false",
                       help="3.3 V means active (a PIR sensor)")
    p.add_argument("--debounce", type=float, default=0.05, help="seconds a level must hold (0.05)")
    p.add_argument("--every", type=float, default=30.0, help="resend the value this often, seconds (30; 0 = never)")
    p.add_argument("--poll", type=float, default=0.01, help="seconds between pin reads (0.01)")
    p.add_argument("--description", help="registered description of the artcast")
    p.add_argument("--simulate", action="store_true",
                   help="no Pi needed: a simulated button, toggled by pressing Enter")
    p.add_argument("--backend", choices=NAMES,
                   help="hardware or simulate (default: $ARTCAST_BACKEND, else hardware)")
    add_source_options(p)
    args = p.parse_args(argv)
    problem = key_problem(args.key)
    if problem:
        p.error("--key: %s" % problem)
    if not 0 <= args.pin <= MAX_BCM:
        p.error("--pin: a Raspberry Pi GPIO is 0-%d (BCM numbering), got %d" % (MAX_BCM, args.pin))
    if args.debounce < 0 or args.poll <= 0 or args.every < 0:
        p.error("--debounce and --every must be >= 0, --poll > 0")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from artcast_source import Source
    from artcast_source.options import apply_process_options
    apply_process_options(args)    # --daemonize, --pidfile, --uid; SIGTERM exits cleanly
    description = args.description or "GPIO %d input (true = %s)" % (
        args.pin, "pulled low" if args.active_low else "high")
    try:
        name, reason = choose_backend(explicit="simulate" if args.simulate else args.backend, fallback=False)
    except ValueError as e:          # a wrong ARTCAST_BACKEND
        sys.stderr.write("artcast-gpio-source: %s\n" % e)
        return 2
    backend = make_backend(name)
    try:
        pin = backend.open_input(args.pin, args.pull, args.active_low)
    except Exception as e:
        sys.stderr.write("artcast-gpio-source: cannot open GPIO %d: %s: %s\n" % (args.pin, type(e).__name__, e))
        backend.close()
        return 1
    if args.verbose:
        sys.stderr.write("artcast-gpio-source: %s backend (%s): %s\n" % (name, reason, pin.describe()))
    if name == "simulate":
        keyboard(pin)
    try:
        source = Source(group=args.group, data_port=args.data_port, register_port=args.registration_port,
                        ttl=args.ttl, interface=args.multicast_interface, verbose=args.verbose)
    except (OSError, ValueError) as e:     # no network to send on: one line, not a traceback
        sys.stderr.write("artcast-gpio-source: %s\n" % e)
        backend.close()
        return 1
    artcast = source.artcast(args.key, description=description, provenance="artcast-gpio-source")
    try:
        follow_pin(pin.read, artcast.send, lambda: source.running, args.debounce, args.every, args.poll,
                   now=backend.clock.now)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        source.close()
        backend.close()
    return 0


def keyboard(button, lines=None, out=None):
    """--simulate: each line on stdin (Enter) toggles the simulated button."""
    lines = sys.stdin if lines is None else lines
    out = sys.stderr if out is None else out
    out.write("artcast-gpio-source: simulated %s; press Enter to toggle it\n" % button.describe())
    out.flush()

    def read():
        for _ in lines:
            state = button.toggle()
            out.write("artcast-gpio-source: %s\n" % ("pressed (active)" if state else "released"))
            out.flush()
    thread = threading.Thread(target=read, name="keyboard", daemon=True)
    thread.start()
    return thread


if __name__ == "__main__":
    sys.exit(main())
