"""A server URL copied from the browser (issue 11.12) means the same to every
client: the core's parse_url on both interpreters (url_cases.py); the
Arduino sketch's own parser against the same vectors is in
tests/firmware/test_arduino_vectors.py."""

import os

import pytest
import url_cases

from support.micropython import run_test_module

CASES = sorted(name for name in dir(url_cases) if name.startswith("test_"))


@pytest.mark.parametrize("name", CASES)
def test_cpython(name):
    getattr(url_cases, name)()


def test_micropython_runs_every_case():
    passed, failed = run_test_module(os.path.join(os.path.dirname(__file__), "url_cases.py"))
    assert failed == []
    assert sorted(passed) == CASES


def _kinetic_check(tmp_path, server_url):
    import json
    import subprocess
    import sys
    from support.micropython import REPO
    with open(os.path.join(REPO, "clients", "examples", "tick-strip-servo.json")) as f:
        piece = json.load(f)
    piece["server"] = server_url
    path = tmp_path / "piece.json"
    path.write_text(json.dumps(piece))
    return subprocess.run([sys.executable, "-m", "artcast_kinetic.cli", "--check", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_kinetic_check_says_what_to_pass(tmp_path):
    proc = _kinetic_check(tmp_path, "http://10.0.0.5:8888/artcasts/test/tick")
    assert proc.returncode == 2
    assert ("server: server URL 'http://10.0.0.5:8888/artcasts/test/tick' names the key 'test/tick': "
            "give the server only, http://10.0.0.5:8888, and the key separately") in proc.stderr
    proc = _kinetic_check(tmp_path, "http://10.0.0.5:8888/artcasts/")
    assert proc.returncode == 0, proc.stderr
