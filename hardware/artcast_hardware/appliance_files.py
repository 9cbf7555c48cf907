r"""The text of every file the appliance setup writes, as pure functions.

Kept apart from the code that writes them so tests (and `systemd-analyze
verify`) can look at exactly what a Pi would get.

    >>> hosts_text("127.0.0.1 localhost\n127.0.1.1 raspberrypi\n", "artcast")
    '127.0.0.1 localhost\n127.0.1.1\tartcast\n'
"""

PREFIX = "/opt/artcast"
VENV = PREFIX + "/venv"
CONFIG_DIR = "/etc/artcast"
PIECE_PATH = CONFIG_DIR + "/piece.json"
SERVER_ENV = "/etc/default/artcast-server"
SERVER_UNIT = "/etc/systemd/system/artcast-server.service"
KINETIC_UNIT = "/etc/systemd/system/artcast-kinetic.service"
HOTSPOT_NAME = "artcast-hotspot"
HOTSPOT_FILE = "/etc/NetworkManager/system-connections/%s.nmconnection" % HOTSPOT_NAME
# NetworkManager's "shared" mode gives the Pi this address on its hotspot
# and hands out 10.42.0.x to everyone who joins.
HOTSPOT_ADDRESS = "10.42.0.1"
USER = "artcast"
DEFAULT_PORT = 8888

HEADER = "# Written by hardware/appliance/setup.sh (Artcast). Run it again rather than editing.\n"


def server_env_text(port, hotspot):
    """/etc/default/artcast-server: the server's options, one place to edit.

    On a hotspot there is no default route, so multicast must be told which
    interface to listen on: the hotspot's own address.

    >>> "--multicast-interface 10.42.0.1" in server_env_text(8888, True)
    True
    """
    args = ["--host", "0.0.0.0", "--client-port", str(port), "--state-file", "/var/lib/artcast/state.json"]
    if hotspot:
        args += ["--multicast-interface", HOTSPOT_ADDRESS]
    return (HEADER +
            "# Options for artcast-server (see: artcast-server --help).\n"
            "ARTCAST_SERVER_ARGS=\"%s\"\n" % " ".join(args))


def server_unit_text(port):
    """systemd unit for the server: starts at boot, restarts on failure,
    runs as the unprivileged `artcast` user (port 80 works through a
    capability, never as root)."""
    low_port = port < 1024
    return HEADER + "\n".join([
        "[Unit]",
        "Description=Artcast server (live data for physical things)",
        "Wants=network-online.target",
        "After=network-online.target",
        "# Never give up: at boot the network (or the hotspot) may come up late.",
        "StartLimitIntervalSec=0",
        "",
        "[Service]",
        "Type=simple",
        "User=%s" % USER,
        "Group=%s" % USER,
        "EnvironmentFile=%s" % SERVER_ENV,
        "ExecStart=%s/bin/artcast-server $ARTCAST_SERVER_ARGS" % VENV,
        "Restart=on-failure",
        "RestartSec=3",
        "# Exit 2 is a bad option: restarting cannot fix it.",
        "RestartPreventExitStatus=2",
        "StateDirectory=artcast",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
    ] + (["AmbientCapabilities=CAP_NET_BIND_SERVICE",
          "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"] if low_port else
         ["CapabilityBoundingSet="]) + [
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ])


def kinetic_unit_text(as_root, why):
    """systemd unit for a kinetic piece. `as_root` only when the hardware
    needs it (NeoPixel on a Pi 1-4 writes /dev/mem); `why` says so in the
    file."""
    user = "root" if as_root else USER
    lines = [
        "[Unit]",
        "Description=Artcast kinetic piece (%s)" % PIECE_PATH,
        "Wants=network-online.target",
        "After=network-online.target artcast-server.service",
        "StartLimitIntervalSec=0",
        "",
        "[Service]",
        "Type=simple",
        "# Runs as %s: %s" % (user, why),
        "User=%s" % user,
        "ExecStart=%s/bin/artcast-kinetic %s" % (VENV, PIECE_PATH),
        "Restart=on-failure",
        "RestartSec=5",
        "# Exit 2 is a bad piece file, 3 missing hardware libraries: restarting cannot fix them.",
        "RestartPreventExitStatus=2 3",
        "# SIGTERM parks the outputs: LEDs off, servos released.",
        "KillSignal=SIGTERM",
        "TimeoutStopSec=10",
        "ProtectHome=yes",
        "PrivateTmp=yes",
    ]
    if not as_root:
        lines.append("NoNewPrivileges=yes")
    lines += ["", "[Install]", "WantedBy=multi-user.target", ""]
    return HEADER + "\n".join(lines)


def hotspot_text(ssid, password):
    """NetworkManager keyfile: the Pi as a Wi-Fi access point ("shared"
    mode: NetworkManager runs DHCP for the clients). Bookworm's Pi OS uses
    NetworkManager; the file is what `nmcli con add type wifi mode ap` makes.

    >>> "ssid=Gallery" in hotspot_text("Gallery", "secret123")
    True
    """
    return "\n".join([
        "[connection]",
        "id=%s" % HOTSPOT_NAME,
        "type=wifi",
        "interface-name=wlan0",
        "autoconnect=true",
        "autoconnect-priority=100",
        "",
        "[wifi]",
        "mode=ap",
        "band=bg",
        "ssid=%s" % ssid,
        "",
        "[wifi-security]",
        "key-mgmt=wpa-psk",
        "proto=rsn",
        "pairwise=ccmp",
        "group=ccmp",
        "psk=%s" % password,
        "",
        "[ipv4]",
        "method=shared",
        "address1=%s/24" % HOTSPOT_ADDRESS,
        "",
        "[ipv6]",
        "method=ignore",
        "",
    ])


def hotspot_problem(ssid, password):
    """Why an SSID/password pair cannot work, or None.

    >>> hotspot_problem("Gallery", "short")
    'hotspot password must be 8 to 63 characters (got 5)'
    """
    if not 1 <= len(ssid.encode("utf-8")) <= 32:
        return "hotspot name (SSID) must be 1 to 32 bytes (got %d)" % len(ssid.encode("utf-8"))
    if not 8 <= len(password) <= 63:
        return "hotspot password must be 8 to 63 characters (got %d)" % len(password)
    for ch in ssid + password:
        if ch in "\n\r" or ord(ch) < 32:
            return "hotspot name and password cannot contain control characters"
    return None


def hostname_text(name):
    return name + "\n"


def hosts_text(current, name):
    """/etc/hosts with the 127.0.1.1 line naming this host (added if missing)."""
    lines = current.splitlines()
    out = []
    done = False
    for line in lines:
        if line.split() and line.split()[0] == "127.0.1.1":
            if not done:
                out.append("127.0.1.1\t%s" % name)
                done = True
            continue
        out.append(line)
    if not done:
        out.append("127.0.1.1\t%s" % name)
    return "\n".join(out) + "\n"


def boot_config_text(current, settings):
    """config.txt with each "dtparam=NAME=VALUE" of `settings` set: an
    existing line for NAME is replaced, a missing one appended.

    >>> boot_config_text("dtparam=audio=on\\n", [("audio", "off")])
    'dtparam=audio=off\\n'
    """
    lines = current.splitlines()
    for name, value in settings:
        want = "dtparam=%s=%s" % (name, value)
        prefix = "dtparam=%s=" % name
        found = False
        for i, line in enumerate(lines):
            if line.strip().startswith(prefix):
                lines[i] = want
                found = True
        if not found:
            lines.append(want)
    return "\n".join(lines) + "\n"
