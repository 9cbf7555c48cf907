"""The recording stand-ins and the reader of their file (issue 11.21): the
test reads the record file while the firmware appends to it, so each record
must arrive in one write and a half-written last line must wait."""

from fwboard import STUBS, parse_records
from support.micropython import run_micropython

ONE_WRITE = """
import _record
class Counting:
    def __init__(self):
        self.writes = []
    def write(self, text):
        self.writes.append(text)
    def flush(self):
        pass
_record._file = Counting()
_record.record("pixels", 16, "00ff00" * 300)
_record.record("reset")
for w in _record._file.writes:
    print(repr(w.endswith("\\n")), w.count("\\n"))
"""


def test_stand_in_writes_each_record_and_newline_at_once():
    proc = run_micropython(code=ONE_WRITE, micropypath=[STUBS])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["True 1", "True 1"], proc.stdout


def test_reader_leaves_a_partial_last_line_for_later():
    whole = '[1, "pin", 2, 1]\n[2, "reset"]\n'
    # Every point where a read could catch the writer mid-record.
    for cut in range(len(whole) + 1):
        got = parse_records(whole[:cut])
        assert got == parse_records(whole)[:whole[:cut].count("\n")], cut
    # What the two-write stand-in let a line-by-line reader see: the record
    # without its newline, then a bare newline. Neither is a record yet.
    assert parse_records('[1, "pin", 2, 1]\n[2, "reset"]') == [[1, "pin", 2, 1]]
    assert parse_records('[1, "pin", 2, 1]\n[2, "reset"]\n', kind="reset") == [[2, "reset"]]
