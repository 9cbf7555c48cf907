"""The command-line options every source shares (as the 2012 sources had).

--group, --data-port, --registration-port, --ttl, --multicast-interface,
--daemonize, --pidfile, --uid, --verbose.
"""

import argparse
import atexit
import os
import signal
import sys

from artcast_core.datagram import DATA_PORT, DEFAULT_GROUP, REGISTER_PORT
from artcast_server.privileges import drop_privileges, remove_pidfile, write_pidfile
from artcast_source.multicast import default_interface, default_ttl


def add_source_options(parser):
    g = parser.add_argument_group("multicast")
    g.add_argument("--group", default=DEFAULT_GROUP, help="multicast group (default %s)" % DEFAULT_GROUP)
    g.add_argument("--data-port", type=int, default=DATA_PORT, help="default %d" % DATA_PORT)
    g.add_argument("--registration-port", type=int, default=REGISTER_PORT, help="default %d" % REGISTER_PORT)
    g.add_argument("--ttl", type=int, default=default_ttl(),
                   help="multicast TTL: 0 = this machine only, 1 = local network (default %d)" % default_ttl())
    g.add_argument("--multicast-interface", default=default_interface(), metavar="ADDRESS",
                   help="address of the interface to send from (127.0.0.1 = loopback only)")
    g.add_argument("--secret-file", metavar="FILE",
                   help="sign every datagram with the first '<key-id>: <secret>' of this file "
                        "(servers started with --datagram-keys verify it; see SECURITY.md)")
    p = parser.add_argument_group("process")
    p.add_argument("--daemonize", action="store_true", help="run in the background")
    p.add_argument("--pidfile", help="write the process id here; removed on exit")
    p.add_argument("--uid", help="user to run as")
    p.add_argument("--verbose", action="store_true", help="print every value sent")
    return parser


def parse_source_args(argv=None, description=None):
    parser = add_source_options(argparse.ArgumentParser(description=description))
    args = parser.parse_args(argv)
    if not 0 <= args.ttl <= 255:
        parser.error("--ttl must be 0-255")
    return args


def apply_process_options(args, prog=None):
    """Daemonize, write the pidfile, drop to --uid; SIGTERM exits cleanly.

    Pidfile and privileges go through the server's module (one
    implementation): an unknown user is a clean message, supplementary
    groups are dropped, and a pidfile another process wrote is left alone.
    """
    prog = prog or os.path.basename(sys.argv[0] or "source")
    if args.daemonize:
        import daemon
        daemon.DaemonContext(working_directory="/", umask=0o022).open()
    try:
        if args.pidfile:
            write_pidfile(args.pidfile)
            atexit.register(remove_pidfile, args.pidfile)
        if args.uid:
            drop_privileges(args.uid, None, chown=[args.pidfile])
    except (OSError, ValueError) as exc:
        sys.exit("%s: %s" % (prog, exc))
    signal.signal(signal.SIGTERM, _exit_once)


def _exit_once(signum, frame):
    # a second SIGTERM while already exiting (run.py demo's Ctrl-C sends
    # SIGINT, then SIGTERM) must not raise again inside interpreter shutdown
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(0)
