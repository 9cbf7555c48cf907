"""The piece editor on the server: /pieces/ (with --pieces DIR).

The same page and routes as `artcast-kinetic --edit`
(artcast_kinetic/editor.py); this host answers them from the PieceStore
(pieces.py) and the hub: pieces are DIR's files by name, keys and values
come from this server's own state, and a saved piece is published at once.

Who may save: when HTTP publish tokens are on (--publish-token,
--publish-tokens), a save must carry `Authorization: Bearer <token>` with a
token allowed to publish `_piece/<name>` (the page has a field for it), from
anywhere, loopback included; without tokens, only a client on this machine
(loopback), so an editor reached over the LAN is read-only.
"""

from artcast_kinetic.editor import _is_loopback, add_editor_routes
from artcast_server.listing import listing_page
from artcast_server.pieces import DEFAULT, PREFIX, name_problem


class ServerPieces:
    """The editor's host on artcast-server."""

    server_optional = True      # a kit fills in the server it follows
    board = "esp32"

    def __init__(self, store, hub, settings):
        self.store = store
        self.hub = hub
        self.settings = settings        # .tokens: the publish tokens (None or not enabled: off)

    def info(self):
        store = self.store
        devices = []
        for device in store.devices():
            piece = store.piece_for(device)
            devices.append({"device": device, "piece": piece, "board": store.board_of(device),
                            "problem": store.problems.get(piece) if piece else None})
        names = sorted(store.pieces)
        return {"mode": "server", "board": self.board, "pieces": names, "devices": devices}

    def _name(self, name):
        name = name or DEFAULT
        problem = name_problem(name)
        if problem is not None:
            raise ValueError("bad piece name %r: %s" % (name[:40], problem))
        return name

    def load(self, name):
        name = self._name(name)
        boards = [self.store.board_of(d) for d in self.store.devices() if self.store.piece_for(d) == name]
        result = {"name": name, "board": boards[0] if boards else self.board,
                  "exists": name in self.store.pieces, "problem": self.store.problems.get(name)}
        result["piece"] = self.store.pieces.get(name, {"outputs": []})
        return result

    def write_refused(self, request):
        tokens = self.settings.tokens
        if tokens is not None and tokens.enabled:
            key = PREFIX + self._name(request.args.get("name"))
            status, _ = tokens.check(request.headers.get("Authorization"), key)
            if status == 200:
                return None
            if status == 401:
                return "saving a piece needs a publish token (Authorization: Bearer <token>)"
            return "this token may not publish %s" % key
        if not _is_loopback(request):
            return ("saving a piece is allowed from this machine only (or with a publish token: "
                    "start the server with --publish-token or --publish-tokens)")
        return None

    def save(self, name, raw):
        name = self._name(name)
        self.store.save(name, raw)

    def keys(self):
        page = listing_page(self.hub, None, 1000)
        return {"keys": [e for e in page.entries if not e["key"].startswith(PREFIX)]}

    def value(self, key):
        datum = self.hub.latest(key)
        if datum is None:
            return {"has_value": False}
        return {"has_value": True, "value": datum.value, "etag": datum.etag}


def add_piece_routes(app, store, hub, settings):
    add_editor_routes(app, "/pieces", ServerPieces(store, hub, settings))
