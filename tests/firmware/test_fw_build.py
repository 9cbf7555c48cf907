"""deploy.py's build: mpy-cross output is what runs on a board, so run it
(and nothing else from the source tree) against the real server."""

import json
import os

from fwboard import HERE, STUBS, deploy, wifi_config
from test_fw_memory import assert_flat


def test_build_compiles_everything_the_firmware_imports(tmp_path):
    out = str(tmp_path / "build")
    written = deploy.build(out)
    assert "main.py" in written and "boot.py" in written
    for name in ("artcast_fw/app.mpy", "artcast_fw/poller.mpy", "artcast_core/longpoll.mpy",
                 "artcast_core/output.mpy", "artcast_core/piece.mpy", "microdot/microdot.mpy"):
        assert name in written
    # Only compiled modules besides the two entry files.
    assert all(w.endswith(".mpy") for w in written if w not in ("main.py", "boot.py"))
    # The shared core comes from clients/artcast_core, not from a copy here.
    assert not os.path.exists(os.path.join(deploy.HERE, "artcast_core"))


def test_compiled_firmware_follows_the_server(server, board, tmp_path):
    out = str(tmp_path / "build")
    deploy.build(out)
    outputs = [{"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 3},
                "mapping": {"type": "bar", "from": [0, 3], "colour": "#0000ff"}}]
    server.send("test/tick", 2)
    server.wait_for_datums(1)
    b = board(wifi_config(server.url, outputs), start=False, micropypath=[STUBS, out])
    b.start(script=os.path.join(out, "main.py"))
    b.wait_for(lambda r: r[3] == "0000ff" * 2 + "000000", kind="pixels", what="2 of 3 blue")
    assert ".mpy" not in b.console()  # no tracebacks


def test_compiled_firmware_memory(server, board, tmp_path):
    out = str(tmp_path / "build")
    deploy.build(out)
    outputs = [{"key": "test/tick", "device": {"type": "neopixel", "pin": 16, "count": 30},
                "mapping": {"type": "bar", "from": [0, 30], "colour": "#ff8000"}}]
    b = board(wifi_config(server.url, outputs), start=False, micropypath=[STUBS, out])
    b.start(script=os.path.join(HERE, "memory_driver.py"), args=["2000", "50"])
    assert b.wait_exit(timeout=60) == 0, b.console()
    samples = json.loads(b.console().strip().splitlines()[-1])["samples"]
    assert_flat(samples, 2000, 500)


def test_example_config_passes_the_boards_checker():
    # The board's own checker accepts the example; deploy.py runs it before
    # copying a config (and also refuses the example's placeholder Wi-Fi
    # values, test_fw_config.py).
    from artcast_fw.config import check
    with open(os.path.join(deploy.HERE, "config.example.json")) as f:
        check(json.load(f))


def test_deploy_refuses_a_config_the_board_would_refuse(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(wifi_config("http://artcast.local:8888", [
        {"key": "k", "device": {"type": "servo", "pin": 17}, "mapping": {"type": "bar", "from": [0, 1]}}])))
    try:
        deploy.check_config(str(bad))
    except SystemExit as e:
        assert "outputs[0].mapping.type" in str(e)
    else:
        raise AssertionError("a wrong config was accepted")


def test_install_copies_every_built_file(tmp_path):
    # No board here: check the mpremote chain covers the whole build.
    out = str(tmp_path / "build")
    written = deploy.build(out)
    args = deploy.copy_commands(out, config="my.json")
    copied = set()
    for i, arg in enumerate(args):
        if arg.startswith(out):
            rel = os.path.relpath(arg, out)
            dest = next(a for a in args[i:] if a.startswith(":"))
            assert dest in (":" + rel, ":%s/" % os.path.dirname(rel)), (rel, dest)
            copied.add(rel)
    assert copied == set(written)
    assert args[-4:] == ["rm", ":maintenance", "+", "reset"]
    assert ":config.json" in args
