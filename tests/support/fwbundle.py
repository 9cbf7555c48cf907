"""Firmware bundles for the over-the-air tests: the real build
(firmware/micropython/deploy.py build + write_manifest) and variants of it.

    deploy = load_deploy()
    make_bundle(folder, {"main.py": b"print(1)\n"}, version="v1")
"""

import importlib.util
import json
import os
import sys

from support.micropython import REPO

FIRMWARE = os.path.join(REPO, "firmware", "micropython")


def load_deploy():
    """firmware/micropython/deploy.py under a name no test area shadows."""
    name = "artcast_firmware_deploy"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, os.path.join(FIRMWARE, "deploy.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def make_bundle(folder, files, version="v1", targets=None, confirm_s=None):
    """Write `files` (board path -> bytes) and their manifest into `folder`."""
    for name, data in files.items():
        path = os.path.join(str(folder), *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return load_deploy().write_manifest(str(folder), version, targets, confirm_s)


def read_manifest(folder):
    with open(os.path.join(str(folder), "manifest.json")) as f:
        return json.load(f)
