# Checking config.json (see config.py for its fields). Loaded for the
# check at start (and by the setup page), then unloaded with the shared
# piece checker (config.forget_checker): none of it is needed while the
# board follows its keys, and on an ESP32 its bytecode is heap.
#
#   from artcast_fw.config_check import check
#   cfg = check(raw)                 # raises config.ConfigError naming the field

from artcast_fw.config import ConfigError

DEFAULTS = {
    "setup": False,
    "setup_button": 0,
    "setup_password": "artcast-setup",
    "watchdog_s": 30,
    "hostname": None,
    "updates": True,
}
# Limits that keep a typo from bricking a board: a watchdog shorter than
# a DNS lookup would reset forever; longer than 2 minutes is not recovering.
WATCHDOG_RANGE = (10, 120)


def _need(cond, field, what):
    if not cond:
        raise ConfigError("%s: %s" % (field, what))


def _only_fields(obj, path, allowed):
    # The piece checker's rule, so config.json and piece files refuse typos
    # alike: a misspelt "pasword" is an error naming it, never an open
    # network. Names starting with "_" are comments.
    from artcast_core.piece_fields import PieceError, only_fields
    try:
        only_fields(obj, path, allowed)
    except PieceError as e:
        raise ConfigError(str(e))


# The heap budget, measured with tests/firmware/heap_budget.py (the .mpy
# bundle on a 32-bit build with the ESP32's object layout, a real server
# sending 50 datums/s, the example's gradient strip with a fade + a servo):
# 60 px run in a 72K heap, 300 px in 77-82K, 448 px (the cap at 100K) in
# 87K (2026-11-29). The firmware itself (imports, one key, a servo, the
# update long-poll) takes HEAP_FIXED; each pixel up to HEAP_PER_PIXEL more
# while a fade runs (start, current and target colours and the last state
# written: 4 bytes each per pixel, plus a 3-byte colour tuple per pixel
# (16 on the heap) when the pixels do not share colours). HEAP_FIXED is
# the largest measured need less the pixels' share: 72K - 60 * 64 B is
# ~68K, 82K - 300 * 64 B ~63K; 72K keeps that margin for what the bench
# does not exercise (a play-at, several keys). A config whose strips
# cannot fit is refused rather than left to fail with MemoryError.
HEAP_FIXED = 72 * 1024
HEAP_PER_PIXEL = 64
# Python heap by chip, for deploy.py's check on a computer (the board
# checks against its own heap): a classic ESP32-WROOM has about 100 KB
# free after boot, an ESP32-C3 about 150 KB (firmware/README.md).
HEAP_BY_CHIP = {"esp32": 100 * 1024, "esp32s2": 100 * 1024, "esp32c3": 150 * 1024,
                "esp32c6": 150 * 1024, "esp32s3": 150 * 1024}


def max_pixels(heap):
    """How many pixels (all strips together) fit a heap of `heap` bytes."""
    return max(0, (heap - HEAP_FIXED) // HEAP_PER_PIXEL)


def heap_size():
    """This board's whole Python heap in bytes; None off MicroPython."""
    import gc
    try:
        return gc.mem_free() + gc.mem_alloc()
    except AttributeError:
        return None


def _check_heap(piece, heap):
    strips = [i for i in range(len(piece["outputs"]))
              if piece["outputs"][i]["device"]["type"] == "neopixel"]
    total = 0
    for i in strips:
        total += piece["outputs"][i]["device"]["count"]
    room = max_pixels(heap)
    if total > room:
        field = "outputs[%d].device.count" % strips[0] if len(strips) == 1 else "outputs"
        raise ConfigError("%s: %d pixels do not fit this board's memory (%d KB heap: at most "
                          "%d pixels); use fewer, or a board with more memory "
                          "(firmware/README.md, \"How many pixels\")"
                          % (field, total, heap // 1024, room))


def check(cfg, heap=None):
    """Check a config dict and return it with defaults filled in.

    `heap`: the Python heap in bytes the outputs must fit (default: this
    board's own; off MicroPython, no pixel limit unless given)."""
    _need(isinstance(cfg, dict), "config", "must be a JSON object")
    _only_fields(cfg, "", CONFIG_FIELDS)
    out = {}
    for name in DEFAULTS:
        out[name] = cfg.get(name, DEFAULTS[name])
    for name in cfg:
        out[name] = cfg[name]

    wifi = cfg.get("wifi")
    _need(isinstance(wifi, dict), "wifi", 'must be {"ssid": ..., "password": ...}')
    _only_fields(wifi, "wifi", WIFI_FIELDS)
    ssid = wifi.get("ssid")
    _need(isinstance(ssid, str) and 0 < len(ssid) <= 32, "wifi.ssid",
          "must be the network name (1-32 characters)")
    password = wifi.get("password", "")
    _need(isinstance(password, str) and (password == "" or 8 <= len(password) <= 64),
          "wifi.password", "must be empty (open network) or 8-64 characters")
    _need(isinstance(wifi.get("power_save", False), bool), "wifi.power_save",
          "must be false (default: radio always on, values arrive at once) or true "
          "(battery kits: saves power, each value up to a few hundred ms later)")

    _need(isinstance(out["setup"], bool), "setup", "must be true or false")
    button = out["setup_button"]
    _need(button is None or (isinstance(button, int) and not isinstance(button, bool)
                             and 0 <= button <= 48),
          "setup_button", "must be a GPIO number or null")
    sp = out["setup_password"]
    _need(isinstance(sp, str) and (sp == "" or 8 <= len(sp) <= 64),
          "setup_password", "must be empty (open) or 8-64 characters")
    wd = out["watchdog_s"]
    _need(isinstance(wd, (int, float)) and not isinstance(wd, bool)
          and WATCHDOG_RANGE[0] <= wd <= WATCHDOG_RANGE[1],
          "watchdog_s", "must be a number of seconds from %d to %d" % WATCHDOG_RANGE)
    hn = out["hostname"]
    _need(hn is None or (isinstance(hn, str) and 0 < len(hn) <= 32),
          "hostname", "must be a short name or null")
    _need(isinstance(out["updates"], bool), "updates", "must be true (install firmware the server "
          "offers) or false")

    if cfg.get("piece") == "server":
        return _check_served(cfg, out)
    _need("piece" not in cfg, "piece", 'must be "server" (or leave it out and give "outputs")')
    _need("device" not in cfg, "device", 'names the board for "piece": "server" only')
    out["piece"] = check_piece(cfg)
    if heap is None:
        heap = heap_size()
    if heap is not None:
        _check_heap(out["piece"], heap)
    return out


def _check_served(cfg, out):
    """"piece": "server": the piece comes from _piece/<device> (served.py)."""
    from artcast_core.http import parse_url
    from artcast_core.keys import key_problem
    try:
        parse_url(cfg.get("server"))
    except (ValueError, TypeError, AttributeError) as e:
        raise ConfigError("server: %s" % (e if isinstance(e, ValueError) else "must be the server's URL"))
    _need("outputs" not in cfg, "outputs", 'comes from the server with "piece": "server" (leave it out)')
    name = cfg.get("device") or cfg.get("hostname")
    if name is None:
        from artcast_fw import wifi
        name = "artcast-" + wifi.board_id()
    _need(isinstance(name, str) and "/" not in name and key_problem("_piece/" + name) is None,
          "device", "must be one key segment (letters, digits, . _ ~ -)")
    out["piece"] = None
    out["device"] = name
    return out


def check_served_piece(raw, server, heap=None):
    """A piece from the server, as the board will run it: the config's piece
    checks and heap budget, with the board's own server (served.py)."""
    _need(isinstance(raw, dict), "piece", "must be a JSON object")
    _only_fields(raw, "", PIECE_FIELDS + ("backend",))
    data = dict(raw)
    data["server"] = server
    piece = check_piece(data)
    if heap is None:
        heap = heap_size()
    if heap is not None:
        _check_heap(piece, heap)
    return piece


# Fields of config.json that are the Pi piece file's fields, checked by the
# same shared checker (artcast_core.piece.check_piece).
PIECE_FIELDS = ("name", "server", "hold", "power", "outputs")
# Every field config.json may have (anything else is refused by name).
CONFIG_FIELDS = ("wifi",) + tuple(sorted(DEFAULTS)) + PIECE_FIELDS + ("piece", "device")
WIFI_FIELDS = ("ssid", "password", "power_save")


def check_piece(cfg):
    """The piece part of the config, normalised by the shared checker."""
    from artcast_core.piece import PieceError
    from artcast_core import piece as shared
    data = {}
    for name in PIECE_FIELDS:
        if name in cfg:
            data[name] = cfg[name]
    try:
        piece = shared.check_piece(data)
    except PieceError as e:
        raise ConfigError(str(e))
    if piece["server"] == "auto":
        raise ConfigError("server: a board cannot search for a server; give its URL, e.g. "
                          "http://artcast.local:8888 (the Pi's mDNS name)")
    outputs = piece["outputs"]
    for i in range(len(outputs)):
        if outputs[i]["device"].get("pca9685") is not None:
            raise ConfigError("outputs[%d].device.pca9685: servo boards are not supported "
                              "by the ESP32 firmware (give \"pin\": a GPIO)" % i)
        if outputs[i]["device"].get("pin") is None:
            raise ConfigError("outputs[%d].device.type: DMX and WLED outputs are driven by the Pi "
                              "client (artcast-kinetic), not the ESP32 firmware" % i)
    return piece
