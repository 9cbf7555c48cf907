#!/bin/sh
# Make this Raspberry Pi an Artcast appliance. Run from a checkout of the repo:
#
#   sudo hardware/appliance/setup.sh [--piece PIECE.json] [--hotspot SSID PASSWORD] [--dry-run]
#
# Safe to run again: it only changes what is not already as asked, and says
# what it did. `--help` lists every option. The work is done by
# hardware/artcast_hardware/appliance_cli.py (plain Python 3, no packages
# needed before it runs).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# PYTHONPATH, not an installed package: this runs before any venv exists
# (it is what installs python3-venv and makes /opt/artcast/venv with Artcast
# in it), and --dry-run must install nothing. The setup code and the piece
# check it uses are plain Python 3, read from this checkout for this process.
PYTHONPATH="$REPO/hardware:$REPO/clients${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
exec python3 -m artcast_hardware.appliance_cli --source "$REPO" "$@"
