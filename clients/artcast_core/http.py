# The little HTTP/1.1 a long-poll client needs, as pure functions.
#
# build_get() writes a request; parse_response() reads a whole response
# (the server always sends Content-Length and closes with "Connection:
# close" requested, so "read until the socket closes" is enough).
# parse_url() splits "http://host:port/prefix" for clients that cannot
# import urllib. Used by the Pi client, the Python client API and the ESP32
# firmware alike.

from artcast_core.errors import WireError


def parse_url(url):
    """"http://host:port/prefix" -> (host, port, prefix without trailing "/").

    >>> parse_url("http://artcast.local:8888/")
    ('artcast.local', 8888, '')
    """
    if not isinstance(url, str) or not url.startswith("http://"):
        raise ValueError("server URL must start with http:// (got %r)" % (url,))
    rest = url[7:]
    slash = rest.find("/")
    hostport, prefix = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    port = 80
    if ":" in hostport:
        hostport, port_text = hostport.rsplit(":", 1)
        try:
            port = int(port_text)
        except ValueError:
            raise ValueError("server URL has a bad port: %r" % (url,))
    if not hostport:
        raise ValueError("server URL has no host: %r" % (url,))
    return hostport, port, prefix.rstrip("/")


def build_get(host, port, path, headers=None):
    """A complete GET request as bytes (Connection: close).

    >>> build_get("h", 8888, "/artcasts/a?wait=0")
    b'GET /artcasts/a?wait=0 HTTP/1.1\\r\\nHost: h:8888\\r\\nConnection: close\\r\\n\\r\\n'
    """
    lines = ["GET %s HTTP/1.1" % path, "Host: %s:%d" % (host, port), "Connection: close"]
    if headers:
        for name in headers:
            lines.append("%s: %s" % (name, headers[name]))
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def response_complete(data):
    """True once `data` holds a whole response: a 204, or a body as long as
    its Content-Length. Without Content-Length, only the server closing the
    connection ends the response, so this stays False.

    >>> response_complete(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\n4")
    False
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = data[:end].lower()
    status_line = head.split(b"\r\n", 1)[0]
    if status_line.startswith(b"http/") and status_line[9:12] in (b"204", b"304"):
        return True
    marker = b"\r\ncontent-length:"
    at = head.find(marker)
    if at < 0:
        return False
    line_end = head.find(b"\r\n", at + 2)
    try:
        length = int(head[at + len(marker):line_end if line_end >= 0 else len(head)].strip())
    except ValueError:
        return False
    return len(data) - (end + 4) >= length


def parse_response(data):
    """Raw response bytes -> (status, headers with lower-case names, body).

    Raises WireError("bad-response") when the bytes are not an HTTP response
    or the body is shorter than Content-Length says (a cut connection).

    >>> parse_response(b"HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\nETag: \\"x\\"\\r\\n\\r\\n42")
    (200, {'content-length': '2', 'etag': '"x"'}, b'42')
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise WireError("bad-response", "response has no complete header")
    head = data[:end].decode("latin-1").split("\r\n")
    status_line = head[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/"):
        raise WireError("bad-response", "not an HTTP response: %r" % head[0][:40])
    try:
        status = int(status_line[1])
    except ValueError:
        raise WireError("bad-response", "bad status code: %r" % status_line[1][:10])
    headers = {}
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = data[end + 4:]
    if "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise WireError("bad-response", "bad Content-Length")
        if len(body) < length:
            raise WireError("bad-response", "response body cut short (%d of %d bytes)" % (len(body), length))
        body = body[:length]
    return status, headers, body
