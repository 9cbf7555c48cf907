# config.json: what one board needs to know, as plain data.
#
# {
#   "wifi": {"ssid": "gallery", "password": "secret"},
#                                     + "power_save": true for battery kits
#                                     (default false: Wi-Fi modem sleep off)
#   "server": "http://artcast.local:8888",
#   "outputs": [ ... exactly the "outputs" block of a Pi piece file ... ],
#   "hostname": "artcast-hall",       optional, default artcast-<mac>
#   "setup": false,                   true = open the setup page at boot
#   "setup_button": 0,                GPIO held low at boot = setup (null: none)
#   "setup_password": "artcast-setup",   the setup access point's WPA2 key
#   "watchdog_s": 30,                 hardware watchdog timeout
#   "updates": true                   false: never install firmware from the
#                                     server (firmware/README.md, OTA)
# }
#
# "server", "outputs" and the optional "power", "hold" and "name" are the
# Pi piece file's fields, checked by the shared piece checker
# (artcast_core.piece), the same one the Pi client runs: an outputs block
# that works on a Pi works here, and a wrong one gets the same message
# naming the field. A config that fails its check does not half-start: the board opens
# the setup page instead and prints why on the serial console.
#
#   cfg = load("config.json")        # raises ConfigError naming the field

import json

CONFIG_PATH = "config.json"


class ConfigError(ValueError):
    """A config problem; the message starts with the field's name."""


def check(cfg, heap=None):
    """Check a config dict and return it with defaults filled in (raises
    ConfigError naming the field). The checking code lives in
    config_check.py, unloaded again by forget_checker().

    `heap`: the Python heap in bytes the outputs must fit (default: this
    board's own; off MicroPython, no pixel limit unless given)."""
    from artcast_fw import config_check
    return config_check.check(cfg, heap)


def check_piece(cfg):
    """The piece part of the config, normalised by the shared checker."""
    from artcast_fw import config_check
    return config_check.check_piece(cfg)


# The checking modules: needed once at start, never while running.
CHECKER_MODULES = ("artcast_fw.config_check", "artcast_core.piece", "artcast_core.piece_fields",
                   "artcast_core.piece_mapping", "artcast_core.piece_net", "artcast_core.keys")


def forget_checker():
    """Unload the checking modules so the GC can take their bytecode back
    (check() imports them again if it is called later)."""
    forget(CHECKER_MODULES)


def forget(names):
    """Unload modules loaded for one job (a later import loads them again)
    and collect, so the GC can take their bytecode back."""
    import sys
    for name in names:
        sys.modules.pop(name, None)
        package, _, attr = name.rpartition(".")
        try:
            delattr(sys.modules[package], attr)
        except (AttributeError, KeyError):   # MicroPython says KeyError
            pass
    import gc
    gc.collect()


def read(path=CONFIG_PATH):
    """The raw dict in `path`, or None when there is no file yet."""
    try:
        f = open(path)
    except OSError:
        return None
    try:
        text = f.read()
    finally:
        f.close()
    try:
        return json.loads(text)
    except ValueError:
        raise ConfigError("config: %s is not valid JSON" % path)


def load(path=CONFIG_PATH):
    """Read and check; raises ConfigError (missing file included)."""
    cfg = read(path)
    if cfg is None:
        raise ConfigError("config: %s not found" % path)
    return check(cfg)


def save(cfg, path=CONFIG_PATH):
    """Write atomically enough for a board: new file, then rename over."""
    import os
    tmp = path + ".new"
    f = open(tmp, "w")
    try:
        f.write(json.dumps(cfg))
    finally:
        f.close()
    try:
        os.remove(path)
    except OSError:
        pass
    os.rename(tmp, path)
