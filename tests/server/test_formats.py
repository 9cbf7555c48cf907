"""Content negotiation: JSON, text and HTML, q-values, ?format=, 406."""

import json

import pytest


@pytest.fixture
def primed(server):
    server.send("f/num", 21.5)
    server.send("f/str", "hello")
    server.send("f/obj", {"a": [1, 2]})
    server.send("f/bool", True)
    server.wait_for_datums(4)
    return server


@pytest.mark.parametrize("accept,expected", [
    (None, "application/json"),
    ("*/*", "application/json"),
    ("text/plain", "text/plain"),
    ("text/*", "text/plain"),
    ("application/json;q=0.5, text/plain", "text/plain"),
    ("text/plain;q=0.2, application/json;q=0.9", "application/json"),
    ("text/html", "text/html"),
])
def test_negotiation(primed, accept, expected):
    headers = {"Accept": accept} if accept else {}
    status, h, _ = primed.get("/artcasts/f/num?wait=0", headers)
    assert status == 200
    assert h["content-type"].split(";")[0] == expected


def test_text_bodies(primed):
    got = {k: primed.get("/artcasts/f/%s?wait=0" % k, {"Accept": "text/plain"})[2]
           for k in ("num", "str", "obj", "bool")}
    assert got == {"num": b"21.5", "str": b"hello", "obj": b'{"a":[1,2]}', "bool": b"true"}


def test_json_body_is_compact_json(primed):
    assert json.loads(primed.get("/artcasts/f/obj?wait=0")[2]) == {"a": [1, 2]}
    assert primed.get("/artcasts/f/str?wait=0")[2] == b'"hello"'


def test_format_query_overrides_accept(primed):
    status, h, body = primed.get("/artcasts/f/str?wait=0&format=text", {"Accept": "application/json"})
    assert status == 200 and body == b"hello" and h["content-type"].startswith("text/plain")
    status, h, body = primed.get("/artcasts/f/str?wait=0&format=json", {"Accept": "text/plain"})
    assert body == b'"hello"'


def test_bad_format_is_400(primed):
    assert primed.get("/artcasts/f/str?format=xml")[0] == 400


def test_406_when_nothing_acceptable(primed):
    status, _, body = primed.get("/artcasts/f/num", {"Accept": "image/png"})
    assert status == 406 and b"application/json" in body
    assert primed.get("/artcasts", {"Accept": "image/png"})[0] == 406


def test_html_live_page_answers_at_once(primed):
    status, h, body = primed.get("/artcasts/f/num", {"Accept": "text/html"}, timeout=3)
    assert status == 200 and h["content-type"].startswith("text/html")
    assert b"f/num" in body and b"<script>" in body
    assert b"http://" not in body and b"https://" not in body    # nothing from a CDN
