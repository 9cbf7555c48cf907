"""Responses for artcast values, in the formats PROTOCOL.md describes.

A datum's body is encoded once per format and cached on the datum, so a
thousand waiting clients get the same bytes (listen.py caches the whole
HTTP response the same way). Headers common to every response (CORS) are
added by the app's after-request hooks.
"""

from microdot import Response

from artcast_core.values import as_json, as_text

JSON = "application/json"
TEXT = "text/plain"
HTML = "text/html"
OFFERED = (JSON, TEXT, HTML)           # first = default for */* and no Accept
FORMATS = {"json": JSON, "text": TEXT, "html": HTML}

CONTENT_TYPES = {
    JSON: "application/json; charset=UTF-8",
    TEXT: "text/plain; charset=UTF-8",
    HTML: "text/html; charset=UTF-8",
}


def rendered(datum, media):
    body = datum.rendered.get(media)
    if body is None:
        text = as_json(datum.value) if media == JSON else as_text(datum.value)
        body = datum.rendered[media] = text.encode("utf-8")
    return body


def license_link(meta):
    lic = meta.get("license")
    if not lic or not lic.get("uri"):
        return None
    uri = lic["uri"].replace(">", "%3E").replace("\r", "").replace("\n", "")
    link = "<%s>; rel=\"license\"" % uri
    title = lic.get("title")
    if title:
        link += "; title=\"%s\"" % title.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
    return link


def value_response(datum, media, meta):
    headers = {
        "Content-Type": CONTENT_TYPES[media],
        "ETag": datum.etag,
        "Cache-Control": "no-store",
        "Vary": "Accept",
    }
    link = license_link(meta)
    if link:
        headers["Link"] = link
    response = Response(rendered(datum, media), 200, headers)
    response.datum = datum          # lets the server write its cached bytes instead
    response.media = media
    return response


class Parked(Response):
    """The route's answer for a request the hub now holds: nothing to write
    yet. The server writes the datum (or 204) when it comes."""


PARKED = Parked(b"")


async def held_response(request, hub, key, hold, media):
    """Hold the request until the next datum of `key` (at most `hold` s).

    In the real server (listen.py) the connection itself is parked in the hub:
    no coroutine, future or timer stays behind per waiting client, and the
    datum's bytes are written straight to it. Elsewhere (microdot's TestClient)
    the coroutine awaits the datum. Raises Overloaded past --max-clients.
    """
    park = getattr(request.g, "park", None)
    if park is not None:
        return PARKED if park(key, hold, media) else no_content()
    datum = await hub.wait(key, hold)
    return no_content() if datum is None else value_response(datum, media, hub.meta(key))


def no_content(reason="No Content"):
    """204: nothing new within the hold time (or the key has no value yet)."""
    return Response(b"", 204, {"Cache-Control": "no-store"}, reason=reason)


def error(status, message, headers=None):
    """A short plain-text error a person can read on a serial console."""
    all_headers = {"Content-Type": CONTENT_TYPES[TEXT], "Cache-Control": "no-store"}
    if headers:
        all_headers.update(headers)
    return Response((message + "\n").encode("utf-8"), status, all_headers, reason=REASONS.get(status))


REASONS = {
    200: "OK", 204: "No Content", 302: "Found", 400: "Bad Request", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
    413: "Payload Too Large", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 503: "Service Unavailable",
}
