"""Acceptance catalogue: every entry point refuses malformed input with one line and exit 2.

Each case writes a small valid fixture set into ``tmp_path`` (a framework of three dimensions and
six indicators, twelve units with Kemendagri-style codes such as ``35.10`` and ``73.71``, a build
spec, an uncertainty spec, a design table, AHP and budget files, costs, scenarios, a run config and,
where needed, a built baseline run), applies ONE corruption and calls the command line in-process.
It asserts exit code 2; exactly one non-empty line on stderr and no Python warning; that the line
names the expected file (basename) and, where the case says so, the row/column/key/node; that
every file in the fixture folder is byte-identical afterwards; and that nothing new was written
(no output folder, no temporary folder, no ``reports/``). Valid controls for every command check
that the catalogue cannot pass by refusing everything. A few cases also run as real subprocesses,
and a hypothesis test corrupts random cells of the demo CSV.

Where the issue does not fix the wording, only what it requires is checked: the file, the
row/column/key/node, exit 2 and one line.
"""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .fixtures import patch_sheet

ROOT = Path(__file__).resolve().parents[1]
DEMO_CSV = ROOT / "data" / "demo" / "smartcity_2025.csv"

# --- the valid fixture set -------------------------------------------------------------------------

UNITS = [("11.01", "Kabupaten Aceh Selatan", "Aceh"), ("12.71", "Kota Medan", "Sumatera Utara"),
         ("31.71", "Kota Jakarta Selatan", "DKI Jakarta"), ("32.73", "Kota Bandung", "Jawa Barat"),
         ("33.74", "Kota Semarang", "Jawa Tengah"), ("35.10", "Kabupaten Banyuwangi", "Jawa Timur"),
         ("35.78", "Kota Surabaya", "Jawa Timur"), ("51.71", "Kota Denpasar", "Bali"),
         ("64.72", "Kota Samarinda", "Kalimantan Timur"), ("73.71", "Kota Makassar", "Sulawesi Selatan"),
         ("81.71", "Kota Ambon", "Maluku"), ("94.71", "Kota Jayapura", "Papua")]
DIMS = {"GOV": ["GOV_EGOV", "GOV_OSS"], "ECO": ["ECO_GRDP", "ECO_POV"], "LIV": ["LIV_WATER", "LIV_DOC"]}
IND = [c for cs in DIMS.values() for c in cs]
DIRECTION = {c: (-1 if c == "ECO_POV" else 1) for c in IND}
META_COLS = ["uCode", "uName", "province"]
HEADER = META_COLS + IND

#: the cell most data cases corrupt: unit 33.74 is data row 5 = line 6 of the CSV (header = line 1)
BAD_UNIT, BAD_LINE, BAD_COL = "33.74", 6, "ECO_GRDP"
BAD_XL = "F6"   # the same cell in the XLSX sheet (columns A uCode, B uName, C province, D.. indicators)


def _values() -> np.ndarray:
    rng = np.random.default_rng(20261129)
    return np.round(rng.uniform(5, 95, size=(len(UNITS), len(IND))), 2)


def data_rows(values: np.ndarray | None = None) -> list[list[str]]:
    v = _values() if values is None else values
    return [[u, n, p] + [f"{x:g}" for x in v[i]] for i, (u, n, p) in enumerate(UNITS)]


def csv_text(rows: list[list[str]], header: list[str] = HEADER, sep: str = ",") -> str:
    return "\n".join(sep.join(r) for r in [header] + rows) + "\n"


FW_YAML = """\
name: tiny
title: Tiny smart-city index
tree:
  code: IDX
  name: Index
  children:
    - code: GOV
      name: Governance
      weight: 1
      children:
        - {code: GOV_EGOV, name: E-government, weight: 1, direction: 1, unit: "%"}
        - {code: GOV_OSS, name: Online licensing, weight: 1, direction: 1, unit: "%"}
    - code: ECO
      name: Economy
      weight: 1
      children:
        - {code: ECO_GRDP, name: GRDP per capita, weight: 1, direction: 1}
        - {code: ECO_POV, name: Poverty, weight: 1, direction: -1, unit: "%"}
    - code: LIV
      name: Living
      weight: 1
      children:
        - {code: LIV_WATER, name: Safe water, weight: 1, direction: 1, unit: "%"}
        - {code: LIV_DOC, name: Doctors, weight: 1, direction: 1}
"""

FW_FLAT = """\
name: tiny-flat
nodes:
  - {code: IDX, type: aggregate}
  - {code: GOV, parent: IDX, weight: 1, type: aggregate}
  - {code: ECO, parent: IDX, weight: 1, type: aggregate}
  - {code: LIV, parent: IDX, weight: 1, type: aggregate}
  - {code: GOV_EGOV, parent: GOV, weight: 1, direction: 1}
  - {code: GOV_OSS, parent: GOV, weight: 1, direction: 1}
  - {code: ECO_GRDP, parent: ECO, weight: 1, direction: 1}
  - {code: ECO_POV, parent: ECO, weight: 1, direction: -1}
  - {code: LIV_WATER, parent: LIV, weight: 1, direction: 1}
  - {code: LIV_DOC, parent: LIV, weight: 1, direction: 1}
"""

META_HEADER = ["Level", "iCode", "iName", "Direction", "Weight", "Parent", "Type"]
META_ROWS = [["3", "IDX", "Index", "", "", "", "Aggregate"]] + [
    ["2", d, d.title(), "", "1", "IDX", "Aggregate"] for d in DIMS] + [
    ["1", c, c, str(DIRECTION[c]), "1", d, "Indicator"] for d, cs in DIMS.items() for c in cs]
#: line of GOV_OSS in fw_meta.csv (header 1, IDX 2, three dimensions 3-5, GOV_EGOV 6)
META_LINE = 7

SPEC = """\
name: tiny
normalise: {method: minmax, range: [1, 100]}
aggregate: {method: arithmetic}
levels: {bands: [40, 60], labels: [L1, L2, L3]}
seed: 3
"""

UA = """\
N: 8
seed: 5
factors:
  - {name: w_dims, type: weights, level: 2, noise: 0.2}
  - name: agg
    type: choice
    step: aggregate
    alternatives: {arith: arithmetic, geom: geometric}
"""

DESIGN_HEADER = ["w_dims[GOV]", "w_dims[ECO]", "w_dims[LIV]", "agg"]
DESIGN_ROWS = [["0.5", "0.5", "0.5", "arith"], ["0.1", "0.9", "0.4", "geom"], ["0.7", "0.2", "0.6", "arith"],
               ["0.3", "0.8", "0.9", "geom"]]

AHP = """\
IDX:
  labels: [GOV, ECO, LIV]
  matrix: [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]
"""

BUDGET = "expert,GOV,ECO,LIV\nana,50,30,20\nbudi,40,40,20\n"
COSTS = "iCode,cost\n" + "".join(f"{c},{i + 1}\n" for i, c in enumerate(IND))

SCENARIO = """\
name: tiny-scenario
interventions:
  - units: ["35.10"]
    indicators: [GOV_EGOV]
    change: "+20%"
"""

RUN = """\
name: tiny
framework: fw.yaml
data: panel.csv
spec: spec.yaml
ua: ua.yaml
year: 2025
seed: 1
N: 8
n_boot: 5
cluster_k: 3
scenarios: [scenario.yaml]
path_units: ["73.71"]
profile_units: ["73.71"]
"""

RUN_DIR = "runs/baseline_run"
#: the code 35.1 named as such (not as part of 35.10)
CODE_35_1 = re.compile(r"\b35\.1(?!\d)")


def panel_text() -> str:
    v = _values()
    rows = []
    for year, f in ((2024, 0.9), (2025, 1.0)):
        for i, (u, n, p) in enumerate(UNITS):
            rows.append([u, n, p, str(year)] + [f"{x * f:.2f}" for x in v[i]])
    return csv_text(rows, META_COLS + ["year"] + IND)


class Fx:
    """The fixture folder: writes the valid set, offers small editing helpers."""

    def __init__(self, root: Path):
        self.root = root
        files = {"fw.yaml": FW_YAML, "fw_flat.yaml": FW_FLAT, "fw_meta.csv": csv_text(META_ROWS, META_HEADER),
                 "data.csv": csv_text(data_rows()), "panel.csv": panel_text(), "spec.yaml": SPEC, "ua.yaml": UA,
                 "design.csv": csv_text(DESIGN_ROWS, DESIGN_HEADER), "ahp.yaml": AHP, "budget.csv": BUDGET,
                 "costs.csv": COSTS, "scenario.yaml": SCENARIO, "run.yaml": RUN}
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")

    def p(self, name: str) -> Path:
        return self.root / name

    def text(self, name: str) -> str:
        return self.p(name).read_text(encoding="utf-8")

    def write(self, name: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            self.p(name).write_bytes(text)
        else:
            self.p(name).write_text(text, encoding="utf-8")

    def sub(self, name: str, old: str, new: str, count: int = 1) -> None:
        t = self.text(name)
        assert old in t, f"fixture edit: {old!r} not in {name}"
        self.write(name, t.replace(old, new, count))

    def cell(self, name: str, line: int, col: str, value: str) -> None:
        """Set one cell of a comma-separated fixture (``line`` counts the header as 1)."""
        lines = self.text(name).splitlines()
        header = lines[0].split(",")
        cells = lines[line - 1].split(",")
        cells[header.index(col)] = value
        lines[line - 1] = ",".join(cells)
        self.write(name, "\n".join(lines) + "\n")

    def build_run(self) -> None:
        """A baseline run (``maturasi build``) for scenario, path and dashboard cases."""
        from analysis.cli import main

        self.p("runs").mkdir(exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = main(["build", "-f", "fw.yaml", "-d", "data.csv", "-s", "spec.yaml", "-o", RUN_DIR])
        assert code == 0, "the fixture's baseline run could not be built"


# --- XLSX helpers ----------------------------------------------------------------------------------

def write_xlsx(path: Path, header: list, rows: list[list], *, numeric_from: int = 3,
               errors: dict | None = None, formulas: dict | None = None, sheet: str | None = None) -> None:
    """Write a sheet: cells at or after column ``numeric_from`` become numbers when they parse.

    ``errors`` maps cell references to Excel error values (written as true error cells), and
    ``formulas`` maps them to formulas (written without a cached value, as openpyxl does).
    """
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    if sheet:
        ws.title = sheet
    ws.append(list(header))
    for r in rows:
        out = []
        for j, v in enumerate(r):
            if j >= numeric_from and isinstance(v, str):
                try:
                    v = float(v)
                except ValueError:
                    pass
            out.append(v)
        ws.append(out)
    for ref, err in (errors or {}).items():
        ws[ref].value = err
        ws[ref].data_type = "e"
    for ref, f in (formulas or {}).items():
        ws[ref] = f
    wb.save(path)


def cache_formula_value(path: Path, ref: str, value: str) -> None:
    """Give the formula in ``ref`` a cached value, as Excel does when it saves a workbook."""
    patch_sheet(path, rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*/>', rf"\g<1>\g<2><v>{value}</v>")


def data_xlsx(fx: Fx, name: str = "data.xlsx", rows=None, **kw) -> None:
    write_xlsx(fx.p(name), HEADER, rows if rows is not None else data_rows(), **kw)


# --- command lines ---------------------------------------------------------------------------------

def cmd(command: str, *, fw="fw.yaml", data="data.csv", spec="spec.yaml", ua="ua.yaml", out="out",
        extra=()) -> list[str]:
    base = ["-f", fw, "-d", data] + (["-s", spec] if spec else [])
    if command == "validate":
        argv = ["validate"] + base
    elif command == "build":
        argv = ["build"] + base + ["-o", out]
    elif command == "audit":
        argv = ["audit"] + base + ["-o", out, "--n-boot", "5", "--seed", "1"]
    elif command == "weights":
        argv = ["weights"] + base + ["-o", out, "--methods", "equal,entropy"]
    elif command == "cluster":
        argv = ["cluster"] + base + ["-o", out, "--k", "3", "--n-boot", "5", "--seed", "1"]
    elif command in ("uncertainty", "sensitivity"):
        argv = [command] + base + ["--ua", ua, "-o", out]
    else:
        raise ValueError(command)
    return argv + list(extra)


def run_cmd(config="run.yaml", extra=()) -> list[str]:
    return ["run", config, "--dry-run", "--out", "out", *extra]


def scenario_cmd(scenario="scenario.yaml", run=RUN_DIR, extra=()) -> list[str]:
    return ["scenario", "--run", run, "--scenario", scenario, "-o", "out", *extra]


def path_cmd(unit="35.10", to="next", run=RUN_DIR, extra=()) -> list[str]:
    return ["path", "--run", run, "--unit", unit, "--to", to, "-o", "out", *extra]


# --- expectations ----------------------------------------------------------------------------------

def row(line: int, unit: str | None = None) -> re.Pattern:
    """A row named by its line number (``row 6``/``line 6``) or, for data tables, by its unit code."""
    alts = [rf"\b(?:row|line|baris) {line}\b"]
    if unit:
        alts.append(re.escape(f"'{unit}'"))
    return re.compile("|".join(alts), re.I)


def any_of(*texts: str) -> re.Pattern:
    return re.compile("|".join(re.escape(t) for t in texts))


def xl(ref: str, line: int, col: str) -> list[re.Pattern]:
    """An XLSX cell: by its reference (``F6``) or by row and column."""
    cell = rf"\b{ref}\b"
    return [re.compile(rf"{cell}|\b(?:row|line) {line}\b"), re.compile(rf"{cell}|{re.escape(col)}")]


@dataclass
class Case:
    id: str
    argv: list[str]
    setup: Callable[[Fx], None] | None = None
    file: str | tuple | None = None            # basename the line must name (or one of several)
    needles: list = field(default_factory=list)  # strings or patterns that must all appear
    forbid: list = field(default_factory=list)   # strings that must not appear in any output
    run: bool = False                            # the case needs a built baseline run
    subprocess: bool = False                     # the case runs in a child process (or also does)


CASES: list[Case] = []


def case(id, argv, setup=None, file=None, needles=(), **kw):
    CASES.append(Case(id, argv, setup, file, list(needles), **kw))


def at(line: int = BAD_LINE, col: str = BAD_COL, unit: str | None = BAD_UNIT) -> list:
    return [row(line, unit), col]


def set_cell(value: str, line: int = BAD_LINE, col: str = BAD_COL, name: str = "data.csv"):
    return lambda fx: fx.cell(name, line, col, value)


# ---- data: CSV cells -----------------------------------------------------------------------------
BAD_TOKENS = {"inf": "inf", "minus-infinity": "-Infinity", "1e400": "1e400", "abc": "abc", "TRUE": "TRUE",
              "Infinity": "Infinity", "decimal-comma": '"1,5"', "hex": "0x1F", "trailing-e": "5e",
              "double-minus": "--5", "two-dots": "1.2.3", "minus-1e999": "-1e999", "percent": "45%"}
for _k, _v in BAD_TOKENS.items():
    for _c in ("validate", "build"):
        case(f"data-{_k}-{_c}", cmd(_c), set_cell(_v), "data.csv", at())
for _k in ("inf", "1e400", "abc", "TRUE"):
    for _c in ("audit", "weights", "cluster", "uncertainty", "sensitivity"):
        case(f"data-{_k}-{_c}", cmd(_c), set_cell(BAD_TOKENS[_k]), "data.csv", at())
    case(f"data-{_k}-run-panel", run_cmd(), set_cell(BAD_TOKENS[_k], line=BAD_LINE + 12, name="panel.csv"),
         "panel.csv", [row(BAD_LINE + 12, BAD_UNIT), BAD_COL], forbid=["kept"])


# ---- data: table structure ------------------------------------------------------------------------
def _dup_ucode(fx):
    fx.cell("data.csv", BAD_LINE + 1, "uCode", BAD_UNIT)


def _drop_column(col):
    def f(fx):
        lines = [ln.split(",") for ln in fx.text("data.csv").splitlines()]
        j = lines[0].index(col)
        fx.write("data.csv", "\n".join(",".join(c[:j] + c[j + 1:]) for c in lines) + "\n")
    return f


def _ragged(extra: bool):
    def f(fx):
        lines = fx.text("data.csv").splitlines()
        lines[BAD_LINE - 1] = lines[BAD_LINE - 1] + ",99" if extra else lines[BAD_LINE - 1].rsplit(",", 1)[0]
        fx.write("data.csv", "\n".join(lines) + "\n")
    return f


def _semicolon(fx):
    fx.write("data.csv", csv_text(data_rows(), sep=";"))


def _latin1(fx):
    rows = data_rows()
    rows[BAD_LINE - 2][1] = "Kota Semarang Pérmai"
    fx.write("data.csv", csv_text(rows).encode("latin-1"))


def _folder(fx):
    fx.p("datadir").mkdir()


def _csv_as_xlsx(fx):
    fx.write("data.xlsx", fx.text("data.csv"))


def _duplicate_header(fx):
    fx.write("data.csv", csv_text([r + [r[3]] for r in data_rows()], HEADER + ["GOV_EGOV"]))


def _header_only(fx):
    fx.write("data.csv", ",".join(HEADER) + "\n")


def _binary(fx):
    fx.write("data.csv", bytes(range(256)) * 4)


for _c in ("validate", "build"):
    case(f"data-duplicated-ucode-{_c}", cmd(_c), _dup_ucode, "data.csv",
         [row(BAD_LINE + 1), "uCode"])
    case(f"data-empty-ucode-{_c}", cmd(_c), set_cell("", col="uCode"), "data.csv", [row(BAD_LINE), "uCode"])
    case(f"data-missing-indicator-column-{_c}", cmd(_c), _drop_column("LIV_DOC"), "data.csv", ["LIV_DOC"])
    case(f"data-ragged-long-row-{_c}", cmd(_c), _ragged(True), "data.csv", [row(BAD_LINE)])
    case(f"data-ragged-short-row-{_c}", cmd(_c), _ragged(False), "data.csv", [row(BAD_LINE)])
    case(f"data-semicolon-{_c}", cmd(_c), _semicolon, "data.csv")
    case(f"data-latin1-{_c}", cmd(_c), _latin1, "data.csv")
    case(f"data-zero-bytes-{_c}", cmd(_c), lambda fx: fx.write("data.csv", b""), "data.csv")
    case(f"data-folder-{_c}", cmd(_c, data="datadir"), _folder, "datadir")
    case(f"data-csv-saved-as-xlsx-{_c}", cmd(_c, data="data.xlsx"), _csv_as_xlsx, "data.xlsx")
    case(f"data-missing-file-{_c}", cmd(_c, data="nowhere.csv"), None, "nowhere.csv")
    case(f"data-duplicate-column-{_c}", cmd(_c), _duplicate_header, "data.csv", ["GOV_EGOV"])
case("data-header-only", cmd("validate"), _header_only, "data.csv")
case("data-whitespace-only", cmd("validate"), lambda fx: fx.write("data.csv", "\n \n\n"), "data.csv")
case("data-binary-garbage", cmd("validate"), _binary, "data.csv")
case("data-unknown-format", cmd("validate", data="data.json"),
     lambda fx: fx.write("data.json", '{"uCode": ["35.10"]}'), "data.json")
case("data-no-ucode-column", cmd("validate"), lambda fx: fx.sub("data.csv", "uCode,", "kode,"), "data.csv",
     ["uCode"])
case("data-indicator-all-empty", cmd("validate"),
     lambda fx: [fx.cell("data.csv", i, "LIV_DOC", "") for i in range(2, len(UNITS) + 2)], "data.csv",
     ["LIV_DOC"])
for _c in ("audit", "weights", "cluster", "uncertainty", "sensitivity"):
    case(f"data-duplicated-ucode-{_c}", cmd(_c), _dup_ucode, "data.csv", [row(BAD_LINE + 1), "uCode"])
    case(f"data-ragged-long-row-{_c}", cmd(_c), _ragged(True), "data.csv", [row(BAD_LINE)])
    case(f"data-semicolon-{_c}", cmd(_c), _semicolon, "data.csv")
    case(f"data-zero-bytes-{_c}", cmd(_c), lambda fx: fx.write("data.csv", b""), "data.csv")
    case(f"data-folder-{_c}", cmd(_c, data="datadir"), _folder, "datadir")


# ---- data: XLSX -----------------------------------------------------------------------------------
for _c in ("validate", "build"):
    case(f"xlsx-div0-{_c}", cmd(_c, data="data.xlsx"), lambda fx: data_xlsx(fx, errors={BAD_XL: "#DIV/0!"}),
         "data.xlsx", xl(BAD_XL, BAD_LINE, BAD_COL))
    case(f"xlsx-na-error-{_c}", cmd(_c, data="data.xlsx"), lambda fx: data_xlsx(fx, errors={BAD_XL: "#N/A"}),
         "data.xlsx", xl(BAD_XL, BAD_LINE, BAD_COL))
    case(f"xlsx-formula-without-cached-value-{_c}", cmd(_c, data="data.xlsx"),
         lambda fx: data_xlsx(fx, formulas={BAD_XL: "=F5*2"}), "data.xlsx", xl(BAD_XL, BAD_LINE, BAD_COL))


def _xlsx_cell(value):
    def f(fx):
        rows = data_rows()
        rows[BAD_LINE - 2][HEADER.index(BAD_COL)] = value
        write_xlsx(fx.p("data.xlsx"), HEADER, rows, numeric_from=99)
    return f


case("xlsx-value-error", cmd("validate", data="data.xlsx"), lambda fx: data_xlsx(fx, errors={BAD_XL: "#VALUE!"}),
     "data.xlsx", xl(BAD_XL, BAD_LINE, BAD_COL))
case("xlsx-boolean-cell", cmd("validate", data="data.xlsx"), _xlsx_cell(True), "data.xlsx",
     xl(BAD_XL, BAD_LINE, BAD_COL))
case("xlsx-text-abc", cmd("validate", data="data.xlsx"), _xlsx_cell("abc"), "data.xlsx",
     xl(BAD_XL, BAD_LINE, BAD_COL))
case("xlsx-text-inf", cmd("validate", data="data.xlsx"), _xlsx_cell("inf"), "data.xlsx",
     xl(BAD_XL, BAD_LINE, BAD_COL))
case("xlsx-duplicated-ucode", cmd("validate", data="data.xlsx"),
     lambda fx: data_xlsx(fx, rows=[r if i != BAD_LINE - 1 else [BAD_UNIT] + r[1:]
                                    for i, r in enumerate(data_rows())]),
     "data.xlsx", [row(BAD_LINE + 1), "uCode"])
case("xlsx-truncated-zip", cmd("validate", data="data.xlsx"),
     lambda fx: (data_xlsx(fx), fx.write("data.xlsx", fx.p("data.xlsx").read_bytes()[:300])), "data.xlsx")
case("xlsx-empty-sheet", cmd("validate", data="data.xlsx"), lambda fx: write_xlsx(fx.p("data.xlsx"), [], []),
     "data.xlsx")


def _xlsx_ucode_number(number_format: str | None):
    def f(fx):
        import openpyxl

        data_xlsx(fx)
        wb = openpyxl.load_workbook(fx.p("data.xlsx"))
        c = wb.active["A7"]                 # 35.10 typed as a number: Excel keeps 35.1
        c.value = 35.1
        if number_format:
            c.number_format = number_format
        wb.save(fx.p("data.xlsx"))
    return f


def _xlsx_date(fx):
    import datetime

    import openpyxl

    data_xlsx(fx)
    wb = openpyxl.load_workbook(fx.p("data.xlsx"))
    wb.active[BAD_XL] = datetime.date(2025, 3, 1)
    wb.save(fx.p("data.xlsx"))


def _panel_duplicate(fx):
    lines = fx.text("panel.csv").splitlines()
    lines[BAD_LINE + 12] = lines[BAD_LINE + 11]          # unit 33.74 twice in 2025
    fx.write("panel.csv", "\n".join(lines) + "\n")


case("xlsx-ucode-typed-as-number", cmd("validate", data="data.xlsx"), _xlsx_ucode_number(None), "data.xlsx",
     [re.compile(r"\bA7\b|\b(?:row|line) 7\b"), "uCode"])
case("xlsx-date-in-numeric-column", cmd("validate", data="data.xlsx"), _xlsx_date, "data.xlsx",
     xl(BAD_XL, BAD_LINE, BAD_COL))
case("data-utf16-without-bom", cmd("validate"),
     lambda fx: fx.write("data.csv", fx.text("data.csv").encode("utf-16-le")), "data.csv")
case("data-tab-separated", cmd("validate"), lambda fx: fx.write("data.csv", csv_text(data_rows(), sep="\t")),
     "data.csv")
case("data-panel-duplicated-unit-year", cmd("validate", data="panel.csv"), _panel_duplicate, "panel.csv",
     [row(BAD_LINE + 13), "uCode"])


def data_parquet(change: Callable | None = None):
    """The data as Parquet (uCode as text), after ``change(df)``."""
    def f(fx):
        import pandas as pd

        df = pd.read_csv(fx.p("data.csv"), dtype={"uCode": str})
        if change:
            change(df)
        df.to_parquet(fx.p("data.parquet"))
    return f


def _inf_cell(df):
    df.loc[BAD_LINE - 2, BAD_COL] = np.inf


def _codes_as_numbers(df):
    df["uCode"] = df["uCode"].astype(float)


case("parquet-inf", cmd("validate", data="data.parquet"), data_parquet(_inf_cell), "data.parquet", at())
case("parquet-codes-as-numbers", cmd("validate", data="data.parquet"), data_parquet(_codes_as_numbers),
     "data.parquet", ["uCode"])
case("parquet-not-parquet", cmd("validate", data="data.parquet"),
     lambda fx: fx.write("data.parquet", fx.text("data.csv")), "data.parquet")
case("xls-old-format-name", cmd("validate", data="data.xls"), lambda fx: fx.write("data.xls", fx.text("data.csv")),
     "data.xls")


# ---- framework YAML -------------------------------------------------------------------------------
OSS = "{code: GOV_OSS, name: Online licensing, weight: 1, direction: 1, unit: \"%\"}"


def fw_oss(new: str, name: str = "fw.yaml"):
    return lambda fx: fx.sub(name, OSS, new)


FW_NODE_CASES = {
    "weight-inf": "{code: GOV_OSS, weight: .inf, direction: 1}",
    "weight-minus-inf": "{code: GOV_OSS, weight: -.inf, direction: 1}",
    "weight-nan": "{code: GOV_OSS, weight: .nan, direction: 1}",
    "weight-yes": "{code: GOV_OSS, weight: yes, direction: 1}",
    "weight-true": "{code: GOV_OSS, weight: true, direction: 1}",
    "weight-abc": "{code: GOV_OSS, weight: abc, direction: 1}",
    "weight-negative": "{code: GOV_OSS, weight: -1, direction: 1}",
    "weight-1e400-string": "{code: GOV_OSS, weight: 1e400, direction: 1}",
    "weight-list": "{code: GOV_OSS, weight: [1], direction: 1}",
    "weight-empty-string": "{code: GOV_OSS, weight: '', direction: 1}",
    "direction-up": "{code: GOV_OSS, weight: 1, direction: up}",
    "direction-2": "{code: GOV_OSS, weight: 1, direction: 2}",
    "direction-missing": "{code: GOV_OSS, weight: 1}",
    "goalposts-min-above-max": "{code: GOV_OSS, weight: 1, direction: 1, min: 100, max: 0}",
    "goalpost-inf": "{code: GOV_OSS, weight: 1, direction: 1, min: 0, max: .inf}",
    "transform-unknown": "{code: GOV_OSS, weight: 1, direction: 1, transform: sqrt}",
    "level-x": "{code: GOV_OSS, weight: 1, direction: 1, level: x}",
}
for _k, _v in FW_NODE_CASES.items():
    case(f"fw-{_k}", cmd("validate"), fw_oss(_v), "fw.yaml", ["GOV_OSS"])
for _k in ("weight-inf", "weight-yes", "weight-abc"):
    for _c in ("build", "uncertainty"):
        case(f"fw-{_k}-{_c}", cmd(_c), fw_oss(FW_NODE_CASES[_k]), "fw.yaml", ["GOV_OSS"])
case("fw-unknown-key-typo", cmd("validate"), fw_oss("{code: GOV_OSS, weight: 1, direction: 1, sourse: BPS}"),
     "fw.yaml", ["sourse", "source"])
case("fw-duplicate-key-in-node", cmd("validate"), fw_oss("{code: GOV_OSS, weight: 1, weight: 5, direction: 1}"),
     "fw.yaml", ["weight"])
case("fw-duplicate-top-key", cmd("validate"), lambda fx: fx.sub("fw.yaml", "title:", "name: other\ntitle:"),
     "fw.yaml", ["name"])
case("fw-two-weights-1e308", cmd("validate"),
     lambda fx: (fx.sub("fw.yaml", "      weight: 1\n", "      weight: 1.0e+308\n"),
                 fx.sub("fw.yaml", "      weight: 1\n", "      weight: 1.0e+308\n")), "fw.yaml")
case("fw-two-weights-1e308-build", cmd("build"),
     lambda fx: (fx.sub("fw.yaml", "      weight: 1\n", "      weight: 1.0e+308\n"),
                 fx.sub("fw.yaml", "      weight: 1\n", "      weight: 1.0e+308\n")), "fw.yaml")
case("fw-top-key-typo", cmd("validate"), lambda fx: fx.sub("fw.yaml", "tree:", "treee:"), "fw.yaml", ["treee"])
case("fw-empty-file", cmd("validate"), lambda fx: fx.write("fw.yaml", ""), "fw.yaml")
case("fw-a-list", cmd("validate"), lambda fx: fx.write("fw.yaml", "- a\n- b\n"), "fw.yaml")
case("fw-yaml-syntax", cmd("validate"), lambda fx: fx.sub("fw.yaml", "weight: 1, direction: -1",
                                                          "weight: [1, direction: -1"), "fw.yaml")
case("fw-tab-indent", cmd("validate"), lambda fx: fx.sub("fw.yaml", "  name: Index", "\tname: Index"), "fw.yaml")
case("fw-children-not-list", cmd("validate"), lambda fx: fx.write("fw.yaml", FW_YAML.split("    - code: LIV\n")[0]
                                                                  + "    - code: LIV\n      weight: 1\n"
                                                                  "      children: LIV_WATER\n"), "fw.yaml", ["LIV"])
case("fw-node-without-code", cmd("validate"), fw_oss("{name: Online licensing, weight: 1, direction: 1}"),
     "fw.yaml")
case("fw-duplicate-code", cmd("validate"), fw_oss("{code: GOV_EGOV, weight: 1, direction: 1}"), "fw.yaml",
     ["GOV_EGOV"])
case("fw-not-utf8", cmd("validate"), lambda fx: fx.write("fw.yaml", FW_YAML.replace("Economy", "Ekonomi é")
                                                          .encode("latin-1")), "fw.yaml")
case("fw-missing-file", cmd("validate", fw="nowhere.yaml"), None, "nowhere.yaml")
case("fw-folder", cmd("validate", fw="fwdir.yaml"), lambda fx: fx.p("fwdir.yaml").mkdir(), "fwdir.yaml")
case("fw-unknown-parent", cmd("validate", fw="fw_flat.yaml"),
     lambda fx: fx.sub("fw_flat.yaml", "{code: GOV_OSS, parent: GOV,", "{code: GOV_OSS, parent: GOVX,"),
     "fw_flat.yaml", ["GOV_OSS", "GOVX"])
case("fw-cycle", cmd("validate", fw="fw_flat.yaml"),
     lambda fx: (fx.sub("fw_flat.yaml", "{code: GOV, parent: IDX,", "{code: GOV, parent: ECO,"),
                 fx.sub("fw_flat.yaml", "{code: ECO, parent: IDX,", "{code: ECO, parent: GOV,")),
     "fw_flat.yaml", [any_of("GOV", "ECO")])
case("fw-flat-weight-inf", cmd("validate", fw="fw_flat.yaml"),
     lambda fx: fx.sub("fw_flat.yaml", "{code: ECO_POV, parent: ECO, weight: 1,", "{code: ECO_POV, parent: ECO, "
                       "weight: .inf,"), "fw_flat.yaml", ["ECO_POV"])
case("fw-flat-type-typo", cmd("validate", fw="fw_flat.yaml"),
     lambda fx: fx.sub("fw_flat.yaml", "{code: LIV, parent: IDX, weight: 1, type: aggregate}",
                       "{code: LIV, parent: IDX, weight: 1, type: agregate}"), "fw_flat.yaml", ["LIV"])


# ---- framework: iMeta table -----------------------------------------------------------------------
def meta_cell(col: str, value: str, line: int = META_LINE):
    return lambda fx: fx.cell("fw_meta.csv", line, col, value)


META_CASES = {
    "type-indikator": ("Type", "Indikator"), "type-empty": ("Type", ""), "level-x": ("Level", "x"),
    "level-2.5": ("Level", "2.5"), "weight-abc": ("Weight", "abc"), "weight-inf": ("Weight", "inf"),
    "weight-negative": ("Weight", "-1"), "weight-TRUE": ("Weight", "TRUE"), "weight-empty": ("Weight", ""),
    "weight-nan-string": ("Weight", "NaN"), "direction-up": ("Direction", "up"), "direction-empty": ("Direction", ""),
    "direction-0": ("Direction", "0"), "parent-unknown": ("Parent", "GOVX"), "parent-is-indicator": ("Parent",
                                                                                                       "GOV_EGOV"),
}
for _k, (_col, _v) in META_CASES.items():
    case(f"meta-{_k}", cmd("validate", fw="fw_meta.csv"), meta_cell(_col, _v), "fw_meta.csv",
         [any_of("GOV_OSS", f"row {META_LINE}", f"line {META_LINE}")])
case("meta-type-indikator-build", cmd("build", fw="fw_meta.csv"), meta_cell("Type", "Indikator"), "fw_meta.csv",
     [any_of("GOV_OSS", f"row {META_LINE}")])
case("meta-empty-icode", cmd("validate", fw="fw_meta.csv"), meta_cell("iCode", ""), "fw_meta.csv",
     [row(META_LINE)])
case("meta-duplicate-icode", cmd("validate", fw="fw_meta.csv"), meta_cell("iCode", "GOV_EGOV"), "fw_meta.csv",
     ["GOV_EGOV"])
case("meta-cycle", cmd("validate", fw="fw_meta.csv"),
     lambda fx: (fx.cell("fw_meta.csv", 3, "Parent", "ECO"), fx.cell("fw_meta.csv", 4, "Parent", "GOV")),
     "fw_meta.csv", [any_of("GOV", "ECO")])
case("meta-missing-weight-column", cmd("validate", fw="fw_meta.csv"),
     lambda fx: fx.write("fw_meta.csv", csv_text([r[:4] + r[5:] for r in META_ROWS],
                                                 META_HEADER[:4] + META_HEADER[5:])), "fw_meta.csv", ["Weight"])
case("meta-xlsx-div0-weight", cmd("validate", fw="fw_meta.xlsx"),
     lambda fx: write_xlsx(fx.p("fw_meta.xlsx"), META_HEADER, META_ROWS, numeric_from=99,
                           errors={f"E{META_LINE}": "#DIV/0!"}), "fw_meta.xlsx",
     [any_of(f"E{META_LINE}", f"row {META_LINE}", "GOV_OSS")])
case("meta-semicolon", cmd("validate", fw="fw_meta.csv"),
     lambda fx: fx.write("fw_meta.csv", csv_text(META_ROWS, META_HEADER, sep=";")), "fw_meta.csv")


# ---- build spec -----------------------------------------------------------------------------------
def spec_sub(old, new):
    return lambda fx: fx.sub("spec.yaml", old, new)


SPEC_CASES = {
    "unknown-key-typo": (spec_sub("aggregate:", "agregate:"), ["agregate", "aggregate"]),
    "unknown-option-typo": (spec_sub("{method: minmax,", "{methd: minmax,"), ["methd", "method"]),
    "normalise-range-reversed": (spec_sub("range: [1, 100]", "range: [100, 0]"), ["range"]),
    "normalise-range-inf": (spec_sub("range: [1, 100]", "range: [1, .inf]"), ["range"]),
    "normalise-range-one-number": (spec_sub("range: [1, 100]", "range: [1]"), ["range"]),
    "normalise-unknown-method": (spec_sub("{method: minmax,", "{method: minimax,"), ["minimax"]),
    "winmax-negative": (lambda fx: fx.write("spec.yaml", SPEC + "treat: {method: winsorise, winmax: -1}\n"),
                        ["winmax"]),
    "winmax-abc": (lambda fx: fx.write("spec.yaml", SPEC + "treat: {method: winsorise, winmax: abc}\n"), ["winmax"]),
    "skew-inf": (lambda fx: fx.write("spec.yaml", SPEC + "treat: {method: winsorise, skew: .inf}\n"), ["skew"]),
    "bands-not-increasing": (spec_sub("bands: [40, 60]", "bands: [60, 40]"), ["bands"]),
    "bands-labels-count": (spec_sub("labels: [L1, L2, L3]", "labels: [L1, L2]"), ["labels"]),
    "bands-inf": (spec_sub("bands: [40, 60]", "bands: [40, .inf]"), ["bands"]),
    "weight-set-negative": (lambda fx: fx.write("spec.yaml", SPEC + "weight_sets: {w1: {GOV: 1, ECO: -1}}\n"
                                                "weights: w1\n"), ["ECO"]),
    "weight-set-inf": (lambda fx: fx.write("spec.yaml", SPEC + "weight_sets: {w1: {GOV: .inf}}\nweights: w1\n"),
                       ["GOV"]),
    "weight-set-yes": (lambda fx: fx.write("spec.yaml", SPEC + "weight_sets: {w1: {GOV: yes}}\nweights: w1\n"),
                       ["GOV"]),
    "weight-set-unknown-node": (lambda fx: fx.write("spec.yaml", SPEC + "weight_sets: {w1: {NOPE: 1}}\n"
                                                    "weights: w1\n"), ["NOPE"]),
    "weights-unknown-set": (lambda fx: fx.write("spec.yaml", SPEC + "weights: expert\n"), ["expert"]),
    "aggregate-unknown-method": (spec_sub("{method: arithmetic}", "{method: median}"), ["median"]),
    "min-share-2": (spec_sub("{method: arithmetic}", "{method: arithmetic, min_share: 2}"), ["min_share"]),
    "seed-abc": (spec_sub("seed: 3", "seed: abc"), ["seed"]),
    "seed-negative": (spec_sub("seed: 3", "seed: -1"), ["seed"]),
    "impute-by-unknown-column": (lambda fx: fx.write("spec.yaml", SPEC + "impute: {method: group_median, "
                                                     "by: kabupaten}\n"), ["kabupaten"]),
    "override-unknown-indicator": (spec_sub("range: [1, 100]}", "range: [1, 100], overrides: {NOPE: goalposts}}"),
                                   ["NOPE"]),
    "duplicate-key": (lambda fx: fx.write("spec.yaml", SPEC + "seed: 4\n"), ["seed"]),
    "boolean-key": (lambda fx: fx.write("spec.yaml", SPEC + "yes: 1\n"), [any_of("yes", "True")]),
    "a-list": (lambda fx: fx.write("spec.yaml", "- normalise\n- aggregate\n"), []),
    "yaml-syntax": (spec_sub("levels: {bands: [40, 60],", "levels: {bands: [40, 60,"), []),
}
for _k, (_setup, _needles) in SPEC_CASES.items():
    case(f"spec-{_k}", cmd("validate"), _setup, "spec.yaml", _needles, forbid=["data.csv"])
for _k in ("unknown-key-typo", "normalise-range-reversed", "bands-not-increasing", "weight-set-negative"):
    for _c in ("build", "audit"):
        case(f"spec-{_k}-{_c}", cmd(_c), SPEC_CASES[_k][0], "spec.yaml", SPEC_CASES[_k][1], forbid=["data.csv"])
case("spec-missing-file", cmd("validate", spec="nowhere.yaml"), None, "nowhere.yaml")


# ---- weight-set tables (spec ``weight_sets: sets.csv``, UA ``type: weight_set, file: sets.csv``) ------
SETS = "set,iCode,Weight\nw1,GOV,2\nw1,ECO,1\n"
UA_SETS = "set,iCode,Weight\nA,GOV,2\nA,ECO,1\nB,GOV,1\nB,LIV,3\n"


def spec_sets(body: str = SETS):
    def f(fx):
        fx.write("sets.csv", body)
        fx.write("spec.yaml", SPEC + "weight_sets: sets.csv\nweights: w1\n")
    return f


def ua_sets(body: str = UA_SETS):
    def f(fx):
        fx.write("sets.csv", body)
        fx.write("ua.yaml", UA + "  - {name: ws, type: weight_set, file: sets.csv}\n")
    return f


case("sets-inf", cmd("validate"), spec_sets(SETS.replace("GOV,2", "GOV,inf")), "sets.csv", [row(2), "Weight"])
case("sets-negative", cmd("validate"), spec_sets(SETS.replace("GOV,2", "GOV,-2")), "sets.csv", [row(2), "Weight"])
case("sets-boolean", cmd("validate"), spec_sets(SETS.replace("GOV,2", "GOV,TRUE")), "sets.csv", [row(2), "Weight"])
case("sets-listed-twice", cmd("validate"), spec_sets(SETS.replace("ECO,1", "GOV,1")), "sets.csv", [row(3), "GOV"])
case("sets-unknown-node", cmd("validate"), spec_sets(SETS.replace("GOV,2", "NOPE,2")), "sets.csv", ["NOPE"])
case("sets-missing-column", cmd("validate"), spec_sets("set,iCode\nw1,GOV\n"), "sets.csv", ["Weight"])
case("ua-sets-inf", cmd("uncertainty"), ua_sets(UA_SETS.replace("GOV,2", "GOV,inf")), "sets.csv",
     [row(2), "Weight"])
case("ua-sets-unknown-node", cmd("uncertainty"), ua_sets(UA_SETS.replace("GOV,2", "NOPE,2")), "sets.csv", ["NOPE"])


# ---- uncertainty spec -----------------------------------------------------------------------------
def ua_sub(old, new):
    return lambda fx: fx.sub("ua.yaml", old, new)


UA_CASES = {
    "nosie-typo": (ua_sub("noise: 0.2", "nosie: 0.2"), ["nosie", "noise"]),
    "top-key-typo": (ua_sub("seed: 5", "sed: 5"), ["sed"]),
    "N-0": (ua_sub("N: 8", "N: 0"), ["N"]),
    "N-negative": (ua_sub("N: 8", "N: -5"), ["N"]),
    "N-abc": (ua_sub("N: 8", "N: abc"), ["N"]),
    "N-float": (ua_sub("N: 8", "N: 2.5"), ["N"]),
    "N-true": (ua_sub("N: 8", "N: true"), ["N"]),
    "N-huge": (ua_sub("N: 8", "N: 1000000000000"), ["N"]),
    "bad-type": (ua_sub("type: weights", "type: weight"), ["w_dims"]),
    "noise-2": (ua_sub("noise: 0.2", "noise: 2"), ["noise"]),
    "noise-negative": (ua_sub("noise: 0.2", "noise: -0.1"), ["noise"]),
    "noise-inf": (ua_sub("noise: 0.2", "noise: .inf"), ["noise"]),
    "noise-abc": (ua_sub("noise: 0.2", "noise: abc"), ["noise"]),
    "level-7": (ua_sub("level: 2", "level: 7"), ["level"]),
    "distribution-normal": (ua_sub("noise: 0.2}", "noise: 0.2, distribution: normal}"), ["distribution"]),
    "concentration-negative": (ua_sub("noise: 0.2}", "noise: 0.2, distribution: dirichlet, concentration: -1}"),
                               ["concentration"]),
    "step-unknown": (ua_sub("step: aggregate", "step: aggregation"), [any_of("step", "aggregation")]),
    "no-alternatives": (ua_sub("alternatives: {arith: arithmetic, geom: geometric}", "alternatives: {}"), ["agg"]),
    "alternative-unknown-method": (ua_sub("geom: geometric", "geom: geometrik"), ["geometrik"]),
    "factor-without-name": (ua_sub("{name: w_dims, type: weights,", "{type: weights,"), []),
    "duplicate-factor": (ua_sub("name: agg", "name: w_dims"), ["w_dims"]),
    "exclude-unknown-indicator": (lambda fx: fx.write("ua.yaml", UA + "  - {name: drop, type: exclude, "
                                                      "indicators: [NOPE]}\n"), ["NOPE"]),
    "design-lhs": (lambda fx: fx.write("ua.yaml", UA + "design: lhs\n"), [any_of("design", "lhs")]),
    "output-unknown-unit": (lambda fx: fx.write("ua.yaml", UA + "output: rank:99.99\n"), ["99.99"]),
    "seed-abc": (ua_sub("seed: 5", "seed: abc"), ["seed"]),
    "duplicate-key": (lambda fx: fx.write("ua.yaml", UA + "N: 9\n"), ["N"]),
    "factors-mapping": (lambda fx: fx.write("ua.yaml", "N: 8\nfactors: {w_dims: weights}\n"), ["factors"]),
    "not-a-mapping": (lambda fx: fx.write("ua.yaml", "- N\n- 8\n"), []),
    "yaml-syntax": (ua_sub("{name: w_dims,", "{name: w_dims"), []),
}
for _k, (_setup, _needles) in UA_CASES.items():
    case(f"ua-{_k}", cmd("uncertainty"), _setup, "ua.yaml", _needles, forbid=["data.csv"])
for _k in ("nosie-typo", "N-0", "noise-2", "bad-type"):
    case(f"ua-{_k}-sensitivity", cmd("sensitivity"), UA_CASES[_k][0], "ua.yaml", UA_CASES[_k][1])
case("ua-no-factors-sensitivity", cmd("sensitivity"), lambda fx: fx.write("ua.yaml", "N: 8\nseed: 1\n"),
     "ua.yaml")
case("ua-missing-file", cmd("uncertainty", ua="nowhere.yaml"), None, "nowhere.yaml")
case("ua-cli-N-0", cmd("uncertainty", extra=["--N", "0"]), None, None, ["N"])
case("ua-cli-N-negative", cmd("sensitivity", extra=["--N", "-3"]), None, None, ["N"])


# ---- design table (uncertainty --design) ----------------------------------------------------------
def design_cell(col, value, line=3):
    return lambda fx: fx.cell("design.csv", line, col, value)


def _design_multipliers(value):
    def f(fx):
        header = [h + "*" if h.startswith("w_dims") else h for h in DESIGN_HEADER]
        rows = [["1", "1", "1", r[3]] for r in DESIGN_ROWS]
        rows[1][1] = value
        fx.write("design.csv", csv_text(rows, header))
    return f


DESIGN = ["--design", "design.csv"]
DESIGN_CASES = {
    "unknown-alternative": (design_cell("agg", "median"), [row(3), "agg"]),
    "alternative-number-out-of-range": (design_cell("agg", "3"), [row(3), "agg"]),
    "negative-weight": (_design_multipliers("-1"), [row(3), "w_dims[ECO]"]),
    "u-above-1": (design_cell("w_dims[ECO]", "1.5"), [row(3), "w_dims[ECO]"]),
    "weight-abc": (design_cell("w_dims[ECO]", "abc"), [row(3), "w_dims[ECO]"]),
    "weight-inf": (design_cell("w_dims[ECO]", "inf"), [row(3), "w_dims[ECO]"]),
    "missing-column": (lambda fx: fx.write("design.csv", csv_text([r[:3] for r in DESIGN_ROWS], DESIGN_HEADER[:3])),
                       ["agg"]),
    "header-only": (lambda fx: fx.write("design.csv", ",".join(DESIGN_HEADER) + "\n"), []),
    "zero-bytes": (lambda fx: fx.write("design.csv", b""), []),
    "ragged-row": (lambda fx: fx.sub("design.csv", "0.1,0.9,0.4,geom", "0.1,0.9,0.4,geom,7"), [row(3)]),
}
for _k, (_setup, _needles) in DESIGN_CASES.items():
    case(f"design-{_k}", cmd("uncertainty", extra=DESIGN), _setup, "design.csv", _needles, forbid=["data.csv"])
case("design-folder", cmd("uncertainty", extra=["--design", "designdir"]), lambda fx: fx.p("designdir").mkdir(),
     "designdir")


# ---- run config (--dry-run) -----------------------------------------------------------------------
def run_sub(old, new):
    return lambda fx: fx.sub("run.yaml", old, new)


RUN_CASES = {
    "name-escapes": (run_sub("name: tiny", "name: ../../etc"), ["name"]),
    "name-absolute": (run_sub("name: tiny", "name: /tmp/maturasi-escape"), ["name"]),
    "unknown-key-typo": (run_sub("seed: 1", "sede: 1"), ["sede", "seed"]),
    "N-0": (run_sub("N: 8", "N: 0"), ["N"]),
    "N-negative": (run_sub("N: 8", "N: -1"), ["N"]),
    "cluster-k-1": (run_sub("cluster_k: 3", "cluster_k: 1"), ["cluster_k"]),
    "cluster-k-above-units": (run_sub("cluster_k: 3", "cluster_k: 40"), ["cluster_k"]),
    "n-boot-0": (run_sub("n_boot: 5", "n_boot: 0"), ["n_boot"]),
    "path-units-unknown": (run_sub('path_units: ["73.71"]', 'path_units: ["99.99"]'), ["99.99"]),
    # YAML reads a plain 35.1 as a number; no unit has the code 35.1 (35.10 is another unit)
    "path-units-35.1-unquoted": (run_sub('path_units: ["73.71"]', "path_units: [35.1]"), [CODE_35_1]),
    "profile-units-unknown": (run_sub('profile_units: ["73.71"]', 'profile_units: ["99.99"]'), ["99.99"]),
    "missing-data-file": (run_sub("data: panel.csv", "data: nowhere.csv"), ["nowhere.csv"]),
    "missing-spec-file": (run_sub("spec: spec.yaml", "spec: nowhere.yaml"), ["nowhere.yaml"]),
    "year-not-in-data": (run_sub("year: 2025", "year: 1999"), ["1999"]),
    "year-abc": (run_sub("year: 2025", "year: abc"), ["year"]),
    "seed-abc": (run_sub("seed: 1", "seed: abc"), ["seed"]),
    "scenarios-not-list": (run_sub("scenarios: [scenario.yaml]", "scenarios: scenario.yaml"), ["scenarios"]),
    "unknown-notebook": (lambda fx: fx.write("run.yaml", RUN + "notebooks: [01_data_audit, 07_magic]\n"),
                         ["07_magic"]),
    "weight-method-unknown": (lambda fx: fx.write("run.yaml", RUN + "weight_methods: [equal, magic]\n"), ["magic"]),
    "duplicate-key": (lambda fx: fx.write("run.yaml", RUN + "N: 9\n"), ["N"]),
    "not-a-mapping": (lambda fx: fx.write("run.yaml", "- name\n- tiny\n"), []),
    "empty": (lambda fx: fx.write("run.yaml", ""), []),
}
for _k, (_setup, _needles) in RUN_CASES.items():
    _file = ("run.yaml", "nowhere.csv", "nowhere.yaml") if _k.startswith("missing") else "run.yaml"
    case(f"run-{_k}", run_cmd(), _setup, _file, _needles, forbid=["kept"])
case("run-scenario-unknown-unit", run_cmd(), lambda fx: fx.sub("scenario.yaml", '"35.10"', '"99.99"'),
     "scenario.yaml", ["99.99"], forbid=["kept"])
case("run-ua-typo", run_cmd(), UA_CASES["nosie-typo"][0], "ua.yaml", ["nosie"], forbid=["kept"])
case("run-spec-bands", run_cmd(), SPEC_CASES["bands-not-increasing"][0], "spec.yaml", ["bands"],
     forbid=["kept", "panel.csv"])
case("run-fw-weight-inf", run_cmd(), fw_oss(FW_NODE_CASES["weight-inf"]), "fw.yaml", ["GOV_OSS"], forbid=["kept"])
case("run-override-N-0", run_cmd(extra=["-p", "N=0"]), None, None, ["N"], forbid=["kept"])
case("run-override-N-abc", run_cmd(extra=["-p", "N=abc"]), None, None, ["N", "abc"], forbid=["kept"])
case("run-override-year-1999", run_cmd(extra=["-p", "year=1999"]), None, None, ["1999"], forbid=["kept"])
case("run-override-path-units-35.1", run_cmd(extra=["-p", "path_units=[35.1]"]), None, None, [CODE_35_1],
     forbid=["kept"])
case("run-override-not-yaml", run_cmd(extra=["-p", "N=[1,"]), None, None, ["N"], forbid=["kept"])
case("run-override-not-key-value", run_cmd(extra=["-p", "N"]), None, None, ["N"], forbid=["kept"])
case("run-override-unknown-key", run_cmd(extra=["-p", "sede=1"]), None, None, ["sede"], forbid=["kept"])
case("run-missing-config", run_cmd("nowhere.yaml"), None, "nowhere.yaml", forbid=["kept"])


# ---- scenario -------------------------------------------------------------------------------------
def sc_sub(old, new):
    return lambda fx: fx.sub("scenario.yaml", old, new)


SC_CASES = {
    "unknown-unit": (sc_sub('"35.10"', '"99.99"'), ["99.99"]),
    "unknown-indicator": (sc_sub("[GOV_EGOV]", "[NOPE]"), ["NOPE"]),
    "unit-35.1-unquoted": (sc_sub('["35.10"]', "[35.1]"), [CODE_35_1]),
    "change-inf-percent": (sc_sub('"+20%"', '"+inf%"'), [any_of("change", "row 1")]),
    "change-yaml-inf": (sc_sub('"+20%"', ".inf"), [any_of("change", "row 1")]),
    "change-1e400": (sc_sub('"+20%"', '"1e400"'), [any_of("change", "row 1")]),
    "change-nan": (sc_sub('"+20%"', ".nan"), [any_of("change", "row 1")]),
    "change-abc": (sc_sub('"+20%"', "abc"), [any_of("change", "row 1")]),
    "key-typo": (sc_sub("interventions:", "interventons:"), ["interventons"]),
    "intervention-key-typo": (sc_sub("indicators:", "indicatorz:"), ["indicatorz"]),
    "group-unknown-column": (sc_sub('units: ["35.10"]', "group: {kabupaten: x}"), ["kabupaten"]),
    "bounds-reversed": (lambda fx: fx.write("scenario.yaml", SCENARIO + "bounds: {GOV_EGOV: [100, 0]}\n"),
                        ["GOV_EGOV"]),
    "duplicate-key": (lambda fx: fx.write("scenario.yaml", SCENARIO + "name: again\n"), ["name"]),
    "year-abc": (lambda fx: fx.write("scenario.yaml", SCENARIO + "year: abc\n"), ["year"]),
    "year-not-in-run": (lambda fx: fx.write("scenario.yaml", SCENARIO + "year: 1999\n"), ["1999"]),
    "empty": (lambda fx: fx.write("scenario.yaml", ""), []),
}
for _k, (_setup, _needles) in SC_CASES.items():
    case(f"scenario-{_k}", scenario_cmd(), _setup, "scenario.yaml", _needles, run=True)


def sc_xlsx(units="35.10", indicators="GOV_EGOV", change="+20%"):
    return lambda fx: write_xlsx(fx.p("scenario.xlsx"), ["units", "indicators", "change"],
                                 [[units, indicators, change]], numeric_from=99)


case("scenario-xlsx-unknown-unit", scenario_cmd("scenario.xlsx"), sc_xlsx(units="99.99"), "scenario.xlsx",
     ["99.99"], run=True)
case("scenario-xlsx-unknown-indicator", scenario_cmd("scenario.xlsx"), sc_xlsx(indicators="NOPE"),
     "scenario.xlsx", ["NOPE"], run=True)
case("scenario-xlsx-unit-as-number", scenario_cmd("scenario.xlsx"),
     lambda fx: write_xlsx(fx.p("scenario.xlsx"), ["units", "indicators", "change"], [[35.1, "GOV_EGOV", "+20%"]],
                           numeric_from=99), "scenario.xlsx", ["35.1"], run=True)
case("scenario-xlsx-change-inf", scenario_cmd("scenario.xlsx"), sc_xlsx(change="inf"), "scenario.xlsx",
     ["change"], run=True)
case("scenario-csv-as-xlsx", scenario_cmd("scenario.xlsx"), lambda fx: fx.write("scenario.xlsx", "units,change\n"),
     "scenario.xlsx", run=True)
case("scenario-run-nowhere", scenario_cmd(run="nowhere"), None, "nowhere", run=True)
case("scenario-run-without-manifest", scenario_cmd(run="emptyrun"), lambda fx: fx.p("emptyrun").mkdir(),
     "emptyrun", run=True)
case("scenario-missing-file", scenario_cmd("nowhere.yaml"), None, "nowhere.yaml", run=True)


def run_manifest(text: str):
    """Replace the baseline run's manifest.json (the run folder is an input of scenario, path, dashboard)."""
    return lambda fx: fx.write(RUN_DIR + "/manifest.json", text)


case("scenario-run-manifest-not-json", scenario_cmd(), run_manifest("{not json"), "manifest.json", run=True)
case("scenario-run-manifest-empty", scenario_cmd(), run_manifest(""), "manifest.json", run=True)
case("scenario-run-manifest-a-list", scenario_cmd(), run_manifest("[]"), "manifest.json", run=True)
case("scenario-run-input-changed", scenario_cmd(), set_cell("1"), ("manifest.json", "data.csv"), ["data"],
     run=True)
case("scenario-run-input-moved", scenario_cmd(), lambda fx: fx.p("data.csv").rename(fx.p("moved.csv")),
     ("manifest.json", "data.csv"), ["data"], run=True)
case("path-run-manifest-not-json", path_cmd(), run_manifest("{not json"), "manifest.json", run=True)
case("path-run-is-a-file", path_cmd(run="data.csv"), None, "data.csv", run=True)


# ---- path and costs -------------------------------------------------------------------------------
COST = ["--costs", "costs.csv"]


def cluster_without_k(extra: list[str]) -> list[str]:
    argv = cmd("cluster")
    i = argv.index("--k")
    return argv[:i] + argv[i + 2:] + extra

case("path-unknown-unit", path_cmd(unit="99.99"), None, None, ["99.99"], run=True)
case("path-unit-unquoted-style", path_cmd(unit="35.1"), None, None, ["35.1"], run=True)
case("path-to-garbage", path_cmd(to="garbage"), None, None, ["garbage"], run=True)
case("path-to-rank-0", path_cmd(to="rank:0"), None, None, ["rank"], run=True)
case("path-to-rank-abc", path_cmd(to="rank:abc"), None, None, ["rank:abc"], run=True)
case("path-to-unknown-level", path_cmd(to="M9"), None, None, ["M9"], run=True)
case("path-to-inf", path_cmd(to="inf"), None, None, ["inf"], run=True)
case("path-to-nan", path_cmd(to="nan"), None, None, [any_of("nan", "NaN")], run=True)
case("path-unknown-indicator", path_cmd(extra=["--indicators", "GOV_EGOV,NOPE"]), None, None, ["NOPE"], run=True)
case("path-run-nowhere", path_cmd(run="nowhere"), None, "nowhere", run=True)
COST_CASES = {
    "negative": (lambda fx: fx.cell("costs.csv", 3, "cost", "-1"), [row(3), any_of("cost", "GOV_OSS")]),
    "unknown-indicator": (lambda fx: fx.cell("costs.csv", 3, "iCode", "NOPE"), ["NOPE"]),
    "abc": (lambda fx: fx.cell("costs.csv", 3, "cost", "abc"), [row(3), any_of("cost", "GOV_OSS")]),
    "inf": (lambda fx: fx.cell("costs.csv", 3, "cost", "inf"), [row(3), any_of("cost", "GOV_OSS")]),
    "duplicated-indicator": (lambda fx: fx.cell("costs.csv", 3, "iCode", "GOV_EGOV"), [row(3), "GOV_EGOV"]),
    "one-column": (lambda fx: fx.write("costs.csv", "iCode\nGOV_EGOV\n"), []),
    "zero-bytes": (lambda fx: fx.write("costs.csv", b""), []),
}
for _k, (_setup, _needles) in COST_CASES.items():
    case(f"costs-{_k}", path_cmd(extra=COST), _setup, "costs.csv", _needles, run=True)
case("costs-missing-file", path_cmd(extra=["--costs", "nowhere.csv"]), None, "nowhere.csv", run=True)


# ---- cluster, audit, weights (AHP, budget) --------------------------------------------------------
case("cluster-k-1", cmd("cluster", extra=["--k", "1"]), None, None, [any_of("--k", "k")])
case("cluster-k-equals-units", cmd("cluster", extra=["--k", "12"]), None, None, [any_of("--k", "k")])
case("cluster-k-range-reversed", cluster_without_k(["--k-range", "8-2"]), None, None, ["8-2"])
case("cluster-k-range-garbage", cluster_without_k(["--k-range", "two-five"]), None, None, ["two-five"])
case("cluster-k-range-from-1", cluster_without_k(["--k-range", "1-3"]), None, None,
     [any_of("1-3", "k-range", " k ")])
case("cluster-n-boot-0", cmd("cluster", extra=["--n-boot", "0"]), None, None, [any_of("n-boot", "n_boot")])
case("cluster-boundaries-missing", cmd("cluster", extra=["--boundaries", "nowhere.geojson"]), None,
     "nowhere.geojson")
case("audit-n-boot-0", cmd("audit", extra=["--n-boot", "0"]), None, None, [any_of("n-boot", "n_boot")])
case("audit-year-on-cross-section", cmd("audit", extra=["--year", "1999"]), None, None, ["1999"])
case("audit-year-not-in-panel", cmd("audit", data="panel.csv", extra=["--year", "1999"]), None, None, ["1999"])
case("weights-unknown-method", cmd("weights", extra=["--methods", "equal,magic"]), None, None, ["magic"])
case("weights-bod-lower-2", cmd("weights", extra=["--methods", "bod", "--bod-lower", "2"]), None, None,
     [any_of("bod-lower", "bod_lower", "lower")])
case("weights-bod-bounds-crossed", cmd("weights", extra=["--methods", "bod", "--bod-lower", "0.5",
                                                         "--bod-upper", "0.1"]), None, None, [any_of("bod", "lower")])


def ahp_matrix(m: str):
    return lambda fx: fx.write("ahp.yaml", AHP.replace('[[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]', m))


AHP_ARGS = ["--methods", "equal", "--ahp", "ahp.yaml"]
AHP_CASES = {
    "non-square": ahp_matrix('[[1, 3, 5], ["1/3", 1, 2]]'),
    "ragged": ahp_matrix('[[1, 3, 5], ["1/3", 1], ["1/5", "1/2", 1]]'),
    "negative-entry": ahp_matrix('[[1, -3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]'),
    "zero-entry": ahp_matrix('[[1, 0, 5], [1, 1, 2], ["1/5", "1/2", 1]]'),
    "missing-reciprocal": ahp_matrix('[[1, 3, 5], [1, 1, 2], ["1/5", "1/2", 1]]'),
    "diagonal-not-1": ahp_matrix('[[2, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]'),
    "entry-abc": ahp_matrix('[[1, abc, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]'),
    "entry-inf": ahp_matrix('[[1, .inf, 5], [0, 1, 2], ["1/5", "1/2", 1]]'),
    "entry-divide-by-zero": ahp_matrix('[[1, 3, 5], ["1/0", 1, 2], ["1/5", "1/2", 1]]'),
    "labels-mismatch": lambda fx: fx.sub("ahp.yaml", "[GOV, ECO, LIV]", "[GOV, ECO, HEALTH]"),
}
for _k, _setup in AHP_CASES.items():
    case(f"ahp-{_k}", cmd("weights", extra=AHP_ARGS), _setup, "ahp.yaml", ["IDX"])
case("ahp-unknown-node", cmd("weights", extra=AHP_ARGS), lambda fx: fx.sub("ahp.yaml", "IDX:", "NOPE:"),
     "ahp.yaml", ["NOPE"])
case("ahp-csv-negative", cmd("weights", extra=["--methods", "equal", "--ahp", "ahp.csv"]),
     lambda fx: fx.write("ahp.csv", "node,row,col,value\nIDX,GOV,ECO,3\nIDX,GOV,LIV,-5\nIDX,ECO,LIV,2\n"),
     "ahp.csv", [any_of("row 3", "IDX")])
case("ahp-missing-file", cmd("weights", extra=["--methods", "equal", "--ahp", "nowhere.yaml"]), None,
     "nowhere.yaml")
BUDGET_ARGS = ["--methods", "equal", "--budget", "budget.csv"]
BUDGET_CASES = {
    "expert-twice": (lambda fx: fx.write("budget.csv", BUDGET + "ana,20,40,40\n"), [row(4), "ana"]),
    "negative-allocation": (lambda fx: fx.cell("budget.csv", 3, "ECO", "-40"), [any_of("budi", "row 3"), "ECO"]),
    "not-summing-to-100": (lambda fx: fx.cell("budget.csv", 3, "ECO", "10"), [any_of("budi", "row 3")]),
    "unknown-node": (lambda fx: fx.sub("budget.csv", "LIV", "HEALTH"), ["HEALTH"]),
    "points-abc": (lambda fx: fx.cell("budget.csv", 3, "ECO", "abc"), [any_of("budi", "row 3"), "ECO"]),
    "points-inf": (lambda fx: fx.cell("budget.csv", 3, "ECO", "inf"), [any_of("budi", "row 3"), "ECO"]),
    "no-expert-column": (lambda fx: fx.sub("budget.csv", "expert,", "name,"), ["expert"]),
    "header-only": (lambda fx: fx.write("budget.csv", "expert,GOV,ECO,LIV\n"), []),
    "long-expert-twice": (lambda fx: fx.write("budget.csv", "expert,code,points\nana,GOV,50\nana,ECO,30\n"
                                              "ana,LIV,20\nana,GOV,10\n"), [row(5), "ana"]),
}
for _k, (_setup, _needles) in BUDGET_CASES.items():
    case(f"budget-{_k}", cmd("weights", extra=BUDGET_ARGS), _setup, "budget.csv", _needles)


def _budget_xlsx(fx):
    rows = [r.split(",") for r in BUDGET.splitlines()]
    write_xlsx(fx.p("budget.xlsx"), rows[0], rows[1:], numeric_from=1, errors={"C3": "#DIV/0!"})


def _ahp_xlsx(fx):
    labels = ["GOV", "ECO", "LIV"]
    rows = [["GOV", "1", "3", "5"], ["ECO", "0.333333333333", "1", "2"], ["LIV", "0.2", "0.5", "1"]]
    write_xlsx(fx.p("ahp.xlsx"), [""] + labels, rows, numeric_from=1, sheet="IDX", errors={"C4": "#N/A"})


case("budget-xlsx-error-cell", cmd("weights", extra=["--methods", "equal", "--budget", "budget.xlsx"]), _budget_xlsx,
     "budget.xlsx", [any_of("C3", "row 3", "budi")])
case("ahp-xlsx-error-cell", cmd("weights", extra=["--methods", "equal", "--ahp", "ahp.xlsx"]), _ahp_xlsx,
     "ahp.xlsx", [any_of("C4", "row 4", "IDX")])
case("scenario-xlsx-formula-without-cached-value", scenario_cmd("scenario.xlsx"),
     lambda fx: write_xlsx(fx.p("scenario.xlsx"), ["units", "indicators", "change"], [["35.10", "GOV_EGOV", "1"]],
                           numeric_from=99, formulas={"C2": "=1+1"}), "scenario.xlsx",
     [any_of("C2", "row 2", "change")], run=True)

# ---- run without --dry-run: a refused preflight is one line, runs no notebook, claims nothing kept ---
PREFLIGHT = ["run", "run.yaml", "--out", "out", "--no-progress"]
case("run-preflight-year-not-in-data", PREFLIGHT, RUN_CASES["year-not-in-data"][0], "run.yaml", ["1999"],
     forbid=["kept", "notebook"], subprocess=True)
case("run-preflight-data-inf", PREFLIGHT, set_cell("inf", line=BAD_LINE + 12, name="panel.csv"), "panel.csv",
     [row(BAD_LINE + 12, BAD_UNIT), BAD_COL], forbid=["kept", "notebook"], subprocess=True)
case("run-preflight-name-escapes", ["run", "run.yaml", "--no-progress"], RUN_CASES["name-escapes"][0], "run.yaml",
     ["name"], forbid=["kept", "notebook"], subprocess=True)


# ---- years: panel data need an existing year; a cross-section has none ---------------------------
case("year-audit-abc-on-panel", cmd("audit", data="panel.csv", extra=["--year", "abc"]), None, "panel.csv", ["abc"])
case("year-weights-on-cross-section", cmd("weights", extra=["--year", "1999"]), None, "data.csv", ["1999"])
case("year-cluster-on-cross-section", cmd("cluster", extra=["--year", "1999"]), None, "data.csv", ["1999"])
case("year-uncertainty-panel-without-year", cmd("uncertainty", data="panel.csv"), None, "panel.csv", ["year"])
case("year-uncertainty-panel-1999", cmd("uncertainty", data="panel.csv", extra=["--year", "1999"]), None,
     "panel.csv", ["1999"])
case("year-sensitivity-panel-1999", cmd("sensitivity", data="panel.csv", extra=["--year", "1999"]), None,
     "panel.csv", ["1999"])
case("year-spec-reference-year-not-in-data", cmd("validate", data="panel.csv"),
     spec_sub("range: [1, 100]}", "range: [1, 100], reference_year: 1999}"), "spec.yaml", ["1999"])


# ---- output paths: never an input, inside an input, the current folder, or a folder of something else --
def _out(argv: list[str], out: str) -> list[str]:
    i = argv.index("-o") if "-o" in argv else argv.index("--out")
    return argv[:i + 1] + [out] + argv[i + 2:]


OUT_CASES = {
    "build-is-data": (cmd("build"), "data.csv", False, None),
    "build-is-dot": (cmd("build"), ".", False, None),
    "build-earlier-output-without-force": (cmd("build"), RUN_DIR, True, None),
    "scenario-is-run": (scenario_cmd(), RUN_DIR, True, None),
    "scenario-inside-run": (scenario_cmd(), RUN_DIR + "/sub", True, None),
    "path-is-run": (path_cmd(), RUN_DIR, True, None),
    "path-is-costs": (path_cmd(extra=COST), "costs.csv", True, None),
    "uncertainty-is-ua": (cmd("uncertainty"), "ua.yaml", False, None),
    "uncertainty-is-design": (cmd("uncertainty", extra=DESIGN), "design.csv", False, None),
    "sensitivity-is-framework": (cmd("sensitivity"), "fw.yaml", False, None),
    "weights-is-ahp": (cmd("weights", extra=AHP_ARGS), "ahp.yaml", False, None),
    "weights-is-dot": (cmd("weights"), ".", False, None),
    "audit-is-parent": (cmd("audit"), "..", False, None),
    "cluster-existing-folder": (cmd("cluster"), "notes", False, lambda fx: (fx.p("notes").mkdir(),
                                                                             fx.write("notes/todo.txt", "x"))),
    "run-is-data": (run_cmd(), "panel.csv", False, None),
}
for _k, (_argv, _o, _run, _setup) in OUT_CASES.items():
    case(f"out-{_k}", _out(_argv, _o), _setup, None, [f"'{_o}'"], run=_run)


# ---- the command line itself: argparse's usage text must not make the answer several lines -----------
case("cli-k-not-a-number", cmd("cluster", extra=["--k", "abc"]), None, None, ["--k", "abc"])
case("cli-invalid-choice", cmd("cluster", extra=["--method", "magic"]), None, None, ["--method", "magic"])
case("cli-missing-required-option", ["build", "-f", "fw.yaml", "-d", "data.csv"], None, None, ["--out"])
case("cli-unknown-option", cmd("validate", extra=["--dta", "data.csv"]), None, None, ["--dta"])
case("cli-audit-seed-negative", cmd("audit", extra=["--seed", "-1"]), None, None, ["seed"])
case("cli-cluster-seed-negative", cmd("cluster", extra=["--seed", "-1"]), None, None, ["seed"])
case("run-path-to-garbage", run_cmd(), lambda fx: fx.write("run.yaml", RUN + "path_to: garbage\n"), "run.yaml",
     [any_of("path_to", "garbage")], forbid=["kept"])


# ---- dashboard (always a child process: a dashboard that does not refuse would serve forever) -----
case("dashboard-run-nowhere", ["dashboard", "--runs", "runs", "--run", "nowhere", "--port", "0"], None, "nowhere",
     run=True, subprocess=True)
case("dashboard-runs-nowhere", ["dashboard", "--runs", "nowhere", "--port", "0"], None, "nowhere",
     subprocess=True)
case("dashboard-unknown-unit", ["dashboard", "--runs", "runs", "--run", RUN_DIR, "--unit", "99.99", "--port", "0"],
     None, None, ["99.99"], run=True, subprocess=True)
case("dashboard-run-without-manifest", ["dashboard", "--runs", "runs", "--run", "emptyrun", "--port", "0"],
     lambda fx: fx.p("emptyrun").mkdir(), "emptyrun", run=True, subprocess=True)

case("dashboard-language-unknown", ["dashboard", "--runs", "runs", "--run", RUN_DIR, "--lang", "fr", "--port", "0"],
     None, None, ["fr"], run=True, subprocess=True)
case("dashboard-port-not-a-number", ["dashboard", "--runs", "runs", "--run", RUN_DIR, "--port", "http"], None, None,
     ["http"], run=True, subprocess=True)

case("dashboard-run-manifest-not-json", ["dashboard", "--runs", "runs", "--run", RUN_DIR, "--port", "0"],
     run_manifest("{not json"), "manifest.json", run=True, subprocess=True)

#: cases that also run as real child processes (exit code, no traceback, one line)
ALSO_SUBPROCESS = {"data-inf-build", "xlsx-div0-validate", "spec-bands-not-increasing", "run-year-not-in-data",
                   "scenario-unit-35.1-unquoted", "ahp-missing-reciprocal"}

assert len({c.id for c in CASES}) == len(CASES), "duplicate case ids"
assert len(CASES) >= 150, len(CASES)
assert ALSO_SUBPROCESS <= {c.id for c in CASES}


# --- running a case --------------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``: relative path → SHA-256 (``dir`` for folders)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if "__pycache__" in rel or rel.startswith(".hypothesis"):
            continue
        out[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    warnings: list[str]


def call_in_process(argv: list[str], capsys) -> Outcome:
    """``analysis.cli.main(argv)`` in this process; every Python warning it raises is recorded."""
    from analysis.cli import main

    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = main(argv)
        except SystemExit as e:     # argparse refusals
            code = e.code
        except Exception as e:      # noqa: BLE001 - what a user would see as a traceback
            code = None
            print("Traceback (in process): " + "".join(traceback.format_exception_only(type(e), e)).strip(),
                  file=sys.stderr)
    got = capsys.readouterr()
    return Outcome(code, got.out, got.err, [f"{w.category.__name__}: {w.message}" for w in caught])


#: a child process that has not refused within this time is taken to be serving or running (a failure);
#: generous, so that a loaded machine (slow imports) does not fail a case that does refuse
REFUSE_WITHIN_S = 150


def call_child(argv: list[str], cwd: Path, timeout: float = 300) -> Outcome:
    """``python -m analysis.cli argv`` as a real child process (warnings then reach its stderr)."""
    try:
        r = subprocess.run([sys.executable, "-m", "analysis.cli", *argv], cwd=cwd, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return Outcome(None, str(e.stdout or ""), f"(still running after {timeout} s: it did not refuse)", [])
    return Outcome(r.returncode, r.stdout, r.stderr, [])


def _matches(needle, text: str) -> bool:
    return bool(needle.search(text)) if isinstance(needle, re.Pattern) else needle in text


def check_refusal(c: Case, got: Outcome) -> None:
    """Exit 2, no traceback, one non-empty stderr line, no warning, the expected file and needles named."""
    shown = f"exit {got.code}\nstdout: {got.out[-1500:]!r}\nstderr: {got.err[-3000:]!r}\nwarnings: {got.warnings}"
    assert got.code == 2, shown
    assert "Traceback" not in got.err, shown
    lines = got.err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), "stderr must be exactly one non-empty line\n" + shown
    assert not got.warnings, "Python warnings were raised\n" + shown
    line = lines[0]
    assert not re.search(r"\{\w+![rsa]\}", line), "the message holds an unformatted template\n" + shown
    if c.file is not None:
        files = c.file if isinstance(c.file, tuple) else (c.file,)
        assert any(f in line for f in files), f"the line does not name {' or '.join(files)}\n" + shown
    for n in c.needles:
        assert _matches(n, line), f"the line does not name {getattr(n, 'pattern', n)!r}\n" + shown
    for f in c.forbid:
        assert f not in line and f not in got.out, f"the output mentions {f!r}\n" + shown


@pytest.fixture
def fx(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return Fx(tmp_path)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_with_one_line(c: Case, fx, capsys):
    """One corruption, one command: refused with one line; inputs untouched; nothing written."""
    if c.run:
        fx.build_run()
    if c.setup:
        c.setup(fx)
    before = snapshot(fx.root)
    got = call_child(c.argv, fx.root, timeout=REFUSE_WITHIN_S) if c.subprocess else call_in_process(c.argv, capsys)
    after = snapshot(fx.root)
    check_refusal(c, got)
    changed = sorted(k for k in before if after.get(k) != before[k])
    added = sorted(set(after) - set(before))
    assert not changed, f"input files changed or removed: {changed}"
    assert not added, f"files or folders left behind: {added}"


@pytest.mark.parametrize("c", [c for c in CASES if c.id in ALSO_SUBPROCESS], ids=lambda c: c.id)
def test_bad_input_in_a_child_process(c: Case, fx):
    """A few cases again as ``python -m analysis.cli``: the exit code and stderr a user sees."""
    if c.run:
        fx.build_run()
    if c.setup:
        c.setup(fx)
    before = snapshot(fx.root)
    got = call_child(c.argv, fx.root)
    assert snapshot(fx.root) == before
    check_refusal(Case(c.id, c.argv, None, c.file, c.needles, c.forbid), got)


# --- valid controls --------------------------------------------------------------------------------

@dataclass
class Control:
    id: str
    argv: list[str]
    setup: Callable[[Fx], None] | None = None
    run: bool = False
    outputs: tuple = ()            # files expected under out/ afterwards
    check: Callable[[Fx, Outcome], None] | None = None


def _group_readable(out: Path) -> None:
    """Outputs are readable by the group (when the umask lets them be), never mode 0700."""
    import os

    umask = os.umask(0)
    os.umask(umask)
    if umask & 0o040:
        return
    for p in [out, *out.rglob("*")]:
        need = 0o050 if p.is_dir() else 0o040
        assert p.stat().st_mode & need == need, f"{p} is not readable by the group ({oct(p.stat().st_mode)})"


def _unit_codes_are_text(fx: Fx, got: Outcome) -> None:
    out = fx.p("out")
    text = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.csv"))
    assert "35.10" in text, "unit code 35.10 lost in the outputs"
    assert not re.search(r"(^|[,\n])35\.1(,|\n)", text), "unit code 35.10 was written as 35.1"


def _meta_keeps_indicators(fx: Fx, got: Outcome) -> None:
    from analysis.framework import load_framework

    assert load_framework(fx.p("fw_meta.csv")).indicators == IND


def _cached_formula_is_read(fx: Fx, got: Outcome) -> None:
    import pandas as pd

    scores = pd.read_csv(fx.p("out") / "normalised.csv", dtype={"uCode": str}).set_index("uCode")
    assert scores[BAD_COL].notna().all()


def _xlsx_cached(fx):
    data_xlsx(fx, formulas={BAD_XL: "=F5*2"})
    cache_formula_value(fx.p("data.xlsx"), BAD_XL, "42")


def _utf16(fx):
    fx.write("data.csv", fx.text("data.csv").encode("utf-16"))


def _missing_markers(fx):
    for line, v in ((3, ""), (4, "NA"), (5, "")):
        fx.cell("data.csv", line, BAD_COL, v)


def _numbers_written_differently(fx):
    for line, v in ((3, "1.5e1"), (4, "+20"), (5, " 33.5 "), (7, "7")):
        fx.cell("data.csv", line, BAD_COL, v)


CONTROLS = [
    Control("build", cmd("build"), outputs=("manifest.json",), check=_unit_codes_are_text),
    Control("build-xlsx", cmd("build", data="data.xlsx"), data_xlsx, outputs=("manifest.json",),
            check=_unit_codes_are_text),
    Control("build-xlsx-cached-formula", cmd("build", data="data.xlsx"), _xlsx_cached, check=_cached_formula_is_read),
    Control("build-utf16-bom", cmd("build"), _utf16, check=_unit_codes_are_text),
    Control("build-utf8-bom", cmd("build"), lambda fx: fx.write("data.csv", b"\xef\xbb\xbf" +
                                                                 fx.p("data.csv").read_bytes())),
    Control("build-missing-markers", cmd("build"), _missing_markers),
    Control("build-parquet", cmd("build", data="data.parquet"), data_parquet(), check=_unit_codes_are_text),
    Control("build-crlf", cmd("build"), lambda fx: fx.write("data.csv", fx.text("data.csv").replace("\n", "\r\n")
                                                            .encode()), check=_unit_codes_are_text),
    Control("build-xlsx-code-with-number-format", cmd("build", data="data.xlsx"), _xlsx_ucode_number("00.00"),
            check=_unit_codes_are_text),
    Control("build-number-spellings", cmd("build"), _numbers_written_differently),
    Control("build-flat-framework", cmd("build", fw="fw_flat.yaml")),
    # the spec's documented ``levels: {…, on: <node>}``, written as the docstring shows (YAML 1.1 reads a
    # plain ``on`` key as true)
    Control("build-levels-on-a-dimension", cmd("build"),
            lambda fx: fx.sub("spec.yaml", "labels: [L1, L2, L3]}", "labels: [L1, L2, L3], on: GOV}")),
    Control("build-meta-framework", cmd("build", fw="fw_meta.csv")),
    Control("build-meta-lowercase-type", cmd("build", fw="fw_meta.csv"),
            lambda fx: [fx.cell("fw_meta.csv", i, "Type", t.lower()) for i, t in
                        enumerate((r[6] for r in META_ROWS), start=2)], check=_meta_keeps_indicators),
    Control("validate", cmd("validate")),
    Control("build-weight-set-table", cmd("build"), spec_sets()),
    Control("uncertainty-weight-set-table", cmd("uncertainty"), ua_sets()),
    Control("validate-panel", cmd("validate", data="panel.csv")),
    Control("validate-no-spec", cmd("validate", spec=None)),
    Control("run-dry-run", run_cmd()),
    Control("uncertainty", cmd("uncertainty"), outputs=("rank_stats.csv", "manifest.json")),
    Control("uncertainty-design", cmd("uncertainty", extra=DESIGN), outputs=("rank_stats.csv",)),
    Control("sensitivity", cmd("sensitivity"), outputs=("sobol.csv",)),
    Control("weights", cmd("weights"), outputs=("manifest.json",)),
    Control("weights-ahp", cmd("weights", extra=AHP_ARGS)),
    Control("weights-budget", cmd("weights", extra=BUDGET_ARGS)),
    Control("audit", cmd("audit"), outputs=("manifest.json",)),
    Control("cluster", cmd("cluster"), outputs=("manifest.json",)),
    Control("scenario", scenario_cmd(), run=True, outputs=("manifest.json",)),
    Control("scenario-xlsx", scenario_cmd("scenario.xlsx"), sc_xlsx(), run=True),
    Control("path", path_cmd(extra=COST), run=True, outputs=("path.csv",)),
    Control("path-rank", path_cmd(unit="35.10", to="rank:3"), run=True),
]


@pytest.mark.parametrize("ctl", CONTROLS, ids=[c.id for c in CONTROLS])
def test_valid_control_is_accepted(ctl: Control, fx, capsys):
    """Valid inputs pass every command: exit 0, no warning, inputs untouched, group-readable outputs."""
    if ctl.run:
        fx.build_run()
    if ctl.setup:
        ctl.setup(fx)
    inputs = snapshot(fx.root)
    got = call_in_process(ctl.argv, capsys)
    shown = f"exit {got.code}\nstdout: {got.out[-1500:]!r}\nstderr: {got.err[-3000:]!r}"
    assert got.code == 0, shown
    assert "Traceback" not in got.err, shown
    after = snapshot(fx.root)
    assert all(after.get(k) == v for k, v in inputs.items()), "an input file changed"
    assert not got.warnings, "a successful run raised Python warnings\n" + shown + f"\n{got.warnings[:5]}"
    assert "WARNING" not in got.err and "[IPKernelApp]" not in got.err, shown
    for name in ctl.outputs:
        assert (fx.p("out") / name).is_file(), f"out/{name} missing\n" + shown
    if fx.p("out").exists():
        _group_readable(fx.p("out"))
    if ctl.check:
        ctl.check(fx, got)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_valid_dashboard_serves(fx):
    """The control for the dashboard cases: with a valid run it starts serving (and is stopped)."""
    pytest.importorskip("panel")
    fx.build_run()
    port = _free_port()
    log = fx.root.parent / f"dashboard-{port}.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "analysis.cli", "dashboard", "--runs", "runs", "--run",
                                 RUN_DIR, "--port", str(port)], cwd=fx.root, stdout=fh, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    if urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).status == 200:
                        break
                except OSError:
                    pass
                assert proc.poll() is None, "the dashboard stopped:\n" + log.read_text()
                assert time.monotonic() < deadline, "the dashboard did not serve:\n" + log.read_text()
                time.sleep(0.5)
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- random corruption of the demo CSV (hypothesis) ------------------------------------------------

_DEMO = {}


def _demo():
    """The demo CSV's lines and the positions of its indicator columns (read once)."""
    if not _DEMO:
        from analysis.framework import load_framework

        lines = DEMO_CSV.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        inds = set(load_framework("kominfo_gm100sc").indicators)
        _DEMO.update(lines=lines, header=header, cols=[j for j, h in enumerate(header) if h in inds])
    return _DEMO


NON_NUMBERS = ["inf", "-inf", "Infinity", "-Infinity", "+inf", "INF", "1e400", "-1e400", "1e999", "abc", "TRUE",
               "FALSE", "true", "yes", "#DIV/0!", "#VALUE!", "#REF!", "0x1A", "1,5", "1.2.3", "--1", "5e", "e5",
               "½", "12\u00a0000", "∞", "NaNx", "12%", "Rp 1.000", "=A1+1", "'42"]
#: missing-value markers (pandas' defaults among them): accepting one as missing is fine, refusing it too
MISSING = ["", " ", "NA", "N/A", "n/a", "NaN", "nan", "-nan", "#N/A", "#NA", "-", "None", "null", "NULL", "<NA>"]
_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def must_refuse(value: str) -> bool:
    """True when a cell can be neither a number nor a missing marker (ambiguous spellings are False)."""
    if value.strip() in MISSING or (_NUMBER.match(value) and np.isfinite(float(value))):
        return False
    try:
        return not np.isfinite(float(value))   # inf, 1e400 …; other spellings Python reads (١٢, 1_0) pass
    except ValueError:
        return True


def _token():
    huge = st.floats(min_value=1e200, max_value=1e308).map(lambda v: f"{v:.17g}")
    text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=',"\r\n'),
                   min_size=1, max_size=8)
    finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).map(repr)
    return st.one_of(st.sampled_from(NON_NUMBERS), st.sampled_from(MISSING), huge, text, finite)


@settings(max_examples=40, deadline=None, derandomize=True, report_multiple_bugs=False,
          phases=[Phase.explicit, Phase.generate],   # no shrinking: the message lists the cells already
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_corruption_of_the_demo_csv(data, capsys):
    """1-3 random indicator cells of the demo CSV replaced by bad tokens, text, huge or non-finite numbers.

    ``validate`` either accepts (every new value is a number or a missing marker) or refuses with one
    line naming the file and a corrupted cell's row and column; never another exit code or a traceback.
    """
    demo = _demo()
    lines = list(demo["lines"])
    n_rows = len(lines) - 1
    k = data.draw(st.integers(1, 3), label="cells")
    cells = {}
    for _ in range(k):
        r = data.draw(st.integers(1, n_rows), label="data row")
        j = data.draw(st.sampled_from(demo["cols"]), label="column")
        cells[(r, j)] = data.draw(_token(), label="value")
    for (r, j), v in cells.items():
        parts = lines[r].split(",")
        parts[j] = f'"{v}"' if "," in v else v
        lines[r] = ",".join(parts)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "corrupted.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        got = call_in_process(["validate", "-f", "kominfo_gm100sc", "-d", str(path)], capsys)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
        assert sorted(p.name for p in Path(d).iterdir()) == ["corrupted.csv"]
    shown = f"cells {[(r + 1, demo['header'][j], v) for (r, j), v in cells.items()]}\nexit {got.code}\n" \
            f"stderr: {got.err[-2000:]!r}"
    assert got.code in (0, 2), shown
    assert "Traceback" not in got.err, shown
    bad = [(r, j) for (r, j), v in cells.items() if must_refuse(v)]
    if got.code == 0:
        assert not bad, "a value that is neither a number nor a missing marker was accepted\n" + shown
        return
    line_list = got.err.splitlines()
    assert len(line_list) == 1, shown
    line = line_list[0]
    assert "corrupted.csv" in line, shown
    named = [(r, j) for (r, j) in (bad or cells) if demo["header"][j] in line and (
        re.search(rf"\b(?:row|line) {r + 1}\b", line) or f"'{lines[r].split(',')[0]}'" in line)]
    assert named, "the line names none of the corrupted cells (row and column)\n" + shown
