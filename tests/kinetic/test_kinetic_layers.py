"""clients/ imports no layer above or beside it: not sources/ (sending is a
source's job: artcast-gpio-source lives there), not hardware/ (its
calculator is its own command, artcast-power), not the server."""

import ast
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORBIDDEN = ("artcast_source", "artcast_hardware", "artcast_server")
# Left as it was, outside this change: `artcast send` (and its option
# defaults) in the client CLI still sends through artcast_source.
KNOWN = {("clients/artcast_client/cli.py", "artcast_source")}


def imports(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.split(".")[0]


def upward_imports(root):
    found = set()
    for folder, _, files in os.walk(os.path.join(REPO, root)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, REPO)
                found.update((rel, top) for top in imports(path) if top in FORBIDDEN)
    return found


def test_clients_import_nothing_above_or_beside_them():
    assert upward_imports("clients") - KNOWN == set()


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    # The checker can fail: a module importing the source package is found.
    (tmp_path / "clients").mkdir()
    (tmp_path / "clients" / "bad.py").write_text("def f():\n    from artcast_source import Source\n")
    monkeypatch.setitem(globals(), "REPO", str(tmp_path))
    assert upward_imports("clients") == {("clients/bad.py", "artcast_source")}
