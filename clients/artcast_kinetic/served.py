"""A piece that comes from the server: `"piece": "server"` in the config.

    {"piece": "server", "server": "http://artcast.local:8888", "device": "hall-pi"}

The kit long-polls `_piece/<device>` (artcast-server --pieces) like any
key. Each piece that arrives is checked with the shared validator (and,
on the Pi's hardware, its pin rules) BEFORE it is applied: a good one is
written to the cache file (the last good piece, used at the next start
while the server is away) and replaces the running piece (the old one's
outputs are parked first); a bad one is logged with the field it names
and the running piece stays.

    served = ServedPiece(server, "hall-pi", "hall.last-good.json", make_runner)
    await served.run()          # until cancelled
"""

import asyncio
import json
import logging
import os
import socket

from artcast_core.http import parse_url
from artcast_core.keys import key_problem
from artcast_core.piece import check_piece
from artcast_core.piece_fields import PieceError, get_str, need_object, only_fields
from artcast_kinetic.follow import follow

log = logging.getLogger("artcast.kinetic")

PREFIX = "_piece/"
CONFIG_FIELDS = ("piece", "server", "device", "cache", "backend", "hold")


def default_device():
    """The machine's host name, as a key segment (what a kit is called by default)."""
    name = socket.gethostname().split(".")[0]
    name = "".join(c if c.isalnum() or c in "-_~." else "-" for c in name)
    return name or "kit"


def check_config(raw, path):
    """A served-piece config -> {"server", "device", "cache", "backend"}; PieceError naming the field."""
    need_object(raw, "config")
    only_fields(raw, "", CONFIG_FIELDS)
    server = get_str(raw, "server", "")
    try:
        parse_url(server)
    except ValueError as e:
        raise PieceError("server", str(e))
    device = get_str(raw, "device", "", default=None) or default_device()
    problem = key_problem(PREFIX + device)
    if problem is not None or "/" in device:
        raise PieceError("device", "must be one key segment (letters, digits, . _ ~ -), got %r" % device[:40])
    cache = get_str(raw, "cache", "", default=None)
    if cache is None:
        stem = os.path.splitext(path)[0]
        cache = stem + ".last-good.json"
    elif not os.path.isabs(cache):
        cache = os.path.join(os.path.dirname(os.path.abspath(path)), cache)
    return {"server": server, "device": device, "cache": cache,
            "backend": get_str(raw, "backend", "", default=None, choices=("hardware", "simulate"))}


class ServedPiece:
    """Follow `_piece/<device>`; run the last good piece."""

    def __init__(self, server, device, cache, make_runner, pin_problems=None):
        self.server = server
        self.device = device
        self.key = PREFIX + device
        self.cache = cache
        self.make_runner = make_runner          # make_runner(checked piece) -> PieceRunner
        self.pin_problems = pin_problems        # pin_problems(piece) -> ["path: problem", ...]
        self.raw = None                         # the running piece as received
        self.runner = None
        self.task = None
        self.refused = None                     # the last refusal's message (None after a good piece)
        self.applied = 0

    def check(self, raw):
        """The piece as the kit will run it, or PieceError naming the field."""
        if isinstance(raw, dict) and "server" not in raw:
            raw = dict(raw, server=self.server)
        piece = check_piece(raw)
        for problem in (self.pin_problems(piece) if self.pin_problems else ()):
            raise PieceError("", problem)
        return piece

    async def offer(self, raw, source="server"):
        """A piece arrived: apply it if it checks, else report it and keep the old one."""
        if raw == self.raw:
            return False
        try:
            piece = self.check(raw)
        except PieceError as e:
            self.refused = str(e)
            log.error("piece from %s for %s refused (still running the %s): %s", source, self.device,
                      "previous piece" if self.raw is not None else "no piece", e)
            return False
        if source == "server":
            try:
                from artcast_kinetic.editor_api import save_json
                save_json(self.cache, raw)
            except OSError as e:
                log.warning("could not keep the piece in %s: %s", self.cache, e.strerror or e)
        await self.stop()
        self.raw = raw
        self.refused = None
        self.runner = self.make_runner(piece)
        self.task = asyncio.ensure_future(self.runner.run())
        self.task.add_done_callback(self._ended)
        self.applied += 1
        log.info("%s: running piece %r from %s (%d output%s)", self.device, piece.get("name") or "",
                 source, len(piece["outputs"]), "" if len(piece["outputs"]) == 1 else "s")
        return True

    def _ended(self, task):
        if not task.cancelled() and task.exception() is not None:
            e = task.exception()
            log.error("%s: the piece stopped: %s: %s (waiting for the next piece from the server)",
                      self.device, type(e).__name__, e)

    async def stop(self):
        """Park and close the running piece (its run() does that when cancelled)."""
        task, self.task = self.task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _cached(self):
        try:
            with open(self.cache, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            log.warning("last good piece %s unreadable: %s", self.cache, e)
            return None

    async def run(self):
        cached = self._cached()
        if cached is not None:
            await self.offer(cached, source="the cache %s" % os.path.basename(self.cache))

        async def on_value(key, value):
            await self.offer(value)

        def on_link(key, online, reason):
            pass                                # follow() logs losing and finding the server
        try:
            await follow(self.server, self.key, on_value, on_link)
        finally:
            await self.stop()
