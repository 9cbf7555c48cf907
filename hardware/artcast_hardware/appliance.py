"""Make a Raspberry Pi an Artcast appliance with one command.

On a fresh Raspberry Pi OS Lite (Bookworm), from a checkout of this repo:

    sudo hardware/appliance/setup.sh
    sudo hardware/appliance/setup.sh --piece my-piece.json
    sudo hardware/appliance/setup.sh --hotspot "Artcast Gallery" "long-password"
    hardware/appliance/setup.sh --dry-run            # say what would change

It installs the server (and a kinetic piece, if given) as systemd services
that start at boot and restart on failure, running as the unprivileged
user `artcast`; names the Pi `artcast` so everyone reaches it as
http://artcast.local:8888; and optionally makes the Pi its own Wi-Fi
hotspot. Running it again changes nothing and says so.

`--root DIR` acts on a directory instead of the running system (files,
user and enabled units are made under DIR; apt, pip and service restarts
are listed but not run): that is how the tests check it.
"""

import hashlib
import os
import socket
import subprocess

from artcast_hardware import appliance_files as files
from artcast_hardware.appliance_steps import (
    EnableUnit, EnsureGroups, EnsureUser, LiveCommand, SetupError, WriteFile, unit_inactive)

PACKAGES = ["python3-venv", "python3-pip", "avahi-daemon", "libnss-mdns"]
HARDWARE_GROUPS = ["gpio", "i2c", "spi"]
BOOT_CONFIGS = ["/boot/firmware/config.txt", "/boot/config.txt"]
INSTALL_MARKER = files.PREFIX + "/installed-from"
I2C_MODULES = "/etc/modules-load.d/artcast-i2c.conf"
SOURCE_DIRS = ["clients", "server", "sources", "hardware/artcast_hardware"]


def source_id(source):
    """A fingerprint of the code to install: reinstall only when it changed."""
    h = hashlib.sha256()
    paths = []
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(source, top)):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            paths += [os.path.join(dirpath, f) for f in filenames if f.endswith(".py")]
    for extra in ("pyproject.toml", "setup.cfg"):
        if os.path.exists(os.path.join(source, extra)):
            paths.append(os.path.join(source, extra))
    for path in sorted(paths):
        h.update(os.path.relpath(path, source).encode() + b"\0")
        with open(path, "rb") as f:
            h.update(f.read() + b"\0")
    return h.hexdigest()[:16]


def missing_packages(target):
    missing = []
    for name in PACKAGES:
        try:
            result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name],
                                    capture_output=True, text=True)
        except OSError:          # not a Debian system: apt-get will say so
            return list(PACKAGES)
        if "install ok installed" not in result.stdout:
            missing.append(name)
    return missing


def pi_model(target):
    text = target.read("/proc/device-tree/model")
    return text.rstrip("\0\n") if text else None


def pi_extra(model):
    """The hardware extra for this Pi: the Pi 5 needs its own GPIO and
    NeoPixel libraries ([pi5]); every other model takes [pi]. (run.py's
    `install --pi` applies the same rule; a test holds them equal.)

    >>> pi_extra("Raspberry Pi 5 Model B Rev 1.0"), pi_extra("Raspberry Pi 4 Model B Rev 1.4")
    ('pi5', 'pi')
    """
    return "pi5" if model and "Raspberry Pi 5" in model else "pi"


def kinetic_user(piece, model):
    """(as_root, why) for the kinetic service.

    NeoPixel strips on a Pi 1-4 are driven by the PWM/DMA hardware through
    /dev/mem, which only root may open; everything else runs as `artcast`.
    """
    strips = [o for o in piece["outputs"] if o["device"]["type"] == "neopixel"]
    if not strips:
        return False, "no NeoPixel outputs, so the gpio/i2c/spi groups are enough"
    if model and "Raspberry Pi 5" in model:
        return False, "a Pi 5 drives NeoPixels through its RP1 PIO, no /dev/mem needed"
    return True, ("NeoPixel strips on %s use the PWM/DMA hardware through /dev/mem, "
                  "which needs root" % (model or "a Pi 1-4"))


def boot_settings(piece):
    settings = []
    if piece is None:
        return settings
    kinds = [o["device"] for o in piece["outputs"]]
    if any(d["type"] == "servo" and d.get("pca9685") for d in kinds):
        settings.append(("i2c_arm", "on"))
    if any(d["type"] == "neopixel" for d in kinds):
        # the strip driver on GPIO18 shares the PWM with the analogue audio
        settings.append(("audio", "off"))
    return settings


def build_plan(opts, target):
    """The ordered list of steps for these options."""
    steps = []
    # A fresh image may have no package lists yet: update first, and only
    # when something is missing (so a second run needs no network).
    steps.append(LiveCommand(
        ["apt-get", "update"], "update the package lists (something is missing)",
        check=lambda t: bool(missing_packages(t))))
    steps.append(LiveCommand(
        ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y"] + PACKAGES,
        "install packages: %s" % ", ".join(PACKAGES),
        check=lambda t: bool(missing_packages(t))))
    steps.append(EnsureUser(files.USER, "/var/lib/artcast"))
    if opts.piece_data is not None:
        steps.append(EnsureGroups(files.USER, HARDWARE_GROUPS))
    steps.append(LiveCommand(
        ["python3", "-m", "venv", files.VENV], "create the Python environment %s" % files.VENV,
        check=lambda t: not os.path.exists(t.path(files.VENV + "/bin/python"))))
    model = pi_model(target)
    # a piece drives hardware: the extra follows the Pi model in the device tree
    extra = "[%s]" % pi_extra(model) if opts.piece_data is not None else ""
    installed = opts.source_id + extra + "\n"
    install = LiveCommand(
        [files.VENV + "/bin/pip", "install", "--upgrade", opts.source + extra],
        "install Artcast%s from %s into %s%s" % (extra, opts.source, files.VENV,
                                                  " (%s)" % model if extra and model else ""),
        check=lambda t: t.read(INSTALL_MARKER) != installed)
    steps.append(install)
    marker = WriteFile(INSTALL_MARKER, installed, why="remember what was installed")
    marker.live_only = True     # only true once pip really ran
    steps.append(marker)

    server_files = [
        WriteFile(files.SERVER_ENV, files.server_env_text(opts.port, opts.hotspot is not None),
                  why="server options"),
        WriteFile(files.SERVER_UNIT, files.server_unit_text(opts.port), why="server service"),
    ]
    steps += server_files
    kinetic_files = []
    if opts.piece_data is not None:
        as_root, why = kinetic_user(opts.piece_data, model)
        kinetic_files = [
            WriteFile(files.PIECE_PATH, opts.piece_text, why="the piece"),
            WriteFile(files.KINETIC_UNIT, files.kinetic_unit_text(as_root, why),
                      why="kinetic service, runs as %s" % ("root" if as_root else files.USER)),
        ]
        steps += kinetic_files

    hostname_files = [
        WriteFile("/etc/hostname", files.hostname_text(opts.hostname), why="name: %s" % opts.hostname),
        WriteFile("/etc/hosts", files.hosts_text(target.read("/etc/hosts", ""), opts.hostname)),
    ]
    steps += hostname_files
    steps.append(LiveCommand(
        ["hostnamectl", "set-hostname", opts.hostname],
        "rename the running system to %s (reachable as %s.local)" % (opts.hostname, opts.hostname),
        check=lambda t: socket.gethostname() != opts.hostname))

    settings = boot_settings(opts.piece_data)
    for path in BOOT_CONFIGS:
        current = target.read(path)
        if current is not None and settings:
            steps.append(WriteFile(path, files.boot_config_text(current, settings),
                                   why="%s; takes effect after a reboot"
                                   % ", ".join("%s=%s" % s for s in settings)))
            break
    if ("i2c_arm", "on") in settings:
        # /dev/i2c-1 only exists with the i2c-dev module loaded
        modules = WriteFile(I2C_MODULES, "i2c-dev\n", why="load i2c-dev at boot for the PCA9685")
        steps.append(modules)
        steps.append(LiveCommand(["modprobe", "i2c-dev"], "load i2c-dev now", follows=[modules]))

    if opts.hotspot is not None:
        ssid, password = opts.hotspot
        keyfile = WriteFile(files.HOTSPOT_FILE, files.hotspot_text(ssid, password), mode=0o600,
                            why="Wi-Fi hotspot %r, the Pi at %s" % (ssid, files.HOTSPOT_ADDRESS))
        steps.append(keyfile)
        steps.append(LiveCommand(["nmcli", "connection", "reload"],
                                 "reload NetworkManager connections", follows=[keyfile]))
        steps.append(LiveCommand(["nmcli", "connection", "up", files.HOTSPOT_NAME],
                                 "start the hotspot", follows=[keyfile]))

    steps.append(EnableUnit("artcast-server.service"))
    if opts.piece_data is not None:
        steps.append(EnableUnit("artcast-kinetic.service"))
    unit_files = [s for s in server_files + kinetic_files if s.path.endswith(".service")]
    steps.append(LiveCommand(["systemctl", "daemon-reload"], "reload systemd units",
                             follows=unit_files))
    steps.append(LiveCommand(["systemctl", "restart", "artcast-server.service"],
                             "(re)start the server", follows=[install] + server_files,
                             check=unit_inactive("artcast-server.service")))
    if opts.piece_data is not None:
        steps.append(LiveCommand(["systemctl", "restart", "artcast-kinetic.service"],
                                 "(re)start the kinetic piece", follows=[install] + kinetic_files,
                                 check=unit_inactive("artcast-kinetic.service")))
    steps.append(LiveCommand(["systemctl", "restart", "avahi-daemon.service"],
                             "announce the new name on the network", follows=hostname_files))
    return steps


def execute(steps, target, dry_run):
    """Run (or, dry, only check) the steps; return [(status, description)].

    status: "changed" / "would change" / "ok" (nothing to do) /
    "skipped" (live-only step under --root).
    """
    results = []
    changed = set()
    for step in steps:
        if isinstance(step, LiveCommand) and step.follows:
            step.triggered = any(id(s) in changed for s in step.follows)
        if step.live_only and not target.live:
            if isinstance(step, LiveCommand) and step.check is None and not step.triggered:
                results.append(("ok", step.description))
            else:
                results.append(("skipped", step.description + " (only on the running Pi)"))
            continue
        if not step.needed(target):
            results.append(("ok", step.description))
            continue
        changed.add(id(step))
        if dry_run:
            results.append(("would change", step.description))
            continue
        try:
            step.apply(target)
        except (SetupError, OSError) as e:
            error = SetupError("could not %s: %s" % (step.description, e))
            error.results = results
            raise error
        results.append(("changed", step.description))
    return results
