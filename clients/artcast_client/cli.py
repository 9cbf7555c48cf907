"""artcast: send, watch and list artcasts from a terminal.

    artcast send test/hello '"hi"'         multicast one datum to the network
    artcast send --local room/light '"on"'  ... to this machine only (the demo)
    artcast send room/light on              (not JSON? sent as the string "on")
    artcast watch test/tick                 print each value as it arrives
    artcast list                            the artcasts a server knows
    artcast power --pixels 60 ...           alias of artcast-power (hardware/): supply and wire for a piece
    artcast record KEYS... -o show.jsonl    record datums from the multicast group (bridges/)
    artcast replay show.jsonl               send a recording again, with its timing
    artcast bridge osc | mqtt | nats        OSC, MQTT and NATS bridges (bridges/README.md, deploy/README.md)
"""

import argparse
import difflib
import json
import sys

from artcast_core.datagram import DATA_PORT, DEFAULT_GROUP
from artcast_core.text import printable

from artcast_client.discover import LOCAL as DEFAULT_SERVER  # noqa: E402  (one place)


def cmd_send(args):
    from artcast_source import Source
    try:
        value = json.loads(args.value)
    except ValueError:
        value = args.value
        print("artcast: %r is not JSON; sent as the string %s" % (args.value, json.dumps(value)), file=sys.stderr)
    interface, ttl = args.multicast_interface, args.ttl
    if args.local:
        interface, ttl = "127.0.0.1", 0
    try:
        source = Source(group=args.group, data_port=args.data_port, ttl=ttl,
                        interface=interface, register_every=0,
                        secret_file=args.secret_file, server=args.server, token=args.token)
    except (OSError, ValueError) as exc:
        print("artcast: %s" % exc, file=sys.stderr)
        return 1
    from artcast_source.http_publish import PublishError
    try:
        sent = source.send(args.key, value)
        if args.server and sent:
            print("published %s (ETag %s)" % (args.key, sent))
    except PublishError as exc:
        print("artcast: %s" % exc, file=sys.stderr)
        return 1
    finally:
        source.close()
    return 0 if sent else 1


def unknown_key_note(server, key):
    """A line saying `server` has never seen `key`, with close matches (a
    misspelt key would otherwise wait in silence), or None when it knows the
    key or cannot be asked."""
    from artcast_client.watch import fetch_listing
    try:
        keys = [entry.get("key") for entry in fetch_listing(server)]
    except Exception:           # the watch loop itself reports an unreachable server
        return None
    keys = [k for k in keys if isinstance(k, str)]
    if key in keys:
        return None
    note = "%s has never seen %s (yet)" % (server, key)
    close = difflib.get_close_matches(key, keys, 5, 0.6)
    if close:
        note += "; close matches: " + ", ".join(close)
    elif keys:
        note += "; `artcast list --server %s` shows the %d keys it knows" % (server, len(keys))
    return printable(note)


def cmd_watch(args):
    from artcast_client.watch import watch

    def on_error(exc, delay):
        print(printable("artcast watch: %s: %s; retrying in %.1fs"
                        % (args.server, getattr(exc, "strerror", None) or exc, delay)), file=sys.stderr, flush=True)

    note = unknown_key_note(args.server, args.key)
    if note:
        print("artcast watch: " + note, file=sys.stderr, flush=True)
    try:
        for value in watch(args.server, args.key, fmt="text" if args.text else "json", on_error=on_error):
            # every value on one line, control characters escaped (\x1b, \r, \n)
            print(printable(value if args.text else json.dumps(value)), flush=True)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_list(args):
    from artcast_client.watch import fetch_listing
    entries = fetch_listing(args.server)
    if args.json:
        print(json.dumps(entries, indent=1))
        return 0
    if not entries:
        print("(no artcasts yet)")
    for entry in entries:
        line = str(entry.get("key"))
        if entry.get("description"):
            line += "  -  " + str(entry["description"])
        print(printable(line))
    return 0


SERVER_HELP = ("server URL (default: %s if a server answers there, else one found over mDNS, "
               "which is named on stderr)" % DEFAULT_SERVER)


def build_parser():
    from artcast_source.multicast import default_interface, default_ttl
    parser = argparse.ArgumentParser(prog="artcast", description="Send, watch and list artcasts.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("send", help="multicast one value for a key")
    p.add_argument("key")
    p.add_argument("value", help="a JSON value (text that is not JSON is sent as a string)")
    p.add_argument("--group", default=DEFAULT_GROUP)
    p.add_argument("--data-port", type=int, default=DATA_PORT)
    p.add_argument("--local", action="store_true",
                   help="this machine only, as `python3 run.py demo` listens "
                        "(same as --multicast-interface 127.0.0.1 --ttl 0)")
    p.add_argument("--ttl", type=int, default=default_ttl(),
                   help="0 = this machine only, 1 = the local network (default %d)" % default_ttl())
    p.add_argument("--multicast-interface", default=default_interface(), metavar="ADDRESS",
                   help="address of the interface to send from (default: the default route's; "
                        "with no default route, the one usable interface)")
    p.add_argument("--secret-file", metavar="FILE", help="sign the datagram (see SECURITY.md)")
    p.add_argument("--server", metavar="URL",
                   help="publish over HTTP to this server instead of multicast (POST /artcasts/<key>)")
    p.add_argument("--token", default=None,
                   help="publish token for --server (default: $ARTCAST_TOKEN)")
    p.set_defaults(run=cmd_send)

    p = sub.add_parser("watch", help="print each value of a key as it arrives")
    p.add_argument("key")
    p.add_argument("--server", default=None, help=SERVER_HELP)
    p.add_argument("--text", action="store_true", help="ask for text/plain values (one per line; control characters and newlines shown escaped, e.g. \\x1b)")
    p.set_defaults(run=cmd_watch)

    p = sub.add_parser("list", help="list the artcasts a server knows")
    p.add_argument("--server", default=None, help=SERVER_HELP)
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(run=cmd_list)

    sub.add_parser("power", help="power supply and wire gauge for a piece: an alias of artcast-power",
                   add_help=False)
    for name, text in BRIDGES_HELP:
        sub.add_parser(name, help=text, add_help=False)
    return parser


def cmd_power(argv):
    # The calculator is hardware/'s own command (artcast-power); the alias
    # runs it as a process, so this client package imports nothing above it.
    import subprocess
    return subprocess.call([sys.executable, "-m", "artcast_hardware.power_cli"] + list(argv))


# The bridges (bridges/, a layer above this one) parse their own options. The
# process becomes the bridge (exec, same PID), so Ctrl-C and SIGTERM reach it
# directly and it stops cleanly; this package imports nothing from it.
BRIDGES = {
    "record": "artcast_bridges.record",
    "replay": "artcast_bridges.replay",
    "bridge": "artcast_bridges.cli",
}
BRIDGES_HELP = (
    ("record", "record datums from the multicast group to a show file (artcast record --help)"),
    ("replay", "send a recorded show again with its timing (artcast replay --help)"),
    ("bridge", "OSC, MQTT or NATS bridge (artcast bridge osc|mqtt|nats --help)"),
)


def exec_bridge(name, argv):
    import os
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", BRIDGES[name]] + list(argv))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["power"]:
        return cmd_power(argv[1:])
    if argv[:1] and argv[0] in BRIDGES:
        return exec_bridge(argv[0], argv[1:])
    args = build_parser().parse_args(argv)
    if args.command in ("watch", "list") and args.server is None:
        from artcast_client.discover import NoServer, choose_server
        try:
            args.server = choose_server(lambda line: print(printable("artcast: " + line), file=sys.stderr))
        except NoServer as exc:
            print(printable("artcast %s: %s" % (args.command, exc)), file=sys.stderr)
            return 1
    try:
        return args.run(args)
    except (OSError, ValueError) as exc:
        # a network error names the server it was talking to
        where = " %s:" % args.server if isinstance(exc, OSError) and getattr(args, "server", None) else ""
        print(printable("artcast %s:%s %s" % (args.command, where, getattr(exc, "strerror", None) or exc)),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
