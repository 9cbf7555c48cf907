# The Pi appliance setup, run for real against a throwaway root directory
# (--root DIR): files, the `artcast` user (useradd --root), enabled units
# (systemctl --root), the dry-run plan, idempotence, change detection,
# systemd-analyze verify on the units it writes, and clear errors.

import json
import os
import shutil
import subprocess
import sys

import pytest

from artcast_hardware import appliance_cli
from artcast_hardware.appliance import build_plan, execute
from artcast_hardware.appliance_steps import SetupError, Target

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETUP_SH = os.path.join(REPO, "hardware", "appliance", "setup.sh")

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="useradd/systemctl --root need root")

PIECE = {
    "server": "http://localhost:8888",
    "power": {"supply_volts": 5, "supply_amps": 4},
    "outputs": [
        {"key": "test/tick", "device": {"type": "neopixel", "pin": 18, "count": 30, "brightness": 0.5},
         "mapping": {"type": "bar", "from": [0, 60]}},
        {"key": "test/tick", "device": {"type": "servo", "pca9685": {"channel": 0}},
         "mapping": {"type": "linear", "from": [0, 60]}},
    ],
}
SERVO_ONLY = {
    "server": "http://localhost:8888",
    "outputs": [{"key": "test/tick", "device": {"type": "servo", "pin": 12},
                 "mapping": {"type": "linear", "from": [0, 60]}}],
}


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def read(root, path):
    with open(os.path.join(root, path.lstrip("/"))) as f:
        return f.read()


@pytest.fixture
def root(tmp_path):
    """A fresh Raspberry Pi OS Lite, as far as the setup can tell."""
    r = str(tmp_path / "root")
    write(r + "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000::/home/pi:/bin/bash\n")
    write(r + "/etc/group", "root:x:0:\ngpio:x:997:pi\ni2c:x:998:pi\nspi:x:999:pi\npi:x:1000:\n")
    write(r + "/etc/shadow", "root:*:19000:0:99999:7:::\n", 0o640)
    write(r + "/etc/gshadow", "root:*::\n", 0o640)
    write(r + "/etc/hostname", "raspberrypi\n")
    write(r + "/etc/hosts", "127.0.0.1\tlocalhost\n::1\t\tlocalhost\n127.0.1.1\traspberrypi\n")
    write(r + "/boot/firmware/config.txt", "# pi config\ndtparam=audio=on\n[all]\n")
    write(r + "/proc/device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\0")
    return r


def piece_file(tmp_path, piece=PIECE, name="piece.json"):
    path = tmp_path / name
    path.write_text(json.dumps(piece))
    return str(path)


def setup(root, *args, expect=0):
    """Run setup.sh as a user would; return its JSON report."""
    result = subprocess.run([SETUP_SH, "--root", root, "--json"] + list(args),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == expect, result.stdout + result.stderr
    return json.loads(result.stdout)


def statuses(report):
    return {s["step"]: s["status"] for s in report["steps"]}


def snapshot(root):
    found = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            found[p] = open(p, "rb").read() if not os.path.islink(p) else os.readlink(p)
    return found


def test_dry_run_plans_everything_and_touches_nothing(root, tmp_path):
    before = snapshot(root)
    report = setup(root, "--dry-run", "--piece", piece_file(tmp_path), "--hotspot", "Gallery", "password123")
    assert snapshot(root) == before
    plan = statuses(report)
    would = [s for s, v in plan.items() if v == "would change"]
    for words in ("create system user 'artcast'", "/etc/systemd/system/artcast-server.service",
                  "/etc/systemd/system/artcast-kinetic.service", "/etc/artcast/piece.json",
                  "/etc/hostname", "/etc/hosts", "artcast-hotspot.nmconnection",
                  "/boot/firmware/config.txt", "enable artcast-server.service",
                  "enable artcast-kinetic.service"):
        assert any(words in s for s in would), words
    # apt, pip and restarts are for the running Pi only
    skipped = [s for s, v in plan.items() if v == "skipped"]
    assert any("install packages" in s for s in skipped)
    assert any("(re)start the server" in s for s in skipped)
    assert report["summary"].startswith("Dry run: %d change(s)" % len(would))


@needs_root
def test_first_run_sets_up_the_appliance(root, tmp_path):
    report = setup(root, "--piece", piece_file(tmp_path), "--hotspot", "Gallery", "password123")
    assert report["error"] is None
    assert "changed" in statuses(report).values()

    passwd = read(root, "/etc/passwd")
    line = [l for l in passwd.splitlines() if l.startswith("artcast:")][0]
    assert line.endswith(":/var/lib/artcast:/usr/sbin/nologin")
    assert int(line.split(":")[2]) < 1000                      # a system user
    for group in ("gpio", "i2c", "spi"):
        members = [l for l in read(root, "/etc/group").splitlines() if l.startswith(group + ":")][0]
        assert "artcast" in members.split(":")[3].split(",")

    unit = read(root, "/etc/systemd/system/artcast-server.service")
    for line in ("User=artcast", "Restart=on-failure", "WantedBy=multi-user.target",
                 "ExecStart=/opt/artcast/venv/bin/artcast-server $ARTCAST_SERVER_ARGS",
                 "EnvironmentFile=/etc/default/artcast-server", "NoNewPrivileges=yes",
                 "StartLimitIntervalSec=0"):
        assert line in unit.splitlines()
    env = read(root, "/etc/default/artcast-server")
    assert '--host 0.0.0.0 --client-port 8888 --state-file /var/lib/artcast/state.json --multicast-interface 10.42.0.1"' in env

    kinetic = read(root, "/etc/systemd/system/artcast-kinetic.service")
    assert "ExecStart=/opt/artcast/venv/bin/artcast-kinetic /etc/artcast/piece.json" in kinetic
    assert "User=root" in kinetic and "/dev/mem" in kinetic      # NeoPixel on a Pi 4
    assert json.loads(read(root, "/etc/artcast/piece.json")) == PIECE

    assert read(root, "/etc/hostname") == "artcast\n"
    hosts = read(root, "/etc/hosts").splitlines()
    assert "127.0.1.1\tartcast" in hosts and "127.0.0.1\tlocalhost" in hosts
    assert not any("raspberrypi" in l for l in hosts)

    config = read(root, "/boot/firmware/config.txt").splitlines()
    assert "dtparam=audio=off" in config and "dtparam=audio=on" not in config
    assert "dtparam=i2c_arm=on" in config and "# pi config" in config
    assert read(root, "/etc/modules-load.d/artcast-i2c.conf") == "i2c-dev\n"

    nm = os.path.join(root, "etc/NetworkManager/system-connections/artcast-hotspot.nmconnection")
    assert os.stat(nm).st_mode & 0o777 == 0o600               # holds the password
    text = open(nm).read()
    assert "mode=ap" in text and "ssid=Gallery" in text and "psk=password123" in text
    assert "method=shared" in text

    wants = os.path.join(root, "etc/systemd/system/multi-user.target.wants")
    assert os.readlink(os.path.join(wants, "artcast-server.service")) == \
        "/etc/systemd/system/artcast-server.service"
    assert os.path.islink(os.path.join(wants, "artcast-kinetic.service"))


@needs_root
def test_second_run_changes_nothing(root, tmp_path):
    args = ["--piece", piece_file(tmp_path), "--hotspot", "Gallery", "password123"]
    setup(root, *args)
    before = snapshot(root)
    report = setup(root, *args)
    values = statuses(report).values()
    assert "changed" not in values and "would change" not in values
    assert report["summary"].startswith("Nothing to change")
    assert snapshot(root) == before
    # and a dry run agrees
    assert setup(root, "--dry-run", *args)["summary"].startswith("Dry run: nothing to change")


@needs_root
def test_a_changed_option_changes_only_what_it_touches(root, tmp_path):
    setup(root)
    report = setup(root, "--port", "80")
    changed = [s for s, v in statuses(report).items() if v == "changed"]
    assert len(changed) == 2
    assert any("/etc/default/artcast-server" in s for s in changed)
    assert any("artcast-server.service (server service)" in s for s in changed)
    unit = read(root, "/etc/systemd/system/artcast-server.service")
    assert "AmbientCapabilities=CAP_NET_BIND_SERVICE" in unit     # port 80 without root
    assert "--client-port 80" in read(root, "/etc/default/artcast-server")


@needs_root
def test_kinetic_runs_unprivileged_when_it_can(root, tmp_path):
    setup(root, "--piece", piece_file(tmp_path, SERVO_ONLY))
    assert "User=artcast" in read(root, "/etc/systemd/system/artcast-kinetic.service")
    # servos on GPIO only: no boot config change needed, no I2C
    assert "dtparam=audio=on" in read(root, "/boot/firmware/config.txt")
    assert not os.path.exists(os.path.join(root, "etc/modules-load.d/artcast-i2c.conf"))


@needs_root
def test_pi5_neopixel_runs_unprivileged(root, tmp_path):
    write(root + "/proc/device-tree/model", "Raspberry Pi 5 Model B Rev 1.0\0")
    setup(root, "--piece", piece_file(tmp_path))
    assert "User=artcast" in read(root, "/etc/systemd/system/artcast-kinetic.service")


@needs_root
@pytest.mark.parametrize("model, user", [("Raspberry Pi 4 Model B Rev 1.4", "root"),
                                         ("Raspberry Pi 5 Model B Rev 1.0", "artcast")])
def test_units_pass_systemd_analyze_verify(root, tmp_path, model, user):
    write(root + "/proc/device-tree/model", model + "\0")
    setup(root, "--piece", piece_file(tmp_path), "--port", "80")
    assert "User=%s" % user in read(root, "/etc/systemd/system/artcast-kinetic.service")
    # verify needs the stock targets and the commands the units start
    shutil.copytree("/usr/lib/systemd/system", os.path.join(root, "usr/lib/systemd/system"),
                    symlinks=True)
    for command in ("artcast-server", "artcast-kinetic"):
        write(os.path.join(root, "opt/artcast/venv/bin", command), "#!/bin/sh\n", 0o755)
    result = subprocess.run(["systemd-analyze", "verify", "--root=" + root,
                             "artcast-server.service", "artcast-kinetic.service"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""                 # not even a warning
    # the check is real: a broken unit is reported
    unit = read(root, "/etc/systemd/system/artcast-server.service")
    write(os.path.join(root, "etc/systemd/system/broken.service"),
          unit.replace("Restart=on-failure", "Restart=sometimes"))
    result = subprocess.run(["systemd-analyze", "verify", "--root=" + root, "broken.service"],
                            capture_output=True, text=True, timeout=60)
    assert "sometimes" in result.stderr


@pytest.mark.parametrize("args, words", [
    (["--hostname", "Art Cast"], "--hostname"),
    (["--port", "0"], "--port"),
    (["--hotspot", "Gallery", "short"], "password must be 8 to 63"),
    (["--hotspot", "x" * 33, "password123"], "SSID"),
    (["--piece", "/nonexistent/piece.json"], "cannot read piece file"),
])
def test_bad_arguments_change_nothing(root, args, words):
    before = snapshot(root)
    result = subprocess.run([SETUP_SH, "--root", root] + args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
    assert snapshot(root) == before


def test_bad_piece_is_refused_with_the_field_named(root, tmp_path):
    bad = json.loads(json.dumps(PIECE))
    bad["outputs"][0]["device"]["count"] = "thirty"
    before = snapshot(root)
    result = subprocess.run([SETUP_SH, "--root", root, "--piece", piece_file(tmp_path, bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "outputs[0].device.count" in result.stderr
    assert snapshot(root) == before


def test_restarts_follow_what_changed(root, tmp_path):
    """On the running Pi the service restarts only when its files or the
    installed code changed. Exercised with the command runner recording
    instead of running (the files still go to the throwaway root)."""
    ran = []
    target = Target(root, run=ran.append)
    target.live = True          # act as the running system, commands recorded
    parser = appliance_cli.build_parser()
    opts = appliance_cli.check_options(parser.parse_args(["--root", root]), parser)
    execute(build_plan(opts, target), target, dry_run=False)
    assert ["systemctl", "daemon-reload"] in ran
    assert ["systemctl", "restart", "artcast-server.service"] in ran
    assert ["systemctl", "enable", "artcast-server.service"] in ran
    assert any(a[:2] == ["/opt/artcast/venv/bin/pip", "install"] for a in ran)

    # Second run: the files are in place, pip "ran" (its marker is written)
    # and the service is running (the recorder answers every probe with
    # success), so nothing restarts.
    del ran[:]
    execute(build_plan(opts, target), target, dry_run=False)
    assert ["systemctl", "is-active", "--quiet", "artcast-server.service"] in ran
    assert ["systemctl", "daemon-reload"] not in ran
    assert ["systemctl", "restart", "artcast-server.service"] not in ran
    assert not any(a[:2] == ["/opt/artcast/venv/bin/pip", "install"] for a in ran)

    # A stopped server is started even when nothing changed.
    def run_with_server_down(argv):
        ran.append(argv)
        if argv[:2] == ["systemctl", "is-active"]:
            raise SetupError("inactive")
    del ran[:]
    target.run = run_with_server_down
    execute(build_plan(opts, target), target, dry_run=False)
    assert ["systemctl", "restart", "artcast-server.service"] in ran
    assert ["systemctl", "daemon-reload"] not in ran


def test_live_dry_run_is_read_only():
    """Without --root, a dry run only looks at this machine."""
    result = subprocess.run([SETUP_SH, "--dry-run", "--json"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {s["status"] for s in report["steps"]} <= {"ok", "would change"}
    assert report["summary"].startswith("Dry run")


@needs_root
@pytest.mark.parametrize("hotspot", [False, True])
def test_server_options_are_accepted_by_the_real_server(root, hotspot):
    """The options written to /etc/default/artcast-server parse with the
    server's own argument parser (the server is not started: it would bind
    0.0.0.0)."""
    import shlex
    from artcast_server.cli import build_parser
    args = ["--port", "8080"] + (["--hotspot", "Gallery", "password123"] if hotspot else [])
    setup(root, *args)
    env = read(root, "/etc/default/artcast-server")
    line = [l for l in env.splitlines() if l.startswith("ARTCAST_SERVER_ARGS=")][0]
    # systemd drops the quotes of EnvironmentFile values and splits an
    # unbraced $ARTCAST_SERVER_ARGS at whitespace
    value = shlex.split(line.split("=", 1)[1])
    assert len(value) == 1
    argv = value[0].split()
    parsed = build_parser().parse_args(argv)
    assert parsed.client_port == 8080 and parsed.host == "0.0.0.0"
    assert parsed.state_file == "/var/lib/artcast/state.json"      # in the unit's StateDirectory
    assert parsed.multicast_interface == ("10.42.0.1" if hotspot else None)


@needs_root
def test_kinetic_command_is_accepted_by_the_real_client(root, tmp_path):
    import shlex
    from artcast_kinetic.cli import parse_args
    setup(root, "--piece", piece_file(tmp_path))
    unit = read(root, "/etc/systemd/system/artcast-kinetic.service")
    exec_line = [l for l in unit.splitlines() if l.startswith("ExecStart=")][0]
    argv = shlex.split(exec_line.split("=", 1)[1])
    assert argv[0].endswith("/artcast-kinetic")
    assert parse_args(argv[1:]).piece == "/etc/artcast/piece.json"


@pytest.mark.parametrize("model, extra", [("Raspberry Pi 4 Model B Rev 1.4", "[pi]"),
                                          ("Raspberry Pi 5 Model B Rev 1.0", "[pi5]"),
                                          ("Raspberry Pi 3 Model B Plus Rev 1.3", "[pi]")])
def test_install_extra_follows_the_device_tree_model(root, tmp_path, model, extra):
    """The Pi model is read from the (fake) /proc/device-tree/model in the
    throwaway root; a Pi 5 gets [pi5] (rpi-lgpio, its own NeoPixel driver)."""
    write(root + "/proc/device-tree/model", model + "\0")
    plan = statuses(setup(root, "--dry-run", "--piece", piece_file(tmp_path)))
    install = [s for s in plan if s.startswith("install Artcast")]
    assert install == ["install Artcast%s from %s into /opt/artcast/venv (%s) (only on the running Pi)"
                       % (extra, REPO, model)]
    # no piece: no hardware libraries at all
    plan = statuses(setup(root, "--dry-run"))
    assert [s for s in plan if s.startswith("install Artcast")] == [
        "install Artcast from %s into /opt/artcast/venv (only on the running Pi)" % REPO]


def test_run_py_install_pi_uses_the_same_rule():
    """`python3 run.py install --pi` (no package installed yet, so it cannot
    import this one) applies the same model -> extra rule."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("run", os.path.join(REPO, "run.py"))
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    from artcast_hardware.appliance import pi_extra
    for model in ("Raspberry Pi 5 Model B Rev 1.0", "Raspberry Pi 4 Model B Rev 1.4",
                  "Raspberry Pi Zero 2 W Rev 1.0", "", None):
        assert run.pi_extra(model) == pi_extra(model), model
