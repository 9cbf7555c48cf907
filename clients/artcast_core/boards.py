# Board pin tables: which GPIOs a piece may drive on which board.
#
# The shared piece checker (piece.py) knows no board: a GPIO number is
# 0..63 there and two outputs on one pin are refused. This table adds what
# each board forbids or warns about, for the piece editor (it shows each
# problem next to the pin's field), the Pi client (hardware backend) and
# the server's piece pages. Errors mean the output cannot work (the pin
# does not exist, is wired to the flash chip, can only read); warnings
# mean it may, with care (a strapping pin read at reset, the serial
# console's pins).
#
#   >>> pin_problems([{"device": {"type": "pin", "pin": 12}}], "esp32")
#   [('outputs[0].device.pin', 'GPIO 12 is a strapping pin (sets the flash voltage at reset: ...', 'warning')]
#
# Runs on MicroPython too: plain tuples and dicts.

BOARDS = {
    "esp32": {
        "title": "ESP32 DevKit (ESP32-WROOM-32)",
        "missing": "does not exist on an ESP32 (GPIO 0-39 but 20, 24, 28-31)",
        "strip": None,
        "gpios": tuple(g for g in range(40) if g not in (20, 24, 28, 29, 30, 31)),
        # Wired to the module's SPI flash: driving them crashes the board.
        "errors": dict([(g, "is wired to the flash chip (GPIO 6-11): using it crashes the board") for g in range(6, 12)] +
                       [(g, "is input-only on an ESP32 (GPIO 34-39): it cannot drive an output") for g in range(34, 40)]),
        "warnings": {
            0: "is a strapping pin and the BOOT/setup button: held low at reset the board will not start",
            2: "is a strapping pin (must be low or floating at reset for flashing)",
            5: "is a strapping pin (sets SDIO timing at reset)",
            12: "is a strapping pin (sets the flash voltage at reset: pulled high, most boards will not start)",
            15: "is a strapping pin (its level at reset silences the boot messages)",
            1: "is the serial console's TX (USB): output there garbles the console",
            3: "is the serial console's RX (USB)",
        },
        "strip_pins": None,       # any output GPIO can drive a strip (RMT)
    },
    "pi": {
        "title": "Raspberry Pi (40-pin header, BCM numbers)",
        "missing": "does not exist on a Raspberry Pi header (BCM 0-27)",
        "strip": "a NeoPixel strip on a Pi needs GPIO 10, 12, 18 or 21",
        "gpios": tuple(range(28)),
        "errors": {},
        "warnings": {
            0: "is the HAT ID EEPROM's I2C data (ID_SD): keep it free",
            1: "is the HAT ID EEPROM's I2C clock (ID_SC): keep it free",
            2: "is I2C SDA (a PCA9685 servo board uses it)",
            3: "is I2C SCL (a PCA9685 servo board uses it)",
            14: "is the serial console's TX",
            15: "is the serial console's RX",
        },
        # The Pi's NeoPixel driver needs PWM0, PCM or SPI0 MOSI (Pi 1-4).
        "strip_pins": (10, 12, 18, 21),
    },
}


def pin_problems(outputs, board):
    """[(field path, problem, "error" | "warning"), ...] for `outputs` (a
    piece's "outputs" list, raw or checked) on `board` ("esp32", "pi")."""
    table = BOARDS[board]
    found = []
    if not isinstance(outputs, list):
        return found
    for i in range(len(outputs)):
        out = outputs[i]
        dev = out.get("device") if isinstance(out, dict) else None
        if not isinstance(dev, dict):
            continue
        pin = dev.get("pin")
        if type(pin) is not int:
            continue
        where = "outputs[%d].device.pin" % i
        if pin not in table["gpios"]:
            found.append((where, "GPIO %d %s" % (pin, table["missing"]), "error"))
        elif pin in table["errors"]:
            found.append((where, "GPIO %d %s" % (pin, table["errors"][pin]), "error"))
        elif dev.get("type") == "neopixel" and table["strip_pins"] is not None and pin not in table["strip_pins"]:
            found.append((where, "%s (got %d)" % (table["strip"], pin), "error"))
        elif pin in table["warnings"]:
            found.append((where, "GPIO %d %s" % (pin, table["warnings"][pin]), "warning"))
    return found


def pin_table(board):
    """The board's pins for a picker: [{"gpio", "level", "note"}]."""
    table = BOARDS[board]
    rows = []
    for g in table["gpios"]:
        level, note = "ok", ""
        if g in table["errors"]:
            level, note = "error", table["errors"][g]
        elif g in table["warnings"]:
            level, note = "warning", table["warnings"][g]
        rows.append({"gpio": g, "level": level, "note": note})
    return {"board": board, "title": table["title"], "pins": rows,
            "strip_pins": list(table["strip_pins"]) if table["strip_pins"] else None}
