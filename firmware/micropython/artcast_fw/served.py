# A piece from the server: "piece": "server" in config.json.
#
# The board long-polls _piece/<device> (artcast-server --pieces) with the
# same Poller as any key. A piece that arrives is checked by the same
# checker as config.json (config_check: the shared artcast_core.piece plus
# the firmware's own rules and its heap budget) BEFORE anything changes: a
# good one is written to piece.json (the last good piece, run at the next
# boot while the server is away) and replaces the running one; a bad one
# is printed on the serial console with the field it names, counted, and
# the running piece stays.
#
# The checker is loaded for each check and unloaded after it, as at boot
# (config.forget_checker): it is ~23 KB of bytecode the running piece does
# not need. The check runs beside the running outputs (when it does not
# fit, they are parked first and rebuilt if the piece is refused). A swap
# can leave the heap too fragmented for a big strip: then the board
# restarts into the kept piece (see restart).
#
#   raw, piece = last_good(server)   # at boot: piece.json, or (None, None)
#   piece = take(raw, server)        # a piece from the server, or ConfigError
#   apply(app)                       # the App's loop: app.pending -> running, or refused
#
# Only boards with "piece": "server" import this module, so the others pay
# nothing for it.

import gc

from artcast_fw import config

PIECE_PATH = "piece.json"
PREFIX = "_piece/"
# A piece's datum is at most 8192 bytes (the server's limit for any datum);
# its answer adds the headers (~300 bytes, a license Link at most 200 more).
MAX_PIECE_RESPONSE = 8192 + 1024


def take(raw, server):
    """A piece from the server -> the checked piece; ConfigError naming the
    field when the board must refuse it. The board follows the keys on the
    server it got the piece from, whatever "server" the piece names."""
    from artcast_fw import config_check
    try:
        return config_check.check_served_piece(raw, server)
    finally:
        config_check = None
        config.forget_checker()


def keep(raw, path=PIECE_PATH):
    """Store the good piece as it came (atomic: new file, then rename)."""
    try:
        config.save(raw, path)
    except OSError as e:
        # A full flash: the piece runs now, the old file stays for the next boot.
        print("artcast: could not keep the piece in %s: %s" % (path, e))


def last_good(server, path=PIECE_PATH):
    """(raw, piece) kept by the last good update, checked again; (None, None) if none."""
    try:
        raw = config.read(path)
    except config.ConfigError as e:
        print("artcast: %s unreadable: %s" % (path, e))
        return None, None
    if raw is None:
        return None, None
    try:
        return raw, take(raw, server)
    except config.ConfigError as e:
        print("artcast: %s refused: %s" % (path, e))
        return None, None


def _refuse(app, why, running):
    app.refused += 1
    print("artcast: piece from the server refused (%s): %s"
          % ("keeping the previous piece" if running else "no piece to run yet", why))


def apply(app):
    """The loop's turn after a piece arrived (app.pending): check it, then
    swap the running piece for it, or refuse it and say why (the running
    piece goes on untouched)."""
    raw, app.pending = app.pending, None
    if raw == app.raw:
        return                  # the piece already running (e.g. the one kept at boot)
    old = app.piece
    try:
        try:
            piece = take(raw, app.server)
        except MemoryError:
            # The checker does not fit beside the running outputs: park them, try again.
            app.stop_piece()
            gc.collect()
            piece = take(raw, app.server)
    except (config.ConfigError, MemoryError) as e:
        _refuse(app, e if isinstance(e, config.ConfigError) else "not enough memory to check it", old is not None)
        if old is not None and app.outputs is None:
            app.run_piece(old)
        return
    keep(raw)                   # first: a restart (below) runs it from piece.json
    app.stop_piece()
    gc.collect()
    app.raw = raw
    app.applied += 1
    app.swapped = old is not None
    print("artcast: new piece from the server: %d output(s)" % len(piece["outputs"]))
    try:
        app.run_piece(piece)
    except MemoryError:
        restart(app)


def restart(app):
    """After a live swap the heap may be too fragmented for the new piece's
    pixel lists (the checker's bytecode came and went between the old
    outputs and the new): free memory, but no block big enough. A restart
    runs the kept piece (piece.json) on a fresh heap, as at boot. App calls
    this on the first MemoryError after a swap; before any swap a
    MemoryError is handled as usual (frames paused), so this cannot loop."""
    import machine
    print("artcast: not enough unbroken memory for the new piece: restarting to run it")
    try:
        app.close()             # park what can be parked; the new boot writes every output anyway
    except MemoryError:
        pass
    machine.reset()
