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
