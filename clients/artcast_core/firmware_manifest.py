# The firmware bundle's manifest (PROTOCOL.md, "Firmware updates"), as
# pure functions shared by the build (firmware/micropython/deploy.py), the
# server (artcast_server/firmware.py) and the board (artcast_fw/ota.py).
#
#   {"artcast_firmware": 1,
#    "version": "2026.11.29",
#    "files": {"main.py": {"sha256": "<64 hex>", "size": 245}, ...},
#    "targets": ["class3-*", "artcast-hall"],     optional: who may install it
#    "confirm_s": 180}                            optional: rollback deadline
#
# A file name is a relative path of short segments from A-Z a-z 0-9 . _ -
# (never "..", never absolute), so a server can only ever serve the names
# listed here and a board can only ever write inside its own folders.
# The names the update machinery itself uses on the board are refused.
#
#   m = check_manifest(json.loads(text))      # raises ManifestError
#   targeted(m, "class3-kit07")                # True / False

MANIFEST_NAME = "manifest.json"     # in the build folder and on the server
FORMAT = 1
# The reserved artcast carrying {"version", "sha256"} of the manifest.
MANIFEST_KEY = "_firmware/manifest"
MAX_FILES = 200
MAX_NAME = 64
MAX_VERSION = 40
CONFIRM_DEFAULT_S = 180
CONFIRM_RANGE = (5, 3600)
# Names on the board that belong to the update machinery or the teacher.
RESERVED = ("config.json", "firmware.json", "maintenance", "ota_new", "ota_old",
            "ota_swap", "ota_pending", "ota_bad", "record.jsonl")

_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
_HEX = "0123456789abcdef"


class ManifestError(ValueError):
    """A manifest that must not be used; the message names the field."""


def name_problem(name):
    """What is wrong with a file name, or None."""
    if not isinstance(name, str) or not name:
        return "is not a file name"
    if len(name) > MAX_NAME:
        return "is longer than %d characters" % MAX_NAME
    for ch in name:
        if ch != "/" and ch not in _NAME_CHARS:
            return "may only hold A-Z a-z 0-9 . _ - and /"
    for seg in name.split("/"):
        if seg == "" or seg == "." or seg == "..":
            return "has an empty, '.' or '..' segment"
    if name.split("/")[0] in RESERVED:
        return "is a name the board keeps for itself"
    return None


def _is_hex64(text):
    if not isinstance(text, str) or len(text) != 64:
        return False
    for ch in text:
        if ch not in _HEX:
            return False
    return True


def check_manifest(m):
    """Check a decoded manifest; returns it with defaults filled in."""
    if not isinstance(m, dict):
        raise ManifestError("manifest: must be a JSON object")
    if m.get("artcast_firmware") != FORMAT:
        raise ManifestError("artcast_firmware: must be %d (a manifest written by deploy.py build)" % FORMAT)
    version = m.get("version")
    if not isinstance(version, str) or not 0 < len(version) <= MAX_VERSION:
        raise ManifestError("version: must be text of 1-%d characters" % MAX_VERSION)
    files = m.get("files")
    if not isinstance(files, dict) or not files:
        raise ManifestError("files: must be an object of name -> {sha256, size}")
    if len(files) > MAX_FILES:
        raise ManifestError("files: more than %d files" % MAX_FILES)
    for name in files:
        problem = name_problem(name)
        if problem:
            raise ManifestError("files[%r]: the name %s" % (name[:MAX_NAME], problem))
        entry = files[name]
        if not isinstance(entry, dict) or not _is_hex64(entry.get("sha256")):
            raise ManifestError("files[%r].sha256: must be 64 lower-case hex digits" % name)
        size = entry.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ManifestError("files[%r].size: must be a byte count" % name)
    targets = m.get("targets")
    if targets is not None:
        if not isinstance(targets, list):
            raise ManifestError("targets: must be a list of device names or patterns like \"class3-*\"")
        for t in targets:
            if not isinstance(t, str) or not 0 < len(t) <= MAX_NAME:
                raise ManifestError("targets: each must be a device name or pattern (1-%d characters)"
                                    % MAX_NAME)
    confirm = m.get("confirm_s", CONFIRM_DEFAULT_S)
    if (not isinstance(confirm, int) or isinstance(confirm, bool)
            or not CONFIRM_RANGE[0] <= confirm <= CONFIRM_RANGE[1]):
        raise ManifestError("confirm_s: must be whole seconds from %d to %d" % CONFIRM_RANGE)
    out = dict(m)
    out["targets"] = targets
    out["confirm_s"] = confirm
    return out


def matches(pattern, name):
    """Shell-style match with "*" (any run) and "?" (one character); the
    board has no fnmatch, so the three implementations share this one.

    >>> matches("class3-*", "class3-kit07")
    True
    """
    p = 0
    n = 0
    star = -1
    back = 0
    while n < len(name):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == name[n]):
            p += 1
            n += 1
        elif p < len(pattern) and pattern[p] == "*":
            star = p
            back = n
            p += 1
        elif star >= 0:
            p = star + 1
            back += 1
            n = back
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def targeted(m, device):
    """True when a checked manifest is meant for the device named `device`
    (no "targets": every device)."""
    targets = m.get("targets")
    if targets is None:
        return True
    for t in targets:
        if matches(t, device):
            return True
    return False


def announcement(version, manifest_sha256):
    """The value of the MANIFEST_KEY artcast: the same manifest gives the
    same value (and so the same ETag) on every server."""
    return {"version": version, "sha256": manifest_sha256}
