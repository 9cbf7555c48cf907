"""The skew benchmark (skew.py) still works: two kits, a few datums, a
small crowd. No pass/fail on timing; it fails when a measurement breaks
(a kit that never showed a datum, a figure missing)."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def test_skew_benchmark_runs_and_reports():
    proc = subprocess.run([sys.executable, os.path.join(HERE, "skew.py"), "--kits", "2", "--datums", "3",
                           "--interval", "0.5", "--e2e-datums", "4", "--crowd", "20"],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "figure" not in line]
    assert len(rows) == 12, proc.stdout
    assert sum("0 writes missing" in r for r in rows) == 2, proc.stdout
    assert sum("4 of 4 datums" in r for r in rows) == 4, proc.stdout
    assert "— /" not in proc.stdout
