"""Packages instead of path hacks (issue 10): no code outside the tests
edits sys.path, and the ESP32 bundle is built from the installed packages."""

import importlib.util
import os
import subprocess

import artcast_core
import artcast_fw

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_no_sys_path_edits_outside_the_tests():
    found = subprocess.run(["grep", "-rn", "--include=*.py", "--include=*.sh", "sys.path",
                            "server", "sources", "clients", "firmware", "hardware"],
                           cwd=REPO, capture_output=True, text=True)
    assert found.returncode == 1 and found.stdout == "", found.stdout


def test_firmware_bundle_is_built_from_the_installed_packages():
    spec = importlib.util.spec_from_file_location(
        "deploy_for_layout_test", os.path.join(REPO, "firmware", "micropython", "deploy.py"))
    deploy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(deploy)
    core = os.path.dirname(os.path.abspath(artcast_core.__file__))
    fw = os.path.dirname(os.path.abspath(artcast_fw.__file__))
    sources = dict((dest, src) for src, dest in deploy.sources())
    assert sources["artcast_core/__init__.py"] == os.path.join(core, "__init__.py")
    assert all(src.startswith(core + os.sep) for dest, src in sources.items() if dest.startswith("artcast_core/"))
    assert all(src.startswith(fw + os.sep) for dest, src in sources.items() if dest.startswith("artcast_fw/"))
    assert "artcast_core/keys.py" in sources and "artcast_fw/config.py" in sources


def test_readme_table_says_where_the_shared_core_lives():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        text = f.read()
    table = text[text.index("## What is where"):text.index("## Commands")]
    assert "**`artcast_core`, the shared core**" in table and "MicroPython" in table
    assert "never a path" in table
