"""The one table reader and the YAML reader: every bad file or value is one line naming file and place.

Each refused case runs ``maturasi validate`` (or ``build``) in-process and asserts exit code 2,
exactly one stderr line, the file named, the row/column/cell or key where it applies, and the
input files byte-identical afterwards. Valid controls (BOMs, UTF-16, cached formula values,
codes such as ``35.10``) must still be accepted.
"""

from __future__ import annotations

import codecs
import io
import textwrap
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import load_framework
from analysis._errors import InputError
from analysis.cli import main
from analysis.data import load_data, read_table
from analysis.tables import parse_number, to_numbers

from .fixtures import FW_ABC as FW
from .fixtures import one_line, patch_sheet, write

DATA = "uCode,uName,a,b,c\nU1,One,1,2,3\nU2,Two,2,3,1\nU3,Three,3,1,2\n"
HEADER = ["uCode", "uName", "a", "b", "c"]
ROWS = [["U1", "One", 1, 2, 3], ["U2", "Two", 2, 3, 1], ["U3", "Three", 3, 1, 2]]


# --- helpers ---------------------------------------------------------------------------------------

def _snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _cli(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


def _defaults(tmp_path: Path, data: Path | None, fw: Path | None) -> tuple[Path, Path]:
    if fw is None:
        fw = tmp_path / "fw.yaml"
        if not fw.exists():
            fw.write_text(FW)
    if data is None:
        data = tmp_path / "data.csv"
        if not data.exists():
            data.write_text(DATA)
    return data, fw


def _validate(tmp_path: Path, capsys, data: Path | None = None, fw: Path | None = None,
              cmd: str = "validate") -> tuple[int, str]:
    data, fw = _defaults(tmp_path, data, fw)
    args = [cmd, "--framework", str(fw), "--data", str(data)]
    if cmd == "build":
        args += ["--out", str(tmp_path / "out")]
    return _cli(args, capsys)


def _refused(tmp_path: Path, capsys, file: Path, needles, **kw) -> str:
    """Run validate; assert exit 2, one line naming ``file`` and every needle, inputs unchanged."""
    _defaults(tmp_path, kw.get("data"), kw.get("fw"))
    before = _snapshot(tmp_path)
    code, err = _validate(tmp_path, capsys, **kw)
    one_line(code, err)
    assert file.name in err, err
    for n in [needles] if isinstance(needles, str) else needles:
        assert n in err, f"{n!r} not in {err!r}"
    assert _snapshot(tmp_path) == before
    return err


def _xlsx(path: Path, header=HEADER, rows=ROWS, edit=None) -> Path:
    """Write a workbook with openpyxl; ``edit(ws)`` may change cells before saving."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(header)
    for r in rows:
        ws.append(r)
    if edit is not None:
        edit(ws)
    wb.save(path)
    return path


# --- files -----------------------------------------------------------------------------------------

def _write_bytes(content: bytes, name: str = "data.csv"):
    def make(tmp_path: Path) -> Path:
        p = tmp_path / name
        p.write_bytes(content)
        return p
    return make


def _folder(tmp_path: Path) -> Path:
    p = tmp_path / "data.csv"
    p.mkdir()
    return p


def _xlsx_as_csv(tmp_path: Path) -> Path:
    src = _xlsx(tmp_path / "tmp.xlsx")
    p = tmp_path / "data.csv"
    p.write_bytes(src.read_bytes())
    src.unlink()
    return p


FILE_CASES = [
    ("folder", _folder, ["is a folder"]),
    ("empty", _write_bytes(b""), ["empty (0 bytes)"]),
    ("missing", lambda t: t / "nowhere.csv", ["not found"]),
    ("short-row", _write_bytes(b"uCode,a,b,c\nU1,1,2,3\nU2,2,3\nU3,3,1,2\n"),
     ["line 3 has 3 fields but the header has 4"]),
    ("long-row", _write_bytes(b"uCode,a,b,c\nU1,1,2,3\nU2,2,3,1\nU3,3,1,2,7\n"),
     ["line 4 has 5 fields but the header has 4"]),
    ("unquoted-comma", _write_bytes(b"uCode,uName,a,b,c\nU1,One,1,2,3\nU2,Two, Ltd,2,3,1\nU3,Three,3,1,2\n"),
     ["line 3 has 6 fields"]),
    ("short-row-after-blank", _write_bytes(b"uCode,a,b,c\nU1,1,2,3\n\nU2,2,3\n"), ["line 4 has 3 fields"]),
    ("semicolon", _write_bytes(b"uCode;a;b;c\nU1;1;2;3\nU2;2;3;1\n"), ["semicolon-separated", "comma-separated"]),
    ("tab", _write_bytes(b"uCode\ta\tb\tc\nU1\t1\t2\t3\n"), ["tab-separated"]),
    ("cp1252", _write_bytes("uCode,uName,a,b,c\nU1,Café,1,2,3\nU2,Two,2,3,1\n".encode("cp1252")),
     ["line 2: not UTF-8", "Windows-1252", "UTF-8"]),
    ("utf16-no-bom", _write_bytes(DATA.encode("utf-16-le")), ["not UTF-8", "UTF-16 without a byte-order mark"]),
    ("xlsx-named-csv", _xlsx_as_csv, ["Excel workbook", ".xlsx"]),
    ("csv-named-xlsx", _write_bytes(DATA.encode(), "data.xlsx"), ["text (CSV) file saved under an Excel name"]),
    ("broken-xlsx", _write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50, "data.xlsx"),
     ["not a readable Excel workbook"]),
    ("old-xls", _write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "data.xls"), ["old-style Excel"]),
    ("unknown-ext", _write_bytes(DATA.encode(), "data.json"), ["unknown file type '.json'"]),
    ("duplicate-header", _write_bytes(b"uCode,a,b,c,a\nU1,1,2,3,4\n"), ["duplicated column name 'a'"]),
    ("nameless-column", _write_bytes(b"uCode,a,b,c,\nU1,1,2,3,4\n"), ["column 5 has no name"]),
    ("bad-quote", _write_bytes(b'uCode,uName,a,b,c\nU1,"One"x,1,2,3\n'), ["line 2: not valid CSV"]),
    ("unclosed-quote", _write_bytes(b'uCode,uName,a,b,c\nU1,One,1,2,3\nU2,"Two,2,3,1\nU3,Three,3,1,2\n'),
     ["line 3: not valid CSV", "never closed"]),
    ("nul-byte", _write_bytes(b"uCode,a,b,c\nU1,1,2\x00,3\n"), ["line 2"]),
    ("only-blank-lines", _write_bytes(b"\n\n\n"), ["no header row"]),
]


@pytest.mark.parametrize("make, needles", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_bad_data_file(tmp_path, capsys, make, needles):
    (tmp_path / "fw.yaml").write_text(FW)
    data = make(tmp_path)
    _refused(tmp_path, capsys, data, needles, data=data)


def test_unreadable_file(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data.csv"
    data.write_text(DATA)
    real = Path.read_bytes

    def deny(self):
        if self == data:
            raise PermissionError(13, "Permission denied")
        return real(self)

    (tmp_path / "fw.yaml").write_text(FW)
    monkeypatch.setattr(Path, "read_bytes", deny)
    code, err = _validate(tmp_path, capsys, data=data)
    monkeypatch.undo()
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "data.csv" in err and "cannot read the data file (permission denied)" in err
    assert data.read_text() == DATA


# --- values in CSV data ----------------------------------------------------------------------------

VALUE_CASES = [
    ("inf", "inf", "'inf' is not a finite number"),
    ("minus-infinity", "-Infinity", "'-Infinity' is not a finite number"),
    ("INF", "INF", "not a finite number"),
    ("1e400", "1e400", "'1e400' is too large"),
    ("-1e999", "-1e999", "too large"),
    ("text", "x7", "non-numeric value 'x7'"),
    ("TRUE", "TRUE", "a boolean (TRUE)"),
    ("false", "false", "a boolean (false)"),
    ("decimal-comma", '"2,5"', "decimal comma"),
    ("percent", "25%", "non-numeric value '25%'"),
    ("underscore", "1_000", "non-numeric value '1_000'"),
]


@pytest.mark.parametrize("cell, needle", [c[1:] for c in VALUE_CASES], ids=[c[0] for c in VALUE_CASES])
def test_bad_value_in_data(tmp_path, capsys, cell, needle):
    data = tmp_path / "data.csv"
    data.write_text(f"uCode,uName,a,b,c\nU1,One,1,2,3\nU2,Two,2,{cell},1\nU3,Three,3,1,2\n")
    _refused(tmp_path, capsys, data, ["row 3, column 'b'", needle], data=data)


def test_bad_value_line_counts_multiline_field(tmp_path, capsys):
    data = tmp_path / "data.csv"
    data.write_text('uCode,uName,a,b,c\nU1,"One\nsecond line",1,2,3\nU2,Two,2,inf,1\nU3,Three,3,1,2\n')
    _refused(tmp_path, capsys, data, ["row 4, column 'b'"], data=data)


def test_non_finite_in_long_table(tmp_path, capsys):
    data = tmp_path / "data.csv"
    rows = [f"U{u},{i},{v}" for u in (1, 2, 3) for i, v in zip("abc", (u, 4 - u, u * 2 % 3))]
    rows[4] = "U2,b,-inf"
    data.write_text("uCode,iCode,value\n" + "\n".join(rows) + "\n")
    _refused(tmp_path, capsys, data, ["row 6, column 'value'", "not a finite number"], data=data)


def test_non_finite_in_denominator_column(tmp_path, capsys):
    fw = tmp_path / "fw.yaml"
    fw.write_text(FW.replace("{code: c, weight: 1, direction: 1}",
                             "{code: c, weight: 1, direction: 1, denominator: pop}"))
    data = tmp_path / "data.csv"
    data.write_text("uCode,a,b,c,pop\nU1,1,2,3,10\nU2,2,3,1,Infinity\nU3,3,1,2,30\n")
    _refused(tmp_path, capsys, data, ["row 3, column 'pop'", "not a finite number"], data=data, fw=fw)


# --- Excel -----------------------------------------------------------------------------------------

def _cell(ref: str, value):
    def edit(ws):
        ws[ref] = value
    return edit


def _error_cell(code: str):
    def make(tmp_path: Path) -> Path:
        p = _xlsx(tmp_path / "data.xlsx", edit=_cell("D3", 0))
        patch_sheet(p, r'<c r="D3"[^>]*>.*?</c>', f'<c r="D3" t="e"><v>{code}</v></c>')
        return p
    return make


def _formula_no_cache(tmp_path: Path) -> Path:
    return _xlsx(tmp_path / "data.xlsx", edit=_cell("D3", "=C3*2"))


def _formula_cached_error(tmp_path: Path) -> Path:
    p = _xlsx(tmp_path / "data.xlsx", edit=_cell("D3", "=C3/0"))
    patch_sheet(p, r'<c r="D3"><f>C3/0</f><v\s*/></c>', '<c r="D3" t="e"><f>C3/0</f><v>#DIV/0!</v></c>')
    return p


def _xlsx_edit(edit):
    return lambda tmp_path: _xlsx(tmp_path / "data.xlsx", edit=edit)


def _ucode_number(fmt: str | None):
    def edit(ws):
        ws["A3"] = 35.1
        if fmt:
            ws["A3"].number_format = fmt
    return _xlsx_edit(edit)


def _empty_sheet(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    p = tmp_path / "data.xlsx"
    wb.save(p)
    return p


XLSX_CASES = [
    *[(f"error-{code}", _error_cell(code), [f"cell Sheet1!D3 holds the Excel error {code}", "row 3", "column 'b'"])
      for code in ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")],
    ("formula-without-value", _formula_no_cache,
     ["cell Sheet1!D3: formula =C3*2 has no saved value", "row 3, column 'b'"]),
    ("formula-cached-error", _formula_cached_error, ["cell Sheet1!D3 holds the Excel error #DIV/0!"]),
    ("boolean-cell", _xlsx_edit(_cell("D3", True)), ["row 3, column 'b'", "a boolean (True)", "Sheet1!D3"]),
    ("date-cell", _xlsx_edit(_cell("D3", datetime(2024, 1, 5))), ["row 3, column 'b'", "a date/time"]),
    ("text-cell", _xlsx_edit(_cell("D3", "n.a.")), ["row 3, column 'b'", "non-numeric value 'n.a.'",
                                                     "cell Sheet1!D3"]),
    ("ucode-float-general", _ucode_number(None), ["cell Sheet1!A3", "column 'uCode'", "typed as a number (35.1)",
                                                   "Text"]),
    ("ucode-format-hides-decimals", _ucode_number("0"), ["typed as a number (35.1)"]),
    ("empty-sheet", _empty_sheet, ["sheet 'Sheet' is empty"]),
    ("duplicate-header", lambda t: _xlsx(t / "data.xlsx", header=["uCode", "uName", "a", "a", "c"]),
     ["duplicated column name 'a'"]),
    ("formula-header", _xlsx_edit(_cell("E1", '="c"')), ["header row must hold plain column names"]),
]


@pytest.mark.parametrize("make, needles", [c[1:] for c in XLSX_CASES], ids=[c[0] for c in XLSX_CASES])
def test_bad_excel(tmp_path, capsys, make, needles):
    (tmp_path / "fw.yaml").write_text(FW)
    data = make(tmp_path)
    _refused(tmp_path, capsys, data, needles, data=data)


# --- framework YAML --------------------------------------------------------------------------------

A = "{code: a, weight: 1, direction: 1}"
YAML_CASES = [
    ("weight-yes", FW.replace(A, "{code: a, weight: yes, direction: 1}"),
     ["node 'a'", "weight must be a number, got a boolean"]),
    ("weight-string", FW.replace(A, "{code: a, weight: '1', direction: 1}"), ["node 'a'", "got text"]),
    ("weight-inf", FW.replace(A, "{code: a, weight: .inf, direction: 1}"), ["node 'a'", "finite"]),
    ("weight-nan", FW.replace(A, "{code: a, weight: .nan, direction: 1}"), ["node 'a'", "finite"]),
    ("weights-overflow", FW.replace(A, "{code: a, weight: 1e308, direction: 1}").replace(
        "{code: b, weight: 1,", "{code: b, weight: 1e308,"), ["node 'D1'", "too large"]),
    ("weight-list", FW.replace(A, "{code: a, weight: [1], direction: 1}"), ["node 'a'", "weight must be a number"]),
    ("direction-yes", FW.replace(A, "{code: a, weight: 1, direction: yes}"), ["node 'a'", "direction must be 1 or -1"]),
    ("direction-string", FW.replace(A, "{code: a, weight: 1, direction: '-1'}"), ["node 'a'", "direction"]),
    ("min-inf", FW.replace(A, "{code: a, weight: 1, direction: 1, min: -.inf, max: 5}"),
     ["node 'a'", "min must be a finite number"]),
    ("max-bool", FW.replace(A, "{code: a, weight: 1, direction: 1, min: 0, max: no}"),
     ["node 'a'", "max must be a number, got a boolean"]),
    ("target-text", FW.replace(A, "{code: a, weight: 1, direction: 1, target: high}"),
     ["node 'a'", "target must be a number"]),
    ("unknown-node-key", FW.replace(A, "{code: a, wieght: 1, direction: 1}"),
     ["node 'a'", "unknown key 'wieght'", "did you mean 'weight'"]),
    ("unknown-top-key", FW.replace("name: t", "nmae: t"), ["unknown key 'nmae'", "did you mean 'name'"]),
    ("duplicate-key-deep", FW.replace(A, "{code: a, weight: 1, weight: 2, direction: 1}"),
     ["line 9", "duplicate key 'weight'"]),
    ("duplicate-key-top", FW + "name: again\n", ["duplicate key 'name'", "first given on line 1"]),
    ("type-unknown", FW.replace(A, "{code: a, weight: 1, direction: 1, type: indikator}"),
     ["node 'a'", "unknown type 'indikator'"]),
    ("level-zero", FW.replace(A, "{code: a, weight: 1, direction: 1, level: 0}"), ["node 'a'", "level must be"]),
    ("code-float", FW.replace("{code: c,", "{code: 1.10,"), ["code 1.1 was read as a number", "quote it"]),
    ("invalid-yaml", FW + "  - : [\n", ["not valid YAML: line"]),
]


@pytest.mark.parametrize("text, needles", [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES])
def test_bad_framework_yaml(tmp_path, capsys, text, needles):
    fw = tmp_path / "fw.yaml"
    fw.write_text(text)
    (tmp_path / "data.csv").write_text(DATA)
    _refused(tmp_path, capsys, fw, needles, fw=fw)


YAML_FILE_CASES = [
    ("folder", lambda p: p.mkdir(), "is a folder"),
    ("empty", lambda p: p.write_bytes(b""), "empty (0 bytes)"),
    ("cp1252", lambda p: p.write_bytes(FW.replace("Index", "Indéx").encode("cp1252")), "not UTF-8"),
]


@pytest.mark.parametrize("make, needle", [c[1:] for c in YAML_FILE_CASES], ids=[c[0] for c in YAML_FILE_CASES])
def test_bad_framework_yaml_file(tmp_path, capsys, make, needle):
    fw = tmp_path / "fw.yaml"
    make(fw)
    (tmp_path / "data.csv").write_text(DATA)
    _refused(tmp_path, capsys, fw, [needle], fw=fw)


def test_duplicate_key_in_spec_is_refused(tmp_path, capsys):
    (tmp_path / "fw.yaml").write_text(FW)
    (tmp_path / "data.csv").write_text(DATA)
    spec = tmp_path / "spec.yaml"
    spec.write_text("normalise:\n  method: minmax\n  method: zscore\n")
    code, err = _cli(["validate", "--framework", str(tmp_path / "fw.yaml"), "--data", str(tmp_path / "data.csv"),
                      "--spec", str(spec)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "spec.yaml" in err and "line 3: duplicate key 'method'" in err


# --- iMeta tables ----------------------------------------------------------------------------------

IMETA = """\
Level,iCode,iName,Direction,Weight,Parent,Type
1,a,A,1,1,D1,Indicator
1,b,B,-1,1,D1,Indicator
1,c,C,1,1,D2,Indicator
2,D1,Dim 1,,1,IDX,Aggregate
2,D2,Dim 2,,1,IDX,Aggregate
3,IDX,Index,,,,Aggregate
"""
IMETA_CASES = [
    ("type-unknown", IMETA.replace("1,b,B,-1,1,D1,Indicator", "1,b,B,-1,1,D1,Indikator"),
     ["row 3, column 'Type'", "unknown Type 'Indikator'"]),
    ("type-empty", IMETA.replace("1,b,B,-1,1,D1,Indicator", "1,b,B,-1,1,D1,"), ["row 3, column 'Type'"]),
    ("level-zero", IMETA.replace("1,b,B,-1", "0,b,B,-1"), ["row 3, column 'Level'", "Level must be"]),
    ("level-fraction", IMETA.replace("1,b,B,-1", "1.5,b,B,-1"), ["row 3, column 'Level'"]),
    ("level-text", IMETA.replace("1,b,B,-1", "one,b,B,-1"), ["row 3, column 'Level'", "non-numeric"]),
    ("indicator-level-two", IMETA.replace("1,b,B,-1", "2,b,B,-1"), ["node 'b'", "indicators are level 1"]),
    ("duplicated-code", IMETA.replace("1,c,C,1,1,D2", "1,b,C,1,1,D2"),
     ["row 4, column 'iCode'", "duplicated iCode 'b'", "first on row 3"]),
    ("weight-inf", IMETA.replace("1,b,B,-1,1,", "1,b,B,-1,inf,"), ["row 3, column 'Weight'", "not a finite number"]),
    ("weight-bool", IMETA.replace("1,b,B,-1,1,", "1,b,B,-1,TRUE,"), ["row 3, column 'Weight'", "boolean"]),
    ("weight-negative", IMETA.replace("1,b,B,-1,1,", "1,b,B,-1,-1,"), ["row 3, column 'Weight'", "negative"]),
    ("weight-missing", IMETA.replace("1,b,B,-1,1,", "1,b,B,-1,,"), ["row 3, column 'Weight'", "missing weight"]),
    ("direction-two", IMETA.replace("1,b,B,-1,", "1,b,B,2,"), ["row 3, column 'Direction'", "1 or -1"]),
    ("direction-missing", IMETA.replace("1,b,B,-1,", "1,b,B,,"), ["row 3, column 'Direction'", "missing"]),
    ("ragged", IMETA.replace("1,b,B,-1,1,D1,Indicator", "1,b,B,-1,1,D1"), ["line 3 has 6 fields"]),
]


@pytest.mark.parametrize("text, needles", [c[1:] for c in IMETA_CASES], ids=[c[0] for c in IMETA_CASES])
def test_bad_imeta(tmp_path, capsys, text, needles):
    fw = tmp_path / "meta.csv"
    fw.write_text(text)
    (tmp_path / "data.csv").write_text(DATA)
    _refused(tmp_path, capsys, fw, needles, fw=fw)


def test_imeta_type_and_level_any_case(tmp_path):
    p = tmp_path / "meta.csv"
    p.write_text(IMETA.replace(",Indicator\n", ",indicator \n").replace(",Aggregate\n", ", AGGREGATE\n")
                 .replace("Level,iCode", "level,iCode"))
    fw = load_framework(p)
    assert fw.indicators == ["a", "b", "c"] and fw.root == "IDX"


def test_imeta_xlsx_reads_like_csv(tmp_path):
    df = pd.read_csv(io.StringIO(IMETA))
    p = tmp_path / "meta.xlsx"
    _xlsx(p, header=list(df.columns), rows=df.astype(object).where(df.notna(), None).values.tolist())
    assert load_framework(p).to_frame().equals(load_framework(write(tmp_path / "meta.csv", IMETA)).to_frame())


def test_builtin_frameworks_still_load():
    from analysis.framework import builtin_frameworks

    for name in builtin_frameworks():
        assert load_framework(name).indicators


# --- valid controls --------------------------------------------------------------------------------

CONTROLS = [
    ("utf8-bom", codecs.BOM_UTF8 + DATA.encode()),
    ("utf16-le-bom", DATA.encode("utf-16")),
    ("utf16-be-bom", codecs.BOM_UTF16_BE + DATA.encode("utf-16-be")),
    ("crlf", DATA.replace("\n", "\r\n").encode()),
    ("trailing-empty-rows", (DATA + ",,,,\n,,,,\n").encode()),
    ("na-markers-are-missing", DATA.replace("U2,Two,2,3,1", "U2,Two,NA,NaN,-").encode()),
    ("trailing-empty-column", DATA.replace("\n", ",\n").encode()),
    ("quoted-values", b'"uCode","uName","a","b","c"\n"U1","One, Ltd","1","2","3"\n"U2","Two",2,3,1\nU3,Three,3,1,2\n'),
]


@pytest.mark.parametrize("content", [c[1] for c in CONTROLS], ids=[c[0] for c in CONTROLS])
def test_valid_csv_controls(tmp_path, capsys, content):
    (tmp_path / "data.csv").write_bytes(content)
    code, err = _validate(tmp_path, capsys)
    assert code == 0, err
    assert (tmp_path / "data.csv").read_bytes() == content


def test_utf16_yaml_with_bom_is_read(tmp_path, capsys):
    (tmp_path / "fw.yaml").write_bytes(FW.encode("utf-16"))
    code, err = _validate(tmp_path, capsys)
    assert code == 0, err


def test_xlsx_cached_formula_value_is_read(tmp_path, capsys):
    p = _xlsx(tmp_path / "data.xlsx", edit=_cell("D3", "=C3*40"))
    patch_sheet(p, r'<c r="D3"><f>C3\*40</f><v\s*/></c>', '<c r="D3"><f>C3*40</f><v>80</v></c>')
    (tmp_path / "fw.yaml").write_text(FW)
    code, err = _validate(tmp_path, capsys, data=p)
    assert code == 0, err
    df = read_table(p)
    assert df.loc[1, "b"] == 80 and pd.api.types.is_numeric_dtype(df["b"])


def test_ucode_text_preserved_through_build_csv(tmp_path, capsys):
    data = tmp_path / "data.csv"
    data.write_text(DATA.replace("U1,", "35.10,").replace("U2,", "0035,").replace("U3,", "35.1,"))
    code, err = _validate(tmp_path, capsys, data=data, cmd="build")
    assert code == 0, err
    scores = pd.read_csv(tmp_path / "out" / "scores.csv", dtype=str)
    assert set(scores["uCode"]) == {"35.10", "0035", "35.1"}


def test_ucode_number_format_preserved_through_build_xlsx(tmp_path, capsys):
    def edit(ws):
        for ref, v in (("A2", 35.1), ("A3", 5.2), ("A4", 3510)):
            ws[ref] = v
        ws["A2"].number_format = ws["A3"].number_format = "00.00"
    p = _xlsx(tmp_path / "data.xlsx", edit=edit)
    code, err = _validate(tmp_path, capsys, data=p, cmd="build")
    assert code == 0, err
    scores = pd.read_csv(tmp_path / "out" / "scores.csv", dtype=str)
    assert set(scores["uCode"]) == {"35.10", "05.20", "3510"}


def test_ucode_text_cell_in_xlsx(tmp_path):
    p = _xlsx(tmp_path / "data.xlsx", edit=_cell("A2", "35.10"))
    assert read_table(p)["uCode"].tolist() == ["35.10", "U2", "U3"]


def test_na_markers_are_missing_in_data(tmp_path):
    fw = load_framework(write(tmp_path / "fw.yaml", FW))
    p = write(tmp_path / "d.csv", DATA.replace("U2,Two,2,3,1", "U2,Two,NA,NaN,"))
    ds = load_data(p, fw)
    assert ds.values.loc["U2"].isna().all()


# --- the library functions -------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [("1.5", 1.5), (" 2 ", 2.0), (3, 3.0), ("", None), ("NA", None)])
def test_parse_number_accepts(value, expected):
    x = parse_number(value)
    assert (x != x) if expected is None else x == expected


@pytest.mark.parametrize("value", [True, "yes", "inf", float("inf"), "1e400", datetime(2020, 1, 1), "1,5"])
def test_parse_number_refuses(value):
    with pytest.raises(ValueError):
        parse_number(value)


def test_to_numbers_required_refuses_nan_string(tmp_path):
    p = write(tmp_path / "w.csv", "code,weight\na,1\nb,NaN\n")
    df = read_table(p, what="weights")
    with pytest.raises(InputError, match=r"w\.csv, row 3, column 'weight': a number is required"):
        to_numbers(df, ["weight"], file=p, required=True)
    assert to_numbers(df, ["weight"], file=p)["weight"].isna().sum() == 1


def test_code_columns_are_text(tmp_path):
    p = write(tmp_path / "t.csv", "kode_wilayah,iCode,Parent,x\n35.10,1.10,01,2.50\n")
    df = read_table(p)
    assert df.iloc[0, :3].tolist() == ["35.10", "1.10", "01"] and df["x"].iloc[0] == 2.5


def test_read_table_row_numbers_skip_blank_lines(tmp_path):
    p = write(tmp_path / "t.csv", "uCode,x\n\nU1,1\n\nU2,2\n")
    assert read_table(p).attrs["source_rows"] == [3, 5]


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    from analysis._yaml import read_yaml

    p = write(tmp_path / "m.yaml", textwrap.dedent("""\
        base: &b {x: 1, y: 2}
        other:
          <<: *b
          y: 3
        """))
    assert read_yaml(p)["other"] == {"x": 1, "y": 3}


def test_parquet_control_and_refusals(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    (tmp_path / "fw.yaml").write_text(FW)
    good = tmp_path / "data.parquet"
    pd.DataFrame({"uCode": ["35.10", "35.20", "35.30"], "a": [1.0, 2, 3], "b": [2.0, 3, 1],
                  "c": [3.0, 1, 2]}).to_parquet(good)
    code, err = _validate(tmp_path, capsys, data=good)
    assert code == 0, err
    assert read_table(good)["uCode"].tolist() == ["35.10", "35.20", "35.30"]
    bad = tmp_path / "inf.parquet"
    pd.DataFrame({"uCode": ["U1", "U2", "U3"], "a": [1.0, float("inf"), 3], "b": [2.0, 3, 1],
                  "c": [3.0, 1, 2]}).to_parquet(bad)
    _refused(tmp_path, capsys, bad, ["row 3, column 'a'", "'inf' is not a finite number"], data=bad)
    floats = tmp_path / "codes.parquet"
    pd.DataFrame({"uCode": [35.1, 35.2, 35.3], "a": [1.0, 2, 3], "b": [2.0, 3, 1], "c": [3.0, 1, 2]}).to_parquet(floats)
    _refused(tmp_path, capsys, floats, ["row 2, column 'uCode'", "typed as a number (35.1)"], data=floats)
    fake = _write_bytes(DATA.encode(), "fake.parquet")(tmp_path)
    _refused(tmp_path, capsys, fake, ["not a Parquet file"], data=fake)


def test_xlsx_zero_padded_integer_code(tmp_path):
    def edit(ws):
        ws["A2"] = 35
        ws["A2"].number_format = "0000"
    p = _xlsx(tmp_path / "data.xlsx", edit=edit)
    assert read_table(p)["uCode"].tolist() == ["0035", "U2", "U3"]


def test_yaml_with_utf8_bom_is_read(tmp_path):
    from analysis._yaml import read_yaml

    p = tmp_path / "x.yaml"
    p.write_bytes(codecs.BOM_UTF8 + b"a: 1\n")
    assert read_yaml(p) == {"a": 1}


def test_yaml_boolean_words_as_keys_are_text(tmp_path):
    from analysis._yaml import read_yaml

    p = write(tmp_path / "s.yaml", "levels: {bands: [50], labels: [lo, hi], on: D1}\nyes: 1\nw: yes\n")
    doc = read_yaml(p)
    assert doc["levels"]["on"] == "D1" and doc["yes"] == 1
    assert doc["w"] is True  # a value keeps YAML's reading, so `weight: yes` is refused as a boolean
