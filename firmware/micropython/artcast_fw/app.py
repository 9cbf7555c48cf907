# The firmware's main loop and its start-up decision.
#
# One loop, no threads: feed the watchdog, keep Wi-Fi up, advance every
# key's long-poll, step fades and servo slews, then sleep in select.poll
# until a socket has something or the next animation frame is due. Nothing
# in the loop blocks for long (connects are non-blocking, every wait has a
# deadline), so the hardware watchdog only fires when something truly hangs
# and then the board simply restarts into the same loop.
#
#   from artcast_fw import app
#   app.main()              # what main.py runs on the board
#
# Start-up: config.json missing or wrong, "setup": true, or the setup button
# (GPIO0, the BOOT button on most dev boards) held in the first two seconds
# after a reset -> setup page on a Wi-Fi access point; otherwise normal mode.

import gc
import select
import sys
import time

import machine

from artcast_core import VERSION
from artcast_core.http import parse_url
from artcast_fw import config, wifi

# Outputs (with the shared mapping, motion and power code) and the pollers
# are imported by App itself: in setup mode they never load, which leaves
# the setup page (microdot) the heap they would take.

# The loop wakes at least this often even when nothing happens, to feed
# the watchdog and notice Wi-Fi loss.
IDLE_WAIT_MS = 250
# After a MemoryError in the loop: no animation frames for this long (the
# outputs hold their last state) so the heap can recover.
MEMORY_PAUSE_MS = 1000
# After any other error in the loop: pause this long before the next turn,
# so a persistent fault logs a line a second instead of flooding the console.
ERROR_PAUSE_MS = 1000
# A file of this name on the board stops main.py before the watchdog
# starts, so deploy.py can copy new firmware without racing a reset.
MAINTENANCE_FLAG = "maintenance"


# Needed only while a long-poll is created (its key is checked): unloaded
# after, and loaded again for the next piece's polls.
POLL_BUILD_MODULES = ("artcast_core.keys",)


class App:
    """Normal mode for one checked config (see config.py)."""

    def __init__(self, cfg, hold=None):
        from artcast_fw.poller import Resolver
        piece = cfg["piece"]
        # "piece": "server": the piece comes from _piece/<device> (served.py).
        self.server = cfg["server"] if piece is None else piece["server"]
        host, port, prefix = parse_url(self.server)
        self.hold = hold
        hostname = cfg.get("hostname") or ("artcast-" + wifi.board_id())
        # The Artcast-Device request header; a kit with a served piece is named as its piece is.
        self.device_header = (cfg.get("device") or hostname) + "; fw=" + VERSION
        self.resolver = Resolver()
        # Play-at: the TimeKeeper (and the shared clock estimator) is loaded
        # when the first value with a play-at arrives; until then none is
        # asked for and a board following plain artcasts never loads it.
        self.timekeeper = None
        self.linked = False         # a key's long-poll reaches the server (for the TimeKeeper)
        self.poll = select.poll()
        self.pollers = []           # every long-poll: the piece's keys, then the standing ones
        self.key_pollers = []       # the running piece's keys
        self.outputs = None
        self.piece = None           # the running piece (checked)
        self.piece_poller = None
        self.pending = None         # a piece from the server, applied at the loop's next turn
        self.raw = None             # the running served piece, as received
        self.applied = 0
        self.refused = 0
        self.swapped = False        # a piece replaced a running one (served.restart)
        if piece is None:
            self._follow_piece(cfg["device"])
            self.raw, piece = self._served.last_good(self.server)
        if piece is not None:
            self.run_piece(piece)
        # Started after the outputs are built: when they do not fit the
        # heap, no watchdog is left running to reset the board in a loop.
        self.wdt = machine.WDT(timeout=int(cfg["watchdog_s"] * 1000))
        self.station = wifi.Station(cfg["wifi"]["ssid"], cfg["wifi"].get("password", ""),
                                    hostname=hostname,
                                    power_save=cfg["wifi"].get("power_save", False))
        if cfg.get("updates", True):
            from artcast_fw import ota     # over-the-air updates: one more long-poll
            ota.attach(self, hostname, host, port, prefix)
        config.forget(POLL_BUILD_MODULES)
        self.loops = 0
        self.frames_off_until = None   # set after a MemoryError
        self.memory_errors = 0
        self.errors = 0

    def _follow_piece(self, device):
        from artcast_core.longpoll import DEFAULT_HOLD
        from artcast_fw import served   # only boards that take their piece from the server load it
        from artcast_fw.poller import Poller
        self._served = served
        host, port, prefix = parse_url(self.server)
        self.piece_poller = Poller(served.PREFIX + device, host, port, prefix, self.poll, self.resolver,
                                   self._on_piece, None, hold=DEFAULT_HOLD if self.hold is None else self.hold,
                                   device=self.device_header, max_response=served.MAX_PIECE_RESPONSE)
        self.pollers.append(self.piece_poller)

    def run_piece(self, piece):
        """Open the piece's outputs and one poller per key."""
        from artcast_core.longpoll import DEFAULT_HOLD
        from artcast_fw.outputs import Outputs
        from artcast_fw.poller import Poller
        host, port, prefix = parse_url(self.server)
        hold = self.hold
        if hold is None:
            hold = piece["hold"] or DEFAULT_HOLD
        tk = self.timekeeper
        self.outputs = Outputs(piece, estimator=None if tk is None else tk.estimator)
        self.piece = piece
        keys = []
        for key in self.outputs.keys():
            keys.append(Poller(key, host, port, prefix, self.poll, self.resolver,
                               self._on_value, self._on_online, hold=hold, device=self.device_header))
        self.key_pollers = keys
        self.pollers = keys + self.pollers
        config.forget(POLL_BUILD_MODULES)

    def _on_piece(self, key, value, play_at=None):
        # Inside the poller's read: only note it; served.apply runs at the
        # loop's next turn, after the poller has let go of the response.
        self.pending = value

    def stop_piece(self):
        """Park the running outputs, drop their pollers (not the standing ones)."""
        for p in self.key_pollers:
            p.close()
        self.pollers = [p for p in self.pollers if p not in self.key_pollers]
        self.key_pollers = []
        if self.outputs is not None:
            outputs, self.outputs = self.outputs, None
            outputs.close()

    def step(self, max_wait_ms=IDLE_WAIT_MS):
        """One turn of the loop; returns after at most ~max_wait_ms."""
        self.loops += 1
        if self.pending is not None:
            self._served.apply(self)
        now = time.ticks_ms()
        self.wdt.feed()
        if self.station.check(now):
            for p in self.pollers:
                p.step(now)
            if self.timekeeper is not None:
                self.timekeeper.step(now)
        else:
            for p in self.pollers:
                p.pause(now)
        wait = max_wait_ms
        frame = None
        if self.frames_off_until is None or time.ticks_diff(now, self.frames_off_until) >= 0:
            self.frames_off_until = None
            if self.outputs is not None:
                if self.outputs.settle():     # a play-at within SETTLE_MS: slept to it
                    now = time.ticks_ms()
                frame = self.outputs.tick(now)
        if frame is not None and frame < wait:
            wait = frame
        for p in self.pollers:
            w = p.wake_in(now)
            if w < wait:
                wait = w
        w = None if self.timekeeper is None else self.timekeeper.wait_ms(now)
        if w is not None and w < wait:
            wait = w
        for sock, events in self.poll.ipoll(wait):
            now = time.ticks_ms()
            for p in self.pollers:
                if p.on_event(sock, events, now):
                    break

    def _on_value(self, key, value, play_at):
        if play_at is None:
            self.outputs.on_value(key, value)
        else:
            self._keep_time().used = True     # from now on, keep the server's time
            self.outputs.on_value(key, value, play_at)

    def _keep_time(self):
        """The TimeKeeper, loaded with the first play-at (that value is
        shown at once: there is no estimate yet)."""
        if self.timekeeper is None:
            from artcast_fw.timekeeper import TimeKeeper
            host, port, prefix = parse_url(self.server)
            tk = TimeKeeper(host, port, prefix, self.resolver)
            if self.linked:
                tk.on_online(True, time.ticks_ms())
            self.timekeeper = tk
            self.outputs.estimator = tk.estimator
        return self.timekeeper

    def _on_online(self, key, online):
        self.outputs.on_online(key, online)
        self.linked = online
        if self.timekeeper is not None:
            self.timekeeper.on_online(online, time.ticks_ms())

    def responses(self):
        return sum(p.responses for p in self.pollers)

    def run(self):
        """The loop, forever. No error a retry could clear resets the board:
        a reset would only fetch the same answer and fail the same way (a
        reboot loop), so errors are logged, counted and survived."""
        while True:
            try:
                self.step()
            except MemoryError:
                self.out_of_memory()
            except Exception as e:
                self.errors += 1
                print("artcast: error in the loop (%d so far):" % self.errors)
                sys.print_exception(e)
                time.sleep_ms(ERROR_PAUSE_MS)

    def out_of_memory(self):
        """Degrade instead of rebooting: free what can be freed and skip
        animation frames for a while (outputs hold their last state)."""
        if self.swapped:
            self._served.restart(self)     # the kept piece on a fresh heap
        self.memory_errors += 1
        gc.collect()
        self.frames_off_until = time.ticks_add(time.ticks_ms(), MEMORY_PAUSE_MS)
        print("artcast: out of memory (%d so far, %d bytes free after collect); "
              "frames paused %d ms" % (self.memory_errors, gc.mem_free(), MEMORY_PAUSE_MS))

    def close(self):
        """Drop the connections and park every output."""
        self.stop_piece()
        for p in self.pollers:
            p.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# GPIO0 is also the ESP32's strapping pin: held *while* the chip resets, it
# starts the ROM's flashing mode instead of MicroPython. So the button is
# read after boot: press RESET, then press and hold BOOT within this window.
BUTTON_WINDOW_MS = 2000
BUTTON_HOLD_MS = 500


def setup_requested(cfg):
    """True when the config asks for setup or the button is held at start."""
    if cfg.get("setup"):
        return True
    pin = cfg.get("setup_button", 0)
    if pin is None:
        return False
    button = machine.Pin(pin, machine.Pin.IN, machine.Pin.PULL_UP)
    start = time.ticks_ms()
    held_since = None
    while True:
        now = time.ticks_ms()
        if button.value() == 0:
            if held_since is None:
                held_since = now
            elif time.ticks_diff(now, held_since) >= BUTTON_HOLD_MS:
                return True   # held long enough: not a bounce
        else:
            held_since = None
            if time.ticks_diff(now, start) >= BUTTON_WINDOW_MS:
                return False
        time.sleep_ms(20)


def _maintenance():
    try:
        import os
        os.stat(MAINTENANCE_FLAG)
        return True
    except OSError:
        return False


def main(path=config.CONFIG_PATH, setup_host="0.0.0.0", setup_port=80):
    """Board entry point: pick setup or normal mode and run it forever.

    (The setup_* arguments let tests serve the page on 127.0.0.1.)"""
    if _maintenance():
        print("artcast: maintenance flag present, not starting (delete :maintenance)")
        return
    raw = None
    problem = None
    cfg = None
    try:
        raw = config.read(path)
        if raw is None:
            problem = "no config.json yet"
        else:
            cfg = config.check(raw)
    except config.ConfigError as e:
        problem = str(e)
    # The piece checker (~12 KB of bytecode on an ESP32) is done with: free
    # it before the outputs take their share of the heap.
    config.forget_checker()
    if cfg is None or setup_requested(cfg):
        if problem:
            print("artcast: setup mode:", problem)
        from artcast_fw import setup_page
        setup_page.serve(raw, problem, path=path, host=setup_host, port=setup_port)
        return
    gc.collect()
    try:
        app = App(cfg)
    except MemoryError:
        # The outputs do not fit this board's heap: resetting would fail
        # the same way, so say so on the setup page instead.
        app = None
        gc.collect()
        problem = "outputs: not enough memory on this board (fewer pixels?)"
        print("artcast: setup mode:", problem)
    if app is None:
        from artcast_fw import setup_page
        setup_page.serve(raw, problem, path=path, host=setup_host, port=setup_port)
        return
    try:
        app.run()
    except KeyboardInterrupt:
        # Ctrl-C from a USB console: park outputs, back to the REPL.
        app.close()
        raise
