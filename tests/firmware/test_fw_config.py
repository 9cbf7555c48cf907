"""config.json mistakes a person makes (issue 11.7) and the Wi-Fi power-save
setting (issue 11.8), on the board (MicroPython port + stand-ins), in
deploy.py, and in the Arduino sketch's host build."""

import json
import os
import re
import subprocess
import sys

import pytest

from arduino_build import build_sketch
from fwboard import FIRMWARE, STUBS, deploy, wifi_config
from support.micropython import run_micropython
from test_fw_setup import post, start_setup

STRIP = {"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 4},
         "mapping": {"type": "bar", "from": [0, 4], "colour": "#00ff00"}}
SETUP = "from artcast_fw import app\napp.main(setup_host='127.0.0.1', setup_port=0)\n"
DEPLOY = os.path.join(FIRMWARE, "deploy.py")


def example():
    with open(os.path.join(FIRMWARE, "config.example.json")) as f:
        return json.load(f)


CHECK = """
import json
from artcast_fw import config
try:
    config.check(json.loads(%r))
    print("ok")
except config.ConfigError as e:
    print("refused", e)
"""


def board_check(cfg):
    """config.check under MicroPython, as the board runs it."""
    # (In the code, not argv: the unix port dies on a long multi-line argument.)
    proc = run_micropython(code=CHECK % json.dumps(cfg), micropypath=[STUBS, FIRMWARE])
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.parametrize("where,field", [("wifi", "pasword"), ("", "sever"), ("", "outputz")])
def test_unknown_fields_are_refused_by_name(where, field):
    cfg = example()
    (cfg[where] if where else cfg)[field] = "x"
    said = board_check(cfg)
    name = "%s.%s" % (where, field) if where else field
    assert said.startswith("refused %s: unknown field (allowed here: " % name), said


def test_comments_and_known_fields_pass():
    cfg = example()
    cfg["_note"] = "fields starting with _ are comments"
    cfg["wifi"]["power_save"] = True
    assert board_check(cfg) == "ok"
    cfg["wifi"]["power_save"] = "yes"
    assert board_check(cfg).startswith("refused wifi.power_save: must be false")


def test_board_with_a_misspelt_password_opens_setup_naming_it(server, board):
    cfg = wifi_config(server.url, [STRIP])
    cfg["wifi"] = {"ssid": "gallery", "pasword": "sculpture"}
    b = board(cfg, start=False)
    b.start(code=SETUP)
    b.wait_console("setup mode: wifi.pasword: unknown field")
    assert not b.records("wifi_connect")   # never joined as an open network


def test_setup_page_save_drops_the_typo_and_keeps_power_save(server, board):
    cfg = wifi_config(server.url, [STRIP])
    cfg["wifi"] = {"ssid": "gallery", "pasword": "sculpture", "power_save": True}
    cfg["colour"] = "red"
    b, url, html = start_setup(board, cfg)
    assert "colour: unknown field" in html
    status, page = post(url, {"ssid": "gallery", "password": "sculpture",
                              "server": server.url, "key0": "test/tick"})
    assert status == 200 and "Saved" in page, page
    assert b.wait_exit() == 77
    saved = b.read_config()
    assert saved["wifi"] == {"ssid": "gallery", "password": "sculpture", "power_save": True}
    assert "colour" not in saved


def test_deploy_refuses_the_unedited_example(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(example()))
    proc = subprocess.run([sys.executable, DEPLOY, "check", str(path)], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "wifi.password is still the example's placeholder 'change-me-please'" in proc.stderr
    # install checks before it builds or touches a port.
    proc = subprocess.run([sys.executable, DEPLOY, "install", "--port", "/dev/null-no-board",
                           "--config", str(path), "--out", str(tmp_path / "build")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "placeholder" in proc.stderr
    assert not (tmp_path / "build").exists()
    edited = example()
    edited["wifi"] = {"ssid": "studio", "password": "a real secret"}
    path.write_text(json.dumps(edited))
    proc = subprocess.run([sys.executable, DEPLOY, "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "%s: ok" % path, proc.stderr


def test_deploy_check_names_a_typo(tmp_path):
    cfg = example()
    cfg["wifi"] = {"ssid": "studio", "pasword": "a real secret"}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    proc = subprocess.run([sys.executable, DEPLOY, "check", str(path)], capture_output=True, text=True)
    assert proc.returncode != 0 and "wifi.pasword: unknown field" in proc.stderr
    assert deploy.placeholder_problem(cfg) is None


@pytest.mark.parametrize("power_save,pm", [(None, 0), (False, 0), (True, 1)])
def test_power_save_reaches_the_radio(server, board, power_save, pm):
    cfg = wifi_config(server.url, [STRIP])
    if power_save is not None:
        cfg["wifi"]["power_save"] = power_save
    b = board(cfg)
    b.wait_for(lambda r: True, kind="wifi_connect", what="normal mode")
    # Set once, on the active station, before it joins.
    assert [r[2] for r in b.records("wifi_pm")] == [pm]
    kinds = [r[1] for r in b.records()]
    assert kinds.index("wifi_pm") < kinds.index("wifi_connect")


@pytest.mark.parametrize("sleep", [None, 1])
def test_sketch_sets_wifi_sleep(tmp_path, board, sleep):
    settings = {"server": "http://127.0.0.1:9"}
    if sleep is not None:
        settings["wifi_sleep"] = sleep
    binary = build_sketch(tmp_path, **settings)
    b = board(None, start=False)
    b.start(binary=binary)
    rec = b.wait_for(lambda r: True, kind="wifi_sleep", what="WiFi.setSleep()")
    assert rec[2] == (1 if sleep else 0)


def test_server_url_copied_from_the_browser(server, board):
    # The list page's URL is the server: the board follows the key.
    server.send("test/tick", 2)
    server.wait_for_datums(1)
    b = board(wifi_config(server.url + "/artcasts/", [STRIP]))
    b.wait_for(lambda r: r[3] == "ff0000" * 2 + "000000" * 2, kind="pixels", what="2 of 4 lit")
    # A key's URL is refused by the board's check, saying what to pass.
    cfg = example()
    cfg["server"] = "http://10.0.0.5:8888/artcasts/test/tick"
    assert board_check(cfg) == ("refused server: server URL 'http://10.0.0.5:8888/artcasts/test/tick' "
                                "names the key 'test/tick': give the server only, "
                                "http://10.0.0.5:8888, and the key separately")


def strip_config(pixels, server_url="http://artcast.local:8888"):
    cfg = example()
    cfg["wifi"] = {"ssid": "studio", "password": "a real secret"}
    cfg["server"] = server_url
    cfg["outputs"][0]["device"]["count"] = pixels
    return cfg


def test_pixel_budget_follows_the_boards_heap():
    """The board checks against its own heap: run the checker on MicroPython
    with a 100K and a 400K heap (the budget is set from the 32-bit build's
    figures, firmware/README.md; the 64-bit port only needs to fit the
    checker itself here)."""
    import subprocess
    from support.micropython import CORE_PATH, micropython_command
    env = dict(os.environ, MICROPYPATH=":".join([STUBS, FIRMWARE, CORE_PATH, ".frozen"]))

    def check_with_heap(cfg, heap):
        proc = subprocess.run([micropython_command(), "-X", "heapsize=%s" % heap, "-c",
                               CHECK % json.dumps(cfg)], capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout.strip()
    assert check_with_heap(strip_config(300), "100K") == "ok"
    said = check_with_heap(strip_config(1000), "100K")
    # (A 100K heap is ~98 KB to the GC: the rest holds its bitmaps.)
    assert re.match(r"refused outputs\[0\]\.device\.count: 1000 pixels do not fit this board's "
                    r"memory \(9\d KB heap: at most \d+ pixels\)", said), said
    assert check_with_heap(strip_config(1000), "400K") == "ok"


def test_deploy_checks_the_pixel_budget_per_chip(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(strip_config(1000)))
    proc = subprocess.run([sys.executable, DEPLOY, "check", str(path)], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "1000 pixels do not fit this board's memory (100 KB heap: at most 448 pixels)" in proc.stderr
    proc = subprocess.run([sys.executable, DEPLOY, "check", "--chip", "esp32c3", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    path.write_text(json.dumps(strip_config(448)))
    proc = subprocess.run([sys.executable, DEPLOY, "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


FORGET = """
import gc, json, sys
from artcast_fw import config
cfg = config.check(json.loads(%r))
gc.collect()
before = gc.mem_free()
config.forget_checker()
gc.collect()
# Every checker module the check loaded is unloaded (a new one belongs in
# config.CHECKER_MODULES).
print(gc.mem_free() - before, [n for n in sys.modules if n.startswith("artcast_core.piece")
                               or n == "artcast_fw.config_check"])
config.check(json.loads(%r))   # still works: imported again
print("checked again")
"""


def test_checker_is_unloaded_after_the_check():
    cfg = json.dumps(example())
    proc = run_micropython(code=FORGET % (cfg, cfg), micropypath=[STUBS, FIRMWARE])
    assert proc.returncode == 0, proc.stderr
    freed, left = proc.stdout.split("\n")[0].split(" ", 1)
    assert left == "[]" and int(freed) > 8000, proc.stdout   # 64-bit port: ~2x the ESP32's
    assert "checked again" in proc.stdout


POWER = """
import json, sys
from artcast_fw import config
piece = config.check(json.loads(%r))["piece"]
config.forget_checker()
from artcast_fw.outputs import Outputs
outs = Outputs(piece)
# The cap is computed while the outputs are built; its module is not kept.
print([o.brightness for o in outs.runtime.outputs], "artcast_core.power" in sys.modules)
outs2 = Outputs(piece)   # a second piece (served swap): imported again for its cap
print([o.brightness for o in outs2.runtime.outputs], "artcast_core.power" in sys.modules)
"""


def test_power_module_is_unloaded_after_the_outputs_are_built():
    cfg = example()
    strip = [o for o in cfg["outputs"] if o["device"]["type"] == "neopixel"][0]
    strip["device"]["count"] = 300      # 2 A supply: full white would not fit, so capped
    proc = run_micropython(code=POWER % json.dumps(cfg), micropypath=[STUBS, FIRMWARE])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")
    assert lines[0] == lines[1], proc.stdout
    caps, kept = lines[0].rsplit(" ", 1)
    assert kept == "False", proc.stdout
    assert any(0 < c < 1 for c in json.loads(caps)), proc.stdout


NORMAL = """
import json, sys
from artcast_fw import app, config
a = app.App(config.check(json.loads(%r)))
config.forget_checker()
print(" ".join(sorted(n for n in sys.modules if n in %r)) or "none")
a.close()
"""

# Loaded only when needed (firmware/README.md, heap): never in normal mode
# before a play-at, a setup button press, or an update.
NOT_IN_NORMAL_MODE = ["artcast_fw.access_point", "artcast_fw.setup_page", "microdot",
                      "artcast_fw.timekeeper", "artcast_core.clock", "artcast_core.power",
                      "artcast_fw.ota_update", "artcast_core.keys"]


def test_normal_mode_leaves_setup_play_at_and_power_code_unloaded():
    cfg = wifi_config("http://127.0.0.1:9", example()["outputs"])
    cfg["power"] = example()["power"]
    proc = run_micropython(code=NORMAL % (json.dumps(cfg), NOT_IN_NORMAL_MODE), micropypath=[STUBS, FIRMWARE])
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert proc.stdout.strip() == "none", proc.stdout
