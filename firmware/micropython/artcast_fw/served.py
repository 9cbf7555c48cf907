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

from artcast_fw import config

PIECE_PATH = "piece.json"
PREFIX = "_piece/"


def take(raw, server):
    """A piece from the server -> the checked piece; ConfigError naming the
    field when the board must refuse it."""
    return config.check_piece(raw, server)


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
