# Over-the-air updates, the part boot.py runs at every power-on: finish or
# undo a swap, so a power loss at any moment leaves one whole version.
# (ota.py downloads and stages; this module is the only one that moves
# firmware files into or out of place.)
#
#   from artcast_fw import ota_boot
#   ota_boot.boot()           # boot.py; cheap when there is nothing to do
#
# What is on flash, all in the board's root folder:
#   firmware.json  the installed version's manifest
#   ota_new/       staging: the next version's changed files, each verified
#                  against its SHA-256, and its manifest as ota_new/firmware.json
#   ota_swap       commit marker (JSON: version, previous, confirm_s, remove,
#                  added). Written only once ota_new/ is complete: from here
#                  on the new version wins.
#   ota_old/       the previous version of every file the swap replaced or
#                  removed (a swap leaves ota_old/<name> for each)
#   ota_pending    the new version is on trial (JSON: version, previous,
#                  confirm_s, added, boots, failed)
#   ota_back       rollback marker (JSON: bad, added): the old version wins
#   ota_bad        manifest SHA-256 of a version that was rolled back; the
#                  kit never installs that manifest again
#
# States at power-on and what boot() does:
#   A  none of these             run the installed version
#   B  ota_new/, no ota_swap     a download or staging was cut: delete
#                                ota_new/, run the old version (-> A)
#   C  ota_swap                  roll forward: for each staged file, move the
#                                current one to ota_old/ (if any, and not
#                                already there), then the staged one into
#                                place; move each "remove" name to ota_old/;
#                                write ota_pending; delete ota_swap, ota_new/
#                                (-> D). Every step is a rename that a rerun
#                                skips once done, so a cut swap just reruns.
#   D  ota_pending               trial boot: count it; if the running version
#                                marked itself failed, or this is boot number
#                                MAX_TRIAL_BOOTS + 1, roll back (-> E).
#                                The first answer from the server (ota.py)
#                                deletes ota_pending and ota_old/ (-> A, new).
#   E  ota_back                  roll back: move every ota_old/ file back
#                                into place, delete the "added" files, write
#                                ota_bad, delete ota_pending, ota_old/,
#                                ota_back (-> A, old). Reruns the same way.
#
# The recovery path is this module, boot.py and main.py of the version that
# runs: an update whose own copy of them cannot run cannot roll itself back
# (reinstall over USB with deploy.py). Everything else in a bad version is
# rolled back.

from artcast_fw import flash
from artcast_fw.ota_names import BACK, BAD, INSTALLED, NEW, OLD, PENDING, SWAP  # noqa: F401

# A new version that restarts this many times without reaching the server
# (crash at import, watchdog resets) is rolled back at the next boot.
MAX_TRIAL_BOOTS = 3


def boot():
    """Bring the flash to a whole version (states above); returns what ran:
    None, "swapped", "rolled-back" (for tests and the serial log)."""
    did = None
    if flash.exists(BACK):
        _roll_back()
        return "rolled-back"
    if flash.exists(SWAP):
        _swap()
        did = "swapped"
    elif flash.exists(NEW):
        print("artcast: update: an unfinished download was left; deleting it")
        flash.rmtree(NEW)
    pending = flash.read_json(PENDING)
    if pending is not None:
        boots = pending.get("boots", 0) + 1
        if pending.get("failed") or boots > MAX_TRIAL_BOOTS:
            why = pending.get("failed") or ("restarted %d times without reaching the server" % (boots - 1))
            print("artcast: update to %s failed (%s): rolling back to %s"
                  % (pending.get("version"), why, pending.get("previous")))
            start_roll_back(pending)
            return "rolled-back"
        pending["boots"] = boots
        flash.write_json(PENDING, pending)
        print("artcast: firmware %s on trial (boot %d)" % (pending.get("version"), boots))
    return did


def _swap():
    plan = flash.read_json(SWAP)
    if plan is None:        # the marker is written whole or not at all
        plan = {}
    print("artcast: update: installing %s" % plan.get("version"))
    if flash.exists(NEW):
        for name in flash.walk(NEW):
            staged = NEW + "/" + name
            if flash.exists(name) and not flash.exists(OLD + "/" + name):
                flash.move(name, OLD + "/" + name)
            flash.move(staged, name)
    for name in plan.get("remove", ()):
        if flash.exists(name) and not flash.exists(OLD + "/" + name):
            flash.move(name, OLD + "/" + name)
    flash.write_json(PENDING, {"version": plan.get("version"), "previous": plan.get("previous"),
                               "confirm_s": plan.get("confirm_s"), "added": plan.get("added", []),
                               "bad": plan.get("sha256"), "boots": 0, "failed": None})
    flash.remove(SWAP)
    flash.rmtree(NEW)


def start_roll_back(pending):
    """Commit to the old version (ota_back), then restore it."""
    flash.write_json(BACK, {"bad": pending.get("bad"), "added": pending.get("added", [])})
    _roll_back()


def _roll_back():
    plan = flash.read_json(BACK) or {}
    if flash.exists(OLD):
        for name in flash.walk(OLD):
            flash.move(OLD + "/" + name, name)
    for name in plan.get("added", ()):
        flash.remove(name)
    if plan.get("bad"):
        f = open(BAD, "w")
        f.write(plan["bad"])
        f.close()
    flash.remove(PENDING)
    flash.rmtree(OLD)
    flash.remove(BACK)
    print("artcast: update rolled back")


def confirm():
    """The running version reached the server: keep it (state D -> A)."""
    pending = flash.read_json(PENDING)
    if pending is None:
        return False
    flash.remove(PENDING)
    flash.rmtree(OLD)
    print("artcast: firmware %s confirmed" % pending.get("version"))
    return True


def mark_failed(why):
    """The version on trial gave up (no server in time, crash): the next
    boot rolls it back. Returns False when no version is on trial."""
    pending = flash.read_json(PENDING)
    if pending is None:
        return False
    pending["failed"] = why
    flash.write_json(PENDING, pending)
    return True


def failed_at_start(exc):
    """main.py: the firmware raised before its loop ran. A version on trial
    is marked failed and the board resets (the next boot rolls it back);
    otherwise returns False and main.py re-raises."""
    if not mark_failed("raised %s at start" % type(exc).__name__):
        return False
    print("artcast: new firmware failed to start (%r): restarting to roll back" % (exc,))
    import machine
    machine.reset()
    return True
