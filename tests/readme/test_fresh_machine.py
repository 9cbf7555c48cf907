"""What a minimal Debian lacks and the tests need (issue 11, item 19):
`systemd-analyze verify` runs `man` for the units' Documentation=man:
lines, so run.py's APT_FOR_TESTS must install man-db. Checking it on a
real minimal root: tests/README.md."""

import importlib.util
import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_run_py():
    spec = importlib.util.spec_from_file_location("run_for_fresh_machine_test", os.path.join(REPO, "run.py"))
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    return run


def test_verify_needs_man_and_run_py_installs_it(tmp_path):
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", str(root / "usr/lib/systemd/system"), symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    start = root / "opt/artcast/venv/bin/artcast-kinetic"
    start.parent.mkdir(parents=True)
    start.write_text("#!/bin/sh\n")
    start.chmod(0o755)
    shutil.copy(os.path.join(REPO, "clients", "artcast_kinetic", "systemd", "artcast-kinetic@.service"),
                str(root / "etc/systemd/system"))
    # a PATH with systemd-analyze and no `man`: what a minimal Debian has
    bare = tmp_path / "bin"
    bare.mkdir()
    os.symlink(shutil.which("systemd-analyze"), str(bare / "systemd-analyze"))
    result = subprocess.run(["systemd-analyze", "verify", "--root=%s" % root, "artcast-kinetic@x.service"],
                            capture_output=True, text=True, timeout=60, env=dict(os.environ, PATH=str(bare)))
    assert result.returncode != 0 and "man systemd.service(5)" in result.stderr, result.stderr
    # so run.py installs the package that provides `man`
    run = load_run_py()
    assert run.APT_FOR_TESTS.get("man") == "man-db"
    owner = subprocess.run(["dpkg", "-S", os.path.realpath(shutil.which("man"))], capture_output=True, text=True)
    assert owner.stdout.startswith("man-db:"), owner.stdout + owner.stderr
