"""`artcast-power` (alias `artcast power`): how big a supply and how thick a wire a piece needs.

Give it the numbers by hand:

    artcast power --pixels 60 --brightness 0.5 --supply-amps 4
    artcast power --pixels 144 --rgbw --servos 3 --servo-size standard --length 2

or point it at a piece file, which it reads the same way the kinetic client
does (every neopixel output's pixel count and brightness limit, every servo
output, and the top-level "power": {"supply_volts": 5, "supply_amps": 4}):

    artcast power --piece my-piece.json

It prints the worst-case current, the supply rating needed (with a 20 %
margin), the wire gauge from supply to strip, and the highest safe
brightness for the supply you have. Exit status: 0 when everything fits,
1 when the brightness limit asks for more current than the supply gives
(the strip would brown out or the supply overheat), 2 for bad input.

Installed as `artcast-power` (this folder's own command); `artcast power`
in the client CLI is an alias that runs it.
"""

import argparse
import sys

from artcast_core import power
from artcast_hardware.piece_power import PiecePowerError, read_piece_power

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_BAD_INPUT = 2


def amps(ma):
    return "%.2f A" % (ma / 1000.0)


def build_parser():
    p = argparse.ArgumentParser(
        prog="artcast power",
        description="Power and wire calculator for LED strips and servos.",
        epilog="Figures are for planning, on the safe side; a datasheet for "
               "your exact part wins.")
    p.add_argument("--piece", metavar="PIECE.json",
                   help="read pixels, brightness, servos and supply from a piece file")
    p.add_argument("--pixels", type=int, metavar="N", help="number of LEDs on the strip(s)")
    p.add_argument("--brightness", type=float, metavar="0..1",
                   help="brightness limit (default 1.0, or the piece file's)")
    p.add_argument("--rgbw", action="store_true", help="RGBW pixels (4 LEDs each)")
    p.add_argument("--servos", type=int, default=None, metavar="N", help="number of servos")
    p.add_argument("--servo-size", choices=sorted(power.SERVO_MA), default="micro",
                   help="servo size class (default micro: SG90-size)")
    p.add_argument("--supply-amps", type=float, metavar="A",
                   help="rating of the strip's supply, in amps")
    p.add_argument("--volts", type=float, metavar="V",
                   help="strip voltage (default 5, or the piece file's supply_volts)")
    p.add_argument("--length", type=float, default=1.0, metavar="M",
                   help="wire length from supply to strip, one way, in metres (default 1)")
    p.add_argument("--controller", choices=sorted(power.CONTROLLER_MA),
                   help="the board is powered from the strip supply too")
    p.add_argument("--shared-supply", action="store_true",
                   help="the servos run from the strip's supply too (as the ESP32 classroom kit "
                        "is wired): one supply, one fuse")
    return p


def _check_args(args):
    """Return an error message for impossible numbers, or None."""
    checks = [
        ("--pixels", args.pixels, 0, None),
        ("--brightness", args.brightness, 0, 1),
        ("--servos", args.servos, 0, None),
        ("--supply-amps", args.supply_amps, 0.001, None),
        ("--volts", args.volts, 0.5, None),
        ("--length", args.length, 0, None),
    ]
    for name, value, lo, hi in checks:
        if value is None:
            continue
        if value != value or value < lo or (hi is not None and value > hi):
            if hi is None:
                return "%s must be at least %s (got %s)" % (name, lo, value)
            return "%s must be between %s and %s (got %s)" % (name, lo, hi, value)
    return None


def settings_from(args):
    """Merge the piece file (if any) with the command line (which wins)."""
    s = {"strips": [], "servos": [], "supply_volts": 5.0, "supply_amps": None,
         "reserve_amps": 0.0}
    if args.piece:
        s.update(read_piece_power(args.piece))
    if args.pixels is not None:
        channels = 4 if args.rgbw else 3
        brightness = 1.0 if args.brightness is None else args.brightness
        s["strips"] = [{"name": "strip", "pixels": args.pixels,
                        "channels": channels, "brightness": brightness}]
    elif args.brightness is not None:
        for strip in s["strips"]:
            strip["brightness"] = args.brightness
    if args.servos is not None:
        s["servos"] = [{"name": "servo %d" % (i + 1), "size": args.servo_size}
                       for i in range(args.servos)]
    elif args.servo_size != "micro":
        for servo in s["servos"]:
            servo["size"] = args.servo_size
    if args.volts is not None:
        s["supply_volts"] = args.volts
    if args.supply_amps is not None:
        s["supply_amps"] = args.supply_amps
    return s


def servo_figures(s):
    """(moving mA, all-stalled mA) for the servos in settings `s`."""
    running = sum(power.servo_current_ma(1, servo["size"]) for servo in s["servos"])
    stall = sum(power.servo_stall_ma(1, servo["size"]) for servo in s["servos"])
    return running, stall


def shared_fuse(s, controller=None):
    """The fuse (amps) for one supply that feeds the strips and the servos
    (--shared-supply). It must survive every servo stalled with the strips
    at their limit, and the whole supply: the brightness cap lets the strips
    use all of it. BOM.md's ESP32 kit takes its fuse from here.

    >>> shared_fuse({"strips": [{"pixels": 30, "channels": 3, "brightness": 0.4}],
    ...              "servos": [{"size": "micro"}], "supply_amps": 2, "reserve_amps": 0})
    3
    """
    strips = sum(power.strip_current_ma(x["pixels"], x["brightness"], x["channels"]) for x in s["strips"])
    board = power.CONTROLLER_MA[controller] if controller else 0
    worst = strips + servo_figures(s)[1] + s["reserve_amps"] * 1000.0 + board
    return power.fuse_rating(max(worst, (s["supply_amps"] or 0) * 1000.0))


def report(s, length_m, controller, out, shared=False):
    """Print the calculation; return True when the supply fits the limit."""
    volts = s["supply_volts"]
    # Other loads on the strip supply: the piece's "reserve_amps", plus the
    # board itself when --controller says it is powered from there too, plus
    # the moving servos with --shared-supply.
    piece_reserve = s["reserve_amps"] * 1000.0
    board = power.CONTROLLER_MA[controller] if controller else 0
    servos_shared = servo_figures(s)[0] if shared else 0
    reserve = piece_reserve + board + servos_shared
    strip_ma = 0.0
    fits = True
    w = out.write
    if s["strips"]:
        w("LED strips (on a %g V supply):\n" % volts)
        for strip in s["strips"]:
            ma = power.strip_current_ma(strip["pixels"], strip["brightness"], strip["channels"])
            strip_ma += ma
            w("  %-14s %4d %s pixels, brightness limit %.2f: up to %s\n"
              % (strip["name"], strip["pixels"], "RGBW" if strip["channels"] == 4 else "RGB",
                 strip["brightness"], amps(ma)))
        if piece_reserve:
            w("  %-14s other loads on this supply: %s\n" % ("reserve_amps", amps(piece_reserve)))
        if board:
            w("  %-14s powered from the same supply: %s\n" % (controller, amps(board)))
        if servos_shared:
            w("  %-14s moving, on the same supply: %s\n" % ("servos", amps(servos_shared)))
        load = strip_ma + reserve
        need = power.supply_needed_ma(load)
        w("  worst case (all white at the limit): %s\n" % amps(load))
        w("  supply needed (with %d%% margin): %s at %g V\n"
          % (round(power.SAFETY_MARGIN * 100), amps(need), volts))
        fuse = shared_fuse(s, controller) if shared else power.fuse_rating(load)
        if fuse is None:
            w("  fuse: the load is over 30 A: split it over several supplies, each with its fuse\n")
        else:
            w("  fuse: %g A in the + wire, right after the supply\n" % fuse)
        wire = power.wire_gauge(load, length_m, volts, rated_ma=(fuse or 0) * 1000.0)
        if wire is None:
            w("  wire from supply to strip (%g m): no single wire is thick enough; feed power into the\n"
              "    strip at several points, shorten the run, or use a 12 V strip\n" % length_m)
        else:
            w("  wire from supply to strip (%g m): %d AWG (%.2f mm2) or thicker, loses %.2f V\n"
              % (length_m, wire["awg"], wire["mm2"], wire["drop_v"]))
        if s["supply_amps"] is not None:
            supply_ma = s["supply_amps"] * 1000.0
            cap = power.shared_brightness_cap(
                [(x["pixels"], x["channels"]) for x in s["strips"]], supply_ma, reserve)
            highest = max(x["brightness"] for x in s["strips"])
            w("  your supply: %s; it allows brightness up to %.2f\n" % (amps(supply_ma), cap))
            if need > supply_ma + 1e-6:
                fits = False
                w("WARNING: brightness limit %.2f needs a %s supply but the supply is %s.\n"
                  "  Lower the brightness limit to %.2f, or use a supply of at least %s.\n"
                  % (highest, amps(need), amps(supply_ma), cap, amps(need)))
    if s["servos"] and shared and s["strips"]:
        running, stall = servo_figures(s)
        w("Servos: on the strip's supply (counted above); all stalled at once: %s\n" % amps(stall))
        w("  the fuse above survives that, and the 1000 uF capacitor at the servo smooths it\n")
    elif s["servos"]:
        running, stall = servo_figures(s)
        sizes = {}
        for servo in s["servos"]:
            sizes[servo["size"]] = sizes.get(servo["size"], 0) + 1
        kinds = ", ".join("%d %s" % (sizes[k], k) for k in sorted(sizes))
        w("Servos (%s), on their OWN 5-6 V supply, ground joined to the board's:\n" % kinds)
        w("  moving: %s; all stalled at once: %s\n" % (amps(running), amps(stall)))
        w("  servo supply needed: %s or more (%s if they may all stall)\n"
          % (amps(power.supply_needed_ma(running)), amps(stall)))
        fuse = power.fuse_rating(stall)
        if fuse is not None:
            w("  servo fuse: %g A (survives a stall, blows on a short)\n" % fuse)
        wire = power.wire_gauge(running, length_m, 5.0, rated_ma=(fuse or 0) * 1000.0)
        if wire is not None:
            w("  servo power wire (%g m): %d AWG (%.2f mm2) or thicker\n"
              % (length_m, wire["awg"], wire["mm2"]))
    if not s["strips"] and not s["servos"]:
        w("Nothing to power: no strips and no servos given.\n")
    elif fits and s["strips"] and s["supply_amps"] is not None:
        w("OK: the brightness limit fits the supply.\n")
    return fits


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = _check_args(args)
    if problem:
        parser.error(problem)
    if args.piece is None and args.pixels is None and args.servos is None:
        parser.error("give --piece PIECE.json, or --pixels and/or --servos")
    try:
        settings = settings_from(args)
    except PiecePowerError as e:
        sys.stderr.write("artcast power: %s\n" % e)
        return EXIT_BAD_INPUT
    fits = report(settings, args.length, args.controller, sys.stdout, shared=args.shared_supply)
    return EXIT_OK if fits else EXIT_MISMATCH


if __name__ == "__main__":
    sys.exit(main())
