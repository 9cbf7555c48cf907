"""artcast record: capture datums and registrations from the multicast group.

    artcast record 'room/*' test/tick -o show.jsonl --multicast-interface 127.0.0.1

Joins the data and registration ports (as a server does) and writes every
datagram for the chosen keys, exactly as sent, with its receive time, to a
show file (showfile.py). Each line is flushed as it is written, so a
crash loses nothing; Ctrl-C or SIGTERM stops cleanly.
"""

import argparse
import os
import sys
import time

from artcast_bridges.listen import Listener, key_pattern
from artcast_bridges.showfile import header_line, record_line


class Recorder:
    """Writes what a Listener hears to a text stream."""

    def __init__(self, listener, out, patterns, clock=time.monotonic):
        self.listener = listener
        self.out = out
        self.clock = clock
        self.count = 0
        out.write(header_line(patterns))
        out.flush()
        self.start = clock()

    def step(self, timeout=0.5):
        heard = self.listener.poll(timeout)
        if heard:
            t = self.clock() - self.start
            for item in heard:
                self.out.write(record_line(t, item.kind, item.payload))
            self.out.flush()
            self.count += len(heard)
        return len(heard)


def build_parser():
    from artcast_source.options import add_source_options
    parser = argparse.ArgumentParser(prog="artcast record", description=__doc__.split("\n\n")[0])
    parser.add_argument("keys", nargs="+", metavar="KEY", type=key_pattern, help="keys or patterns (room/*) to record")
    parser.add_argument("-o", "--output", required=True, help="show file (appended to if it exists)")
    add_source_options(parser)
    return parser


def main(argv=None):
    from artcast_source.options import apply_process_options
    args = build_parser().parse_args(argv)
    output = os.path.abspath(args.output)
    # First, as sources do: --daemonize closes open files and moves to /; SIGTERM
    # then raises SystemExit, so the finally below flushes and closes.
    apply_process_options(args)
    try:
        out = open(output, "a", encoding="utf-8")
    except OSError as exc:
        print("artcast record: %s" % exc, file=sys.stderr)
        return 1
    try:
        listener = Listener(args.keys, args.group, args.data_port, args.registration_port,
                            args.multicast_interface)
    except OSError as exc:
        out.close()
        print("artcast record: cannot join %s: %s" % (args.group, exc), file=sys.stderr)
        return 1
    recorder = Recorder(listener, out, args.keys)
    print("artcast record: recording %s from %s:%d/%d into %s (Ctrl-C stops)" % (
        " ".join(args.keys), args.group, args.data_port, args.registration_port, args.output),
        file=sys.stderr, flush=True)
    try:
        while True:
            recorder.step()
    except KeyboardInterrupt:
        pass
    finally:
        out.close()
        listener.close()
        print("artcast record: %d datagrams recorded" % recorder.count, file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
