"""Render every wiring diagram to SVG, from the pin table in
artcast_hardware/pinout.py (so a diagram cannot disagree with the pins the
example piece files use).

    python3 hardware/diagrams/generate.py            # writes hardware/diagrams/*.svg
    python3 hardware/diagrams/generate.py --out DIR  # somewhere else

Needs `pip install schemdraw` (pure Python, no matplotlib needed) and the
installed project (run it with .venv's python, or after `. .venv/bin/activate`).
`parts.py` beside this script is found because Python puts a script's own
folder first on its path. Commit the SVGs too, so the guides show them on
any Git host.
"""

import argparse
import os
import sys

import schemdraw

from artcast_hardware.pinout import ESP32, PCA9685_CHANNEL, PI, PI_POWER
from parts import (DATA, GROUND, POWER, SERVO_COLOURS, board, capacitor,
                   drawing, fuse, level_shifter, resistor, supply, text, wire)

HERE = os.path.dirname(os.path.abspath(__file__))


RENDERED_WITH = "rendered-with.txt"


def pi_pin(name):
    """("GPIO18", "12") for the board box: name inside, header pin outside."""
    p = PI[name]
    return (p.name(), str(p.physical))


def esp_pin(name):
    return (ESP32[name].name(), "")


def jog(d, start, end, color, label=None, x=None):
    """Horizontal wire from start to end with one vertical step at x."""
    if abs(start[1] - end[1]) < 1e-6:
        wire(d, [start, end], color, label=label)
        return
    mid = (start[0] + end[0]) / 2.0 if x is None else x
    wire(d, [start, (mid, start[1]), (mid, end[1]), end], color, label=label)


def strip_with_power(d, controller_data, gnd_points, title, supply_label, fuse_label,
                     strip_x=15.0):
    """Everything right of the controller for a NeoPixel strip: level
    shifter, 330 ohm resistor, strip, supply, fuse, capacitor, ground rail.

    controller_data: the controller's data pin position.
    gnd_points: controller GND pin positions (joined to the ground rail).
    """
    y_top, y_bot = 5.0, -3.6
    shifter = level_shifter(d, (5.5, 0.0), align=("1A", controller_data[1]))
    strip = board(d, title, (strip_x, 0.0), (2.8, 3.0),
                  left=[("+5V", ""), ("DIN", ""), ("GND", "")],
                  align=("DIN", shifter.pin("1Y")[1]),
                  note="arrow on the strip points away\nfrom DIN (data flows that way)")
    psu = supply(d, supply_label, (-7.0, y_top - 0.5))

    # +5 V: supply -> fuse -> top rail -> strip +5V
    plus = psu.pin("+")
    fuse(d, (plus[0] + 0.2, plus[1]), (plus[0] + 3.0, plus[1]), fuse_label)
    wire(d, [plus, (plus[0] + 0.2, plus[1])], POWER)
    rail_right = strip.pin("+5V")[0] - 1.2
    wire(d, [(plus[0] + 3.0, plus[1]), (rail_right, plus[1]), (rail_right, strip.pin("+5V")[1]),
             strip.pin("+5V")], POWER, label="+5 V", label_at=0)
    y_top = plus[1]
    vcc = shifter.pin("VCC")
    wire(d, [vcc, (vcc[0], y_top)], POWER, dots=[(vcc[0], y_top)])

    # capacitor across the strip's power, close to the strip
    cap_x = rail_right - 2.8
    capacitor(d, (cap_x, y_top), "1000 µF\n6.3 V or more")

    # ground rail: supply - -> bottom rail -> strip GND, with taps
    minus = psu.pin("−")
    gx = minus[0] + 0.6
    wire(d, [minus, (gx, minus[1]), (gx, y_bot), (rail_right, y_bot),
             (rail_right, strip.pin("GND")[1]), strip.pin("GND")], GROUND,
         label="GND (common)", label_at=2)
    gnd = shifter.pin("GND")
    wire(d, [gnd, (gnd[0], y_bot)], GROUND, dots=[(gnd[0], y_bot)])
    oe = shifter.pin("1OE")
    wire(d, [oe, (oe[0] - 0.5, oe[1]), (oe[0] - 0.5, y_bot)], GROUND, dots=[(oe[0] - 0.5, y_bot)])
    for i, p in enumerate(gnd_points):
        x = p[0] + 0.6 + 0.3 * i
        wire(d, [p, (x, p[1]), (x, y_bot)], GROUND, dots=[(x, y_bot)])

    # data: controller -> 1A ; 1Y -> 330 ohm -> DIN
    wire(d, [controller_data, shifter.pin("1A")], DATA, label="3.3 V data")
    out = shifter.pin("1Y")
    din = strip.pin("DIN")
    resistor(d, (out[0] + 0.3, out[1]), (out[0] + 2.8, out[1]), "330 Ω")
    wire(d, [out, (out[0] + 0.3, out[1])], DATA)
    wire(d, [(out[0] + 2.8, out[1]), din], DATA, label="5 V data")
    return y_bot


def pi_neopixel(path):
    d = drawing()
    pi = board(d, "Raspberry Pi", (-1.0, 0.0), (3.4, 2.4),
               right=[pi_pin("neopixel"), ("GND", str(PI_POWER["GND"]))],
               note="powered by its own USB supply;\nits 5V pins stay unconnected")
    y_bot = strip_with_power(d, pi.pin("GPIO18"), [pi.pin("GND")], "NeoPixel strip (WS2812B)",
                             "5 V supply\n(size: artcast power)", "fuse")
    text(d, (-8.5, y_bot - 1.2),
         "Data: Pi %s -> 74AHCT125 1A; 1Y -> 330 Ω -> strip DIN.   "
         "Grounds of Pi, shifter, supply and strip all joined." % PI["neopixel"].label())
    d.save(path)


def esp32_neopixel(path):
    d = drawing()
    esp = board(d, "ESP32 DevKit", (-1.0, 0.0), (3.4, 2.4),
                right=[esp_pin("neopixel"), ("GND", "")],
                note="powered by USB (or 5V/VIN from the\nstrip supply with USB unplugged)")
    y_bot = strip_with_power(d, esp.pin("GPIO16"), [esp.pin("GND")], "NeoPixel strip (WS2812B)",
                             "5 V supply\n(size: artcast power)", "fuse")
    text(d, (-8.5, y_bot - 1.2),
         "Data: ESP32 %s -> 74AHCT125 1A; 1Y -> 330 Ω -> strip DIN.   "
         "BOOT button (%s) on the board: setup mode." % (ESP32["neopixel"].name(),
                                                          ESP32["setup_button"].name()))
    d.save(path)


def servo_with_power(d, signal, gnd_points, servo_title, signal_name):
    """Servo on its own supply: fuse, capacitor, 1 k resistor, common GND."""
    y_top, y_bot = 4.6, -3.4
    servo = board(d, servo_title, (10.5, 0.0), (2.8, 2.6),
                  left=[("V+", "red"), ("SIG", "orange"), ("GND", "brown")],
                  align=("SIG", signal[1]),
                  note="lead colours: %s = signal,\n%s = V+, %s = GND"
                       % (SERVO_COLOURS["SIG"], SERVO_COLOURS["V+"], SERVO_COLOURS["GND"]))
    psu = supply(d, "5-6 V servo supply\n(NOT the Pi's 5V pin)", (-7.0, y_top - 0.5))
    plus = psu.pin("+")
    y_top = plus[1]
    wire(d, [plus, (plus[0] + 0.2, y_top)], POWER)
    fuse(d, (plus[0] + 0.2, y_top), (plus[0] + 3.0, y_top), "fuse")
    rail = servo.pin("V+")[0] - 1.2
    wire(d, [(plus[0] + 3.0, y_top), (rail, y_top), (rail, servo.pin("V+")[1]), servo.pin("V+")],
         POWER, label="+5-6 V", label_at=0)
    cap_x = rail - 2.8
    capacitor(d, (cap_x, y_top), "1000 µF\n10 V")
    minus = psu.pin("−")
    gx = minus[0] + 0.6
    wire(d, [minus, (gx, minus[1]), (gx, y_bot), (rail, y_bot), (rail, servo.pin("GND")[1]),
             servo.pin("GND")], GROUND, label="GND (common)", label_at=2)
    for i, p in enumerate(gnd_points):
        x = p[0] + 0.6 + 0.3 * i
        wire(d, [p, (x, p[1]), (x, y_bot)], GROUND, dots=[(x, y_bot)])
    start = (signal[0] + 0.4, signal[1])
    wire(d, [signal, start], DATA)
    resistor(d, start, (start[0] + 2.5, start[1]), "1 kΩ")
    wire(d, [(start[0] + 2.5, start[1]), servo.pin("SIG")], DATA, label=signal_name)
    return y_bot


def pi_servo(path):
    d = drawing()
    pi = board(d, "Raspberry Pi", (-1.0, 0.0), (3.4, 2.4),
               right=[pi_pin("servo"), ("GND", str(PI_POWER["GND"]))],
               note="powered by its own USB supply")
    y_bot = servo_with_power(d, pi.pin("GPIO12"), [pi.pin("GND")], "Servo (SG90 / MG996R)", "")
    text(d, (-8.5, y_bot - 1.2),
         "Signal: Pi %s (hardware PWM0) -> 1 kΩ -> servo signal.   "
         "3.3 V signal is enough for hobby servos." % PI["servo"].label())
    d.save(path)


def esp32_servo(path):
    d = drawing()
    esp = board(d, "ESP32 DevKit", (-1.0, 0.0), (3.4, 2.4),
                right=[esp_pin("servo"), ("GND", "")],
                note="powered by USB")
    y_bot = servo_with_power(d, esp.pin("GPIO17"), [esp.pin("GND")], "Servo (SG90 / MG996R)", "")
    text(d, (-8.5, y_bot - 1.2),
         "Signal: ESP32 %s (50 Hz PWM) -> 1 kΩ -> servo signal.   "
         "Never power a servo from the ESP32's 3V3 pin." % ESP32["servo"].name())
    d.save(path)


def pi_pca9685(path):
    d = drawing()
    y_bot = -4.4
    pi = board(d, "Raspberry Pi", (-1.0, 0.0), (3.6, 3.4),
               right=[("3V3", str(PI_POWER["3V3"])), pi_pin("i2c_sda"), pi_pin("i2c_scl"),
                      ("GND", str(PI_POWER["GND"]))],
               note="turn on I2C once: sudo raspi-config\n(Interface Options -> I2C)")
    pca = board(d, "PCA9685 16-channel servo board", (6.5, 0.0), (3.4, 3.4),
                left=[("VCC", ""), ("SDA", ""), ("SCL", ""), ("GND", "")],
                right=[("CH%d PWM" % PCA9685_CHANNEL, ""), ("CH%d V+" % PCA9685_CHANNEL, ""),
                       ("CH%d GND" % PCA9685_CHANNEL, "")],
                top=[("V+", "")], title_below=True,
                align=("VCC", pi.pin("3V3")[1]),
                note="address 0x40 (no jumpers soldered);\nV+ is the screw terminal;\n"
                     "servo plugs into channel %d,\nbrown wire on the GND row" % PCA9685_CHANNEL)
    servo = board(d, "Servo", (13.5, 0.0), (2.4, 3.4),
                  left=[("SIG", "orange"), ("V+", "red"), ("GND", "brown")],
                  align=("SIG", pca.pin("CH%d PWM" % PCA9685_CHANNEL)[1]))
    # logic side: straight across
    wire(d, [pi.pin("3V3"), pca.pin("VCC")], POWER, label="3.3 V logic")
    wire(d, [pi.pin("GPIO2"), pca.pin("SDA")], DATA, label="SDA")
    wire(d, [pi.pin("GPIO3"), pca.pin("SCL")], DATA, label="SCL")
    wire(d, [pi.pin("GND"), pca.pin("GND")], GROUND)
    # servo plugged into channel 0 (the header carries V+ and GND from the terminal)
    ch = "CH%d " % PCA9685_CHANNEL
    for pin, sv, colour in ((ch + "PWM", "SIG", DATA), (ch + "V+", "V+", POWER), (ch + "GND", "GND", GROUND)):
        end = servo.pin(sv)
        start = pca.pin(pin)
        wire(d, [start, (end[0], start[1])], colour)
    # servo supply into the V+ screw terminal, fuse and capacitor
    vplus = pca.pin("V+")
    y_top = vplus[1] + 2.0
    psu = supply(d, "5-6 V servo supply\n(size: artcast power)", (-7.5, y_top - 0.5),
                 )
    plus = psu.pin("+")
    y_top = plus[1]
    wire(d, [plus, (plus[0] + 0.2, y_top)], POWER)
    fuse(d, (plus[0] + 0.2, y_top), (plus[0] + 3.0, y_top), "fuse")
    wire(d, [(plus[0] + 3.0, y_top), (vplus[0], y_top), vplus], POWER, label="+5-6 V servo power")
    cap_x = vplus[0] + 2.4
    wire(d, [(vplus[0], y_top), (cap_x, y_top)], POWER, dots=[(vplus[0], y_top)])
    capacitor(d, (cap_x, y_top), "1000 µF 10 V\n(or the pads\non the board)", length=1.6)
    minus = psu.pin("−")
    gx = minus[0] + 0.6
    pg = pi.pin("GND")
    tap = pg[0] + 1.0
    wire(d, [minus, (gx, minus[1]), (gx, y_bot), (tap, y_bot), (tap, pg[1])], GROUND,
         label="GND (common)", label_at=2, dots=[(tap, pg[1])])
    text(d, (-8.5, y_bot - 1.2),
         "I2C: SDA %s, SCL %s; board logic from 3V3 (pin %d); servo on channel %d.   "
         "Servo power only through the V+ terminal." % (PI["i2c_sda"].label(), PI["i2c_scl"].label(),
                                                         PI_POWER["3V3"], PCA9685_CHANNEL))
    d.save(path)


def pi_inputs(path):
    d = drawing()
    pi = board(d, "Raspberry Pi", (0.0, 0.0), (3.6, 3.8),
               right=[("5V", str(PI_POWER["5V"])), pi_pin("pir"), ("GND", str(PI_POWER["GND"])),
                      pi_pin("button"), ("GND ", "9")],
               note="button uses the Pi's internal\npull-up: no resistor needed")
    pir = board(d, "PIR motion sensor\n(HC-SR501)", (9.0, 2.2), (2.8, 2.2),
                left=[("VCC", ""), ("OUT", ""), ("GND", "")],
                note="its OUT is 3.3 V: safe for the Pi")
    # PIR: 5V -> VCC, GPIO4 -> OUT, GND
    wire(d, [pi.pin("5V"), (4.0, pi.pin("5V")[1]), (4.0, pir.pin("VCC")[1]), pir.pin("VCC")], POWER,
         label="5 V")
    wire(d, [pi.pin("GPIO4"), (4.8, pi.pin("GPIO4")[1]), (4.8, pir.pin("OUT")[1]), pir.pin("OUT")], DATA,
         label="signal")
    wire(d, [pi.pin("GND"), (5.6, pi.pin("GND")[1]), (5.6, pir.pin("GND")[1]), pir.pin("GND")], GROUND)
    # button between GPIO17 and GND (pin 9, next to it): the internal pull-up holds it high
    b = pi.pin("GPIO17")
    g = pi.pin("GND ")
    import schemdraw.elements as elm
    d.add(elm.Button().at((b[0] + 4.0, b[1])).to((b[0] + 6.5, b[1])).label("button", fontsize=10))
    wire(d, [b, (b[0] + 4.0, b[1])], DATA, label="GPIO17")
    wire(d, [(b[0] + 6.5, b[1]), (b[0] + 7.3, b[1]), (b[0] + 7.3, g[1]), g], GROUND, label="GND",
         label_at=2)
    text(d, (-2.0, -3.6),
         "Button: %s to GND (pin 9).   PIR: OUT to %s, VCC to 5V (pin %d), GND (pin %d)."
         % (PI["button"].label(), PI["pir"].label(), PI_POWER["5V"], PI_POWER["GND"]))
    d.save(path)


DIAGRAMS = {
    "pi-neopixel.svg": pi_neopixel,
    "pi-servo.svg": pi_servo,
    "pi-pca9685.svg": pi_pca9685,
    "pi-inputs.svg": pi_inputs,
    "esp32-neopixel.svg": esp32_neopixel,
    "esp32-servo.svg": esp32_servo,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Render the Artcast wiring diagrams to SVG.")
    parser.add_argument("--out", default=HERE, help="directory for the SVG files (default: here)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for name in sorted(DIAGRAMS):
        path = os.path.join(args.out, name)
        DIAGRAMS[name](path)
        print("wrote %s" % path)
    # Other schemdraw versions lay out text slightly differently; the test
    # compares byte for byte only under the version recorded here.
    with open(os.path.join(args.out, RENDERED_WITH), "w") as f:
        f.write("schemdraw %s\n" % schemdraw.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
