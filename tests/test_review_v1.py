"""Findings of an independent review of the official frameworks' inputs (issues 17/18), as tests."""
import numpy as np
import pandas as pd
import pytest

from analysis import InputError, build, load_framework
from analysis.cli import main


def _idm_rows(n=3, year=2022):
    fw = load_framework("idm")
    rows = []
    for i in range(n):
        r = {c: 3.0 for c in fw.indicators}
        r.update(kode_desa=f"11010220{i + 1:02d}", nama_desa=f"DESA {i}", tahun=year)
        rows.append(r)
    return fw, pd.DataFrame(rows)


def _build_refused(d, tmp_path, capsys) -> str:
    """Write ``d`` as idm.csv, build it with the IDM framework, expect exit 2; return stderr."""
    f = tmp_path / "idm.csv"
    d.to_csv(f, index=False)
    assert main(["build", "--framework", "idm", "--data", str(f), "--out", str(tmp_path / "o")]) == 2
    return capsys.readouterr().err


def test_idm_refuses_a_fractional_score(tmp_path, capsys):
    _, d = _idm_rows()
    d.loc[1, "IKE_03"] = 2.5
    err = _build_refused(d, tmp_path, capsys).strip()
    assert "2.5 is not a whole score of IKE_03" in err and "idm.csv" in err and len(err.splitlines()) == 1


def test_spbe_refuses_a_fractional_level():
    fw = load_framework("spbe_2020")
    row = {c: 3.0 for c in fw.indicators}
    with pytest.raises(InputError, match="2.5 is not a whole score of SPBE_I05"):
        build(fw, pd.DataFrame([{**row, "SPBE_I05": 2.5, "uCode": "31"}]))


@pytest.mark.parametrize("code", ["1101", "110102", "11010220", "1101022001123", "ABC", "11.01"])
def test_village_framework_refuses_codes_that_are_not_villages(tmp_path, capsys, code):
    _, d = _idm_rows()
    d["kode_desa"] = d["kode_desa"].astype(str)
    d.loc[0, "kode_desa"] = code
    err = _build_refused(d, tmp_path, capsys)
    assert f"'{code}'" in err and ("village code" in err or "desa units only" in err), err


def test_an_empty_year_in_a_one_year_file_is_refused(tmp_path, capsys):
    _, d = _idm_rows()
    d["tahun"] = d["tahun"].astype(object)
    d.loc[2, "tahun"] = None
    err = _build_refused(d, tmp_path, capsys)
    assert "empty year" in err and "row 4" in err, err


def test_a_unit_left_without_index_is_reported():
    fw, d = _idm_rows()
    d.loc[1, "IKE_03"] = np.nan
    res = build(fw, d)
    assert np.isnan(res.index.iloc[1])
    assert any("1 unit(s) have no index" in w and "IKE_03" in w and "11.01.02.2002" in w for w in res.warnings)


def test_idm_path_names_the_file_and_reads_one_year(tmp_path, capsys):
    _, d = _idm_rows()
    f = tmp_path / "idm.csv"
    d.loc[0, "kode_desa"] = None
    d.to_csv(f, index=False)
    assert main(["idm", "path", "--data", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "idm.csv" in err and "empty unit code" in err, err
    _, d = _idm_rows()
    d.to_csv(f, index=False)
    assert main(["idm", "path", "--data", str(f), "--year", "2022", "--out", str(tmp_path / "p")]) == 0
    capsys.readouterr()
    assert main(["idm", "path", "--data", str(f), "--year", "2031", "--out", str(tmp_path / "q")]) == 2
    assert "only tahun 2022" in capsys.readouterr().err
