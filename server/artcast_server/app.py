"""The HTTP routes: parse the request, ask the hub, answer (PROTOCOL.md).

    GET /                   302 to /artcasts
    GET /artcasts           every known artcast (JSON, or HTML for browsers)
    GET /artcasts/<key>     the key's next value (long-poll), or its live page
    GET /artcasts/<key>/history   the key's recent datums (JSON)
    GET /status             counters for the operator (JSON, or HTML for browsers)
    GET /metrics            the same in Prometheus text format (metrics.py)
    GET /events, /follow    several keys at once: SSE and long-poll (events.py)
    GET /devices            who follows what (devices.py; JSON, or the roster page)
    GET /clock              the server's time in ms, for play-at (answered at once)
    GET /favicon.ico        204 (pages carry an inline icon)
    OPTIONS *               CORS preflight

`create_app(hub, settings)` returns the microdot application; listen.py
serves it (and in-process tests serve it the same way, on a loopback socket)
and adds the headers every answer carries (CORS) as it encodes them.
The value route is registered early (after its /history and /control
siblings, which it would otherwise swallow): microdot tries the patterns in
order, and a long-poll is nearly every request.
Routes never wait: a request that must wait for a datum gets a `Held`
answer, which the server resolves by parking its connection in the hub.
Layering runs one way: connection/listen -> routes (this module) -> hub.
"""

from microdot import Microdot, Response

from artcast_core.datagram import parse_datum
from artcast_server.keys import path_key_problem
from artcast_core.negotiate import choose
from artcast_server import VERSION, dashboard, events, follow, metrics, pages
from artcast_server.control_page import control_page
from artcast_server.devices import Devices
from artcast_server.firmware import RESERVED_PREFIX, reserved
from artcast_server.publish import handle_publish
from artcast_server.listing import close_keys, listing_page, parse_limit
from artcast_server.multicast import datum_body
from artcast_server.responses import (FORMATS, HTML, JSON, OFFERED, Held, error,
                                      Ready, no_content)


class Settings:
    """What the routes need from the command line."""

    def __init__(self, poll_timeout=25.0, cors_origin="*", trusted_proxies=(), tokens=None, rate=None,
                 publisher=None, max_devices=1000, expected_devices=()):
        self.poll_timeout = poll_timeout   # seconds; 0 = hold until a datum arrives
        self.cors_origin = cors_origin
        self.trusted_proxies = trusted_proxies     # proxies.parse_trusted(--trust-proxy)
        self.tokens = tokens               # publish tokens (None: HTTP publish off)
        self.rate = rate                   # tokens.RateLimit for HTTP publish
        self.publisher = publisher         # publish.Publisher: accepted values out to the group
        self.max_devices = max_devices
        self.expected_devices = expected_devices    # names from --expected-devices
        self.pieces = None                         # pieces.PieceStore with --pieces


def parse_wait(text):
    """?wait=<seconds> -> float, or raise ValueError with a message."""
    try:
        wait = float(text)
    except ValueError:
        raise ValueError("wait must be a number of seconds, got %r" % text[:20])
    if not wait >= 0 or wait == float("inf"):
        raise ValueError("wait must be 0 or more seconds")
    return wait


def hold_time(wait, poll_timeout):
    """How long to hold a request: the client's wait, capped by the server's
    timeout. None means until a datum arrives."""
    if wait is None:
        return poll_timeout or None
    if poll_timeout:
        return min(wait, poll_timeout)
    return wait


ACCEPT_CACHE = 256       # distinct (Accept, offered) pairs remembered; a kit sends one or two
_chosen = {}             # (Accept, offered) -> media type


def pick_media(request, offered):
    """The response format: ?format= wins over Accept. None -> 406.

    Devices send the same Accept on every poll, so the negotiation's answer
    is remembered per (Accept, offered) (a small bounded dict: cleared when
    full, so odd headers cannot grow it)."""
    fmt = request.args.get("format")
    if fmt is not None:
        return FORMATS.get(fmt, False)
    accept = request.headers.get("Accept")
    try:
        return _chosen[accept, offered]
    except KeyError:
        pass
    if len(_chosen) >= ACCEPT_CACHE:
        _chosen.clear()
    media = _chosen[accept, offered] = choose(accept, offered)
    return media


def create_app(hub, settings):
    app = Microdot()
    app.followers = events.Followers(hub)       # listen.py: streams end at shutdown
    app.devices = Devices(settings.max_devices, settings.poll_timeout, settings.expected_devices, hub.clock,
                          trusted_proxies=settings.trusted_proxies)
    events.add_routes(app, hub, settings, app.followers)
    follow.add_routes(app, hub, settings, app.followers)
    dashboard.add_routes(app, hub, settings, app.devices)

    def preflight(request):
        return {
            "Allow": "GET, HEAD, OPTIONS, POST, PUT",
            "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS, POST, PUT",
            "Access-Control-Allow-Headers": "If-None-Match, Accept, Authorization, Content-Type, Last-Event-ID, Artcast-Device",
            "Access-Control-Max-Age": "86400",
            "Content-Length": "0",
        }
    app.options_handler = preflight

    @app.errorhandler(404)
    async def not_found(request):
        return error(404, "Not found: see GET /artcasts for what this server offers")

    @app.errorhandler(405)
    async def not_allowed(request):
        return error(405, "Method not allowed: artcasts are read with GET or HEAD and published with POST "
                          "to /artcasts/<key>", {"Allow": "GET, HEAD, OPTIONS"})

    @app.errorhandler(500)
    async def internal(request):
        return error(500, "Internal server error (see the error log)")

    async def under_key(request, key, name):
        """A route /artcasts/<key>/<name>: the value of a real key whose last
        segment is `name` (it wins), a 400 for a bad key, or None: go on."""
        if key + "/" + name in hub.artcasts:
            return await artcast(request, key + "/" + name)
        problem = path_key_problem(key)
        return error(400, "Bad key: " + problem) if problem is not None else None

    @app.get("/artcasts/<path:key>/history")
    async def history(request, key):
        answer = await under_key(request, key, "history")
        if answer is not None:
            return answer
        try:
            n = int(request.args.get("n", hub.history_length))
        except ValueError:
            n = -1
        if n < 0:
            return error(400, "n must be a whole number of datums, 0 or more")
        entries = [{"t": round(t, 3), "value": parse_datum(datum_body(payload))[1], "etag": etag}
                   for t, etag, payload in hub.history(key, min(n, hub.history_length))]
        return entries, 200, {"Cache-Control": "no-store"}

    @app.get("/artcasts/<path:key>/control")
    async def control(request, key):
        answer = await under_key(request, key, "control")
        if answer is not None:
            return answer
        return control_page(key, hub.meta(key), int(hold_time(20, settings.poll_timeout))), 200, \
            {"Content-Type": "text/html; charset=UTF-8", "Cache-Control": "no-store"}

    @app.get("/artcasts/<path:key>")
    async def artcast(request, key):
        # always answers a Response object (never a tuple): the server steps
        # this route itself once microdot has routed to it (listen.py)
        problem = None if key in hub.artcasts else path_key_problem(key)     # the hub holds only valid keys
        if problem is not None:
            return error(400, "Bad key: " + problem)
        media = pick_media(request, OFFERED)
        if media is False:
            return error(400, "format must be json, text or html")
        if media is None:
            return error(406, "Not Acceptable: offered are application/json, text/plain, text/html")
        if media == HTML and request.args.get("view") == "full":
            return Response(dashboard.full_page(key, hub.meta(key)), 200,
                            {"Content-Type": "text/html; charset=UTF-8"})
        if media == HTML:
            known = key in hub.artcasts
            return Response(pages.live_page(key, hub.meta(key), int(hold_time(20, settings.poll_timeout)),
                                            known, () if known else close_keys(hub, key),
                                            dashboard.qr_svg(request, key)), 200,
                            {"Content-Type": "text/html; charset=UTF-8", "Vary": "Accept"})

        if settings.pieces is not None:
            settings.pieces.ensure(key)     # a kit's first ask for its piece: _piece/<device>
        etag = request.headers.get("If-None-Match") or request.args.get("after")
        try:
            wait = parse_wait(request.args["wait"]) if "wait" in request.args else None
        except ValueError as exc:
            return error(400, str(exc))

        datum = hub.ready(key, etag)
        if datum is None:
            hold = hold_time(wait, settings.poll_timeout)
            if hold == 0:
                datum = None if etag else hub.latest(key)     # the ordering rule: see hub.ready
                if datum is None:
                    return no_content()
            elif hub.closed:
                return no_content()             # shutting down: nothing new
            elif hub.waiting >= hub.max_clients:
                return error(503, "Too many waiting clients; try again shortly", {"Retry-After": "5"})
            else:
                return Held(key, hold, media, etag)     # the server parks the connection in the hub
        return Ready(datum, media)             # the server writes the datum's cached response
    app.value_route = artcast

    @app.get("/")
    async def index(request):
        return Response.redirect("/artcasts")

    @app.get("/artcasts")
    async def artcasts(request):
        media = pick_media(request, (JSON, HTML))
        if media not in (JSON, HTML):
            return error(406, "Not Acceptable: /artcasts is offered as application/json or text/html")
        try:
            page = listing_page(hub, request.args.get("after"), parse_limit(request.args.get("limit")))
        except ValueError as exc:
            return error(400, str(exc))
        headers = {"Content-Type": "text/html; charset=UTF-8" if media == HTML else "application/json"}
        if page.next_after is not None:
            headers["Link"] = '</artcasts?after=%s&limit=%d>; rel="next"' % (
                page.next_after, len(page.entries))
        if media == HTML:
            return dashboard.dashboard_page(page.entries, page.next_after), 200, headers
        return page.body, 200, headers

    @app.get("/favicon.ico")
    async def favicon(request):
        return no_content()      # pages carry an inline icon; this keeps other tools' 404s out of the log

    @app.get("/clock")
    async def clock(request):
        ms = hub.server_clock.ms()
        return {"ms": ms}, 200, {"Artcast-Clock": "%d" % ms, "Cache-Control": "no-store"}

    @app.get("/status")
    async def status(request):
        info = metrics.full_status(hub, VERSION, app.followers, app.devices)
        media = pick_media(request, (JSON, HTML))
        if media == HTML:
            return metrics.status_page(info), 200, {"Content-Type": "text/html; charset=UTF-8",
                                                    "Cache-Control": "no-store", "Vary": "Accept"}
        if media == JSON:
            return info, 200, {"Cache-Control": "no-store", "Vary": "Accept"}
        return error(406, "Not Acceptable: /status is offered as application/json or text/html")

    @app.get("/metrics")
    async def prometheus(request):
        info = metrics.full_status(hub, VERSION, app.followers, app.devices)
        return metrics.prometheus(info), 200, {"Content-Type": "text/plain; version=0.0.4; charset=UTF-8",
                                               "Cache-Control": "no-store"}

    @app.route("/artcasts/<path:key>", methods=["POST", "PUT"])
    async def publish(request, key):
        if reserved(key):
            return error(403, "Forbidden: %s... keys are published by the server itself" % RESERVED_PREFIX)
        if settings.pieces is not None and key.startswith("_piece/"):
            return error(403, "_piece/ keys are this server's pieces (--pieces): edit them at /pieces/")
        return handle_publish(request, key, settings.tokens, settings.rate, settings.publisher, error,
                              lambda etag: Response(b"", 202, {"ETag": etag, "Cache-Control": "no-store"},
                                                    reason="Accepted"))

    return app

