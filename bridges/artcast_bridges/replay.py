"""artcast replay: send a recorded show again, as a source, with its timing.

    artcast replay show.jsonl                       as recorded, once
    artcast replay show.jsonl --speed 2 --loop      twice as fast, forever
    artcast replay show.jsonl --from 60 --to 120    one minute of it (seconds)
    artcast replay show.jsonl --keys 'room/*' --rename room/temp=studio/temp

Datagrams go out over multicast through the source module's sender (same
--group, --ttl, --multicast-interface options as every source), byte for
byte as recorded, so every server gives them the ETags they had live. A
renamed key is re-encoded (new bytes, so a new ETag). Registrations are
replayed too; when --from skips past a key's registration, the latest one
before --from is sent at the start, so servers still learn the key's
description.

HTTP publish (POST with a token) is not offered: this server has no
publish endpoint yet.
"""

import argparse
import sys
import threading
import time

from artcast_bridges.listen import key_pattern, matches
from artcast_bridges.showfile import read_show
from artcast_core.datagram import encode_datum, encode_registration, parse_datum, parse_registration
from artcast_core.errors import WireError
from artcast_core.signing import is_signed, unwrap
from artcast_core.keys import key_problem


def parse_rename(pairs):
    """["old=new", ...] -> {"old": "new"}; ValueError names the bad one."""
    renames = {}
    for text in pairs or ():
        old, sep, new = text.partition("=")
        for key in (old, new):
            problem = key_problem(key) if sep else "not old=new"
            if problem is not None:
                raise ValueError("--rename %s: %s" % (text, problem))
        renames[old] = new
    return renames


def rewrite(kind, payload, renames):
    """(recorded key, key, payload to send) for one recorded datagram: the same bytes, or
    re-encoded under the new key. Raises WireError for a payload that is not
    a valid datagram (a hand-edited file)."""
    if kind == "datum":
        key, value = parse_datum(payload)
        if key in renames:
            return key, renames[key], encode_datum(renames[key], value)
        return key, key, payload
    key, meta = parse_registration(payload)
    if key in renames:
        return key, renames[key], encode_registration(renames[key], meta.get("description"),
                                                      meta.get("provenance"), meta.get("license"))
    return key, key, payload


def plan(items, patterns=None, renames=None, start=0.0, stop=None):
    """Recorded items -> [(offset s, kind, payload)] to send, offsets from `start`.

    Keeps the keys matching `patterns` (the recorded names) between `start`
    and `stop`; the latest registration of each key before `start` is put at
    offset 0 so the replay still registers every key.
    """
    renames = renames or {}
    earlier = {}
    out = []
    for at, kind, payload in items:
        original, key, data = rewrite(kind, payload, renames)
        if not matches(original, patterns):
            continue
        if at < start:
            if kind == "registration":
                earlier[key] = data
            continue
        if stop is not None and at > stop:
            break
        out.append((at - start, kind, data))
    return [(0.0, "registration", data) for data in earlier.values()] + out


class Player:
    """Sends a plan through a Source, keeping its relative timing."""

    def __init__(self, source, stop_event=None, clock=time.monotonic):
        self.source = source
        self.stop = stop_event or threading.Event()
        self.clock = clock
        self.sent = 0

    def play(self, steps, speed=1.0):
        """One pass; False if stopped early."""
        begin = self.clock()
        for offset, kind, payload in steps:
            delay = begin + offset / speed - self.clock()
            if delay > 0 and self.stop.wait(delay):
                return False
            if self.stop.is_set():
                return False
            if self.source.http is not None:        # HTTP publish: values only, re-encoded
                if kind == "datum":
                    self.source.send(*parse_datum(unwrap(payload)[-1] if is_signed(payload) else payload))
                    self.sent += 1
                continue
            port = self.source.data_port if kind == "datum" else self.source.register_port
            self.source.send_datagram(payload, port)
            self.sent += 1
        return True


def _positive(text):
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a number above 0, got %s" % text)
    return value


def _offset(text):
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be 0 or more seconds, got %s" % text)
    return value


def build_parser():
    from artcast_source.options import add_source_options
    parser = argparse.ArgumentParser(prog="artcast replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("show", help="a show file from artcast record")
    parser.add_argument("--speed", type=_positive, default=1.0, help="2 = twice as fast (default 1)")
    parser.add_argument("--loop", action="store_true", help="play again and again until stopped")
    parser.add_argument("--from", dest="start", type=_offset, default=0.0, metavar="SECONDS",
                        help="start this many seconds into the show")
    parser.add_argument("--to", dest="stop", type=_offset, default=None, metavar="SECONDS",
                        help="stop at this many seconds into the show")
    parser.add_argument("--keys", nargs="+", metavar="KEY", type=key_pattern, help="only these keys or patterns (recorded names)")
    parser.add_argument("--rename", action="append", metavar="OLD=NEW", help="send key OLD as NEW (repeatable)")
    parser.add_argument("--server", metavar="URL",
                        help="publish over HTTP to this server (POST /artcasts/<key>) instead of multicast; "
                             "values only, re-encoded (new ETags), registrations are not sent")
    parser.add_argument("--token", default=None, help="publish token for --server (default: $ARTCAST_TOKEN)")
    add_source_options(parser)
    return parser


def main(argv=None):
    from artcast_source import Source
    from artcast_source.options import apply_process_options
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.stop is not None and args.stop <= args.start:
        parser.error("--to must be after --from")
    try:
        renames = parse_rename(args.rename)
        with open(args.show, encoding="utf-8") as f:
            items = read_show(f)
        steps = plan(items, args.keys, renames, args.start, args.stop)
    except WireError as exc:
        print("artcast replay: %s holds a bad datagram: %s" % (args.show, exc.message), file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:   # ShowError, a bad --rename
        print("artcast replay: %s" % exc, file=sys.stderr)
        return 1
    if not steps:
        print("artcast replay: nothing to send (check --keys, --from, --to)", file=sys.stderr)
        return 1
    apply_process_options(args)   # after reading the show: --daemonize moves to /
    from artcast_source.http_publish import PublishError
    source = Source(group=args.group, data_port=args.data_port, register_port=args.registration_port,
                    ttl=args.ttl, interface=args.multicast_interface, register_every=0,
                    server=args.server, token=args.token)
    player = Player(source)
    print("artcast replay: %d datagrams over %.1f s from %s%s" % (
        len(steps), steps[-1][0] / args.speed, args.show, ", looping" if args.loop else ""),
        file=sys.stderr, flush=True)
    try:
        while player.play(steps, args.speed) and args.loop:
            pass
    except KeyboardInterrupt:
        pass
    except PublishError as exc:
        print("artcast replay: %s" % exc, file=sys.stderr)
        return 1
    finally:
        source.close()
        print("artcast replay: %d datagrams sent" % player.sent, file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
