"""Nothing one response (or one bad turn of the loop) does may reboot the
board: the firmware under the real MicroPython port against a raw server
that sends a non-ASCII Link header (issue 9.4), errors inside the loop,
and a host name whose first address is ::1 (issue 11.20)."""

import os

from fwboard import wifi_config
from rawserver import RawServer

# updates=False below: no firmware long-poll taking the raw server's scripted connections.
GREEN = "ff0000"    # GRB wire order
DARK = "000000"
HOSTS_STUB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stubs_hosts")


def bar(key="k"):
    return {"key": key, "device": {"type": "neopixel", "pin": 16, "count": 4},
            "mapping": {"type": "bar", "from": [0, 4], "colour": "#00ff00"},
            "on_disconnect": "hold"}


def cafe_answer(value, etag):
    # A license title "café" in the Link header, as artcast-server encodes
    # header text (latin-1: b"caf\xe9", not UTF-8, so MicroPython's decoder
    # chokes on it), and as UTF-8 in a second header.
    body = b"%d" % value
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"" + etag + b"\"\r\n"
            b"Link: <http://example.org/l>; rel=\"license\"; title=\"caf\xe9\"\r\n"
            b"X-Title: caf\xc3\xa9\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)


def lit(n):
    return GREEN * n + DARK * (4 - n)


def test_non_ascii_link_header_keeps_following_without_reset(board):
    srv = RawServer([("answer", 0, cafe_answer(1, b"e1")), ("answer", 0, cafe_answer(2, b"e2")),
                     ("answer", 0, cafe_answer(3, b"e3")), "silent"])
    try:
        b = board(wifi_config(srv.url, [bar()], updates=False))
        for n in (1, 2, 3):
            b.wait_for(lambda r: r[3] == lit(n), kind="pixels", what="%d lit" % n)
        # Each answer was taken (the next request names its ETag), none failed.
        assert 'If-None-Match: "e3"' in srv.wait_requests(4, timeout=10)[3]
        assert not b.records("reset")
        assert "retry in" not in b.console()
        assert b.proc.poll() is None
    finally:
        srv.close()


# main.py's loop, with App.step made to fail the way a full heap or a bug
# would, a few times in a row, then run normally.
FAILING_STEPS = """
from artcast_fw import app
errors = [MemoryError("no heap"), MemoryError("no heap"), ValueError("a bug"), OSError(5)]
Base = app.App
class Flaky(Base):
    def step(self, max_wait_ms=app.IDLE_WAIT_MS):
        if self.loops > 5 and errors:
            self.loops += 1
            raise errors.pop(0)
        Base.step(self, max_wait_ms)
app.App = Flaky
app.main()
"""


def test_errors_in_the_loop_never_reset_the_board(board):
    srv = RawServer([("answer", 0, cafe_answer(2, b"e2")), "silent"])
    try:
        b = board(wifi_config(srv.url, [bar()], updates=False), code=FAILING_STEPS)
        b.wait_console("out of memory")
        b.wait_console("ValueError")
        b.wait_console("OSError")
        b.wait_for(lambda r: r[3] == lit(2), kind="pixels", what="2 lit")
        assert not b.records("reset")
        assert b.proc.poll() is None
    finally:
        srv.close()


def test_value_that_breaks_the_output_is_counted_not_fatal(board):
    # on_value raising (here: MemoryError, then a bug) inside one response:
    # the poller counts it, backs off and keeps following.
    code = """
from artcast_fw import app, outputs
seen = []
real = outputs.Outputs.on_value
def on_value(self, key, value):
    seen.append(value)
    if len(seen) == 1:
        raise MemoryError("no heap")
    if len(seen) == 2:
        raise KeyError("a bug")
    real(self, key, value)
outputs.Outputs.on_value = on_value
app.main()
"""
    srv = RawServer([("answer", 0, cafe_answer(1, b"e1")), ("answer", 0, cafe_answer(2, b"e2")),
                     ("answer", 0, cafe_answer(3, b"e3")), "silent"])
    try:
        b = board(wifi_config(srv.url, [bar()], updates=False), code=code)
        b.wait_for(lambda r: r[3] == lit(3), kind="pixels", what="3 lit after two failures")
        console = b.console()
        assert "k: out of memory; retry in" in console
        assert "k: error KeyError; retry in" in console
        assert not b.records("reset")
    finally:
        srv.close()


def test_name_with_ipv6_first_falls_through_to_ipv4(board, tmp_path):
    """Debian's /etc/hosts lists "::1 localhost" first; the server listens on
    127.0.0.1 only. The name also has a dead IPv4 address (nothing listens
    on 127.0.0.2): the firmware falls through it to the one that answers."""
    srv = RawServer([("answer", 0, cafe_answer(2, b"e2")), "silent"])
    hosts = tmp_path / "hosts"
    hosts.write_text("::1 artcast-pi\n127.0.0.2 artcast-pi\n127.0.0.1 artcast-pi\n")
    try:
        b = board(None, start=False)
        b.micropypath = [HOSTS_STUB] + b.micropypath
        b.write_config(wifi_config("http://artcast-pi:%d" % srv.port, [bar()], updates=False))
        b.start(env={"STUB_HOSTS": str(hosts)})
        b.wait_for(lambda r: r[3] == lit(2), kind="pixels", timeout=15, what="2 lit via 127.0.0.1")
        assert b.records("getaddrinfo")[0][3] == ["::1", "127.0.0.2", "127.0.0.1"]
        assert "artcast-pi:%d" % srv.port in srv.requests[0]
        assert not b.records("reset")
    finally:
        srv.close()
