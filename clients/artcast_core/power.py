# Power budgets for LED strips and servos: how much current a piece draws,
# how bright a strip may go on a given supply, and how thick the wires must be.
#
# Most installations that fail, fail on power: a strip browns out at full
# white, a servo stalls and resets the controller, a thin wire gets warm.
# These are pure functions so the same numbers serve `artcast power` on a
# laptop, the Pi kinetic client and the ESP32 firmware (which cap brightness
# in software from the piece file's "power" block).
#
# Shared core rules: runs on CPython and MicroPython (no annotations, no
# dataclasses, no typing). Currents are in milliamps (mA), lengths in metres,
# brightness is 0..1.
#
# The figures are planning figures for common parts, on the safe side; a
# datasheet for the exact part always wins.

# --- LED strips --------------------------------------------------------------

# One LED channel (red, green, blue or white) of a WS2812/SK6812 pixel draws
# about 20 mA at full duty. So full white is 60 mA per RGB pixel and 80 mA per
# RGBW pixel. Real strips usually draw a little less; plan for this.
MA_PER_CHANNEL = 20
MA_PER_RGB_PIXEL = 3 * MA_PER_CHANNEL     # 60 mA, full white
MA_PER_RGBW_PIXEL = 4 * MA_PER_CHANNEL    # 80 mA, full white

# Every pixel's control chip draws about 1 mA even when it is dark.
IDLE_MA_PER_PIXEL = 1

# --- Servos --------------------------------------------------------------------

# Per size class: (running mA while moving under load, stall mA).
# "micro": 9-13 g servos (SG90, MG90S). "standard": 40-60 g (MG996R, HS-422).
# "large": 60 g and up, 20-35 kg*cm (DS3218 and similar).
# Stall is what a blocked or fast-reversing servo pulls for a moment; it is
# what resets a Pi when servos share its 5 V pin.
SERVO_MA = {
    "micro": (250, 800),
    "standard": (600, 2500),
    "large": (1200, 3500),
}

# --- Controllers ---------------------------------------------------------------

# Typical draw of the board itself, for when it shares the strip supply
# (pass it as reserve_ma). ESP32 Wi-Fi transmit bursts reach ~250 mA.
CONTROLLER_MA = {
    "esp32": 250,
    "pi-zero": 400,
    "pi": 1200,
}

# --- Safety margin -------------------------------------------------------------

# A supply should not run at its label rating: keep 20 % headroom, i.e. the
# supply must be rated for 1.2 x the load.
SAFETY_MARGIN = 0.2

# --- Wires ---------------------------------------------------------------------

# Copper hookup wire: (AWG, cross-section mm^2, ohms per km at 20 C,
# conservative max amps for short runs of PVC-insulated stranded wire in
# free air). Thinnest first.
WIRES = (
    (26, 0.129, 133.9, 1.0),
    (24, 0.205, 84.2, 1.5),
    (22, 0.326, 52.96, 2.0),
    (20, 0.518, 33.31, 3.0),
    (18, 0.823, 20.95, 5.0),
    (16, 1.31, 13.17, 8.0),
    (14, 2.08, 8.282, 13.0),
    (12, 3.31, 5.211, 20.0),
    (10, 5.26, 3.277, 30.0),
)

# Power wires thinner than this break easily and do not hold in screw
# terminals, whatever the current: the calculator never suggests thinner.
THINNEST_POWER_AWG = 22

# Standard blade (ATO) fuse sizes, amps.
FUSE_SIZES_A = (1, 2, 3, 4, 5, 7.5, 10, 15, 20, 25, 30)
# A fuse runs near its rating for hours only if it has some headroom.
FUSE_HEADROOM = 1.25

# Keep the voltage lost in the wires (there and back) under 5 % of the supply:
# 0.25 V on a 5 V strip. More than that and the far end of a strip turns
# orange at white, and data errors start.
MAX_DROP_FRACTION = 0.05


def _check_number(name, value, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("%s must be a number, not %r" % (name, value))
    if value < minimum:
        raise ValueError("%s must be >= %s, got %r" % (name, minimum, value))


def _check_channels(channels):
    if channels not in (3, 4):
        raise ValueError("channels must be 3 (RGB) or 4 (RGBW), got %r" % (channels,))


def strip_current_ma(pixel_count, brightness=1.0, channels=3):
    """Worst-case current of a strip: every pixel full white at `brightness`.

    Plan for the worst case: an animation that never goes full white today
    may do it tomorrow when someone changes the piece file.

    >>> strip_current_ma(60, 1.0)          # 60 RGB pixels at full white
    3660.0
    >>> strip_current_ma(60, 0.5)          # half brightness
    1860.0
    >>> strip_current_ma(30, 1.0, channels=4)
    2430.0
    """
    _check_number("pixel_count", pixel_count)
    _check_number("brightness", brightness)
    if brightness > 1:
        raise ValueError("brightness must be between 0 and 1, got %r" % (brightness,))
    _check_channels(channels)
    return float(pixel_count * (IDLE_MA_PER_PIXEL + brightness * channels * MA_PER_CHANNEL))


def supply_needed_ma(load_ma):
    """Supply rating needed for a load, with the 20 % safety margin.

    >>> supply_needed_ma(5000)
    6000.0
    """
    _check_number("load_ma", load_ma)
    return load_ma * (1.0 + SAFETY_MARGIN)


def usable_ma(supply_ma):
    """How much of a supply's rating a load may use (the rest is margin).

    >>> round(usable_ma(6000))
    5000
    """
    _check_number("supply_ma", supply_ma)
    return supply_ma / (1.0 + SAFETY_MARGIN)


def _floor_hundredths(x):
    # Round down to 0.01 so the cap is always on the safe side; the tiny
    # epsilon keeps 0.5 computed as 0.49999999 from becoming 0.49.
    return int(x * 100 + 1e-6) / 100.0


def shared_brightness_cap(strips, supply_ma, reserve_ma=0):
    """Highest brightness (0..1, in steps of 0.01) for strips on one supply.

    `strips` is a list of (pixel_count, channels) pairs that share the supply;
    they all get the same cap. `reserve_ma` is anything else on that supply
    (e.g. an ESP32 powered from the strip's 5 V).

    >>> shared_brightness_cap([(60, 3), (30, 4)], 6000)
    0.81
    """
    _check_number("supply_ma", supply_ma)
    _check_number("reserve_ma", reserve_ma)
    idle = 0.0
    per_unit = 0.0
    for strip in strips:
        count, channels = strip
        _check_number("pixel_count", count)
        _check_channels(channels)
        idle += count * IDLE_MA_PER_PIXEL
        per_unit += count * channels * MA_PER_CHANNEL
    if per_unit == 0:
        return 1.0
    cap = (usable_ma(supply_ma) - reserve_ma - idle) / per_unit
    if cap <= 0:
        return 0.0
    if cap >= 1:
        return 1.0
    return _floor_hundredths(cap)


def brightness_cap(pixel_count, supply_ma, channels=3, reserve_ma=0):
    """Highest brightness (0..1, in steps of 0.01) one strip may use on a supply.

    Keeps the strip's worst case (full white) within the supply's rating
    minus the 20 % margin and minus `reserve_ma` for anything else on it.

    >>> brightness_cap(60, 4000)           # 60 pixels on a 5 V 4 A supply
    0.9
    >>> brightness_cap(300, 10000)         # 5 m of 60/m strip on 10 A
    0.44
    >>> brightness_cap(60, 4000, reserve_ma=250)   # ESP32 on the same supply
    0.83
    """
    _check_number("pixel_count", pixel_count)
    return shared_brightness_cap([(pixel_count, channels)], supply_ma, reserve_ma)


def servo_current_ma(count, size="micro"):
    """Running current of `count` servos moving under load (mA).

    >>> servo_current_ma(4, "micro")
    1000
    """
    return count * _servo_figures(count, size)[0]


def servo_stall_ma(count, size="micro"):
    """Current if `count` servos all stall at once (mA): the peak to survive.

    >>> servo_stall_ma(2, "standard")
    5000
    """
    return count * _servo_figures(count, size)[1]


def _servo_figures(count, size):
    _check_number("count", count)
    if size not in SERVO_MA:
        raise ValueError("servo size must be one of %s, got %r"
                         % (", ".join(sorted(SERVO_MA)), size))
    return SERVO_MA[size]


def power_budget(pixel_count=0, brightness=1.0, channels=3,
                 servo_count=0, servo_size="micro", reserve_ma=0):
    """Everything a piece needs from its supplies, as a dict of mA figures.

    Strips and servos belong on separate supplies (with a common ground),
    so each gets its own figure; "total_supply_ma" is for a single shared
    supply, which works only with a big capacitor and no stalls.

    >>> b = power_budget(60, 0.5, servo_count=2)
    >>> b["strip_ma"], b["strip_supply_ma"], b["servo_ma"], b["servo_supply_ma"]
    (1860.0, 2232.0, 500, 600.0)
    """
    strip = strip_current_ma(pixel_count, brightness, channels) + reserve_ma
    servo = servo_current_ma(servo_count, servo_size)
    return {
        "strip_ma": strip,
        "strip_supply_ma": supply_needed_ma(strip),
        "servo_ma": servo,
        "servo_stall_ma": servo_stall_ma(servo_count, servo_size),
        "servo_supply_ma": supply_needed_ma(servo),
        "total_ma": strip + servo,
        "total_supply_ma": supply_needed_ma(strip + servo),
    }


def wire_drop_v(current_ma, length_m, awg):
    """Voltage lost in a pair of wires `length_m` long (there and back).

    >>> round(wire_drop_v(3000, 1.0, 18), 3)
    0.126
    """
    _check_number("current_ma", current_ma)
    _check_number("length_m", length_m)
    for wire in WIRES:
        if wire[0] == awg:
            return (current_ma / 1000.0) * (2.0 * length_m) * wire[2] / 1000.0
    raise ValueError("no wire data for AWG %r" % (awg,))


def fuse_rating(current_ma):
    """Smallest standard fuse (amps) for a load: 25 % above it, so it does
    not blow in normal use. None above 30 A (split the load).

    >>> fuse_rating(1860), fuse_rating(3660), fuse_rating(40000)
    (3, 5, None)
    """
    _check_number("current_ma", current_ma)
    need = current_ma * FUSE_HEADROOM / 1000.0
    for size in FUSE_SIZES_A:
        if size >= need:
            return size
    return None


def wire_gauge(current_ma, length_m=1.0, volts=5.0, max_drop=MAX_DROP_FRACTION,
               rated_ma=None, thinnest=THINNEST_POWER_AWG):
    """Thinnest wire that carries `current_ma` over `length_m` (one way).

    Two limits: the wire must be rated for the current (or for `rated_ma`,
    e.g. the fuse protecting it, if that is more), and the voltage lost
    there and back must stay under `max_drop` (a fraction) of `volts`.
    Never thinner than `thinnest` AWG. Returns a dict {"awg", "mm2",
    "max_amps", "drop_v"}, or None when no wire in the table is thick
    enough: then feed power in at several points along the strip, or use a
    higher-voltage strip.

    >>> wire_gauge(3000, 1.0, 5.0)["awg"]      # 3 A, 1 m, 5 V
    20
    >>> wire_gauge(2000, 2.0, 5.0)["awg"]      # longer run: thicker wire
    18
    >>> wire_gauge(1000, 0.5, 5.0, rated_ma=5000)["awg"]   # behind a 5 A fuse
    18
    >>> wire_gauge(20000, 5.0, 5.0) is None
    True
    """
    _check_number("current_ma", current_ma)
    _check_number("length_m", length_m)
    _check_number("volts", volts)
    _check_number("max_drop", max_drop)
    amps = current_ma / 1000.0
    rated = amps if rated_ma is None else max(amps, rated_ma / 1000.0)
    allowed_v = volts * max_drop
    for wire in WIRES:
        awg, mm2, ohm_per_km, max_amps = wire
        if awg > thinnest or rated > max_amps:
            continue
        drop = amps * (2.0 * length_m) * ohm_per_km / 1000.0
        if drop <= allowed_v:
            return {"awg": awg, "mm2": mm2, "max_amps": max_amps, "drop_v": drop}
    return None
