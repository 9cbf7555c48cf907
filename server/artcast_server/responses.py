"""Responses for artcast values, in the formats PROTOCOL.md describes.

A datum's body is encoded once per format and cached on the datum, so a
thousand waiting clients get the same bytes. Headers common to every
response (CORS) are added by the app's after-request hooks.
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
    return Response(rendered(datum, media), 200, headers)


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
