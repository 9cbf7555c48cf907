# Make the packages this area tests importable before pyproject.toml exists
# (harmless afterwards: paths already on sys.path are not added twice).
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for sub in ("clients", "hardware", "server", "sources"):
    path = os.path.join(REPO, sub)
    if path not in sys.path:
        sys.path.insert(0, path)
