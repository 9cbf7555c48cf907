"""The Arduino sketch, built on the host against the Arduino-API stand-in,
running against the real server: pixels on the wire, servo pulses, the
long-poll protocol, server restarts, silent servers and Wi-Fi loss."""

import time

from arduino_build import build_sketch
from rawserver import RawServer, http_200

STRIP = {"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 4},
         "mapping": {"type": "bar", "from": [0, 4], "colour": "#00ff00"},
         "on_disconnect": {"action": "hold", "status_pixel": {"index": 3, "colour": "#ff0000"}}}
SERVO = {"key": "arm", "device": {"type": "servo", "pin": 17},
         "mapping": {"type": "linear", "from": [0, 100]}, "motion": {"slew": 90},
         "on_disconnect": "safe"}
GREEN, RED, DARK = "ff0000", "00ff00", "000000"   # GRB on the wire


def assert_loop_watchdog_ok(b):
    """The ESP32 core's loop watchdog is on and no loop() came near it."""
    assert b.records("loop_wdt"), "enableLoopWDT() was not called"
    longest = max(r[2] for r in b.records("loop_max"))
    assert longest < 4000, "a loop() took %d ms" % longest
    assert not b.records("wdt_expired")


def test_sketch_follows_strip_and_servo(server, board, tmp_path):
    server.send("test/tick", 2)
    server.send("arm", 0)
    server.wait_for_datums(2)
    # A .local server name goes through the mDNS lookup (the shim resolves
    # "localhost"), as artcast.local would on a gallery network.
    binary = build_sketch(tmp_path, server="http://localhost.local:%d" % server.port,
                          strip=STRIP, servo=SERVO, wifi_ssid="lab")
    b = board(None, start=False)
    b.start(binary=binary)
    b.wait_for(lambda r: r[3] == GREEN * 2 + DARK * 2, kind="pixels", what="2 of 4 green")
    assert b.records("wifi_begin")[0][2] == "lab"
    assert b.records("mdns_query")[0][2] == "localhost"
    attach = b.wait_for(lambda r: True, kind="servo_attach", what="servo attached")
    assert attach[2:] == [17, 1000, 2000, 50]
    b.wait_for(lambda r: r[2:] == [17, 1000], kind="servo_us", what="servo at 0")
    mark = b.mark()
    server.send("arm", 50)     # 90 degrees at 90 deg/s: a second of slewing
    server.send("test/tick", 3)
    b.wait_for(lambda r: r[3] == GREEN * 3 + DARK, kind="pixels", what="3 of 4 green", since=mark)
    done = b.wait_for(lambda r: r[2:] == [17, 1500], kind="servo_us", what="servo at 90", since=mark)
    moves = [r for r in b.records()[mark:] if r[1] == "servo_us" and r[0] <= done[0]]
    pulses = [r[3] for r in moves]
    assert len(pulses) > 10 and pulses == sorted(pulses)
    assert (done[0] - moves[0][0]) / 1000.0 >= 0.9
    server.send("arm", "up")   # wrong type: logged, ignored
    b.wait_console("arm: ignored value \"up\"")


def test_sketch_protocol_silent_then_slow_server(board, tmp_path):
    srv = RawServer(["silent", ("answer", 1.5, http_200(b"3", '"e1"')), "silent"])
    try:
        binary = build_sketch(tmp_path, server=srv.url, strip=dict(STRIP, key="k"), servo="", hold=5)
        b = board(None, start=False)
        b.start(binary=binary)
        # Events, not timing: the first request times out (status pixel,
        # a second request), the slow answer lights 3, then the next
        # request names its ETag. Each is waited for in the records.
        srv.wait_connections(2, timeout=20)
        offline = b.wait_for(lambda r: r[3] == DARK * 3 + RED, kind="pixels", timeout=10,
                             what="the status pixel (never reached)")
        lit = b.wait_for(lambda r: r[3] == GREEN * 3 + DARK, kind="pixels", timeout=10, what="3 lit")
        assert offline[0] <= lit[0]
        first, second, third = srv.wait_requests(3, timeout=10)
        assert first.startswith("GET /artcasts/k?wait=0 HTTP/1.1\r\n")
        assert "Accept: application/json" in first
        assert "Connection:" not in first       # keep-alive asked; this server closes anyway (its answers say so)
        assert second.startswith("GET /artcasts/k?wait=0 HTTP/1.1\r\n")
        assert third.startswith("GET /artcasts/k?wait=5 HTTP/1.1\r\n")
        assert 'If-None-Match: "e1"' in third
        assert_loop_watchdog_ok(b)
    finally:
        srv.close()


def test_sketch_server_restart_and_wifi_loss(server_factory, board, tmp_path):
    # With a state file, as the Pi appliance runs the server: the restarted
    # server still knows the ETags the sketch holds (PROTOCOL.md, the ordering rule).
    server = server_factory("--state-file", str(tmp_path / "state.json"))
    server.send("test/tick", 1)
    server.send("arm", 100)
    server.wait_for_datums(2)
    binary = build_sketch(tmp_path, server=server.url, strip=STRIP, servo=SERVO)
    b = board(None, start=False)
    b.start(binary=binary)
    b.wait_for(lambda r: r[3] == GREEN + DARK * 3, kind="pixels", what="1 lit")
    b.wait_for(lambda r: r[2:] == [17, 2000], kind="servo_us", what="servo at 180")
    time.sleep(0.5)    # inside held long-polls now
    mark = b.mark()
    server.stop()
    # "hold" keeps the strip and lights the status pixel; "safe" releases the servo.
    b.wait_for(lambda r: r[3] == GREEN + DARK * 2 + RED, kind="pixels", since=mark, what="status pixel")
    b.wait_for(lambda r: r[2] == 17, kind="servo_detach", since=mark, what="servo released")
    server.start()
    server.send("test/tick", 4)
    b.wait_for(lambda r: r[3] == GREEN * 4, kind="pixels", timeout=15, since=mark, what="4 lit")
    mark = b.mark()
    b.wifi(False)
    b.wait_for(lambda r: r[3] == GREEN * 3 + RED, kind="pixels", since=mark, what="offline on wifi loss")
    server.send("test/tick", 2)
    time.sleep(0.3)
    b.wifi(True)
    b.wait_for(lambda r: r[3] == GREEN * 2 + DARK * 2, kind="pixels", timeout=15, since=mark,
               what="2 lit after wifi returns")
    assert_loop_watchdog_ok(b)


def test_sketch_text_format(server, board, tmp_path):
    # ?format=text: bare numbers and strings, read without any JSON from the server.
    strip = {"key": "c", "device": {"type": "neopixel", "pin": 16, "count": 2, "order": "RGB"},
             "mapping": {"type": "direct"}}
    servo = {"key": "n", "device": {"type": "servo", "pin": 17}, "mapping": {"type": "direct"}}
    server.send("c", "#102030")
    server.send("n", 45)
    server.wait_for_datums(2)
    binary = build_sketch(tmp_path, server=server.url, strip=strip, servo=servo, format_text=1)
    b = board(None, start=False)
    b.start(binary=binary)
    b.wait_for(lambda r: r[3] == "102030" * 2, kind="pixels", what="colour from a bare string")
    b.wait_for(lambda r: r[2:] == [17, 1250], kind="servo_us", what="45 degrees from a bare number")
    server.send("c", [[1, 2, 3], "#040506"])   # not a number or string: JSON text, read as such
    b.wait_for(lambda r: r[3] == "010203040506", kind="pixels", what="a list of colours")


def test_sketch_keeps_one_connection_for_many_values(server, board, tmp_path):
    """HTTP/1.1 keep-alive: the sketch sends its next poll on the connection
    the last answer came on, so many values cost one TCP connection (the
    real server counts what it accepted). When the server closes it (here: a
    restart), the sketch reconnects without going offline for long."""
    server.send("test/tick", 1)
    server.wait_for_datums(1)
    binary = build_sketch(tmp_path, server=server.url, strip=STRIP, servo="", hold=5)
    before = server.status()["connections_accepted"]
    b = board(None, start=False)
    b.start(binary=binary)
    b.wait_for(lambda r: r[3] == GREEN + DARK * 3, kind="pixels", what="1 lit")
    for value in (2, 3, 4, 1, 2, 3):
        mark = b.mark()
        time.sleep(0.2)     # the sketch's next poll is held by now
        server.send("test/tick", value)
        lit = GREEN * value + DARK * (4 - value)
        b.wait_for(lambda r, lit=lit: r[3] == lit, kind="pixels", since=mark, what="%d lit" % value)
    status = server.status()
    # the sketch's one connection, and this status request's own
    assert status["connections_accepted"] - before == 2, status
    assert not b.records("wdt_expired")


def keep_alive_200(body, etag):
    """An answer that says the connection stays open (no Connection: close);
    RawServer closes it anyway right after: the race a kept connection meets
    when the server closes it between polls."""
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: " + etag.encode()
            + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def test_sketch_reconnects_at_once_when_the_server_closes_a_kept_connection(board, tmp_path):
    srv = RawServer([("answer", 0, keep_alive_200(b"1", '"e1"')), ("answer", 0, keep_alive_200(b"3", '"e3"')),
                     "silent"])
    try:
        binary = build_sketch(tmp_path, server=srv.url, strip=dict(STRIP, key="k"), servo="", hold=5)
        b = board(None, start=False)
        b.start(binary=binary)
        b.wait_for(lambda r: r[3] == GREEN * 3 + DARK, kind="pixels", timeout=10, what="3 lit")
        srv.wait_requests(3, timeout=5)
        assert 'If-None-Match: "e1"' in srv.requests[1] and 'If-None-Match: "e3"' in srv.requests[2]
        assert "retry in" not in b.console(), b.console()   # no failure, no back-off: just a new connection
        frames = [r[3] for r in b.records("pixels")]
        first = frames.index(GREEN + DARK * 3)      # the first value (before it: offline until reached)
        assert not any(f.endswith(RED) for f in frames[first:]), frames      # never offline after that
    finally:
        srv.close()
