"""artcast-kinetic PIECE.json: make a piece follow its artcasts.

    artcast-kinetic piece.json                     # on the Pi, real hardware
    artcast-kinetic --simulate piece.json          # anywhere: terminal + http://127.0.0.1:8765/
    artcast-kinetic --server http://artcast.local:8888 piece.json
    artcast-kinetic --edit piece.json              # the piece editor on http://127.0.0.1:8766/
    artcast-kinetic kit.json                       # kit.json: {"piece": "server", "server": ..., "device": ...}

Exit codes: 0 after SIGTERM/SIGINT (outputs parked), 2 for a piece file
that cannot be used (one message naming the field), 1 when the hardware
cannot be opened (systemd restarts it), 3 when it runs as a systemd
service and the hardware libraries do not load: a service never falls back
to simulating, since it would look healthy while driving nothing (set
"backend": "simulate" in the piece to simulate on purpose).
"""

import argparse
import asyncio
import logging
import os
import signal
import sys

from artcast_core.http import parse_url
from artcast_core.piece import load_piece
from artcast_core.piece_fields import PieceError
from artcast_kinetic.backends import NAMES, choose_backend, make_backend
from artcast_kinetic.backends.hardware import hardware_problem, pi_pin_problems
from artcast_kinetic.runner import FPS, PieceRunner

log = logging.getLogger("artcast.kinetic")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="artcast-kinetic",
                                description="Drive NeoPixel strips, servos and pins from artcasts, "
                                            "as a piece file describes.")
    p.add_argument("piece", help="the piece file (JSON), e.g. clients/examples/tick-strip-servo.json")
    p.add_argument("--simulate", action="store_true",
                   help="no hardware: show the outputs in the terminal and on a local web page")
    p.add_argument("--backend", choices=NAMES, help="hardware or simulate (default: piece file, "
                   "then $ARTCAST_BACKEND, then whatever this machine supports)")
    p.add_argument("--server", help="server URL, overriding the piece file's (http://host:port); "
                                    "\"auto\" (or \"server\": \"auto\" in the piece): this machine's "
                                    "server if one answers, else one found over mDNS")
    p.add_argument("--web-port", type=int, default=None,
                   help="port of the live web page on 127.0.0.1 (default 8765 with --simulate, "
                        "off otherwise; 0 picks a free port)")
    p.add_argument("--check", action="store_true",
                   help="only check the piece file and say what it would drive, then exit")
    p.add_argument("--no-web", action="store_true", help="no live web page")
    p.add_argument("--no-view", action="store_true", help="no terminal view")
    p.add_argument("--fps", type=float, default=FPS, help="frames per second while fading/slewing (%d)" % FPS)
    p.add_argument("-v", "--verbose", action="store_true", help="log every poll")
    p.add_argument("--edit", action="store_true",
                   help="open the piece editor for PIECE (created on the first save) instead of running it")
    p.add_argument("--edit-host", default="127.0.0.1",
                   help="address the editor listens on (default 127.0.0.1; 0.0.0.0 opens it to the LAN)")
    p.add_argument("--edit-port", type=int, default=8766, help="editor port (default 8766; 0 picks one)")
    return p.parse_args(argv)


EXIT_NO_HARDWARE = 3


def running_as_service():
    """systemd sets INVOCATION_ID for every service it starts."""
    return bool(os.environ.get("INVOCATION_ID"))


def fail(code, message):
    sys.stderr.write("artcast-kinetic: %s\n" % message)
    return code


def check(path, piece):
    """--check: the piece is valid; print what each output would drive."""
    from artcast_core.output import power_caps
    from artcast_kinetic.backends.simulate import SimulatedBackend
    caps = power_caps(piece)
    lines = ["%s: OK, %d output%s, server %s" % (path, len(piece["outputs"]),
                                                  "" if len(piece["outputs"]) == 1 else "s", piece["server"])]
    describe = SimulatedBackend().describe
    for i, out in enumerate(piece["outputs"]):
        text = "  outputs[%d]: %s <- %s%s (%s)" % (i, describe(out).replace("simulated ", ""), out["key"],
                                                  "." + ".".join(out["field"]) if out["field"] else "",
                                                  out["mapping"]["type"])
        dev = out["device"]
        if dev["type"] == "neopixel" and caps[i] < dev["brightness"]:
            text += ", brightness capped at %.2f by the power supply" % caps[i]
        lines.append(text)
    for problem in pi_pin_problems(piece):
        lines.append("  on a Raspberry Pi: " + problem)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def load(path):
    with open(path, encoding="utf-8") as f:
        return load_piece(f.read())


async def serve(runner, view, web_port):
    """Run the piece plus its views until SIGTERM/SIGINT."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    stopping = []

    def stop(signame):
        if not stopping:
            stopping.append(signame)
            log.info("%s: parking outputs and stopping", signame)
            main.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig.name)
    extra = []
    web = None
    if view is not None:
        extra.append(view.loop())
    if web_port is not None:
        from artcast_kinetic.simweb import WebView
        try:
            web = await WebView(runner, web_port).start()
            if view is not None:
                view.set_footer("live view: http://127.0.0.1:%d/   (Ctrl-C stops)" % web.port)
        except OSError as e:
            log.warning("live web page not started (port %d: %s)", web_port, e.strerror or e)
            web = None
    try:
        await runner.run(extra=extra)
    except asyncio.CancelledError:
        if not stopping:
            raise
    finally:
        if web is not None:
            await web.stop()
        if view is not None:
            view.draw()
    return 0


def edit(args):
    """--edit: serve the piece editor for the file until SIGTERM/SIGINT."""
    from artcast_kinetic.editor import serve_editor
    try:
        asyncio.run(serve_editor(args.piece, args.edit_host, args.edit_port, server=args.server))
    except KeyboardInterrupt:
        pass
    except OSError as e:
        return fail(1, "editor not started (%s:%d: %s)" % (args.edit_host, args.edit_port, e.strerror or e))
    return 0


def served_config(path):
    """The checked config when `path` says "piece": "server"; None for a piece
    file; an exit code when the config is wrong."""
    import json
    from artcast_kinetic.served import check_config
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError):
        return None                 # load() reports it with the piece file's words
    if not isinstance(raw, dict) or raw.get("piece") != "server":
        return None
    try:
        return check_config(raw, path)
    except PieceError as e:
        return fail(2, "%s: %s" % (path, e))


def run_served(args, cfg):
    """Follow _piece/<device> on the server; run each good piece (served.py)."""
    from artcast_kinetic.served import ServedPiece
    server = args.server or cfg["server"]
    explicit = "simulate" if args.simulate else (args.backend or cfg["backend"])

    def backend_for(piece):
        return choose_backend(piece, explicit)[0]

    def make_runner(piece):
        name = backend_for(piece)
        return PieceRunner(piece, make_backend(name), server=server, fps=args.fps)

    def pin_problems(piece):
        return pi_pin_problems(piece) if backend_for(piece) == "hardware" else []

    served = ServedPiece(server, cfg["device"], cfg["cache"], make_runner, pin_problems)
    log.info("following the piece for %s (%s%s)", cfg["device"], server, "/artcasts/" + served.key)

    async def go():
        loop = asyncio.get_running_loop()
        main_task = asyncio.current_task()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, main_task.cancel)
        try:
            await served.run()
        except asyncio.CancelledError:
            pass
        return 0
    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="artcast-kinetic: %(message)s", stream=sys.stderr)
    if args.edit:
        return edit(args)
    served = served_config(args.piece)
    if served is not None:
        return served if isinstance(served, int) else run_served(args, served)
    try:
        piece = load(args.piece)
    except OSError as e:
        return fail(2, "cannot read %s: %s" % (args.piece, e.strerror or e))
    except PieceError as e:
        return fail(2, "%s: %s" % (args.piece, e))
    if args.server and args.server != "auto":
        try:
            parse_url(args.server)
        except ValueError as e:
            return fail(2, "--server: %s" % e)
    if args.check:
        return check(args.piece, piece)
    explicit = "simulate" if args.simulate else args.backend
    if running_as_service() and not (explicit or piece.get("backend") or os.environ.get("ARTCAST_BACKEND")):
        # the fallback would simulate when the libraries fail: a service says so and stops
        problem = hardware_problem(piece)
        if problem is not None:
            return fail(EXIT_NO_HARDWARE, "%s: running as a service, and %s. Not simulating: install the "
                        "Pi libraries into this environment (`python3 run.py install --pi` in the checkout, "
                        "or `setup.sh --piece` again), or set \"backend\": \"simulate\" in the piece"
                        % (args.piece, problem))
    try:
        name, reason = choose_backend(piece, explicit)
    except ValueError as e:
        return fail(2, str(e))
    log.info("backend: %s (%s)", name, reason)
    if name == "hardware":
        problems = pi_pin_problems(piece)
        if problems:
            return fail(2, "%s: %s" % (args.piece, problems[0]))
    if (args.server or piece["server"]) == "auto":
        from artcast_client.discover import NoServer, choose_server
        try:
            args.server = choose_server(lambda line: log.info("%s", line))
        except NoServer as e:
            return fail(2, str(e))
    runner = PieceRunner(piece, make_backend(name), server=args.server, fps=args.fps)
    view = None
    if name == "simulate" and not args.no_view:
        from artcast_kinetic.simview import TerminalView
        view = TerminalView(runner).attach()
    web_port = args.web_port
    if web_port is None and name == "simulate":
        web_port = 8765
    if args.no_web:
        web_port = None
    try:
        return asyncio.run(serve(runner, view, web_port))
    except KeyboardInterrupt:
        return 0
    except Exception as e:  # hardware that would not open, and the like
        log.error("stopped: %s: %s", type(e).__name__, e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
