"""Registration text as pages and headers show it (issue 9.2, 9.3, 9.4, 9.8):
odd text never fails a page, only http/https/mailto licenses become links,
the Link header is pure ASCII with no control characters and small enough
for the Arduino sketch to read a value."""

import os
import re
import socket
import time

import pytest

from artcast_server.dashboard import dashboard_page
from artcast_server.pages import link_target, list_page, live_page
from artcast_server.responses import LINK_MAX, license_link
from support.net import read_until_close

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ODD = ["\ud800", "a\udfffb", "\x00\x1b[2J\r\n", "\u202eevil", "", "x" * 8000]

HOSTILE_URIS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)", "\tjavascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "java\rscript:alert(1)", "\x00javascript:alert(1)",
    "\x01 javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "jav&#x61;script:alert(1)", "file:///etc/passwd", "//evil.example/x", "\ud800javascript:alert(1)",
]
SAFE_URIS = ["http://example.org/l", "https://creativecommons.org/licenses/by/4.0/",
             "HTTPS://EXAMPLE.ORG/", " https://example.org/spaced ", "mailto:artist@example.org"]


def arduino_max_response():
    config = open(os.path.join(REPO, "firmware", "arduino", "artcast_client", "artcast_config.h")).read()
    return int(re.search(r"#define ARTCAST_MAX_RESPONSE (\d+)", config).group(1))


# --- pages never fail on odd text ------------------------------------------

@pytest.mark.parametrize("text", ODD)
def test_pages_render_any_registered_text(text):
    meta = {"description": text, "provenance": text, "license": {"uri": text, "title": text}}
    for page in (list_page([dict(meta, key="k")]), live_page("k", meta, 20),
                 live_page("k/x", meta, 20, known=False, close=["k/y"]), dashboard_page([dict(meta, key="k")])):
        assert isinstance(page, bytes)
        page.decode("utf-8")


def test_pages_render_wrong_types_without_failing():
    meta = {"description": 12, "provenance": ["a"], "license": {"uri": 5, "title": {"x": 1}}}
    assert b"12" in list_page([dict(meta, key="k")])
    assert b"License" in live_page("k", meta, 20)
    assert b"License" not in live_page("k", {"license": "CC-BY-4.0"}, 20)


# --- only http, https and mailto become links --------------------------------

@pytest.mark.parametrize("uri", HOSTILE_URIS)
def test_hostile_license_uri_is_text_not_a_link(uri):
    assert link_target(uri) is None
    meta = {"license": {"uri": uri, "title": "Click me"}}
    for page in (list_page([dict(meta, key="k")]), live_page("k", meta, 20), dashboard_page([dict(meta, key="k")])):
        hrefs = re.findall(rb'href="([^"]*)"', page)
        assert hrefs and all(h.startswith((b"/artcasts", b"/devices", b"/status")) or h == b"data:," for h in hrefs), hrefs
        assert b"Click me" in page


@pytest.mark.parametrize("uri", SAFE_URIS)
def test_web_license_uri_is_a_link(uri):
    assert link_target(uri) == uri.strip()
    page = live_page("k", {"license": {"uri": uri, "title": "L"}}, 20)
    assert ('<a href="%s" rel="license">L</a>' % uri.strip()).encode() in page


def test_markup_in_registration_is_escaped():
    entries = [{"key": "k", "description": "<img src=x onerror=alert(1)>",
                "license": {"uri": "https://x/\"><script>", "title": "<b>t</b>"}}]
    for page, own_scripts in ((list_page(entries), 0), (dashboard_page(entries), 1)):
        assert b"<img" not in page and page.count(b"<script>") == own_scripts and b"<b>t" not in page


# --- the Link header ---------------------------------------------------------

def test_link_header_strips_cr_lf_and_controls():
    link = license_link({"license": {"uri": "https://ex.org/\r\nSet-Cookie: a=b",
                                     "title": "t\r\nSet-Cookie: evil=1\x00\x1b\x7f"}})
    for ch in "\r\n\x00\x1b\x7f":
        assert ch not in link
    assert link == '<https://ex.org/Set-Cookie:%20a=b>; rel="license"; title="tSet-Cookie: evil=1"'


def test_link_header_non_ascii_title_is_rfc8187():
    link = license_link({"license": {"uri": "https://ex.org/caf\u00e9", "title": "Caf\u00e9 \"L\" \ud800"}})
    link.encode("ascii")
    assert link == ('<https://ex.org/caf%C3%A9>; rel="license"; title="Caf? \\"L\\""; '
                    "title*=UTF-8''Caf%C3%A9%20%22L%22")


@pytest.mark.parametrize("title", ["t" * 900, "\u00e9" * 900, "\u2603" * 900, "a\"\\" * 300])
def test_link_header_is_capped(title):
    link = license_link({"license": {"uri": "https://creativecommons.org/licenses/by-nc-sa/4.0/", "title": title}})
    assert len(link.encode("ascii")) <= LINK_MAX
    assert "title=" in link and link.endswith(('..."', "..."))


def test_link_too_long_uri_sends_no_header():
    assert license_link({"license": {"uri": "https://ex.org/" + "x" * 400, "title": "t"}}) is None


# --- end to end, real server ---------------------------------------------------

def raw_get(port, path):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path).encode())
        return read_until_close(s)


def register_and_wait(server, key, **fields):
    server.register(key, **fields)
    server.send(key, 1)
    server.wait_for_datums(1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.status()["registrations_received"] >= 1:
            return
        time.sleep(0.02)
    raise AssertionError("registration not received")


def test_server_link_header_is_ascii_without_cr_lf(server):
    register_and_wait(server, "lic/k", license={"uri": "https://ex.org/l",
                                                "title": "caf\u00e9\r\nSet-Cookie: evil=1"})
    data = raw_get(server.port, "/artcasts/lic/k?wait=0")
    head = data.split(b"\r\n\r\n")[0]
    head.decode("ascii")
    lines = head.split(b"\r\n")
    assert not [line for line in lines if line.lower().startswith(b"set-cookie")]
    link = [line for line in lines if line.startswith(b"Link: ")]
    assert link == [b"Link: <https://ex.org/l>; rel=\"license\"; title=\"caf?Set-Cookie: evil=1\"; "
                    b"title*=UTF-8''caf%C3%A9Set-Cookie%3A%20evil%3D1"]


def test_long_title_value_fits_the_arduino_limit(server):
    limit = arduino_max_response()
    # the longest title a registration may carry (longer ones are dropped at the
    # datagram: registration-too-long), in 3-byte characters: title* alone would be 1 KB
    from artcast_core.datagram import MAX_TEXT
    register_and_wait(server, "lic/long", license={"uri": "https://ex.org/" + "u" * 150,
                                                   "title": "\u2603" * MAX_TEXT["title"]})
    for path in ("/artcasts/lic/long?wait=0", "/artcasts/lic/long?wait=0&format=text"):
        data = raw_get(server.port, path)
        assert data.startswith(b"HTTP/1.1 200")
        assert b"Link: " in data
        assert len(data) < limit - 100, (len(data), data)


def test_surrogates_in_registration_never_answer_500(server):
    payload = b'["odd/k", {"description": "\\ud800", "provenance": "a\\udfffb", ' \
              b'"license": {"uri": "\\ud800javascript:x", "title": "\\udbff"}}]'
    server.send_raw(payload, server.register_port)
    server.send("odd/k", "\\ud800")
    server.send_raw(b'["odd/v", "\\ud800"]')
    server.wait_for_datums(1)
    for path, accept in (("/artcasts", "text/html"), ("/artcasts", "application/json"),
                         ("/artcasts/odd/k", "text/html"), ("/artcasts/odd/k?wait=0", "*/*"),
                         ("/artcasts/odd/k?wait=0&format=text", "*/*"),
                         ("/artcasts/odd/v?wait=0&format=text", "*/*"), ("/artcasts/odd/v?wait=0", "*/*")):
        status, _, _ = server.get(path, {"Accept": accept})
        assert status in (200, 204), (path, status)
    assert "Traceback" not in server.stderr()
