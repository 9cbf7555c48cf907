"""artcast bridge osc: OSC in and out, for TouchDesigner, Max/MSP, QLC+, Chataigne.

    artcast bridge osc --listen 127.0.0.1:9000 --send 127.0.0.1:9001 --keys 'room/*'

In: an OSC message `/artcast/<key> args` received on --listen becomes a
datum for <key> on the multicast group. Out: every datum of the --keys heard
on the group goes to --send as `/artcast/<key> args`. The OSC work is
python-osc's; this module only maps values:

    artcast value          OSC arguments           back to artcast
    42                     i 42 (h if > 32 bits)   42
    21.5                   f 21.5 (32-bit)         21.5 (7 significant digits)
    "hello"                s "hello"               "hello"
    true / false           T / F                   true / false
    null                   N                       null
    [1, "a"]               i 1, s "a"              [1, "a"] (two or more args: a list)
    [[1, 2]]               an OSC array [i 1, i 2]  [[1, 2]]
    {"a": 1}               s '{"a":1}' (JSON text)  '{"a":1}' (a string)
    (no arguments)                                 null

A message to another address, with a key that is not valid, or with a
blob or MIDI argument is dropped and logged (rate-limited).
"""

import argparse
import json
import sys
import threading

from artcast_bridges.listen import DATUM, Listener, key_pattern
from artcast_bridges.log import Log
from artcast_bridges.options import host_port

DEFAULT_PREFIX = "/artcast"


def osc_args(value):
    """An artcast value -> the list of OSC arguments python-osc sends."""
    if isinstance(value, list):
        return [_osc_arg(v, nested=True) for v in value]
    return [_osc_arg(value, nested=False)]


def _osc_arg(value, nested):
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 63 else float(value)
    if isinstance(value, list) and nested:
        return [_osc_arg(v, nested=True) for v in value]
    return json.dumps(value, separators=(",", ":"))


def from_osc(args):
    """OSC arguments (as python-osc decodes them) -> an artcast value.
    Raises ValueError for an argument JSON cannot carry (blob, MIDI, time tag)."""
    values = [_from_arg(a) for a in args]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _from_arg(arg):
    if isinstance(arg, bool) or arg is None or isinstance(arg, (str, int)):
        return arg
    if isinstance(arg, float):
        # OSC floats are 32-bit: 21.1 arrives as 21.100000381...; keep what was meant.
        return float("%.7g" % arg) if arg == arg and abs(arg) != float("inf") else None
    if isinstance(arg, list):
        return [_from_arg(a) for a in arg]
    raise ValueError("an OSC %s argument has no artcast value" % type(arg).__name__)


class OscIn:
    """python-osc server thread: /prefix/<key> messages -> source.send."""

    def __init__(self, address, source, prefix, log):
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import ThreadingOSCUDPServer
        self.source = source
        self.prefix = prefix.rstrip("/") + "/"
        self.log = log
        self.received = 0
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self.handle)
        self.server = ThreadingOSCUDPServer(address, dispatcher)
        self.thread = threading.Thread(target=self.server.serve_forever, name="osc-in", daemon=True)

    def handle(self, address, *args):
        if not address.startswith(self.prefix):
            self.log.problem("address", "dropped OSC to %r (expected %s<key>)" % (address, self.prefix))
            return
        key = address[len(self.prefix):]
        try:
            self.source.send(key, from_osc(args))
        except ValueError as exc:   # bad key, unusable argument, too large
            self.log.problem("value", "dropped OSC to %r: %s" % (address, exc))
            return
        self.received += 1

    def start(self):
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def forward(listener, client, prefix, stop, timeout=0.5):
    """Datums heard on the group -> OSC messages, until `stop` is set."""
    prefix = prefix.rstrip("/") + "/"
    while not stop.is_set():
        for item in listener.poll(timeout):
            if item.kind == DATUM:
                client.send_message(prefix + item.key, osc_args(item.value))


def build_parser():
    from artcast_source.options import add_source_options
    parser = argparse.ArgumentParser(prog="artcast bridge osc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=host_port, default=("127.0.0.1", 9000), metavar="ADDRESS:PORT",
                        help="where OSC comes in (default 127.0.0.1:9000; 0.0.0.0:9000 for other machines)")
    parser.add_argument("--no-listen", action="store_true", help="send only: take no OSC in")
    parser.add_argument("--send", type=host_port, metavar="HOST:PORT", help="where OSC goes out")
    parser.add_argument("--keys", nargs="+", metavar="KEY", type=key_pattern, help="keys or patterns (room/*) to send out")
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="OSC address prefix (default %s)" % DEFAULT_PREFIX)
    add_source_options(parser)
    return parser


def main(argv=None):
    from pythonosc.udp_client import SimpleUDPClient
    from artcast_source import Source
    from artcast_source.options import apply_process_options
    parser = build_parser()
    args = parser.parse_args(argv)
    if bool(args.send) != bool(args.keys):
        parser.error("--send and --keys go together (which keys go out, and where)")
    if args.no_listen and not args.send:
        parser.error("nothing to do: --no-listen and no --send")
    if not args.prefix.startswith("/"):
        parser.error("--prefix must start with /")
    apply_process_options(args)   # first, as sources do: --daemonize closes open sockets
    log = Log("osc")
    source = Source(group=args.group, data_port=args.data_port, register_port=args.registration_port,
                    ttl=args.ttl, interface=args.multicast_interface, register_every=0)
    osc_in = listener = None
    stop = threading.Event()
    try:
        if not args.no_listen:
            osc_in = OscIn(args.listen, source, args.prefix, log)
            osc_in.start()
            log.say("OSC in on %s:%d, %s/<key> -> datums" % (args.listen[0], args.listen[1], args.prefix.rstrip("/")))
        if args.send:
            listener = Listener(args.keys, args.group, args.data_port, args.registration_port,
                                args.multicast_interface, registrations=False)
            log.say("datums of %s -> OSC to %s:%d" % (" ".join(args.keys), args.send[0], args.send[1]))
        if listener is not None:
            forward(listener, SimpleUDPClient(args.send[0], args.send[1]), args.prefix, stop)
        else:
            stop.wait()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        log.say(str(exc))
        return 1
    finally:
        stop.set()
        if osc_in is not None:
            osc_in.close()
        if listener is not None:
            listener.close()
        source.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
