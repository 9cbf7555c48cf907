# Over-the-air updates while the firmware runs (firmware/README.md,
# "Updating every kit"; PROTOCOL.md, "Firmware updates").
#
# The kit follows the reserved artcast _firmware/manifest like any key
# (one more long-poll). At boot and whenever its value names a manifest
# other than the installed one, ota_update.py (imported only then, and
# dropped again after, to keep the heap for the outputs) fetches the
# manifest and stages the new version; boot.py (ota_boot.py) swaps it in
# and puts it on trial. Here: the first answer from the server confirms a
# version on trial; no answer within the manifest's confirm_s seconds
# marks it failed and resets, and boot.py rolls it back.
#
#   (in App.__init__)  ota.attach(self, hostname, host, port, prefix)

import gc
import os
import sys
import time

import machine

from artcast_fw.poller import Poller

from artcast_fw.ota_names import PENDING

MANIFEST_KEY = "_firmware/manifest"     # artcast_core.firmware_manifest.MANIFEST_KEY (not imported: heap)


class Updater:
    """What the running firmware does for updates (see the top)."""

    def __init__(self, device, host, port, prefix, wdt=None):
        self.device = device
        self.host = host
        self.port = port
        self.prefix = prefix
        self.wdt = wdt
        self.trial_deadline = None
        self.last_error = None
        try:
            os.stat(PENDING)
        except OSError:
            return
        from artcast_fw import flash
        pending = flash.read_json(PENDING) or {}
        seconds = pending.get("confirm_s") or 180
        self.trial_deadline = time.ticks_add(time.ticks_ms(), seconds * 1000)

    def on_online(self, key, online):
        if online and self.trial_deadline is not None:
            self.trial_deadline = None
            from artcast_fw import ota_boot
            ota_boot.confirm()
            _forget("artcast_fw.ota_boot")

    def tick(self, now):
        if self.trial_deadline is not None and time.ticks_diff(now, self.trial_deadline) >= 0:
            from artcast_fw import ota_boot
            ota_boot.mark_failed("did not reach the server in time")
            print("artcast: new firmware did not reach the server in time: restarting to roll back")
            machine.reset()

    def on_value(self, key, value, play_at=None):      # the manifest ignores play-at: it is not a show
        if self.trial_deadline is not None:
            return              # on trial: first confirm, then update again
        if not isinstance(value, dict) or not isinstance(value.get("sha256"), str):
            return
        gc.collect()
        try:
            from artcast_fw import ota_update
            self.last_error = ota_update.check(self, value["sha256"])
        except MemoryError:
            self.last_error = "not enough memory"
            print("artcast: firmware update not installed (not enough memory)")
        for name in UPDATE_MODULES:
            _forget(name)
        gc.collect()


# What an update loads, dropped again after it so their bytecode is heap
# for the outputs (a failed update leaves the kit as it was).
UPDATE_MODULES = ("artcast_fw.ota_update", "artcast_core.firmware_manifest", "artcast_fw.flash",
                  "artcast_fw.ota_boot")


def _forget(name):
    """Drop a module loaded for one job so the GC can take its bytecode back."""
    sys.modules.pop(name, None)
    pkg = sys.modules.get(name.split(".")[0])
    if pkg is not None:
        try:
            delattr(pkg, name.split(".")[-1])
        except (AttributeError, KeyError):
            pass


class ManifestPoller(Poller):
    """The long-poll of _firmware/manifest, plus the trial-deadline check
    on every turn of the loop (step while online, pause while Wi-Fi is down)."""

    def __init__(self, updater, host, port, prefix, poll, resolver):
        Poller.__init__(self, MANIFEST_KEY, host, port, prefix, poll, resolver,
                        updater.on_value, updater.on_online)
        self.updater = updater

    def step(self, now):
        self.updater.tick(now)
        Poller.step(self, now)

    def pause(self, now):
        self.updater.tick(now)
        Poller.pause(self, now)


def attach(app, device, host, port, prefix):
    """Add the manifest long-poll to a running App (app.py's one hook)."""
    updater = Updater(device, host, port, prefix, app.wdt)
    app.pollers.append(ManifestPoller(updater, host, port, prefix, app.poll, app.resolver))
    app.updater = updater
    return updater
