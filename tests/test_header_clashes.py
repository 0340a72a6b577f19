"""Two columns that the readers would take for one are refused in one line (found in review, issue 18).

- A framework table's column names are read without regard to case: ``Weight`` and ``weight`` both
  present left one of them unread, the later one deciding.
- A data column named like an aggregate is kept as ``<name>_data``; with a ``<name>_data`` column in
  the data as well, the units had two columns of that name.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis._errors import InputError
from analysis.data import load_data
from analysis.framework import load_framework

from .fixtures import one_line, write

META = """\
Level,iCode,iName,Direction,Weight,Parent,Type
1,a,A,1,1,IDX,Indicator
1,b,B,1,1,IDX,Indicator
2,IDX,Index,1,1,,Aggregate
"""


@pytest.mark.parametrize("header, first, second", [
    ("Level,iCode,iName,Direction,Weight,weight,Parent,Type", "Weight", "weight"),
    ("Level,iCode,iName,DIRECTION,Weight,Direction,Parent,Type", "DIRECTION", "Direction"),
])
def test_a_framework_column_given_twice_in_another_case_is_refused(tmp_path, header, first, second):
    rows = META.splitlines()[1:]
    extra = [r.split(",") for r in rows]
    body = "\n".join(",".join(r[:5] + [r[4]] + r[5:]) for r in extra)
    path = write(tmp_path / "meta.csv", header + "\n" + body + "\n")
    with pytest.raises(InputError) as e:
        load_framework(path)
    assert e.value.message == (f"columns '{first}' and '{second}' are the same column (names are read without "
                               "regard to case): keep one")
    assert (e.value.file, e.value.column) == (str(path), second)


@pytest.mark.parametrize("clean", [True, False])
def test_a_data_column_renamed_onto_a_taken_name_is_refused(tmp_path, clean):
    meta = write(tmp_path / "meta.csv", META)
    text = "uCode,a,b,IDX,IDX_data\nA1,1,2,5,6\nA2,3,1,7,8\nA3,2,2,1,1\n"
    if not clean:  # a quoted cell: the checked reader
        text = text.replace("A1,", '"A1",')
    data = write(tmp_path / "data.csv", text)
    with pytest.raises(InputError) as e:
        load_data(data, load_framework(meta))
    assert "column 'IDX' is named like an aggregate of the framework" in e.value.message
    assert "a column 'IDX_data' too" in e.value.message
    assert (e.value.file, e.value.column) == (str(data), "IDX")


def test_the_cli_refuses_a_case_clash_in_one_line(tmp_path):
    path = write(tmp_path / "meta.csv", META.replace("Level,", "level,Level,", 1).replace("\n1,", "\n1,1,")
                 .replace("\n2,", "\n2,2,"))
    data = write(tmp_path / "data.csv", "uCode,a,b\nA1,1,2\nA2,3,1\n")
    r = subprocess.run([sys.executable, "-m", "analysis.cli", "build", "--framework", str(path), "--data", str(data),
                        "--out", str(tmp_path / "out")], capture_output=True, text=True)
    line = one_line(r.returncode, r.stderr)
    assert "are the same column" in line and "meta.csv" in line
