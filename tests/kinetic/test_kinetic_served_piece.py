"""artcast-kinetic with "piece": "server": the piece comes from a real
artcast-server --pieces, is checked before it runs, a bad one is refused
while the old one keeps running, and the last good one is kept on disk."""

import asyncio
import json
import logging
import os
import threading
import time

from artcast_kinetic.backends.simulate import SimulatedBackend
from artcast_kinetic.runner import PieceRunner
from artcast_kinetic.served import ServedPiece
from support.net import free_port
from test_kinetic_cli import kinetic, write_piece


def strip(colour, pin=18):
    return {"outputs": [{"key": "test/tick", "device": {"type": "neopixel", "pin": pin, "count": 4},
                         "mapping": {"type": "bar", "from": [0, 4], "colour": colour}}]}


def put_file(folder, name, data):
    path = os.path.join(str(folder), name)
    with open(path + ".tmp", "w") as f:
        json.dump(data, f)
    os.replace(path + ".tmp", path)


class Background:
    """A ServedPiece on its own event loop thread."""

    def __init__(self, url, cache):
        self.served = ServedPiece(url, "kit-1", cache, self.make_runner)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.task = None

    def make_runner(self, piece):
        return PieceRunner(piece, SimulatedBackend(), server=self.served.server)

    def _main(self):
        asyncio.set_event_loop(self.loop)
        self.task = self.loop.create_task(self.served.run())
        try:
            self.loop.run_until_complete(self.task)
        except asyncio.CancelledError:
            pass
        finally:
            self.loop.close()

    def start(self):
        self.thread.start()
        return self

    def state(self):
        runner = self.served.runner
        if runner is None or not runner.backend.devices:
            return None
        return runner.backend.devices[0].state

    def wait_for(self, predicate, what, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for " + what)
            time.sleep(0.02)

    def stop(self):
        if self.task is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)
        assert not self.thread.is_alive()


RED, BLUE = (255, 0, 0), (0, 0, 255)
DARK = (0, 0, 0)


def test_piece_from_server_applied_refused_and_kept(server_factory, tmp_path, caplog):
    folder = tmp_path / "pieces"
    folder.mkdir()
    put_file(folder, "kit-1.json", strip("#ff0000"))
    server = server_factory("--pieces", str(folder))
    server.send("test/tick", 2)
    server.wait_for_datums(2)
    cache = str(tmp_path / "kit.last-good.json")
    kit = Background(server.url, cache).start()
    try:
        kit.wait_for(lambda: kit.state() == [RED, RED, DARK, DARK], "the server's piece running")
        with open(cache) as f:
            assert json.load(f) == strip("#ff0000")
        first = kit.served.runner
        first_strip = first.backend.devices[0]
        # A bad piece (a pin as a string) is refused, reported, and the old one keeps running.
        with caplog.at_level(logging.ERROR, logger="artcast.kinetic"):
            put_file(folder, "kit-1.json", strip("#00ff00", pin="18"))
            kit.wait_for(lambda: kit.served.refused is not None, "the refusal")
        assert "outputs[0].device.pin: must be an integer" in kit.served.refused
        assert any("refused" in r.getMessage() for r in caplog.records)
        assert kit.served.runner is first and kit.state() == [RED, RED, DARK, DARK]
        server.send("test/tick", 3)
        kit.wait_for(lambda: kit.state() == [RED, RED, RED, DARK], "the old piece still follows its key")
        with open(cache) as f:
            assert json.load(f) == strip("#ff0000")     # the last GOOD one
        # A good piece replaces it live; the old outputs were parked first.
        put_file(folder, "kit-1.json", strip("#0000ff"))
        kit.wait_for(lambda: kit.state() == [BLUE, BLUE, BLUE, DARK], "the new piece")
        assert first_strip.state == [DARK] * 4
        assert kit.served.refused is None
    finally:
        kit.stop()
    # Next start with the server gone: the cached piece runs at once.
    offline = Background("http://127.0.0.1:%d" % free_port(), cache).start()
    try:
        offline.wait_for(lambda: offline.served.runner is not None and offline.state() == [DARK] * 4,
                         "the last good piece from the cache")
        assert offline.served.raw == strip("#0000ff")
    finally:
        offline.stop()


def test_served_config_errors_name_the_field(tmp_path):
    path = write_piece(tmp_path, {"piece": "server", "server": "http://127.0.0.1:1", "device": "a/b"})
    result = kinetic("--no-web", path)
    assert result.returncode == 2 and "device: must be one key segment" in result.stderr
    path = write_piece(tmp_path, {"piece": "server", "server": "http://127.0.0.1:1", "outputs": []}, "p2.json")
    result = kinetic("--no-web", path)
    assert result.returncode == 2 and "outputs: unknown field" in result.stderr
