"""The firmware follows an artcast on a real server: pixels, servo duty."""

from fwboard import wifi_config

STRIP = {"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 4},
         "mapping": {"type": "bar", "from": [0, 4], "colour": "#ff0000"}}


def test_strip_follows_values(server, board):
    server.send("test/tick", 1)
    server.wait_for_datums(1)
    # A host name (not an address) goes through the firmware's getaddrinfo lookup.
    b = board(wifi_config("http://localhost:%d" % server.port, [STRIP]))
    # wait=0 at boot: the current value shows at once.
    b.wait_for(lambda r: r[3] == "00ff00" + "000000" * 3, kind="pixels", what="1 of 4 red")
    server.send("test/tick", 3)
    b.wait_for(lambda r: r[3] == "00ff00" * 3 + "000000", kind="pixels", what="3 of 4 red")


def test_one_connection_carries_many_values(server, board):
    """HTTP/1.1 keep-alive: the poller sends its next request on the
    connection the answer came on, so many values cost one TCP connection
    (the real server counts what it accepted)."""
    import time
    server.send("test/tick", 1)
    server.wait_for_datums(1)
    before = server.status()["connections_accepted"]
    b = board(wifi_config("http://127.0.0.1:%d" % server.port, [STRIP]))
    b.wait_for(lambda r: r[3] == "00ff00" + "000000" * 3, kind="pixels", what="1 of 4 red")
    for value in (2, 3, 4, 1, 2, 3):
        mark = b.mark()
        time.sleep(0.2)         # the board's next poll is held by now
        server.send("test/tick", value)
        lit = "00ff00" * value + "000000" * (4 - value)
        b.wait_for(lambda r, lit=lit: r[3] == lit, kind="pixels", since=mark, what="%d of 4 red" % value)
    status = server.status()
    # one connection per key the board follows (the value and the firmware
    # manifest, both held now), and this status request's own
    assert status["waiting_clients"] == 2, status
    assert status["connections_accepted"] - before == 3, status

