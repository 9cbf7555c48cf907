"""Small helpers for the publish tests: a POST, and waiting on /status."""

import http.client
import json

from support.wait import wait_until

TOKEN = "gallery-token-1"


def post(server, key, body, token=TOKEN, content_type="application/json", method="POST"):
    """-> (status, headers lower-case, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    try:
        conn.request(method, "/artcasts/" + key, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    finally:
        conn.close()


def latest(server, key):
    """(status, etag, value) of ?wait=0."""
    status, headers, body = server.get("/artcasts/%s?wait=0" % key)
    return status, headers.get("etag"), (json.loads(body) if status == 200 else None)
