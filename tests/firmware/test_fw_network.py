"""Surviving a gallery: server restarts, silent and slow servers, Wi-Fi loss,
and a watchdog that is fed all the while."""

import time

from fwboard import wifi_config
from rawserver import RawServer, http_200

RED = "00ff00"      # GRB wire order
GREEN = "ff0000"
DARK = "000000"


def strip(key="test/tick", action="safe"):
    return {"key": key, "device": {"type": "neopixel", "pin": 16, "count": 4},
            "mapping": {"type": "bar", "from": [0, 4], "colour": "#00ff00"},
            "on_disconnect": {"action": action, "status_pixel": {"index": 3, "colour": "#ff0000"}}}


def assert_watchdog_fed(b, limit_ms=5000):
    feeds = b.records("wdt_feed")
    assert feeds, "the watchdog was never fed"
    worst = max(r[2] for r in feeds)
    assert worst < limit_ms, "the loop went %d ms without feeding the watchdog" % worst
    assert not b.records("wdt_expired")


def test_server_restart_mid_poll(server_factory, board, tmp_path):
    # As the Pi appliance runs it: with a state file, the restarted server
    # still knows the ETag the board holds, so the board's wait=0 with it gets
    # the newer datum at once. (Without one, the ETag is unknown to the new
    # server and the board waits for the key's next datum: PROTOCOL.md, the
    # ordering rule.)
    server = server_factory("--state-file", str(tmp_path / "state.json"))
    server.send("test/tick", 2)
    server.wait_for_datums(1)
    b = board(wifi_config(server.url, [strip()]))
    b.wait_for(lambda r: r[3] == GREEN * 2 + DARK * 2, kind="pixels", what="2 of 4 green")
    time.sleep(0.5)  # now inside a held long-poll
    mark = b.mark()
    server.stop()
    # Offline and "safe": strip dark except the red status pixel.
    b.wait_for(lambda r: r[3] == DARK * 3 + RED, kind="pixels", what="offline status pixel",
               since=mark)
    server.start()
    server.send("test/tick", 3)
    # Back online (reconnect with backoff, wait=0): status pixel gone, value shown.
    b.wait_for(lambda r: r[3] == GREEN * 3 + DARK, kind="pixels", timeout=15, what="3 of 4 green")
    assert_watchdog_fed(b)


def test_silent_then_slow_server(board):
    body = b"3"
    srv = RawServer(["silent", ("answer", 1.5, http_200(body, '"e1"')), "silent"])
    try:
        # updates=False: no firmware long-poll taking the script's connections.
        b = board(wifi_config(srv.url, [strip("k", action="hold")], updates=False))
        # First request is held forever: the firmware gives up after its socket
        # timeout (wait=0 + margin), shows it is offline, and reconnects.
        srv.wait_connections(2, timeout=20)
        # Never reached: the status pixel says so (waited for, not sampled:
        # on a busy machine the slow answer may already be in).
        offline = b.wait_for(lambda r: r[3] == DARK * 3 + RED, kind="pixels", timeout=10,
                             what="the status pixel")
        # The slow answer (1.5 s) is taken.
        lit = b.wait_for(lambda r: r[3] == GREEN * 3 + DARK, kind="pixels", timeout=10, what="3 lit")
        assert offline[0] <= lit[0]
        first, second, third = srv.wait_requests(3, timeout=10)
        assert first.startswith("GET /artcasts/k?wait=0 HTTP/1.1")
        assert second.startswith("GET /artcasts/k?wait=0 HTTP/1.1")  # asks afresh
        assert "if-none-match" not in second.lower()
        assert third.startswith("GET /artcasts/k?wait=20 HTTP/1.1")
        assert 'If-None-Match: "e1"' in third
        assert_watchdog_fed(b)
    finally:
        srv.close()


def test_wifi_loss_and_return(server, board):
    server.send("test/tick", 1)
    server.wait_for_datums(1)
    b = board(wifi_config(server.url, [strip()]))
    b.wait_for(lambda r: r[3] == GREEN + DARK * 3, kind="pixels", what="1 lit")
    mark = b.mark()
    b.wifi(False)
    b.wait_for(lambda r: r[3] == DARK * 3 + RED, kind="pixels", what="offline status pixel", since=mark)
    b.wait_for(lambda r: True, kind="wifi_connect", since=mark, what="a new join")
    server.send("test/tick", 4)   # sent while the board is away
    time.sleep(0.3)
    b.wifi(True)
    # Back: asks wait=0 and gets the value it missed.
    b.wait_for(lambda r: r[3] == GREEN * 4, kind="pixels", what="4 lit after return")
    assert_watchdog_fed(b)


def test_server_errors_and_cut_answers_back_off(board):
    busy = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 4\r\n\r\nbusy"
    cut = b"HTTP/1.1 200 OK\r\nETag: \"x\"\r\nContent-Length: 10\r\n\r\n3"   # body cut short
    srv = RawServer([("answer", 0, busy), ("answer", 0, cut), ("answer", 0, busy),
                     ("answer", 0, http_200(b"2", '"e2"')), "silent"])
    try:
        # updates=False: no firmware long-poll taking the script's connections.
        b = board(wifi_config(srv.url, [strip("k", action="hold")], updates=False))
        # Neither a 503 nor a cut answer is shown; the fourth answer is.
        b.wait_for(lambda r: r[3] == GREEN * 2 + DARK * 2, kind="pixels", timeout=15, what="2 lit")
        assert not any(r[3].startswith(GREEN * 3) for r in b.records("pixels"))
        gaps = [b_ - a for a, b_ in zip(srv.accepted, srv.accepted[1:4])]
        # Backoff: each retry waits, and the waits grow (jittered 0.5..1 x 0.5, 1, 2 s).
        assert gaps[0] >= 0.2 and gaps[2] >= gaps[0], gaps
        assert "http-503" in b.console() and "bad-response" in b.console()
    finally:
        srv.close()


def keep_alive_200(body, etag):
    """An answer saying the connection stays open (no Connection: close);
    RawServer closes it right after anyway: the race a kept connection meets
    when the server closes it between polls."""
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: " + etag.encode()
            + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def test_a_kept_connection_the_server_closed_is_replaced_at_once(board):
    srv = RawServer([("answer", 0, keep_alive_200(b"1", '"e1"')), ("answer", 0, keep_alive_200(b"3", '"e3"')),
                     "silent"])
    try:
        b = board(wifi_config(srv.url, [strip("k", action="hold")], updates=False))
        b.wait_for(lambda r: r[3] == GREEN * 3 + DARK, kind="pixels", timeout=10, what="3 lit")
        requests = srv.wait_requests(3, timeout=5)
        assert "Connection:" not in requests[0]                 # keep-alive asked
        assert 'If-None-Match: "e1"' in requests[1] and 'If-None-Match: "e3"' in requests[2]
        assert "retry in" not in b.console(), b.console()   # no failure, no back-off: just a new connection
        frames = [r[3] for r in b.records("pixels")]
        first = frames.index(GREEN + DARK * 3)      # the first value (before it: offline until reached)
        assert not any(f.endswith(RED) for f in frames[first:]), frames      # never offline after that
    finally:
        srv.close()
