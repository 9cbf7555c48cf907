"""Publishing over HTTP, for sources that cannot multicast (a school laptop
whose Wi-Fi blocks it, a cloud script): POST /artcasts/<key> with a token.

    pub = HTTPPublisher("http://gallery.local:8888", token="s3cret-token")
    etag = pub.publish("room/light", "on")

Raises PublishError with the server's one-line reason (and the status) for
anything the server refuses; a network failure is a PublishError too, naming
the URL. The token is sent only in the Authorization header, never logged.
"""

import http.client
import json
import os

from artcast_core.http import parse_url


class PublishError(Exception):
    def __init__(self, message, status=None, retry_after=None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def default_token():
    return os.environ.get("ARTCAST_TOKEN") or None


class HTTPPublisher:
    def __init__(self, server, token=None, timeout=10.0):
        self.host, self.port, self.prefix = parse_url(server)
        self.server = server
        self.token = token if token is not None else default_token()
        self.timeout = timeout

    def publish(self, key, value):
        """Send one value; returns the datum's ETag."""
        body = json.dumps(value).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "text/plain"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        url = "%s/artcasts/%s" % (self.prefix, key)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("POST", url, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace").strip()
        except (OSError, http.client.HTTPException) as exc:
            raise PublishError("cannot publish to %s: %s" % (self.server, exc))
        finally:
            conn.close()
        if response.status == 202:
            return response.getheader("ETag")
        hint = ""
        if response.status == 401 and not self.token:
            hint = " (give a token with --token or ARTCAST_TOKEN)"
        raise PublishError("%s refused %s (%d): %s%s" % (self.server, key, response.status, text[:200], hint),
                           status=response.status, retry_after=response.getheader("Retry-After"))
