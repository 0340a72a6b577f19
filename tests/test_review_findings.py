"""Inputs an independent review of issue 13 found mishandled: each is one line and exit 2 now."""

import hashlib

import pytest

from analysis.cli import main

PANEL = "data/demo/smartcity_panel.csv"
SPEC = "data/demo/spec.yaml"


def _panel_with_year(tmp_path, value):
    text = open(PANEL, encoding="utf-8").read()
    p = tmp_path / "panel.csv"
    p.write_text(text.replace(",2025,", f",{value},", 1), encoding="utf-8")
    return p


@pytest.mark.parametrize("value, needle", [
    ("2025.5", "whole number"), ("abc", "'abc'"), ("inf", "whole number"), ("TRUE", "whole number"),
    ("", "empty year"),
])
def test_bad_year_cell_names_file_row_and_column(tmp_path, capsys, value, needle):
    p = _panel_with_year(tmp_path, value)
    h = hashlib.sha256(p.read_bytes()).hexdigest()
    assert main(["validate", "-f", "kominfo_gm100sc", "-d", str(p), "-s", SPEC]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    rows = open(PANEL, encoding="utf-8").read().split("\n")
    line = next(i for i, r in enumerate(rows, start=1) if ",2025," in r)  # the line the cell was changed on
    assert "panel.csv" in err[0] and f"row {line}" in err[0] and "column 'year'" in err[0] and needle in err[0]
    assert hashlib.sha256(p.read_bytes()).hexdigest() == h


def test_year_written_as_float_is_the_year(tmp_path, capsys):
    p = _panel_with_year(tmp_path, "2025.0")
    assert main(["validate", "-f", "kominfo_gm100sc", "-d", str(p), "-s", SPEC]) == 0
    assert "2025" in capsys.readouterr().out


def test_pca_pc1_with_negative_loadings_is_one_line(tmp_path, capsys):
    code = main(["weights", "-f", "kominfo_gm100sc", "-d", "data/demo/smartcity_2025.csv", "-o",
                 str(tmp_path / "w"), "--methods", "equal,pca_pc1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "pca_pc1" in err[0] and "node '" in err[0]
    assert not (tmp_path / "w").exists()


def test_demo_data_negative_seed(tmp_path, capsys):
    assert main(["demo-data", "--out", str(tmp_path / "d"), "--seed", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--seed" in err[0]
    assert not (tmp_path / "d").exists()
