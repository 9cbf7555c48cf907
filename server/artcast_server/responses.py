"""Responses for artcast values, in the formats PROTOCOL.md describes.

A datum's body is encoded once per format and cached on the datum, so a
thousand waiting clients get the same bytes (listen.py caches the whole
HTTP response the same way). Headers common to every response (CORS) are
added by `add_common_headers()`: the app's after-request hooks call it for
routed responses, the server for the answers it writes itself.
"""

from microdot import Response

from artcast_core.text import strip_controls
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
        # "replace": a lone surrogate in a string value must not fail the answer
        body = datum.rendered[media] = text.encode("utf-8", "replace")
    return body


# What registration text may add to a value response: the Arduino sketch
# reads at most 1,024 bytes of response (ARTCAST_MAX_RESPONSE), so a source's
# license must never push a small value past that.
LINK_MAX = 200               # bytes of the Link header's value, at most
TITLE_MAX = 60               # characters of the license title, at most

# Characters a URI may hold unescaped (RFC 3986 unreserved + reserved + %).
_URI_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                      "-._~:/?#[]@!$&'()*+,;=%")
# RFC 8187 attr-char: what title*= may hold unescaped.
_ATTR_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                       "!#$&+-.^_`|~")


def _percent(text, safe):
    return "".join(chr(b) if chr(b) in safe else "%%%02X" % b
                   for b in text.encode("utf-8", "replace"))


def _title_params(title):
    """title="ascii" (non-ASCII as ?) plus, when needed, RFC 8187 title*."""
    ascii_title = title.encode("ascii", "replace").decode("ascii")
    params = '; title="%s"' % ascii_title.replace("\\", "\\\\").replace('"', '\\"')
    if ascii_title != title:
        params += "; title*=UTF-8''" + _percent(title, _ATTR_SAFE)
    return params


def license_link(meta):
    """The `Link: <uri>; rel="license"; title=...` value for a key's license, or None.

    Pure ASCII whatever the source registered, so every client can read it
    (the firmware reads header bytes, browsers read latin-1): control
    characters (CR, LF, NUL, ...) and lone surrogates removed, the URI
    percent-encoded, the title as ASCII in title= and exact in RFC 8187
    title*=. At most LINK_MAX bytes: a long title is cut (ending "..."),
    a URI too long to fit sends no Link at all (the pages still show it).
    """
    lic = meta.get("license")
    if not lic or not isinstance(lic, dict) or not isinstance(lic.get("uri"), str):
        return None
    uri = _percent(strip_controls(lic["uri"]).strip(), _URI_SAFE)
    if not uri:
        return None
    link = '<%s>; rel="license"' % uri
    if len(link) > LINK_MAX:
        return None
    title = lic.get("title")
    title = " ".join(strip_controls(title).split()) if isinstance(title, str) else ""
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX - 3].rstrip() + "..."
    while title:
        with_title = link + _title_params(title)
        if len(with_title) <= LINK_MAX:
            return with_title
        title = title[:max(0, len(title) - 4 - (len(with_title) - LINK_MAX) // 9)].rstrip() + "..."
        if title == "...":
            break
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
    if datum.play_at is not None:       # only then: a 2012 client sees no change
        headers["Artcast-Play-At"] = "%d" % datum.play_at
    response = Response(rendered(datum, media), 200, headers)
    response.datum = datum          # lets the server write its cached bytes instead
    response.media = media
    return response


class Ready(Response):
    """The route's answer when a datum can be sent at once: the server
    writes the datum's whole response, built by value_response() once per
    format, method and connection mode and cached on the datum (listen.py
    HTTPServer.datum_bytes), so an answer at once costs no Response, header
    dict or Link header of its own. Like Held, never encoded itself."""

    def __init__(self, datum, media):
        self.status_code = 200
        self.headers = {}
        self.reason = "OK"
        self.body = b""
        self.is_head = False
        self.datum = datum
        self.media = media


class Held(Response):
    """The route's answer for a request that must wait for the next datum of
    `key` (at most `hold` seconds; None: no limit), answered in `media`.
    `etag` is the request's If-None-Match: a datum it names does not wake it.

    Routes only describe the wait; the server (listen.py) parks the
    connection itself in the hub with `hub.hold()`, so no coroutine, future
    or timer stays behind per waiting client. Every request, in production
    and in the in-process tests alike, takes that one path.
    """

    def __init__(self, key, hold, media, etag=None):
        # not Response.__init__: a Held is never encoded, and its NoCaseDict
        # of headers would be built for nothing on every long-poll
        self.status_code = 200
        self.headers = {}
        self.reason = None
        self.body = b""
        self.is_head = False
        self.key = key
        self.hold = hold
        self.media = media
        self.etag = etag


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
    100: "Continue", 200: "OK", 202: "Accepted", 204: "No Content", 302: "Found", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 415: "Unsupported Media Type",
    429: "Too Many Requests",
    405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
    413: "Payload Too Large", 414: "URI Too Long", 417: "Expectation Failed", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 503: "Service Unavailable",
}


# What a browser's script may read (Artcast-*: play-at, PROTOCOL.md).
EXPOSED = "ETag, Link, Retry-After, Artcast-Play-At, Artcast-Clock"


def add_common_headers(response, settings):
    """CORS headers every response carries, and a reason phrase."""
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = settings.cors_origin
    headers["Access-Control-Expose-Headers"] = EXPOSED
    if response.reason is None:
        response.reason = REASONS.get(response.status_code, "Unknown")
