"""artcast bridge osc|mqtt|nats: pick a bridge; each parses its own options."""

import importlib
import sys

BRIDGES = {
    "osc": ("artcast_bridges.osc", "OSC in and out (TouchDesigner, Max/MSP, QLC+)"),
    "mqtt": ("artcast_bridges.mqtt", "MQTT and Home Assistant discovery"),
    "nats": ("artcast_bridges.nats", "a site's multicast group to NATS and back (deploy/README.md)"),
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in BRIDGES:
        lines = ["usage: artcast bridge {%s} [options]" % ",".join(BRIDGES)]
        lines += ["  %-5s %s" % (name, BRIDGES[name][1]) for name in BRIDGES]
        print("\n".join(lines), file=sys.stderr if argv[:1] not in (["-h"], ["--help"]) else sys.stdout)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    return importlib.import_module(BRIDGES[argv[0]][0]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
