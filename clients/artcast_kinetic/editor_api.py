"""What the piece editor page asks of its host, as plain functions.

`artcast-kinetic --edit` (editor.py) and `artcast-server --pieces`
(artcast_server/piece_routes.py) serve the same page (editor_assets/) and
answer its requests with these, so the page validates, previews and saves
through one path:

    validate(raw, "esp32")  -> {"ok": bool, "messages": [{"path", "message", "level"}]}
    preview(raw, [["test/tick", 3], ...])  -> the simulator's view after each value
    save_json("piece.json", raw)  -> temp file + rename, previous kept as piece.json.bak

Validation is the shared core's checker (artcast_core.piece, the one the
Pi and the boards run) plus the board's pin table (artcast_core.boards);
the preview runs the real piece runtime on the simulate backend
(PieceRunner + SimulatedBackend), never a copy of the mapping in JS.
"""

import json
import os
import shutil

from artcast_core.boards import BOARDS, pin_problems
from artcast_core.piece import check_output, check_piece
from artcast_core.piece_fields import PieceError

MAX_PREVIEW_VALUES = 50
PLACEHOLDER_SERVER = "http://artcast.local:8888"


def validate(raw, board="pi", server_optional=False):
    """Every message the shared checker and the board's pin table have for
    `raw` (a decoded piece). The checker stops at its first error; each
    output is also checked alone so every output's first error shows."""
    messages = []
    seen = set()

    def add(path, message, level):
        if (path, message) not in seen:
            seen.add((path, message))
            messages.append({"path": path, "message": message, "level": level})

    data = raw
    if server_optional and isinstance(raw, dict) and "server" not in raw:
        data = dict(raw, server=PLACEHOLDER_SERVER)       # a kit fills in the server it follows
    try:
        check_piece(data)
    except PieceError as exc:
        add(exc.path, exc.problem, "error")
    outputs = data.get("outputs") if isinstance(data, dict) else None
    if isinstance(outputs, list):
        for i, out in enumerate(outputs[:64]):
            try:
                check_output(out, "outputs[%d]" % i)
            except PieceError as exc:
                add(exc.path, exc.problem, "error")
        if board in BOARDS:
            for path, message, level in pin_problems(outputs, board):
                add(path, message, level)
    return {"ok": not any(m["level"] == "error" for m in messages), "messages": messages}


def preview(raw, values, server_optional=True):
    """Run the piece on the simulator for `values` ([[key, value], ...],
    oldest first). -> {"ok": True, "steps": [{"key", "value", "outputs":
    [snapshot of each output]}]} or {"ok": False, "message"} for a piece
    that does not validate."""
    from artcast_kinetic.backends.clock import ManualClock
    from artcast_kinetic.backends.simulate import SimulatedBackend
    from artcast_kinetic.runner import PieceRunner
    data = raw
    if server_optional and isinstance(raw, dict) and "server" not in raw:
        data = dict(raw, server=PLACEHOLDER_SERVER)
    try:
        piece = check_piece(data)
    except PieceError as exc:
        return {"ok": False, "path": exc.path, "message": str(exc)}
    clock = ManualClock()
    runner = PieceRunner(piece, SimulatedBackend(clock=clock))
    runner.open_devices()
    steps = []
    try:
        for item in list(values)[-MAX_PREVIEW_VALUES:]:
            if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str):
                continue
            runner.deliver(item[0], item[1])
            clock.advance(3600.0)           # the longest fade: show where motion ends
            runner.frame()
            steps.append({"key": item[0], "value": item[1], "outputs": runner.snapshot()["outputs"]})
    finally:
        runner.close()
    return {"ok": True, "steps": steps}


def save_json(path, data):
    """Write `data` as JSON to `path` atomically: a temp file in the same
    folder, fsync, then rename over; the previous file is kept as
    `path`.bak. A crash leaves the old file or the new one, never half."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    try:
        if os.path.exists(path):
            backup = path + ".bak"
            try:
                os.unlink(backup)
            except FileNotFoundError:
                pass
            try:
                os.link(path, backup)   # the previous version, kept as it was
            except OSError:             # a filesystem without hard links
                shutil.copyfile(path, backup)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
