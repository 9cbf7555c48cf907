"""The firmware with "piece": "server" against a real artcast-server
--pieces: the piece file on the server decides what the board does, a
change reaches it live, a bad piece is refused and reported while the old
one keeps running, and the last good one is kept on flash for the next boot."""

import json
import os

from support.net import free_port

STRIP = {"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 4},
         "mapping": {"type": "bar", "from": [0, 4], "colour": "#ff0000"}}
DIMMER = {"key": "test/tick", "device": {"type": "pwm", "pin": 13}, "mapping": {"type": "linear", "from": [0, 4]}}
RED, DARK = "00ff00", "000000"      # GRB on the wire


def put_file(folder, name, data):
    path = os.path.join(str(folder), name)
    with open(path + ".tmp", "w") as f:
        f.write(data if isinstance(data, str) else json.dumps(data))
    os.replace(path + ".tmp", path)


def served_config(url, device="kit-1"):
    return {"wifi": {"ssid": "gallery", "password": "sculpture"}, "server": url, "piece": "server",
            "device": device, "setup_button": None}


def test_board_follows_its_piece_from_the_server(server_factory, board, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    put_file(folder, "kit-1.json", {"name": "bar", "outputs": [STRIP]})
    put_file(folder, "_default.json", {"name": "other kits", "outputs": [DIMMER]})
    server = server_factory("--pieces", str(folder))
    server.send("test/tick", 2)
    server.wait_for_datums(2)                # kit-1.json and the tick (the default waits for a device to ask)
    b = board(served_config(server.url))
    b.wait_for(lambda r: r[3] == RED * 2 + DARK * 2, kind="pixels", what="the server's piece: 2 of 4 red")
    with open(os.path.join(b.dir, "piece.json")) as f:
        assert json.load(f) == {"name": "bar", "outputs": [STRIP]}

    # A bad piece: refused, reported on the console, the old one keeps running.
    bad = dict(STRIP, device={"type": "neopixel", "pin": 16, "count": 4, "order": "XYZ"})
    put_file(folder, "kit-1.json", {"outputs": [bad]})
    b.wait_console("piece from the server refused")
    assert "outputs[0].device.order: must be one of" in b.console()
    mark = b.mark()
    server.send("test/tick", 3)
    b.wait_for(lambda r: r[3] == RED * 3 + DARK, kind="pixels", since=mark, what="old piece still follows")
    with open(os.path.join(b.dir, "piece.json")) as f:
        assert json.load(f)["name"] == "bar"                 # the last GOOD piece stays on flash
    assert not b.records("pwm_init")

    # A good piece: the strip is parked dark and the new output takes over, live.
    mark = b.mark()
    put_file(folder, "kit-1.json", {"name": "dimmer", "outputs": [DIMMER]})
    b.wait_for(lambda r: r[2] == 13 and r[3] == 49151, kind="pwm", since=mark, what="duty 3/4 on GPIO13")
    after = b.records()[mark:]
    assert [r for r in after if r[1] == "pixels"][-1][3] == DARK * 4
    b.wait_console("new piece from the server")


def test_board_starts_with_its_last_good_piece_when_the_server_is_away(board):
    url = "http://127.0.0.1:%d" % free_port()          # nothing listens there
    b = board(served_config(url), start=False)
    with open(os.path.join(b.dir, "piece.json"), "w") as f:
        json.dump({"outputs": [DIMMER]}, f)
    b.start()
    b.wait_for(lambda r: r[2] == 13, kind="pwm_init", what="the kept piece's output opened")
    b.wait_console("retry in")                          # and it keeps asking the server


def test_board_refuses_a_first_piece_it_cannot_run(server_factory, board, tmp_path):
    folder = tmp_path / "pieces"
    folder.mkdir()
    # A servo board channel: valid for a Pi, not for the ESP32 firmware.
    put_file(folder, "_default.json", {"outputs": [{"key": "k", "device": {"type": "servo", "pca9685": {"channel": 0}},
                                                    "mapping": {"type": "direct"}}]})
    server = server_factory("--pieces", str(folder))
    b = board(served_config(server.url, device="kit-9"))
    b.wait_console("refused (no piece to run yet)")
    assert "servo boards are not supported" in b.console()
    assert not os.path.exists(os.path.join(b.dir, "piece.json"))


def test_served_configs_are_checked_on_the_board():
    from test_fw_config import board_check
    wifi = {"ssid": "gallery", "password": "sculpture"}
    assert board_check({"wifi": wifi, "server": "http://a:8888", "piece": "server"}) == "ok"
    assert board_check({"wifi": wifi, "server": "http://a:8888", "piece": "server", "device": "kit-7"}) == "ok"
    said = board_check({"wifi": wifi, "server": "http://a:8888", "piece": "server", "device": "a/b"})
    assert said.startswith("refused device: must be one key segment"), said
    said = board_check({"wifi": wifi, "server": "http://a:8888", "piece": "server", "outputs": [STRIP]})
    assert said.startswith("refused outputs: comes from the server"), said
    said = board_check({"wifi": wifi, "server": "http://a:8888", "piece": "local", "outputs": [STRIP]})
    assert said.startswith('refused piece: must be "server"'), said
    said = board_check({"wifi": wifi, "server": "http://a:8888", "device": "kit-7", "outputs": [STRIP]})
    assert said.startswith("refused device: names the board"), said
    said = board_check({"wifi": wifi, "piece": "server"})
    assert said.startswith("refused server:"), said
