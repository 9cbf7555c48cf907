#!/usr/bin/env python3
"""The two commands a fresh clone needs (only python3 required):

    python3 run.py demo    set up, then run a server and the test sources on
                           this machine only (loopback), and print the URL
    python3 run.py test    set up, then run the whole test suite

Both create ./.venv and install the project into it; they re-install only
when pyproject.toml changes. `test` also installs the Debian packages the
tests drive (Chromium, a C++ compiler, ...) when run as root with apt-get.
"""

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
    "/usr/sbin/haproxy": "haproxy",
    "/usr/sbin/nats-server": "nats-server",  # tests/deploy: NATS as a backbone
    "/usr/sbin/nft": "nftables",             # tests/deploy: datagram loss at one server
    "/usr/sbin/ip": "iproute2",              # tests/deploy: hosts in network namespaces
    "/usr/sbin/mosquitto": "mosquitto",      # the MQTT bridge, against a real broker
}


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


def demo(argv):
    python = install("daemon")
    server = [os.path.join(BIN, "artcast-server"), "--host", "127.0.0.1", "--client-port", "8888",
              "--multicast-interface", "127.0.0.1"] + argv
    sources = [python, os.path.join(HERE, "sources", "test-sources.py"),
               "--multicast-interface", "127.0.0.1", "--ttl", "0"]
    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    procs = [subprocess.Popen(server)]
    time.sleep(0.8)
    if procs[0].poll() is not None:
        return procs[0].returncode
    procs.append(subprocess.Popen(sources))
    say("Artcast is running on this machine only (multicast on loopback, TTL 0).")
    say("Open  http://127.0.0.1:8888/artcasts/test/tick  in a browser, or:")
    say("      curl http://127.0.0.1:8888/artcasts/test/tick")
    say("Ctrl-C stops the server and the test sources.")
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
    return 0


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test"):
        print(__doc__)
        return 2
    return {"demo": demo, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
