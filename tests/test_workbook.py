"""results.xlsx holds the run's CSV tables exactly, with codes as text and bilingual headers (issue 16)."""
import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis import InputError
from analysis.i18n import bilingual, check_lang, format_number, gettext, untranslated
from analysis.workbook import _COLUMNS, SHEETS

from .conftest import ROOT

DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("wb") / "run"
    r = subprocess.run([sys.executable, "-m", "analysis.cli", "build", "--framework", "kominfo_gm100sc",
                        "--data", str(DEMO / "smartcity_panel.csv"), "--spec", str(DEMO / "spec.yaml"),
                        "--out", str(out), "--xlsx"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


def _sheet(wb, key):
    ws = wb[SHEETS[key]]
    rows = list(ws.iter_rows(values_only=True))
    return ws, rows[0], rows[1:]


def test_workbook_listed_in_manifest(built):
    import json
    m = json.loads((built / "manifest.json").read_text())
    assert "results.xlsx" in m["outputs"]


def test_results_sheet_equals_results_csv(built):
    wb = openpyxl.load_workbook(built / "results.xlsx")
    ws, head, rows = _sheet(wb, "results")
    csv = pd.read_csv(built / "results.csv", dtype={"uCode": str, "province_code": str})
    assert len(rows) == len(csv)
    assert head[0] == "Kode wilayah / Unit code" and head[1] == "Tahun / Year"
    assert ws.freeze_panes == "C2"
    got = pd.DataFrame(rows, columns=range(len(head)))
    assert got[0].tolist() == csv["uCode"].tolist()          # codes as text, trailing zeros kept
    assert all(isinstance(v, str) for v in got[0])
    assert "35.10" in set(got[0])
    # every numeric CSV column equals its sheet column at full precision
    headers = {h: j for j, h in enumerate(head)}
    for col in ["SCI", "Rank", "population", "GOV_PS"]:
        j = next(j for h, j in headers.items() if h.endswith(f"[{col}]") or h == bilingual(_COLUMNS.get(col, col)))
        a = pd.to_numeric(got[j]).to_numpy(float)
        b = csv[col].to_numpy(float)
        assert np.array_equal(np.isnan(a), np.isnan(b))
        # openpyxl stores 16 significant digits (Excel shows 15): equal to a relative 1e-15
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-15, atol=0, err_msg=col)
    lvl = headers[bilingual("Level")]
    assert got[lvl].tolist() == csv["Level"].tolist()


def test_indicator_and_normalised_sheets_equal_csv(built):
    wb = openpyxl.load_workbook(built / "results.xlsx")
    for key, name in [("normalised", "normalised.csv")]:
        _, head, rows = _sheet(wb, key)
        csv = pd.read_csv(built / name, dtype={"uCode": str})
        got = np.array([[np.nan if v is None else v for v in r[2:]] for r in rows], dtype=float)
        want = csv.drop(columns=["uCode", "year"]).to_numpy(float)
        assert got.shape == want.shape
        assert np.array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=1e-15, atol=1e-13)
        assert head[2].endswith("]") and "[" in head[2]
    _, head, rows = _sheet(wb, "indicators")
    raw = pd.read_csv(DEMO / "smartcity_panel.csv", dtype={"uCode": str})
    first = dict(zip(head, rows[0]))
    unit = raw[(raw.uCode == rows[0][0]) & (raw.year == rows[0][1])].iloc[0]
    egov = next(h for h in head if "[GOV_EGOV" in h)
    assert first[egov] == pytest.approx(unit["GOV_EGOV"], abs=0)


def test_readme_says_what_and_synthetic(built):
    wb = openpyxl.load_workbook(built / "results.xlsx")
    ws = wb[SHEETS["readme"]]
    text = "\n".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "sintetis" in text and "Synthetic" in text
    assert "kominfo_gm100sc" in text and "smartcity_panel.csv" in text
    assert "/work" not in text and "/tmp" not in text                     # no absolute paths


def test_without_flag_no_workbook(tmp_path):
    r = subprocess.run([sys.executable, "-m", "analysis.cli", "build", "--framework", "kominfo_gm100sc",
                        "--data", str(DEMO / "smartcity_2025.csv"), "--spec", str(DEMO / "spec.yaml"),
                        "--out", str(tmp_path / "o")], capture_output=True, text=True, timeout=600)
    if r.returncode == 0:
        assert not (tmp_path / "o" / "results.xlsx").exists()


# --- the translation mechanism -------------------------------------------------------------------
def test_catalogue_translates_every_workbook_header():
    assert untranslated(sorted(set(_COLUMNS.values()))) == []


def test_gettext_falls_back_to_english():
    assert gettext("Rank", "id") == "Peringkat"
    assert gettext("Rank", "en") == "Rank"
    assert gettext("no such message", "id") == "no such message"
    assert bilingual("Data") == "Data"                                      # same word in both: once


@pytest.mark.parametrize("value, lang, dec, want", [
    (1234.5, "id", 1, "1.234,5"), (1234.5, "en", 2, "1,234.50"), (0.125, "id", 2, "0,12"),
    (-48.76, "id", 2, "-48,76"), (5_800_000, "id", 0, "5.800.000"), (None, "id", 2, "–")])
def test_indonesian_number_format(value, lang, dec, want):
    # CLDR: Indonesian uses ',' for decimals and '.' between thousands; half-even rounding (0.125 -> 0.12)
    assert format_number(value, lang, dec) == want


def test_unknown_language_is_one_clear_error():
    with pytest.raises(InputError, match="unknown language 'fr'"):
        check_lang("fr")


def test_every_translated_literal_has_its_indonesian_text():
    """Every English literal passed to gettext/bilingual in the package has an entry in the catalogue."""
    import ast

    from analysis.scenario_template import _HEADERS, _INSTRUCTIONS

    found = set(_HEADERS.values()) | set(_INSTRUCTIONS)
    for f in (ROOT / "src" / "analysis").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in {
                    "gettext", "bilingual", "_"} and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    assert len(found) > 20
    assert untranslated(sorted(found)) == []


def test_scenario_and_path_workbooks(built, tmp_path):
    """scenario --xlsx and path --xlsx hold the same rows as their CSV tables (to the CSV's 10 digits)."""
    from analysis.cli import main

    y = tmp_path / "s.yaml"
    y.write_text("name: t\ninterventions:\n  - {units: '73.71', indicators: GOV_EGOV, change: '+5'}\n")
    assert main(["scenario", "--run", str(built), "--scenario", str(y), "--out", str(tmp_path / "s"), "--xlsx"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "s" / "results.xlsx")
    ws, head, rows = _sheet(wb, "scenario")
    csv = pd.read_csv(tmp_path / "s" / "scenario_frozen.csv", dtype={"uCode": str})
    assert [r[0] for r in rows] == csv["uCode"].tolist()
    j = head.index(bilingual("Scenario score"))
    np.testing.assert_allclose([r[j] for r in rows], csv["scenario_score"], rtol=1e-9)
    _, head, rows = _sheet(wb, "changed")
    assert rows[0][:2] == ("73.71", "GOV_EGOV")
    assert main(["path", "--run", str(built), "--unit", "73.71", "--out", str(tmp_path / "p"), "--xlsx"]) == 0
    wb = openpyxl.load_workbook(tmp_path / "p" / "results.xlsx")
    _, head, rows = _sheet(wb, "path")
    csv = pd.read_csv(tmp_path / "p" / "path.csv")
    assert [r[0] for r in rows] == csv["iCode"].tolist()
    assert head[0] == "Kode indikator / Indicator code"
