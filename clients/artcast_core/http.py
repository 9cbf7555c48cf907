# The little HTTP/1.1 a long-poll client needs, as pure functions.
#
# build_get() writes a request; response_end() / response_complete() say
# where a response ends (the server always sends Content-Length, so a client
# can keep its connection open for the next request: build_get(...,
# keep_alive=True), then reuse the connection while keeps_alive() says the
# server will); parse_response() reads a whole response. A client that
# reads until the socket closes must ask for close (the default).
# parse_url() splits "http://host:port/prefix" for clients that cannot
# import urllib. Used by the Pi client, the Python client API and the ESP32
# firmware alike.

from artcast_core.errors import WireError


def parse_url(url):
    """"http://host:port/prefix" -> (host, port, prefix without trailing "/").

    A URL copied from the browser's address bar is taken too: a trailing
    "/artcasts" (the list page) is dropped, so clients never ask for
    /artcasts/artcasts/<key>. One that names a key or has a query
    ("/artcasts/test/tick?format=text") is refused with a message saying
    what to pass instead. The same rule is in the Arduino sketch's
    parse_url (tests/vectors/server_urls.json checks both).

    >>> parse_url("http://artcast.local:8888/")
    ('artcast.local', 8888, '')
    >>> parse_url("http://artcast.local:8888/artcasts")
    ('artcast.local', 8888, '')
    """
    if not isinstance(url, str) or not url.startswith("http://"):
        raise ValueError("server URL must start with http:// (got %r)" % (url,))
    rest = url[7:]
    extra = ""   # a "?query" or "#fragment": never part of a server URL
    for mark in "?#":
        if mark in rest:
            rest, tail = rest.split(mark, 1)
            extra = extra or mark
    slash = rest.find("/")
    hostport, prefix = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    host = hostport
    port = 80
    if ":" in hostport:
        host, port_text = hostport.rsplit(":", 1)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError("server URL has a bad port: %r" % (url,))
        port = int(port_text)
    if not host:
        raise ValueError("server URL has no host: %r" % (url,))
    prefix = prefix.rstrip("/")
    at = (prefix + "/").find("/artcasts/")
    if at >= 0:
        key = prefix[at + 10:].strip("/")
        prefix = prefix[:at]
        if key:
            raise ValueError("server URL %r names the key %r: give the server only, http://%s%s, "
                             "and the key separately" % (url, key, hostport, prefix))
    if extra:
        raise ValueError("server URL %r has a %r part: give the server only, http://%s%s"
                         % (url, extra, hostport, prefix))
    return host, port, prefix


def build_get(host, port, path, headers=None, keep_alive=False):
    """A complete GET request as bytes: Connection: close, or with
    keep_alive=True none (HTTP/1.1 connections stay open by default).

    >>> build_get("h", 8888, "/artcasts/a?wait=0")
    b'GET /artcasts/a?wait=0 HTTP/1.1\\r\\nHost: h:8888\\r\\nConnection: close\\r\\n\\r\\n'
    >>> build_get("h", 8888, "/", keep_alive=True)
    b'GET / HTTP/1.1\\r\\nHost: h:8888\\r\\n\\r\\n'
    """
    lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port)]
    if not keep_alive:
        lines.append("Connection: close")
    if headers:
        for name in headers:
            lines.append("%s: %s" % (name, headers[name]))
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def response_end(data):
    """Where the first response in `data` ends (the index after its body),
    or -1 while it is incomplete: a 204/304 ends with its head, any other
    response after Content-Length bytes of body. Without Content-Length
    only the server closing the connection ends it: -1.

    >>> response_end(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n42HTTP/1.1")
    40
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return -1
    head = data[:end].lower()
    status_line = head.split(b"\r\n", 1)[0]
    if status_line.startswith(b"http/") and status_line[9:12] in (b"204", b"304"):
        return end + 4
    marker = b"\r\ncontent-length:"
    at = head.find(marker)
    if at < 0:
        return -1
    line_end = head.find(b"\r\n", at + 2)
    try:
        length = int(head[at + len(marker):line_end if line_end >= 0 else len(head)].strip())
    except ValueError:
        return -1
    if length < 0 or len(data) - (end + 4) < length:
        return -1
    return end + 4 + length


def response_complete(data):
    """True once `data` holds a whole response: a 204, or a body as long as
    its Content-Length. Without Content-Length, only the server closing the
    connection ends the response, so this stays False.

    >>> response_complete(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n4")
    False
    """
    return response_end(data) >= 0


def keeps_alive(data):
    """True when the server will keep the connection open after the
    response in `data` (an HTTP/1.1 response without Connection: close),
    so the next request may be sent on it.

    >>> keeps_alive(b"HTTP/1.1 204 No Content\\r\\nConnection: close\\r\\n\\r\\n")
    False
    """
    end = data.find(b"\r\n\r\n")
    if end < 0 or not data.startswith(b"HTTP/1.1 "):
        return False
    head = data[:end].lower()
    at = head.find(b"\r\nconnection:")
    if at < 0:
        return True
    line_end = head.find(b"\r\n", at + 2)
    return b"close" not in head[at:line_end if line_end >= 0 else len(head)]


def header_text(raw):
    """Header bytes -> str that can never fail to decode, on any interpreter.

    Printable ASCII is kept, a tab becomes a space, and every other byte (a
    UTF-8 "é" in a license title, a control character, a NUL) becomes "?".
    MicroPython has no latin-1 codec and raises UnicodeError on bad UTF-8
    even with errors="replace", so this is the one place the core turns
    response-head bytes (and bytes shown in error messages) into text.

    >>> header_text(b'<http://x>; title="caf\\xc3\\xa9"')
    '<http://x>; title="caf??"'
    """
    return bytes([c if 32 <= c < 127 else (32 if c == 9 else 63) for c in raw]).decode()


def _number(text, what):
    # Only plain decimal digits: int() also takes "-1", "+5", " 1_0".
    if not text or not text.isdigit() or len(text) > 12:
        raise WireError("bad-response", "bad %s: %r" % (what, text[:20]))
    return int(text)


def parse_response(data):
    """Raw response bytes -> (status, headers with lower-case names, body).

    Raises WireError("bad-response") when the bytes are not an HTTP response
    or the body is shorter than Content-Length says (a cut connection); no
    other exception, whatever the bytes (header bytes outside printable
    ASCII come out as "?", see header_text).

    >>> parse_response(b"HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\nETag: \\"x\\"\\r\\n\\r\\n42")
    (200, {'content-length': '2', 'etag': '"x"'}, b'42')
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise WireError("bad-response", "response has no complete header")
    head = data[:end].split(b"\r\n")
    first = header_text(head[0])
    status_line = first.split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/"):
        raise WireError("bad-response", "not an HTTP response: %r" % first[:40])
    if len(status_line[1]) != 3:
        raise WireError("bad-response", "bad status code: %r" % status_line[1][:10])
    status = _number(status_line[1], "status code")
    headers = {}
    for i in range(1, len(head)):
        name, sep, value = header_text(head[i]).partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = data[end + 4:]
    if "content-length" in headers:
        length = _number(headers["content-length"], "Content-Length")
        if len(body) < length:
            raise WireError("bad-response", "response body cut short (%d of %d bytes)" % (len(body), length))
        body = body[:length]
    return status, headers, body
