"""Wire compatibility with the 2012 server: datagrams as the original source
module built them, the HTTP endpoints and headers (PROTOCOL.md)."""

import json
import threading
import time

from artcast_core.etag import etag_for


def later(seconds, fn, *args):
    t = threading.Timer(seconds, fn, args)
    t.start()
    return t


def test_long_poll_answers_with_next_datum(server):
    later(0.3, server.send, "test/tick", 7)
    start = time.monotonic()
    status, headers, body = server.get("/artcasts/test/tick")
    assert status == 200
    assert json.loads(body) == 7
    assert time.monotonic() - start >= 0.25      # it was held, not answered at once
    assert headers["content-type"].startswith("application/json")
    assert headers["cache-control"] == "no-store"
    assert headers["content-length"] == str(len(body))
    assert "transfer-encoding" not in headers


def test_datagram_bytes_as_2012_source_sent_them(server):
    # The original module: json.dumps([key, value]) with default separators.
    payload = json.dumps(["room/temp", {"c": 21.5, "ok": True}]).encode()
    later(0.2, server.send_raw, payload)
    status, headers, body = server.get("/artcasts/room/temp")
    assert status == 200
    assert json.loads(body) == {"c": 21.5, "ok": True}
    assert headers["etag"] == etag_for(payload)


def test_registration_listing_sorted_and_merged(server):
    server.register("b/second", description="Second", provenance="p2")
    server.register("a/first", description="First", provenance="p1",
                    license={"uri": "https://creativecommons.org/licenses/by/4.0/", "title": "CC BY 4.0"})
    server.send("c/data-only", 1)
    server.wait_for_datums(1)
    # merge: a later registration with a changed description updates the key
    server.register("b/second", description="Second, updated", provenance="p2")
    time.sleep(0.2)
    status, headers, body = server.get("/artcasts")
    assert status == 200 and headers["content-type"].startswith("application/json")
    entries = json.loads(body)
    assert [e["key"] for e in entries] == ["a/first", "b/second", "c/data-only"]
    assert entries[0]["license"] == {"uri": "https://creativecommons.org/licenses/by/4.0/", "title": "CC BY 4.0"}
    assert entries[1]["description"] == "Second, updated"
    assert entries[2] == {"key": "c/data-only"}


def test_listing_html_links_each_key(server):
    server.register("test/tick", description="A <counter>")
    time.sleep(0.2)
    status, headers, body = server.get("/artcasts", {"Accept": "text/html"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b'href="/artcasts/test/tick"' in body
    assert b"A &lt;counter&gt;" in body        # metadata is escaped


def test_root_redirects(server):
    status, headers, _ = server.get("/")
    assert status == 302 and headers["location"] == "/artcasts"


def test_license_link_header(server):
    server.register("lic/k", description="d", license={"uri": "https://example.org/l", "title": "My \"L\""})
    time.sleep(0.2)
    server.send("lic/k", 1)
    status, headers, _ = server.get("/artcasts/lic/k?wait=0")
    assert status == 200
    assert headers["link"] == '<https://example.org/l>; rel="license"; title="My \\"L\\""'


def test_no_link_without_license(server):
    server.register("nolic/k", description="d")
    server.send("nolic/k", 1)
    server.wait_for_datums(1)
    _, headers, _ = server.get("/artcasts/nolic/k?wait=0")
    assert "link" not in headers


def test_cors_on_every_response(server):
    for path, method in (("/artcasts", "GET"), ("/status", "GET"), ("/nope", "GET"),
                         ("/artcasts/bad..key/..", "GET"), ("/artcasts/x", "POST"), ("/artcasts/x?wait=0", "GET")):
        _, headers, _ = server.get(path, method=method)
        assert headers["access-control-allow-origin"] == "*", path
        assert "ETag" in headers["access-control-expose-headers"]


def test_cors_preflight_allows_if_none_match(server):
    status, headers, _ = server.get("/artcasts/test/tick", {"Origin": "http://elsewhere",
                                    "Access-Control-Request-Method": "GET",
                                    "Access-Control-Request-Headers": "if-none-match"}, method="OPTIONS")
    assert status == 200
    assert "If-None-Match" in headers["access-control-allow-headers"]
    assert "GET" in headers["access-control-allow-methods"]
    assert headers["access-control-allow-origin"] == "*"


def test_status_counts(server):
    server.send("s/k", 1)
    server.send_raw(b"not json")
    server.send_raw(b'["bad//key", 1]')
    server.wait_for_datums(1)
    time.sleep(0.1)
    status = server.status()
    assert status["version"]
    assert status["known_keys"] == 1
    assert status["datagrams_dropped"] == {"not-json": 1, "bad-key": 1}
    assert status["waiting_clients"] == 0
    # every answered request counts once, this /status too (or not): the
    # count between two /status requests is exact either way
    assert server.status()["requests_served"] == status["requests_served"] + 1
    assert status["uptime"] >= 0


def test_head_works(server):
    server.send("h/k", "hello")
    server.wait_for_datums(1)
    status, headers, body = server.get("/artcasts/h/k?wait=0", method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str(len(b'"hello"'))
