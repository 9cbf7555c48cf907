"""Command line of the appliance setup (hardware/appliance/setup.sh runs this).

    sudo hardware/appliance/setup.sh [--piece PIECE.json] [--hotspot SSID PASSWORD]
                                     [--hostname artcast] [--port 8888]
                                     [--dry-run] [--root DIR] [--json]

Checks every argument (and the piece file, with the kinetic client's own
validator) before touching anything, then prints one line per step:

    changed       done now
    would change  --dry-run: would be done
    ok            already as asked: nothing to do
    skipped       needs the running Pi (under --root)

and a summary. Exit status 0 on success, 2 for bad arguments, 1 when a
step failed (its message says which and why).
"""

import argparse
import json
import os
import re
import sys

from artcast_hardware import appliance_files as files
from artcast_hardware.appliance import build_plan, execute, source_id
from artcast_hardware.appliance_steps import SetupError, Target

HOSTNAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULT_SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_parser():
    p = argparse.ArgumentParser(
        prog="setup.sh",
        description="Set up this Raspberry Pi as an Artcast appliance "
                    "(server at boot, optional kinetic piece and Wi-Fi hotspot).")
    p.add_argument("--piece", metavar="PIECE.json",
                   help="also run this kinetic piece at boot (copied to %s)" % files.PIECE_PATH)
    p.add_argument("--hotspot", nargs=2, metavar=("SSID", "PASSWORD"),
                   help="make the Pi its own Wi-Fi network (password: 8-63 characters)")
    p.add_argument("--hostname", default="artcast",
                   help="network name; clients use NAME.local (default: artcast)")
    p.add_argument("--port", type=int, default=files.DEFAULT_PORT,
                   help="server port (default %d)" % files.DEFAULT_PORT)
    p.add_argument("--dry-run", action="store_true", help="only say what would change")
    p.add_argument("--root", metavar="DIR", default="/",
                   help="act on a directory instead of this system (for testing)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    return p


def check_options(opts, parser):
    """Turn arguments into checked options, or exit with a clear message."""
    if not HOSTNAME_RE.match(opts.hostname):
        parser.error("--hostname must be lower-case letters, digits and '-' (got %r)" % opts.hostname)
    if not 1 <= opts.port <= 65535:
        parser.error("--port must be 1 to 65535 (got %d)" % opts.port)
    if opts.hotspot is not None:
        problem = files.hotspot_problem(opts.hotspot[0], opts.hotspot[1])
        if problem:
            parser.error(problem)
    if not os.path.isdir(opts.root):
        parser.error("--root %s is not a directory" % opts.root)
    if not os.path.isdir(opts.source):
        parser.error("source checkout %s not found" % opts.source)
    opts.piece_data = None
    opts.piece_text = None
    if opts.piece:
        try:
            with open(opts.piece, encoding="utf-8") as f:
                opts.piece_text = f.read()
        except OSError as e:
            parser.error("cannot read piece file %s: %s" % (opts.piece, e.strerror or e))
        from artcast_core.piece import load_piece
        from artcast_core.piece_fields import PieceError
        try:
            opts.piece_data = load_piece(opts.piece_text)
        except PieceError as e:
            parser.error("piece file %s: %s" % (opts.piece, e))
    opts.source_id = source_id(opts.source)
    return opts


def summary(results, dry_run, live):
    changes = [r for r in results if r[0] in ("changed", "would change")]
    skipped = [r for r in results if r[0] == "skipped"]
    if dry_run:
        text = ("Dry run: %d change(s) would be made; nothing was touched." % len(changes)
                if changes else "Dry run: nothing to change, already set up as asked.")
    elif changes:
        text = "Done: %d change(s)." % len(changes)
    else:
        text = "Nothing to change: already set up as asked."
    if skipped and not live:
        text += " %d step(s) need the running Pi and were not run under --root." % len(skipped)
    return text


def main(argv=None):
    parser = build_parser()
    opts = check_options(parser.parse_args(argv), parser)
    target = Target(opts.root)
    if target.live and not opts.dry_run and os.geteuid() != 0:
        parser.error("run it with sudo (it installs services), or add --dry-run to look first")
    steps = build_plan(opts, target)
    try:
        results = execute(steps, target, opts.dry_run)
        failed = None
    except SetupError as e:
        results = getattr(e, "results", [])
        failed = str(e)
    text = summary(results, opts.dry_run, target.live)
    if opts.json:
        print(json.dumps({"steps": [{"status": s, "step": d} for s, d in results],
                          "summary": text, "error": failed}, indent=1))
    else:
        for status, description in results:
            print("%-13s %s" % (status, description))
        if failed:
            print("FAILED: %s" % failed)
        else:
            print(text)
            if not opts.dry_run and target.live:
                print("The server is at http://%s.local:%d/artcasts" % (opts.hostname, opts.port))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
