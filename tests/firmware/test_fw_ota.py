"""Over-the-air updates, end to end: the firmware as installed (boot.py,
main.py and the bundle in the board's flash folder) under the MicroPython
unix port, against the real server offering a bundle with --firmware.
A machine.reset() ends the process (exit 77); the next start() is the
board coming up again from the same folder: boot.py then main.py."""

import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from fwboard import STUBS, Board, wifi_config
from support.fwbundle import load_deploy, read_manifest
from support.tamper_proxy import TamperProxy

BOOT = "exec(open('boot.py').read())\nexec(open('main.py').read())\n"
OUTPUTS = [{"key": "test/tick", "device": {"type": "pin", "pin": 5}, "mapping": {"type": "direct"}}]
RESET = 77


@pytest.fixture(scope="session")
def v1(tmp_path_factory):
    """The real build (source files, as `deploy.py build --source`) + manifest."""
    out = str(tmp_path_factory.mktemp("fw") / "v1")
    deploy = load_deploy()
    deploy.build(out, compile_mpy=False)
    deploy.write_manifest(out, "v1")
    return out


def variant(base, dest, version, edits=None, targets=None, confirm_s=None):
    """A copy of the `base` build with files changed (name -> bytes, or
    None to drop the file) and its own manifest."""
    shutil.copytree(base, dest)
    os.remove(os.path.join(dest, "manifest.json"))
    for name, data in (edits or {}).items():
        path = os.path.join(dest, *name.split("/"))
        if data is None:
            os.remove(path)
        else:
            with open(path, "wb") as f:
                f.write(data)
    load_deploy().write_manifest(dest, version, targets, confirm_s)
    return dest


def appended(build, name, text):
    with open(os.path.join(build, *name.split("/")), "rb") as f:
        return f.read() + text.encode()


def flash_files(folder):
    """Board path -> bytes of every firmware file on the board's flash."""
    out = {}
    for root, _, names in os.walk(folder):
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), folder).replace(os.sep, "/")
            if rel.startswith("ota_"):
                continue            # the update's own folders
            if rel.endswith((".py", ".mpy")) or rel == "firmware.json":
                with open(os.path.join(root, n), "rb") as f:
                    out[rel] = f.read()
    return out


def bundle_files(build):
    out = flash_files(build)
    with open(os.path.join(build, "manifest.json"), "rb") as f:
        out["firmware.json"] = f.read()
    return out


@pytest.fixture
def kit(tmp_path, v1):
    """kit(server_url, **config) -> a Board with v1 installed as deploy.py
    install leaves it (manifest.json as firmware.json), not yet started."""
    boards = []

    def make(url, **extra):
        folder = str(tmp_path / ("kit%d" % len(boards)))
        shutil.copytree(v1, folder)
        os.rename(os.path.join(folder, "manifest.json"), os.path.join(folder, "firmware.json"))
        b = Board(folder, [STUBS, folder])
        b.write_config(wifi_config(url, OUTPUTS, **extra))
        boards.append(b)
        return b
    yield make
    for b in boards:
        b.stop()


def boot(b):
    if b.proc is not None:
        b.stop()
    return b.start(code=BOOT)


def follows(b, server, value):
    """The running kit drives its pin from test/tick."""
    mark = b.mark()
    deadline = time.monotonic() + 10
    while True:
        server.send("test/tick", value)
        try:
            return b.wait_for(lambda r: r[2] == 5 and r[3] == (1 if value else 0), kind="pin",
                              since=mark, timeout=0.5, what="pin 5 following")
        except AssertionError:
            if time.monotonic() > deadline or b.proc.poll() is not None:
                raise


def installed_version(b):
    with open(os.path.join(b.dir, "firmware.json")) as f:
        return json.load(f)["version"]


def ota_leftovers(b):
    return sorted(n for n in os.listdir(b.dir) if n.startswith("ota_") and n != "ota_bad")


def test_update_is_applied_after_the_reset(tmp_path, v1, server_factory, kit):
    v2 = variant(v1, str(tmp_path / "v2"), "v2", targets=["class3-*"], edits={
        "artcast_fw/__init__.py": appended(v1, "artcast_fw/__init__.py", "print('artcast: hello from v2')\n"),
        "artcast_fw/extra.py": b"# a module v2 adds\n"})
    server = server_factory("--firmware", v2)
    b = kit(server.url, hostname="class3-kit07")
    boot(b)
    assert b.wait_exit(20) == RESET
    assert "firmware v2 downloaded (2 files)" in b.console()
    assert installed_version(b) == "v1"           # nothing moved before the reset
    assert sorted(os.listdir(os.path.join(b.dir, "ota_new", "artcast_fw"))) == ["__init__.py", "extra.py"]

    boot(b)
    b.wait_console("artcast: hello from v2", 20)
    b.wait_console("firmware v2 confirmed", 20)
    follows(b, server, 1)
    assert ota_leftovers(b) == []
    have = flash_files(b.dir)
    want = bundle_files(v2)
    assert {n: have[n] for n in want if n != "firmware.json"} == \
        {n: want[n] for n in want if n != "firmware.json"}
    assert installed_version(b) == "v2"
    assert b.proc.poll() is None


def test_update_for_other_kits_is_not_applied(tmp_path, v1, server_factory, kit):
    v2 = variant(v1, str(tmp_path / "v2"), "v2", targets=["class3-*", "hall"], edits={
        "artcast_fw/extra.py": b"# v2\n"})
    server = server_factory("--firmware", v2)
    b = kit(server.url)                            # named artcast-abcd
    before = flash_files(b.dir)
    boot(b)
    b.wait_console("firmware v2 is not for artcast-abcd", 20)
    follows(b, server, 1)
    assert b.proc.poll() is None and not b.records("reset")
    assert flash_files(b.dir) == before and ota_leftovers(b) == []


def test_corrupted_file_is_refused_and_the_old_version_keeps_running(tmp_path, v1, server_factory, kit):
    v2 = variant(v1, str(tmp_path / "v2"), "v2", edits={
        "artcast_fw/__init__.py": appended(v1, "artcast_fw/__init__.py", "print('v2')\n")})
    server = server_factory("--firmware", v2)
    proxy = TamperProxy(server.port).start()
    try:
        proxy.rules["/firmware/artcast_fw/__init__.py"] = "corrupt"
        b = kit(proxy.url)
        before = flash_files(b.dir)
        boot(b)
        b.wait_console("artcast_fw/__init__.py: SHA-256 does not match the manifest", 20)
        b.wait_console("keeping v1")
        follows(b, server, 1)
        assert b.proc.poll() is None and not b.records("reset")
        assert flash_files(b.dir) == before and ota_leftovers(b) == []
        assert proxy.tampered == ["/firmware/artcast_fw/__init__.py"]
    finally:
        proxy.close()


@pytest.mark.parametrize("broken", ["raises-at-import", "never-reaches-server"])
def test_broken_new_version_is_rolled_back(tmp_path, v1, server_factory, kit, broken):
    if broken == "raises-at-import":
        edits = {"artcast_fw/app.py": b"raise RuntimeError('broken v2')\n"}
    else:
        # Starts, runs its loop, but never sends a request.
        edits = {"artcast_fw/poller.py": appended(
            v1, "artcast_fw/poller.py",
            "\ndef _never(self, now):\n    raise OSError(5)\nPoller._send = _never\n")}
    v2 = variant(v1, str(tmp_path / "v2"), "v2", edits=edits, confirm_s=5)
    server = server_factory("--firmware", v2)
    b = kit(server.url)
    before = flash_files(b.dir)
    boot(b)
    assert b.wait_exit(20) == RESET                 # downloaded
    boot(b)
    assert b.wait_exit(30) == RESET                 # the new version gives up
    assert "firmware v2 on trial (boot 1)" in b.console()
    expected = "failed to start" if broken == "raises-at-import" else "did not reach the server in time"
    assert expected in b.console()
    boot(b)
    b.wait_console("update rolled back", 20)
    follows(b, server, 1)                          # the old version, following again
    assert flash_files(b.dir) == before
    assert ota_leftovers(b) == []
    with open(os.path.join(b.dir, "ota_bad")) as f:
        import hashlib
        assert f.read() == hashlib.sha256(server.get("/firmware/manifest.json")[2]).hexdigest()
    # The refused version is not downloaded again.
    time.sleep(1)
    assert b.proc.poll() is None and b.console().count("downloaded") == 1


def test_power_loss_mid_download_leaves_a_bootable_kit(tmp_path, v1, server_factory, kit):
    v2 = variant(v1, str(tmp_path / "v2"), "v2", edits={
        "artcast_fw/app.py": appended(v1, "artcast_fw/app.py", "# v2\n" + "#" * 4000 + "\n")})
    server = server_factory("--firmware", v2)
    proxy = TamperProxy(server.port).start()
    try:
        proxy.rules["/firmware/artcast_fw/app.py"] = "stall"
        b = kit(proxy.url)
        before = flash_files(b.dir)
        boot(b)
        partial = os.path.join(b.dir, "ota_new", "artcast_fw", "app.py")
        deadline = time.monotonic() + 20
        while not (os.path.exists(partial) and os.path.getsize(partial) > 0):
            assert time.monotonic() < deadline and b.proc.poll() is None, b.console()
            time.sleep(0.01)
        b.proc.send_signal(signal.SIGKILL)         # the power goes
        b.proc.wait()
        assert flash_files(b.dir) == before         # the installed version untouched
        assert not os.path.exists(os.path.join(b.dir, "ota_swap"))

        proxy.rules.clear()
        proxy.release()
        boot(b)
        b.wait_console("unfinished download was left; deleting it", 10)
        assert b.wait_exit(20) == RESET             # the old version ran, fetched v2 again
        boot(b)
        b.wait_console("firmware v2 confirmed", 20)
        follows(b, server, 1)
        assert flash_files(b.dir)["artcast_fw/app.py"] == bundle_files(v2)["artcast_fw/app.py"]
    finally:
        proxy.close()


@pytest.fixture
def small_flash(tmp_path, v1):
    """A folder on its own tmpfs, sized for v1 plus a little: a full flash
    answers the firmware's writes with a real ENOSPC."""
    mount = tmp_path / "flash"
    mount.mkdir()
    pages = 0
    for root, _, names in os.walk(v1):
        for n in names:
            pages += os.path.getsize(os.path.join(root, n)) // 4096 + 1
    size_k = pages * 4 + 96          # + config, console, record, markers
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dk" % size_k, "tmpfs", str(mount)], check=True)
    try:
        yield str(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_flash_keeps_the_old_version_running(tmp_path, v1, server_factory, small_flash):
    v2 = variant(v1, str(tmp_path / "v2"), "v2", edits={
        "artcast_fw/big.py": b"#" * (400 * 1024) + b"\n"})
    server = server_factory("--firmware", v2)
    folder = os.path.join(small_flash, "kit")
    shutil.copytree(v1, folder)
    os.rename(os.path.join(folder, "manifest.json"), os.path.join(folder, "firmware.json"))
    b = Board(folder, [STUBS, folder])
    b.write_config(wifi_config(server.url, OUTPUTS))
    before = flash_files(folder)
    try:
        boot(b)
        b.wait_console("firmware update not installed (flash full); keeping v1", 20)
        follows(b, server, 1)
        assert b.proc.poll() is None and not b.records("reset")
        assert flash_files(folder) == before and ota_leftovers(b) == []
    finally:
        b.stop()


POWERCUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stubs_powercut")


def _cut_run(folder, after):
    """boot.py alone, with the power cut at the `after`-th flash change
    (None: never); returns the flash changes it made."""
    b = Board(folder, [POWERCUT, STUBS, folder])
    env = {"STUB_POWER_CUT_AFTER": str(after if after is not None else -1)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        mark = b.mark()
        b.start(code="exec(open('boot.py').read())\n")
        b.wait_exit(20)
        return [r for r in b.records()[mark:] if r[1] == "flash"]
    finally:
        b.stop()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.parametrize("phase", ["swap", "rollback"])
def test_power_cut_at_every_step_of_a_swap_or_rollback(tmp_path, v1, server_factory, kit, phase):
    """Stage an update (and, for rollback, a failed trial), then for every
    flash change boot.py makes: cut the power right there, boot again, and
    find one whole version: v2 after a swap, v1 after a rollback."""
    v2 = variant(v1, str(tmp_path / "v2"), "v2", edits={
        "artcast_fw/__init__.py": appended(v1, "artcast_fw/__init__.py", "# v2\n"),
        "artcast_fw/extra.py": b"# added by v2\n",
        "artcast_fw/devices.py": None})                  # removed by v2
    server = server_factory("--firmware", v2)
    b = kit(server.url)
    boot(b)
    assert b.wait_exit(20) == RESET
    b.stop()
    if phase == "rollback":
        _cut_run(b.dir, None)                            # swap done, v2 on trial
        with open(os.path.join(b.dir, "ota_pending")) as f:
            pending = json.load(f)
        pending["failed"] = "test"
        with open(os.path.join(b.dir, "ota_pending"), "w") as f:
            json.dump(pending, f)
        want = flash_files(v1)
        want["firmware.json"] = flash_files(b.dir + "/ota_old")["firmware.json"]
    else:
        want = bundle_files(v2)
        want.pop("firmware.json")
    template = str(tmp_path / "template")
    shutil.copytree(b.dir, template)
    steps = _cut_run(b.dir, None)                        # the whole boot, counted
    assert len(steps) >= 4, steps
    for cut in range(len(steps)):
        shutil.rmtree(b.dir)
        shutil.copytree(template, b.dir)
        _cut_run(b.dir, cut)
        _cut_run(b.dir, None)                            # the next power-on
        have = flash_files(b.dir)
        if phase == "swap":
            have.pop("firmware.json")
            assert have == want, "power cut at step %d (%s)" % (cut, steps[cut])
            assert os.path.exists(os.path.join(b.dir, "ota_pending"))
        else:
            assert have == want, "power cut at step %d (%s)" % (cut, steps[cut])
            assert not os.path.exists(os.path.join(b.dir, "ota_pending"))
        assert not os.path.exists(os.path.join(b.dir, "ota_swap"))
        assert not os.path.exists(os.path.join(b.dir, "ota_new"))


def test_running_kit_takes_a_new_build_within_a_poll(tmp_path, v1, server_factory, kit):
    """The server first offers what the kit runs (its USB-installed manifest
    differs only in encoding: adopted, no restart); a build written into the
    folder while everything runs reaches the kit through the long-poll."""
    offered = str(tmp_path / "offered")
    shutil.copytree(v1, offered)
    server = server_factory("--firmware", offered)
    b = kit(server.url)
    boot(b)
    b.wait_console("firmware v1 already installed", 20)
    follows(b, server, 1)
    with open(os.path.join(b.dir, "firmware.json"), "rb") as f:
        assert f.read() == server.get("/firmware/manifest.json")[2]   # the served one, adopted
    assert b.proc.poll() is None and "downloaded" not in b.console()

    staged = variant(v1, str(tmp_path / "v2"), "v2", edits={"artcast_fw/extra.py": b"# v2\n"})
    shutil.copyfile(os.path.join(staged, "artcast_fw", "extra.py"), os.path.join(offered, "artcast_fw", "extra.py"))
    shutil.copyfile(os.path.join(staged, "manifest.json"), os.path.join(offered, "manifest.json.new"))
    os.replace(os.path.join(offered, "manifest.json.new"), os.path.join(offered, "manifest.json"))
    assert b.wait_exit(20) == RESET
    assert "firmware v2 downloaded (1 files)" in b.console()
    boot(b)
    b.wait_console("firmware v2 confirmed", 20)
