"""What the server uses of microdot, checked against the pinned version
(pyproject.toml: microdot==2.7.0). listen.py builds each `Request` itself
and runs `Microdot.dispatch_request` by stepping its coroutine once; neither
is documented as public, so this file is the contract: if a microdot
upgrade breaks it, these fail before the server does."""

import microdot
from microdot import Microdot, Request, Response
from microdot.microdot import NoCaseDict


def step(coro):
    """Run a coroutine that must finish without suspending (as listen.py does)."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise AssertionError("dispatch_request suspended")


def app_and_request(method="GET", url="/a/b/c?x=1&y=%20z", version="1.1", headers=None):
    app = Microdot()
    seen = {}

    @app.get("/a/<path:rest>")
    async def route(request, rest):
        seen["rest"] = rest
        return {"ok": True}

    @app.after_request
    async def hook(request, response):
        response.headers["X-Hook"] = "1"

    @app.after_error_request
    async def error_hook(request, response):
        response.headers["X-Hook"] = "error"

    @app.errorhandler(404)
    async def not_found(request):
        return Response(b"nope", 404)

    fields = NoCaseDict()
    for name, value in (headers or {"accept": "text/plain", "If-None-Match": '"e"'}).items():
        fields[name] = value
    request = Request(app, ("127.0.0.1", 5), method, url, version, fields, body=b"")
    return app, request, seen


def test_pinned_version():
    assert microdot.__version__ == "2.7.0"


def test_request_built_from_parts():
    _, request, _ = app_and_request()
    assert request.method == "GET" and request.path == "/a/b/c" and request.url == "/a/b/c?x=1&y=%20z"
    assert request.args["x"] == "1" and request.args["y"] == " z"
    assert request.http_version == "1.1" and request.client_addr == ("127.0.0.1", 5)
    assert request.headers.get("Accept") == "text/plain" and request.headers.get("if-none-match") == '"e"'
    assert "ACCEPT" in request.headers and request.headers.get("Referer", "-") == "-"


def test_dispatch_finishes_in_one_step_with_hooks():
    app, request, seen = app_and_request()
    response = step(app.dispatch_request(request))
    assert seen == {"rest": "b/c"} and response.status_code == 200 and not response.is_head
    assert response.headers["X-Hook"] == "1" and response.headers["content-type"].startswith("application/json")
    response.complete()
    assert response.headers["Content-Length"] == str(len(response.body))


def test_dispatch_head_404_405_and_options():
    app, request, _ = app_and_request(method="HEAD")
    response = step(app.dispatch_request(request))
    assert response.status_code == 200 and response.is_head
    app, request, _ = app_and_request(url="/elsewhere")
    response = step(app.dispatch_request(request))
    assert response.status_code == 404 and response.body == b"nope" and response.headers["X-Hook"] == "error"
    app, request, _ = app_and_request(method="DELETE")
    response = step(app.dispatch_request(request))
    assert response.status_code == 405
    app, request, _ = app_and_request(method="OPTIONS")
    app.options_handler = lambda request: {"Allow": "GET", "Content-Length": "0"}
    response = step(app.dispatch_request(request))
    assert response.headers["Allow"] == "GET"


def test_redirect_and_max_readline():
    assert Response.redirect("/artcasts").status_code == 302
    assert Response.redirect("/artcasts").headers["Location"] == "/artcasts"
    assert Request.max_readline == 2 * 1024          # connection.py's MAX_LINE
