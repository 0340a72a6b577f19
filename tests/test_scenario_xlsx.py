"""Scenario sheets and files: every bad input is one line naming the file, the sheet row and the column.

Issue 13: the row is the sheet row (header = row 1) and the column is the header as written, also for
checks done later against the baseline (unknown unit or indicator); YAML scenarios name the key
(``interventions[2].indicators``). A scenario without interventions is refused.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from analysis.cli import main

IND = ["GOV_EGOV", "GOV_OSS", "ECO_GRDP", "ECO_POV"]
UNITS = ["11.01", "12.71", "31.71", "35.10", "35.78", "51.71"]

FW = """\
name: tiny
tree:
  code: IDX
  children:
    - code: GOV
      weight: 1
      children:
        - {code: GOV_EGOV, weight: 1, direction: 1}
        - {code: GOV_OSS, weight: 1, direction: 1}
    - code: ECO
      weight: 1
      children:
        - {code: ECO_GRDP, weight: 1, direction: 1}
        - {code: ECO_POV, weight: 1, direction: -1}
"""


def _data() -> str:
    rows = [",".join(["uCode", "uName", "province", *IND])]
    for i, u in enumerate(UNITS):
        vals = [f"{10 + 7 * i + 3 * j:g}" for j in range(len(IND))]
        rows.append(",".join([u, f"Unit {u}", "P1" if i % 2 else "P2", *vals]))
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A baseline run of the tiny framework."""
    d = tmp_path_factory.mktemp("scenario_xlsx")
    (d / "fw.yaml").write_text(FW)
    (d / "data.csv").write_text(_data())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["build", "-f", str(d / "fw.yaml"), "-d", str(d / "data.csv"), "-o", str(d / "b")]) == 0
    return d / "b"


def write_sheet(path: Path, header: list[str], rows: list[list]) -> Path:
    """A scenario sheet with ``header`` on row 1; cells keep their Python type (str, number, bool)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def refused(capsys, run: Path, scenario: Path, tmp_path: Path) -> str:
    """Run ``maturasi scenario``; assert exit 2 and one stderr line naming the file; return that line."""
    capsys.readouterr()
    code = main(["scenario", "--run", str(run), "--scenario", str(scenario), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert scenario.name in err, err
    assert not (tmp_path / "out").exists()
    return err


GOOD = ["35.10", "GOV_EGOV", "+5"]
HEAD = ["units", "indicators", "change"]


def test_good_sheet_runs(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_good.xlsx", HEAD, [GOOD, ["11.01", "GOV_OSS, ECO_GRDP", 2.5]])
    assert main(["scenario", "--run", str(run), "--scenario", str(x), "-o", str(tmp_path / "out")]) == 0


def test_unknown_indicator_names_sheet_row_and_column(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_badind.xlsx", HEAD, [GOOD, ["11.01", "GOV_EGOVX", "+5"]])
    err = refused(capsys, run, x, tmp_path)
    assert "row 3" in err and "column 'indicators'" in err and "GOV_EGOVX" in err, err
    assert "row 2" not in err, err


def test_unknown_indicator_header_as_written(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_head.xlsx", ["Units", "Indicators", "Change"],
                    [GOOD, ["12.71", "GOV_OSS", 1], ["11.01", "NOPE", "+1"]])
    err = refused(capsys, run, x, tmp_path)
    assert "row 4" in err and "column 'Indicators'" in err and "NOPE" in err, err


def test_unknown_unit_names_sheet_row_and_column(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_badunit.xlsx", HEAD, [GOOD, ["99.99", "GOV_OSS", "+5"]])
    err = refused(capsys, run, x, tmp_path)
    assert "row 3" in err and "column 'units'" in err and "'99.99'" in err, err


def test_unknown_group_column_names_its_column(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_group.xlsx", ["group_column", "group_value", "indicators", "change"],
                    [["province", "P1", "GOV_EGOV", "+1"], ["region", "P1", "GOV_OSS", "+1"]])
    err = refused(capsys, run, x, tmp_path)
    assert "row 3" in err and "column 'group_column'" in err and "region" in err, err


def test_semicolon_list_gets_comma_hint(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_semi.xlsx", HEAD, [GOOD, ["11.01", "GOV_EGOV; GOV_OSS", "+5"]])
    err = refused(capsys, run, x, tmp_path)
    assert "row 3" in err and "column 'indicators'" in err and "comma" in err, err
    assert "column 'GOV_EGOV; GOV_OSS'" not in err, err


def test_boolean_change_says_value_not_unit_code(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_bool.xlsx", HEAD, [["35.10", "GOV_EGOV", True]])
    err = refused(capsys, run, x, tmp_path)
    assert "row 2" in err and "column 'change'" in err and "boolean" in err, err
    assert "unit code" not in err, err


def test_unreadable_change_names_cell(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_change.xlsx", HEAD, [GOOD, ["11.01", "GOV_OSS", "lots"]])
    err = refused(capsys, run, x, tmp_path)
    assert "row 3" in err and "column 'change'" in err and "lots" in err, err


def test_conflicting_rows_name_both_rows(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_twice.xlsx", HEAD, [GOOD, ["11.01", "GOV_OSS", "+1"], GOOD])
    err = refused(capsys, run, x, tmp_path)
    assert "row 4" in err and "rows 2 and 4 both change" in err, err


def test_out_of_range_names_change_cell(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_range.xlsx", HEAD, [GOOD, ["11.01", "GOV_EGOV", "=-1e9"]])
    err = refused(capsys, run, x, tmp_path)
    assert "row 3" in err and "column 'change'" in err, err


def test_header_only_sheet_is_refused(capsys, run, tmp_path):
    x = write_sheet(tmp_path / "y_empty.xlsx", HEAD, [])
    err = refused(capsys, run, x, tmp_path)
    assert "no interventions" in err, err


@pytest.mark.parametrize("text, needle", [("name: t\n", "no interventions"),
                                         ("name: t\ninterventions: []\n", "no interventions"),
                                         ("interventions:\n", "key 'interventions'"), ("", "empty")])
def test_yaml_without_interventions_is_refused(capsys, run, tmp_path, text, needle):
    y = tmp_path / "empty.yaml"
    y.write_text(text)
    err = refused(capsys, run, y, tmp_path)
    assert needle in err, err


@pytest.mark.parametrize("key, value, needle", [("indicators", "[GOV_EGOVX]", "GOV_EGOVX"),
                                                 ("indicator", "GOV_EGOVX", "GOV_EGOVX"),
                                                 ("units", '["99.99"]', "99.99")])
def test_yaml_unknown_code_names_key(capsys, run, tmp_path, key, value, needle):
    second = {"indicators": f"  - units: ['11.01']\n    indicators: {value}\n    change: +1\n",
              "indicator": f"  - units: ['11.01']\n    indicator: {value}\n    change: +1\n",
              "units": f"  - units: {value}\n    indicators: [GOV_OSS]\n    change: +1\n"}[key]
    y = tmp_path / "sc.yaml"
    y.write_text("name: t\ninterventions:\n  - units: ['35.10']\n    indicators: [GOV_EGOV]\n    change: +5\n"
                 + second)
    err = refused(capsys, run, y, tmp_path)
    assert f"key 'interventions[2].{key}'" in err and needle in err, err


def test_dict_scenario_errors_name_the_key():
    from analysis._errors import InputError
    from analysis.scenario import load_scenario

    assert load_scenario({"name": "t"}).interventions == []   # in code, no interventions = the baseline
    with pytest.raises(InputError, match=r"interventions\[1\]\.change"):
        load_scenario({"interventions": [{"units": "a", "indicators": "b", "change": "+5-"}]})


def test_percent_formatted_change_is_a_relative_change(run, tmp_path):
    """Excel stores 20% typed in a % cell as 0.2: read as the relative change +20%, not +0.2 (issue 16)."""
    import openpyxl

    from analysis.scenario import load_scenario

    x = write_sheet(tmp_path / "y_pct.xlsx", HEAD, [GOOD, ["11.01", "GOV_OSS", 0.2]])
    wb = openpyxl.load_workbook(x)
    wb.active["C3"].number_format = "0%"
    wb.save(x)
    sc = load_scenario(x)
    it = sc.interventions[1]
    assert (it.kind, it.amount) == ("relative", pytest.approx(0.2))
