"""Bills of materials for the Artcast kits, as data, rendered to BOM.md.

    python3 -m artcast_hardware.bom > hardware/BOM.md

Prices are rough single-unit prices in US dollars when this was written,
for budgeting only; part numbers are ones to search for, and any part with
the same description works. The test suite checks BOM.md is rendered from
this file, so edit here, not there.

>>> round(kit_total(KITS[0]))
106

The ESP32 kit's supply and fuse are not typed here: they come from the
classroom config a kit is flashed with (classroom.config_for) through the
power calculator (`artcast power --shared-supply`, one supply for strip and
servo), so the BOM, CLASSROOM.md's check and the calculator cannot disagree.
"""

import sys

from artcast_hardware import classroom
from artcast_hardware.piece_power import read_piece_data
from artcast_hardware.power_cli import shared_fuse

# (description, part number / where, quantity, unit price USD, note)
PI = ("Raspberry Pi 4 Model B, 2 GB (or Pi 5)", "Raspberry Pi", 1, 45.00, "runs server and pieces")
PI_SUPPLY = ("Official Raspberry Pi USB-C supply 5.1 V 3 A", "Adafruit 4298", 1, 8.00, "the Pi's own supply")
SD_CARD = ("microSD card 16 GB or more, A1", "any brand", 1, 8.00, "Raspberry Pi OS Lite")
SHIFTER = ("74AHCT125 quad level shifter (DIP-14)", "Adafruit 1787", 1, 1.50, "3.3 V data to 5 V")
RESISTOR_330 = ("330 ohm resistor, 1/4 W", "any", 1, 0.10, "data line, at the strip")
RESISTOR_1K = ("1 kohm resistor, 1/4 W", "any", 1, 0.10, "servo signal")
CAP = ("1000 uF electrolytic capacitor, 10 V", "Panasonic EEU-FR1A102", 1, 0.60, "across strip/servo power")
STRIP_1M = ("WS2812B strip, 5 V, 30 LEDs, 1 m", "Adafruit 1376", 1, 17.00, "the light")
SUPPLY_2A = ("5 V 2 A power supply, 2.1 mm plug", "Adafruit 276", 1, 8.00, "30 LEDs or 1-3 micro servos")
SUPPLY_4A = ("5 V 4 A power supply, 2.1 mm plug", "Adafruit 1466", 1, 15.00, "up to 60 LEDs or 8 micro servos")
JACK = ("2.1 mm DC jack to screw terminal", "Adafruit 368", 1, 2.00, "supply to wires")
FUSE_HOLDER = ("Inline blade fuse holder, 18 AWG or thicker", "any (ATO/ATC)", 1, 2.00, "in the + wire")
FUSE_2A = ("Blade fuse 2 A (ATO)", "Littelfuse 0287002.PXCN", 1, 0.40, "")
FUSE_3A = ("Blade fuse 3 A (ATO)", "Littelfuse 0287003.PXCN", 1, 0.40, "with a 2 A supply")
FUSE_4A = ("Blade fuse 4 A (ATO)", "Littelfuse 0287004.PXCN", 1, 0.40, "")
FUSE_5A = ("Blade fuse 5 A (ATO)", "Littelfuse 0287005.PXCN", 1, 0.40, "with a 4 A supply")
BREADBOARD = ("Half-size breadboard", "Adafruit 64", 1, 5.00, "")
JUMPERS = ("Jumper wires, female/female and male/male", "Adafruit 266 and similar", 1, 4.00, "")
WIRE = ("Hookup wire, 18 AWG stranded, red and black, 2 m each", "any", 1, 4.00, "supply to strip")
MICRO_SERVO = ("Micro servo (SG92R / SG90 size)", "Adafruit 169", 1, 6.00, "")
STD_SERVO = ("Standard servo", "Adafruit 155", 1, 12.00, "stronger, 2.5 A stall")
PCA9685 = ("PCA9685 16-channel servo board", "Adafruit 815", 1, 15.00, "I2C, up to 16 servos")
PIR = ("PIR motion sensor (HC-SR501 type)", "Adafruit 189", 1, 10.00, "input source")
BUTTONS = ("Tactile buttons (pack of 10)", "Adafruit 367", 1, 2.50, "input source")
ESP32 = ("ESP32 dev board (ESP32-WROOM-32)", "Espressif ESP32-DevKitC-32E", 1, 10.00, "runs the firmware")
USB_CABLE = ("USB cable for the ESP32 (check: data, not charge-only)", "any", 1, 3.00, "power and flashing")
# The class network when there are more than a few groups (CLASSROOM.md):
# any small router with a Wi-Fi access point and DHCP; the Pi on a LAN port.
ROUTER = ("Small Wi-Fi router / access point (2.4 GHz, DHCP)", "e.g. TP-Link TL-WR841N, GL.iNet GL-MT300N-V2",
          1, 25.00, "the class network for more than 4 groups")
# The Pi's on-board Wi-Fi as a hotspot: reported to serve about 4-8 clients
# reliably (not measured here: needs a real Pi). A group is 2 clients (its
# board and its laptop), so the Pi's hotspot is for up to 4 groups.
HOTSPOT_MAX_CLIENTS = 8
CLIENTS_PER_GROUP = 2
HOTSPOT_MAX_GROUPS = HOTSPOT_MAX_CLIENTS // CLIENTS_PER_GROUP

SUPPLIES = {2: SUPPLY_2A, 4: SUPPLY_4A}
FUSES = {2: FUSE_2A, 3: FUSE_3A, 4: FUSE_4A, 5: FUSE_5A}


def esp32_kit_power():
    """(supply item, fuse item) for the ESP32 kit, from one group's config."""
    settings = read_piece_data(classroom.config_for(1, "ssid", "password", classroom.DEFAULT_SERVER))
    supply = SUPPLIES[settings["supply_amps"]]
    fuse = FUSES[shared_fuse(settings)]
    note = "strip and servo on one %g A supply (`artcast power --shared-supply`)" % settings["supply_amps"]
    return supply, (fuse[0], fuse[1], fuse[2], fuse[3], note)


def qty(item, n):
    return (item[0], item[1], n, item[3], item[4])


KITS = [
    {
        "name": "Pi strip kit",
        "what": "One Raspberry Pi driving a 1 m NeoPixel strip; also runs the server.",
        "guide": "wiring/pi-neopixel.md",
        "items": [PI, PI_SUPPLY, SD_CARD, SHIFTER, RESISTOR_330, CAP, STRIP_1M, SUPPLY_2A, JACK,
                  FUSE_HOLDER, FUSE_3A, BREADBOARD, JUMPERS, WIRE],
    },
    {
        "name": "Pi servo kit",
        "what": "One Raspberry Pi with a PCA9685 board and four micro servos, plus a button "
                "and a PIR sensor as inputs.",
        "guide": "wiring/pi-pca9685.md",
        "items": [PI, PI_SUPPLY, SD_CARD, PCA9685, qty(MICRO_SERVO, 4), CAP, SUPPLY_4A, JACK,
                  FUSE_HOLDER, FUSE_5A, JUMPERS, PIR, BUTTONS],
    },
    {
        "name": "ESP32 kit",
        "what": "One ESP32 with a 1 m strip and a micro servo: one group's kit in a class.",
        "guide": "wiring/esp32-neopixel.md",
        "items": [ESP32, USB_CABLE, SHIFTER, RESISTOR_330, RESISTOR_1K, qty(CAP, 2), STRIP_1M,
                  MICRO_SERVO, esp32_kit_power()[0], JACK, FUSE_HOLDER, esp32_kit_power()[1],
                  BREADBOARD, JUMPERS],
    },
]

CLASSROOM_GROUPS = 15


def kit_total(kit):
    return sum(item[2] * item[3] for item in kit["items"])


def needs_router(groups):
    return groups > HOTSPOT_MAX_GROUPS


def classroom_total(groups=CLASSROOM_GROUPS):
    """One Pi strip kit (the server) plus one ESP32 kit per group, plus a
    router when the Pi's own hotspot is too small for the class."""
    return kit_total(KITS[0]) + groups * kit_total(KITS[2]) + (ROUTER[3] if needs_router(groups) else 0)


def render_markdown():
    out = ["# Bill of materials", "",
           "Rough single-unit prices in US dollars, for budgeting. Part numbers are ones to",
           "search for; any part with the same description works. Generated from",
           "`hardware/artcast_hardware/bom.py` (`python3 -m artcast_hardware.bom > hardware/BOM.md`).",
           "Size supplies for your own piece with `artcast power`.", ""]
    for kit in KITS:
        out += ["## %s" % kit["name"], "", kit["what"], "Wiring: [%s](%s)." % (kit["guide"], kit["guide"]), "",
                "| Qty | Part | Part number | Each | Note |", "| ---: | --- | --- | ---: | --- |"]
        for desc, part, n, price, note in kit["items"]:
            out.append("| %d | %s | %s | $%.2f | %s |" % (n, desc, part, price, note))
        out += ["", "**Rough total: $%.0f**" % kit_total(kit), ""]
    out += ["## Classroom set", "",
            "One Pi strip kit as the server (and a demo strip) plus one ESP32 kit per group.",
            "The Pi's own Wi-Fi hotspot is reported to serve only about 4-8 devices reliably",
            "(a figure from users, to confirm on a real Pi), and each group brings two (its",
            "board and its laptop): for more than %d groups add a small router as the class" % HOTSPOT_MAX_GROUPS,
            "network (see [CLASSROOM.md](CLASSROOM.md)).", "",
            "| Qty | Part | Part number | Each | Note |", "| ---: | --- | --- | ---: | --- |",
            "| %d | %s | %s | $%.2f | %s |" % (ROUTER[2], ROUTER[0], ROUTER[1], ROUTER[3], ROUTER[4]), "",
            "| Groups | Class network | Rough total |", "| ---: | --- | ---: |"]
    for groups in (HOTSPOT_MAX_GROUPS, 15, 20, 30):
        out.append("| %d | %s | $%.0f |" % (groups, "router" if needs_router(groups) else "the Pi's hotspot",
                                            classroom_total(groups)))
    out += ["",
            "Add spares: two extra ESP32 boards, a few strips and a pack of fuses. A 30-port",
            "powered USB hub or charging station keeps the boards tidy while flashing",
            "(see [CLASSROOM.md](CLASSROOM.md)).", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
