"""The CSV reader's fast path gives exactly the table of the checked cell-by-cell reader.

``read_table`` reads a clean CSV column-wise (``tables._read_clean_csv``) and hands every other file
to the checked reader (``tables._read_csv_checked``), which words the refusals. Property test:
on generated CSVs — code columns (leading zeros, ``35.10``), integer and decimal columns with
blanks and NA markers, text, quoted fields with commas and doubled quotes, spaces around cells,
a UTF-8 byte-order mark, CRLF line ends — both readers give identical frames (columns, dtypes,
values, ``attrs['source_rows']``). Files the fast path must not read (ragged rows, blank lines,
values across lines, ``inf``, a quote inside a field …) go to the checked reader, whose refusal is
unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis import tables
from analysis._errors import InputError
from analysis.tables import read_table

CODE = st.one_of(st.from_regex(r"0{0,2}[0-9]{1,4}(\.[0-9]{1,2}0?)?", fullmatch=True),
                 st.from_regex(r"[A-Z]{2,4}_?[0-9]{0,3}", fullmatch=True))
NA = st.sampled_from(["", "NA", "N/A", "nan", "NaN", "-", "NULL", "#N/A", " "])
INT = st.integers(-10**6, 10**6).map(str)
FLOAT = st.floats(-1e12, 1e12, allow_nan=False).map(lambda x: st.sampled_from(
    [repr(x), f"{x:.3f}", f"{x:.6e}"])).flatmap(lambda s: s)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from([",", '"', " "]),
               max_size=8)


@st.composite
def column(draw, rows: int) -> tuple[str, list[str]]:
    kind = draw(st.sampled_from(["code", "int", "float", "float_na", "text", "na", "mixed"]))
    if kind == "code":
        name = draw(st.sampled_from(["uCode", "iCode", "Parent", "kode_desa", "RegionCode"]))
        cells = draw(st.lists(st.one_of(CODE, st.just("")), min_size=rows, max_size=rows))
    elif kind == "int":
        cells = draw(st.lists(INT, min_size=rows, max_size=rows))
    elif kind == "float":
        cells = draw(st.lists(st.one_of(INT, FLOAT), min_size=rows, max_size=rows))
    elif kind == "float_na":
        cells = draw(st.lists(st.one_of(INT, FLOAT, NA), min_size=rows, max_size=rows))
    elif kind == "na":
        cells = draw(st.lists(NA, min_size=rows, max_size=rows))
    elif kind == "text":
        cells = draw(st.lists(TEXT, min_size=rows, max_size=rows))
    else:
        cells = draw(st.lists(st.one_of(INT, FLOAT, NA, TEXT, CODE), min_size=rows, max_size=rows))
    if kind != "code":
        name = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9_ ]{0,8}", fullmatch=True)).strip() or "x"
    pad = draw(st.sampled_from(["", " ", "  "]))
    return name, [pad + c + pad if c and draw(st.booleans()) else c for c in cells]


@st.composite
def csv_bytes(draw) -> tuple[bytes, set[str]]:
    rows = draw(st.integers(0, 12))
    ncol = draw(st.integers(2, 6))
    cols = []
    seen: set[str] = set()
    for _ in range(ncol):
        name, cells = draw(column(rows))
        while name in seen:
            name += "_"
        seen.add(name)
        cols.append((name, cells))
    # at least one cell per row, as in any real table (a blank row goes to the checked reader anyway)
    cols[0] = (cols[0][0], [c if c.strip() else "0" for c in cols[0][1]])
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    buf = io.StringIO()
    w = csv.writer(buf, quoting=quoting, lineterminator=eol)
    w.writerow([c[0] for c in cols])
    for i in range(rows):
        w.writerow([c[1][i] for c in cols])
    text = buf.getvalue()
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no line end after the last row
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    text_columns = {c[0] for c in cols if draw(st.integers(0, 4)) == 0}
    return text.encode(enc), text_columns


def _same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == list(slow.columns)
    assert list(fast.dtypes) == list(slow.dtypes)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert list(fast.attrs[tables.ROWS_ATTR]) == list(slow.attrs[tables.ROWS_ATTR])
    assert set(fast.attrs) == set(slow.attrs)


@given(case=csv_bytes())
def test_fast_path_equals_checked_reader(case, tmp_path_factory):
    raw, text_columns = case
    path = tmp_path_factory.mktemp("fp") / "t.csv"
    path.write_bytes(raw)
    text = tables._decode(raw, path)
    try:
        slow = tables._read_csv_checked(path, text, text_columns)
    except InputError:
        slow = None
    fast = tables._read_clean_csv(text, text_columns)
    if slow is None:
        assert fast is None  # a file the checked reader refuses never gets through the fast path
        return
    if fast is not None:
        _same(fast, slow)
    _same(read_table(path, text_columns=text_columns), slow)


def test_fast_path_taken_on_clean_files(tmp_path):
    """Codes stay as written, blanks/NA markers are missing, BOM and CRLF are fine — on the fast path."""
    text = ('uCode,Name,x,y,iCode\r\n'
            '"007","Korea, Republic of",1,2.5,35.10\r\n'
            '010," ""Quoted"" ",NA, ,0035\r\n')
    raw = codecs.BOM_UTF8 + text.encode()
    fast = tables._read_clean_csv(tables._decode(raw, tmp_path / "a.csv"), set())
    assert fast is not None
    assert fast["uCode"].tolist() == ["007", "010"]
    assert fast["iCode"].tolist() == ["35.10", "0035"]
    assert fast["Name"].tolist() == ["Korea, Republic of", '"Quoted"']
    assert fast["x"].dtype == "float64" and fast["x"].isna().tolist() == [False, True]
    assert fast["y"].tolist()[0] == 2.5 and pd.isna(fast["y"].tolist()[1])
    assert list(fast.attrs["source_rows"]) == [2, 3]


@pytest.mark.parametrize("text, message", [
    ("a,b\n1,2\n3\n", "line 3 has 1 fields but the header has 2"),
    ("a,b\n1,2\n3,4,5\n", "line 3 has 3 fields"),
    ("a;b\n1;2\n", "semicolon-separated"),
    ('a,b\n1,"x\n', "not valid CSV"),
    ('a,b\n1,"x"y\n', "not valid CSV"),
    ("a,a\n1,2\n", "duplicated column name 'a'"),
    (",b\n1,2\n", "column 1 has no name"),
])
def test_refusals_unchanged(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    assert tables._read_clean_csv(text, set()) is None
    with pytest.raises(InputError, match=message):
        read_table(path)


@pytest.mark.parametrize("text", [
    "a,b\n1,inf\n", "a,b\n1,1e400\n", "a,b\n1,2\n\n3,4\n", 'a,b\n1,"x\ny"\n2,z\n', "a,b\r1,2\r",
    "a,b\n,\n1,2\n", "a,b,\n1,2,\n",
])
def test_unusual_files_go_to_the_checked_reader(tmp_path, text):
    """Non-finite numbers, blank rows, values across lines, old Mac line ends, a blank last column."""
    path = tmp_path / "odd.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert tables._read_clean_csv(text, set()) is None
    _same(read_table(path), tables._read_csv_checked(Path(path), text, set()))
