"""Make one config.json per group for a class set of ESP32 kits.

    python3 -m artcast_hardware.classroom --groups 15 \\
        --wifi "Artcast Class" "class-password" --server http://10.42.0.1:8888 \\
        --out class-configs

writes class-configs/group-01.json ... group-15.json and class-list.md (a
table to print: group, board name, the key its strip follows, the key it
sends to). Each board gets:

- its own name on the network, `artcast-group-01` ...;
- its own key, `class/group-01` ...: the strip (GPIO16) shows the value
  0..100 as a colour and the servo (GPIO17) as an angle;
- the ESP32 kit's supply in a "power" block, so brightness is capped in
  software.

In the first lesson each group sends numbers to the *next* group's key
(group 15 to group 1), so every group moves another group's strip.
Flash them with firmware/micropython/deploy.py (see CLASSROOM.md).

>>> config_for(3, "Class", "password1", "http://10.42.0.1:8888")["outputs"][0]["key"]
'class/group-03'
"""

import argparse
import json
import os
import sys

from artcast_hardware.pinout import ESP32

KEY_PREFIX = "class/group-"
STRIP_PIXELS = 30
STRIP_BRIGHTNESS = 0.4
SUPPLY_AMPS = 2
DEFAULT_SERVER = "http://10.42.0.1:8888"      # the Pi's address on its own hotspot
PALETTE = ["#0000ff", "#00ffff", "#00ff00", "#ffff00", "#ff0000"]


def group_name(n):
    return "%02d" % n


def group_key(n):
    return KEY_PREFIX + group_name(n)


def next_group(n, groups):
    return n % groups + 1


def config_for(n, ssid, password, server):
    """config.json for group n (a dict)."""
    key = group_key(n)
    return {
        "name": "group %s" % group_name(n),
        "hostname": "artcast-group-%s" % group_name(n),
        "wifi": {"ssid": ssid, "password": password},
        "server": server,
        "power": {"supply_volts": 5, "supply_amps": SUPPLY_AMPS},
        "outputs": [
            {"name": "strip", "key": key,
             "device": {"type": "neopixel", "pin": ESP32["neopixel"].gpio, "count": STRIP_PIXELS,
                        "brightness": STRIP_BRIGHTNESS},
             "mapping": {"type": "gradient", "from": [0, 100], "palette": PALETTE},
             "motion": {"fade": 0.5},
             "on_disconnect": {"action": "hold", "status_pixel": {"index": 0, "colour": "#ff0000"}}},
            {"name": "servo", "key": key,
             "device": {"type": "servo", "pin": ESP32["servo"].gpio},
             "mapping": {"type": "linear", "from": [0, 100]},
             "motion": {"slew": 90},
             "on_disconnect": "hold"},
        ],
    }


def class_list(groups, server):
    lines = ["# Class list", "",
             "Server: %s (see it in a browser: %s/artcasts)" % (server, server), "",
             "| Group | Board name | Our strip follows | We send to |",
             "| --- | --- | --- | --- |"]
    for n in range(1, groups + 1):
        lines.append("| %s | artcast-group-%s | `%s` | `%s` |"
                     % (group_name(n), group_name(n), group_key(n), group_key(next_group(n, groups))))
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m artcast_hardware.classroom",
                                description="Write one ESP32 config.json per group.")
    p.add_argument("--groups", type=int, required=True, help="number of groups (1-99)")
    p.add_argument("--wifi", nargs=2, metavar=("SSID", "PASSWORD"), required=True,
                   help="the classroom Wi-Fi (e.g. the Pi's hotspot)")
    p.add_argument("--server", default=DEFAULT_SERVER,
                   help="server URL (default: the Pi hotspot's address, which never changes)")
    p.add_argument("--out", default="class-configs", help="folder to write (default class-configs)")
    args = p.parse_args(argv)
    if not 1 <= args.groups <= 99:
        p.error("--groups must be 1 to 99 (got %d)" % args.groups)
    ssid, password = args.wifi
    if not 1 <= len(ssid) <= 32:
        p.error("--wifi SSID must be 1 to 32 characters")
    if password and not 8 <= len(password) <= 64:
        p.error("--wifi PASSWORD must be 8 to 64 characters (or \"\" for an open network)")
    from artcast_core.http import parse_url
    try:
        parse_url(args.server)
    except ValueError as e:
        p.error("--server: %s" % e)
    os.makedirs(args.out, exist_ok=True)
    for n in range(1, args.groups + 1):
        path = os.path.join(args.out, "group-%s.json" % group_name(n))
        with open(path, "w", encoding="utf-8") as f:
            json.dump(config_for(n, ssid, password, args.server), f, indent=2)
            f.write("\n")
    with open(os.path.join(args.out, "class-list.md"), "w", encoding="utf-8") as f:
        f.write(class_list(args.groups, args.server))
    print("wrote %d configs and class-list.md to %s" % (args.groups, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
