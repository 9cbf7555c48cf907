"""The piece editor's routes, and `artcast-kinetic --edit PIECE.json`.

The page (editor_assets/: plain HTML, CSS and JS, no CDN, no build step)
asks its host for everything through these routes, under a prefix ("" for
artcast-kinetic, "/pieces" for artcast-server --pieces):

    GET  <prefix>/                   the page (and editor.js, editor.css)
    GET  <prefix>/api/info           mode, board pin tables, which mapping fits which device
    GET  <prefix>/api/piece?name=    the piece as stored (raw JSON)
    PUT  <prefix>/api/piece?name=&board=   check, then save (temp + rename, previous kept as .bak)
    POST <prefix>/api/validate?board=      {"piece": ...} -> messages naming fields (shared core + pin table)
    POST <prefix>/api/preview        {"piece": ..., "values": [[key, value], ...]} -> the simulator's view
    GET  <prefix>/api/keys           the piece's server's live list (GET /artcasts)
    GET  <prefix>/api/value?key=     that key's current value (?wait=0)

A host object supplies what differs (FileHost here; the server's in
artcast_server/piece_routes.py). Writes need "Content-Type:
application/json", which a page from another origin cannot send without a
CORS preflight that neither host grants: a web page the user happens to
visit cannot save a piece.

    artcast-kinetic --edit piece.json                    # http://127.0.0.1:8766/
    artcast-kinetic --edit piece.json --edit-host 0.0.0.0 --edit-port 8080
"""

import asyncio
import json
import logging
import os

from microdot import Microdot, Response

from artcast_core.boards import BOARDS, pin_table
from artcast_core.keys import key_problem
from artcast_core.piece_mapping import FITS
from artcast_kinetic import editor_api

log = logging.getLogger("artcast.kinetic")

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "editor_assets")
TYPES = {"index.html": "text/html; charset=utf-8", "editor.js": "text/javascript; charset=utf-8",
         "editor.css": "text/css; charset=utf-8"}
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                           "frame-ancestors 'none'",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
DEFAULT_PORT = 8766


def asset(name):
    with open(os.path.join(ASSETS, name), "rb") as f:
        return f.read()


def boards_info():
    return dict((name, pin_table(name)) for name in BOARDS)


def _json(data, status=200):
    return json.dumps(data), status, {"Content-Type": "application/json", "Cache-Control": "no-store"}


async def _maybe(result):
    if asyncio.iscoroutine(result):
        return await result
    return result


def _board(request, fallback):
    board = request.args.get("board") or fallback
    return board if board in BOARDS else fallback


def add_editor_routes(app, prefix, host):
    """The editor's page and API on a microdot `app`, answered by `host`."""

    def page(name):
        async def handler(request):
            headers = dict(PAGE_HEADERS)
            headers["Content-Type"] = TYPES[name]
            return asset(name), 200, headers
        return handler

    app.route(prefix + "/")(page("index.html"))
    app.route(prefix + "/editor.js")(page("editor.js"))
    app.route(prefix + "/editor.css")(page("editor.css"))

    @app.route(prefix + "/api/info")
    async def info(request):
        data = {"boards": boards_info(), "fits": dict((k, list(v)) for k, v in FITS.items())}
        data.update(await _maybe(host.info()))
        return _json(data)

    @app.route(prefix + "/api/piece")
    async def load(request):
        try:
            return _json(await _maybe(host.load(request.args.get("name"))))
        except ValueError as exc:
            return _json({"ok": False, "message": str(exc)}, 400)

    @app.route(prefix + "/api/piece", methods=["PUT"])
    async def save(request):
        raw, problem = _body(request)
        if problem:
            return _json({"ok": False, "message": problem}, 400)
        refused = host.write_refused(request)
        if refused:
            return _json({"ok": False, "message": refused}, 403)
        result = editor_api.validate(raw, _board(request, host.board), server_optional=host.server_optional)
        if not result["ok"]:
            result["message"] = "the piece has errors (marked next to their fields)"
            return _json(result, 422)
        try:
            await _maybe(host.save(request.args.get("name"), raw))
        except ValueError as exc:
            return _json({"ok": False, "message": str(exc)}, 400)
        except OSError as exc:
            return _json({"ok": False, "message": "cannot write the file: %s" % (exc.strerror or exc)}, 500)
        result["saved"] = True
        return _json(result)

    @app.route(prefix + "/api/validate", methods=["POST"])
    async def validate(request):
        raw, problem = _body(request)
        if problem:
            return _json({"ok": False, "message": problem}, 400)
        board = _board(request, host.board)
        return _json(editor_api.validate(raw.get("piece") if isinstance(raw, dict) else None, board,
                                         server_optional=host.server_optional))

    @app.route(prefix + "/api/preview", methods=["POST"])
    async def preview(request):
        raw, problem = _body(request)
        if problem or not isinstance(raw, dict) or not isinstance(raw.get("values"), list):
            return _json({"ok": False, "message": problem or 'expected {"piece": ..., "values": [[key, value], ...]}'}, 400)
        return _json(editor_api.preview(raw.get("piece"), raw["values"], server_optional=host.server_optional))

    @app.route(prefix + "/api/keys")
    async def keys(request):
        return _json(await _maybe(host.keys()))

    @app.route(prefix + "/api/value")
    async def value(request):
        key = request.args.get("key") or ""
        problem = key_problem(key)
        if problem is not None:
            return _json({"ok": False, "message": "bad key: " + problem}, 400)
        return _json(await _maybe(host.value(key)))

    if prefix:
        @app.route(prefix)
        async def bare(request):
            return Response.redirect(prefix + "/")


def _body(request):
    """The request's JSON body -> (value, None) or (None, what is wrong)."""
    ctype = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return None, "send the piece as Content-Type: application/json"
    try:
        return json.loads(request.body.decode("utf-8")), None
    except (ValueError, UnicodeError):
        return None, "the body is not JSON"


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def _is_loopback(request):
    """The request comes from this machine AND names it in Host: a page from
    another site that re-pointed its own name at 127.0.0.1 (DNS rebinding)
    sends its own name in Host, and is refused."""
    addr = request.client_addr[0] if request.client_addr else ""
    if not (addr in ("127.0.0.1", "::1") or addr.startswith("127.") or addr.startswith("::ffff:127.")):
        return False
    host = (request.headers.get("Host") or "").lower()
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in LOOPBACK_NAMES or name.startswith("127.")


class FileHost:
    """artcast-kinetic --edit: one piece file; keys and values from its server."""

    board = "pi"
    server_optional = False

    def __init__(self, path, server=None, timeout=3.0, lan=False):
        self.path = path
        self.server = server
        self.timeout = timeout
        self.lan = lan          # listening beyond loopback (--edit-host): any client may save

    def info(self):
        return {"mode": "file", "board": self.board, "name": os.path.basename(self.path)}

    def load(self, name=None):
        result = {"name": os.path.basename(self.path), "board": self.board, "exists": os.path.exists(self.path)}
        if not result["exists"]:
            result["piece"] = {"server": self.server or "http://127.0.0.1:8888", "outputs": []}
            return result
        try:
            with open(self.path, encoding="utf-8") as f:
                result["piece"] = json.load(f)
        except (OSError, ValueError) as exc:
            result["piece"] = None
            result["error"] = "cannot read it: %s" % exc
        return result

    def __repr__(self):
        return "FileHost(%r)" % self.path

    def write_refused(self, request):
        if self.lan or _is_loopback(request):
            return None         # --edit-host opened it to the LAN on purpose
        return "this editor saves for pages opened as http://127.0.0.1 or http://localhost only"

    def save(self, name, raw):
        editor_api.save_json(self.path, raw)
        log.info("editor: saved %s (previous kept as %s.bak)", self.path, os.path.basename(self.path))

    def _server(self):
        if self.server:
            return self.server
        try:
            with open(self.path, encoding="utf-8") as f:
                return json.load(f).get("server") or "http://127.0.0.1:8888"
        except (OSError, ValueError, AttributeError):
            return "http://127.0.0.1:8888"

    def _keys(self):
        from artcast_client.watch import fetch_listing
        entries = fetch_listing(self._server(), max_pages=1, timeout=self.timeout)
        return {"server": self._server(), "keys": [e for e in entries if isinstance(e, dict)
                                                   and not str(e.get("key", "")).startswith("_")]}

    async def keys(self):
        try:
            return await asyncio.to_thread(self._keys)
        except (OSError, ValueError) as exc:
            return {"server": self._server(), "keys": [], "error": "cannot list keys: %s" % exc}

    def _value(self, key):
        from artcast_client.watch import HTTPConnection     # the exchange every Python client uses
        from artcast_core.http import build_get, parse_response, parse_url
        host, port, prefix = parse_url(self._server())
        conn = HTTPConnection(host, port)
        try:
            data = conn.exchange(build_get(host, port, prefix + "/artcasts/" + key + "?wait=0",
                                           {"Accept": "application/json"}), self.timeout)
        finally:
            conn.close()
        status, headers, body = parse_response(data)
        if status != 200:
            return {"has_value": False, "status": status}
        return {"has_value": True, "value": json.loads(body.decode("utf-8")), "etag": headers.get("etag")}

    async def value(self, key):
        try:
            return await asyncio.to_thread(self._value, key)
        except (OSError, ValueError) as exc:
            return {"has_value": False, "error": str(exc)}


async def serve_editor(path, host="127.0.0.1", port=DEFAULT_PORT, server=None):
    """Serve the editor for `path` until cancelled."""
    app = Microdot()
    lan = host not in ("127.0.0.1", "localhost", "::1")
    add_editor_routes(app, "", FileHost(path, server, lan=lan))
    log.info("piece editor for %s on http://%s:%d/", path, host, port)
    await app.start_server(host=host, port=port)
