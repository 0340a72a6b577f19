"""`maturasi scenario template`: write, fill like a planner, read back = the same scenario (issue 16)."""
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from analysis.cli import main
from analysis.scenario_template import SHEET, TEMPLATE_COLUMNS, is_template

from .conftest import ROOT

DEMO = ROOT / "data" / "demo"
UNITS = ["73.71", "35.10"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tpl") / "run"
    r = subprocess.run([sys.executable, "-m", "analysis.cli", "build", "--framework", "kominfo_gm100sc",
                        "--data", str(DEMO / "smartcity_panel.csv"), "--spec", str(DEMO / "spec.yaml"),
                        "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def template(run, tmp_path_factory):
    x = tmp_path_factory.mktemp("tplx") / "skenario.xlsx"
    assert main(["scenario", "template", "--run", str(run), "--units", ",".join(UNITS), "--out", str(x)]) == 0
    return x


def test_template_layout(template, run):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == ["Petunjuk - Instructions", SHEET]
    ws = wb[SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(TEMPLATE_COLUMNS)
    assert len(rows) - 1 == 2 * 54                                   # one row per unit x indicator
    assert {r[0] for r in rows[1:]} == set(UNITS)                     # codes as text: 35.10 keeps its zero
    assert all(isinstance(r[0], str) for r in rows[1:])
    assert ws["A2"].number_format == "@" and ws["J2"].number_format == "@"
    assert ws.protection.sheet and ws["A2"].protection.locked and not ws["J2"].protection.locked
    assert any("J2:J109" in str(dv.sqref) for dv in ws.data_validations.dataValidation)
    assert ws.freeze_panes == "C2"
    # the current value is the run's value for the last year
    scores = pd.read_csv(run / "results.csv", dtype={"uCode": str})
    assert scores["year"].max() in {int(v) for v in [wb["Petunjuk - Instructions"]["B3"].value]}
    text = " ".join(str(c) for r in wb["Petunjuk - Instructions"].iter_rows(values_only=True) for c in r if c)
    assert "Ketik perubahan" in text and "Type a change" in text          # both languages
    assert is_template(template)


def _fill(template, tmp_path):
    """Fill like a planner: +5 typed in a text cell, =80 typed (a formula), 20% in a % cell, a reference."""
    wb = openpyxl.load_workbook(template)
    ws = wb[SHEET]
    where = {(r[0].value, r[2].value): r[0].row for r in ws.iter_rows(min_row=2)}
    ws.cell(where[("73.71", "GOV_EGOV")], 10).value = "+5"
    ws.cell(where[("73.71", "SOC_INTERNET")], 10).value = "=80"          # openpyxl stores it as a formula
    c = ws.cell(where[("35.10", "ECO_QRIS")], 10)
    c.value, c.number_format = 0.2, "0%"                                # Excel: 20% typed in a % cell
    ws.cell(where[("35.10", "ENV_WASTE")], 10).value = "median"
    x = tmp_path / "filled.xlsx"
    wb.save(x)
    return x


def test_round_trip_equals_the_yaml_scenario(run, template, tmp_path):
    x = _fill(template, tmp_path)
    y = tmp_path / "same.yaml"
    y.write_text("name: same\ninterventions:\n"
                 "  - {units: '73.71', indicators: GOV_EGOV, change: '+5'}\n"
                 "  - {units: '73.71', indicators: SOC_INTERNET, change: '=80'}\n"
                 "  - {units: '35.10', indicators: ECO_QRIS, change: '+20%'}\n"
                 "  - {units: '35.10', indicators: ENV_WASTE, change: median}\n", encoding="utf-8")
    assert main(["scenario", "--run", str(run), "--scenario", str(x), "--out", str(tmp_path / "a")]) == 0
    assert main(["scenario", "--run", str(run), "--scenario", str(y), "--out", str(tmp_path / "b")]) == 0
    a = pd.read_csv(tmp_path / "a" / "scenario_frozen.csv")
    b = pd.read_csv(tmp_path / "b" / "scenario_frozen.csv")
    pd.testing.assert_frame_equal(a, b)
    ca = pd.read_csv(tmp_path / "a" / "changed_cells.csv", dtype={"uCode": str})
    cb = pd.read_csv(tmp_path / "b" / "changed_cells.csv", dtype={"uCode": str})
    pd.testing.assert_frame_equal(ca, cb)
    assert {("73.71", "GOV_EGOV"), ("73.71", "SOC_INTERNET"), ("35.10", "ECO_QRIS")} <= set(zip(ca.uCode, ca.iCode))
    before = ca.set_index(["uCode", "iCode"])
    assert before.loc[("73.71", "GOV_EGOV"), "after"] == pytest.approx(before.loc[("73.71", "GOV_EGOV"), "before"] + 5)
    assert before.loc[("73.71", "SOC_INTERNET"), "after"] == 80
    assert before.loc[("35.10", "ECO_QRIS"), "after"] == pytest.approx(before.loc[("35.10", "ECO_QRIS"), "before"]
                                                                       * 1.2)


def test_blank_template_is_refused(run, template, tmp_path, capsys):
    assert main(["scenario", "--run", str(run), "--scenario", str(template), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no change typed" in err and template.name in err and len(err.strip().splitlines()) == 1


def test_bad_change_names_sheet_row_column(run, template, tmp_path, capsys):
    wb = openpyxl.load_workbook(template)
    wb[SHEET]["J5"] = "lots"
    x = tmp_path / "bad.xlsx"
    wb.save(x)
    assert main(["scenario", "--run", str(run), "--scenario", str(x), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "row 5" in err and "change" in err and "lots" in err, err


def test_template_never_overwrites_a_users_file(run, tmp_path, capsys):
    mine = tmp_path / "mine.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "my own work"
    wb.save(mine)
    before = mine.read_bytes()
    for extra in ([], ["--force"]):
        code = main(["scenario", "template", "--run", str(run), "--units", "73.71", "--out", str(mine), *extra])
        assert code == 2
        assert mine.read_bytes() == before
    assert "not a scenario template this kit wrote" in capsys.readouterr().err


def test_template_unknown_unit_is_one_line(run, tmp_path, capsys):
    code = main(["scenario", "template", "--run", str(run), "--units", "99.99", "--out", str(tmp_path / "t.xlsx")])
    assert code == 2
    assert "no unit '99.99'" in capsys.readouterr().err
    assert not (tmp_path / "t.xlsx").exists()


def test_force_never_replaces_a_filled_template(run, template, tmp_path, capsys):
    x = _fill(template, tmp_path)
    before = x.read_bytes()
    code = main(["scenario", "template", "--run", str(run), "--units", "73.71", "--out", str(x), "--force"])
    assert code == 2
    assert "change(s) typed" in capsys.readouterr().err
    assert x.read_bytes() == before
    blank = tmp_path / "blank.xlsx"
    blank.write_bytes(template.read_bytes())
    assert main(["scenario", "template", "--run", str(run), "--units", "73.71,73.71", "--out", str(blank),
                 "--force"]) == 0                                           # an empty template may be redone
    assert len(list(openpyxl.load_workbook(blank)[SHEET].iter_rows())) == 1 + 54   # the unit once
