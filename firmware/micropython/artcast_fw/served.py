# A piece from the server: "piece": "server" in config.json.
#
# The board long-polls _piece/<device> (artcast-server --pieces) with the
# same Poller as any key. A piece that arrives is checked by the shared
# validator (config.check_piece: artcast_core.piece plus the firmware's own
# rule) BEFORE anything changes: a good one is written to piece.json (the
# last good piece, run at the next boot while the server is away) and
# replaces the running one; a bad one is printed on the serial console
# with the field it names, counted, and the running piece stays.
#
#   raw, piece = last_good(server)   # at boot: piece.json, or (None, None)
#   piece = take(raw, server)        # a piece from the server, or ConfigError
#   apply(app)                       # the App's loop: app.pending -> running, or refused
#
# Only boards with "piece": "server" import this module (config.check
# and App load it lazily), so the others pay nothing for it.

from artcast_fw import config

PIECE_PATH = "piece.json"
PREFIX = "_piece/"
# A piece's datum is at most 8192 bytes (the server's limit for any datum);
# its answer adds the headers (~300 bytes, a license Link at most 200 more).
MAX_PIECE_RESPONSE = 8192 + 1024


def check_config(cfg, out):
    """config.check() for "piece": "server": the server and the device name."""
    from artcast_core.http import parse_url
    from artcast_core.keys import key_problem
    try:
        parse_url(cfg.get("server"))
    except (ValueError, TypeError, AttributeError):
        raise config.ConfigError('server: must be the server\'s URL, e.g. "http://artcast.local:8888"')
    name = cfg.get("device") or cfg.get("hostname")
    if name is None:
        from artcast_fw import wifi
        name = "artcast-" + wifi.board_id()
    if not isinstance(name, str) or "/" in name or key_problem(PREFIX + name) is not None:
        raise config.ConfigError("device: must be one key segment (letters, digits, . _ ~ -)")
    out["piece"] = None             # it comes from the server
    out["device"] = name
    return out


def take(raw, server):
    """A piece from the server -> the checked piece; ConfigError naming the
    field when the board must refuse it. The board follows the keys on the
    server it got the piece from, whatever "server" the piece names."""
    if not isinstance(raw, dict):
        raise config.ConfigError("piece: must be a JSON object")
    for name in raw:
        if name not in config.PIECE_FIELDS and name != "backend" and not name.startswith("_"):
            raise config.ConfigError("%s: unknown field in a piece" % name)
    data = dict(raw)
    data["server"] = server
    return config.check_piece(data)


def apply(app):
    """The loop's turn after a piece arrived (app.pending): check it, then
    swap the running piece for it, or refuse it and say why."""
    raw, app.pending = app.pending, None
    if raw == app.raw:
        return                  # the piece already running (e.g. the one kept at boot)
    try:
        piece = take(raw, app.server)
    except config.ConfigError as e:
        app.refused += 1
        print("artcast: piece from the server refused (%s): %s"
              % ("keeping the previous piece" if app.outputs is not None else "no piece to run yet", e))
        return
    keep(raw)
    app.stop_piece()
    app.raw = raw
    raw = None
    import gc
    gc.collect()
    app.run_piece(piece)
    app.applied += 1
    print("artcast: new piece from the server: %d output(s)" % len(piece["outputs"]))


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
