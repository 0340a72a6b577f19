"""Readers of official tables and the BPS ↔ Kemendagri crosswalk."""

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import clean_columns, crosswalk, normalise_name, parse_number, read_official, wide_years_to_long

from .conftest import ROOT, SHARED, need

INDO = SHARED / "data" / "indonesia"


@pytest.mark.parametrize("raw, value", [
    (" 8,200 ", 8200.0), ("1,234,567", 1234567.0), ("8,2", 8.2), ("12,75", 12.75), ("1.234,5", 1234.5),
    ("1,234.5", 1234.5), ("3.14", 3.14), ("1.234.567", 1234567.0), ("", np.nan), (" - ", np.nan), (7, 7.0),
])
def test_parse_number_quirks(raw, value):
    got = parse_number(raw)
    assert (np.isnan(got) and np.isnan(value)) or got == pytest.approx(value)


def test_parse_number_rejects_text():
    with pytest.raises(ValueError):
        parse_number("abc")


def test_clean_columns():
    assert clean_columns(["\ufeffdistrictID", "Indeks Kedalaman Kemiskinan (P1)", "jumlah_miskin (000)"]) == [
        "districtid", "indeks_kedalaman_kemiskinan_p1", "jumlah_miskin_000"]


def test_normalise_name():
    assert normalise_name("Kota Administrasi Jakarta Selatan") == ("KOTA", "JAKARTA SELATAN")
    assert normalise_name("KABUPATEN ACEH SELATAN") == ("KABUPATEN", "ACEH SELATAN")
    assert normalise_name("Simeulue") == ("KABUPATEN", "SIMEULUE")


def test_real_grdp_file_reads_and_reshapes():
    g = read_official(need(INDO / "grdp_per_capita_2000_2024.csv"))
    assert len(g) == 514
    assert g.loc[g["districtid"] == "1101", "grdp_pc_2000"].iloc[0] == 8200.0
    long = wide_years_to_long(g, "grdp_pc_", ["districtid", "district"])
    assert len(long) == 514 * 25 and long["year"].min() == 2000 and long["year"].max() == 2024
    assert long["grdp_pc"].notna().mean() > 0.95


def test_real_poverty_file_columns_with_parentheses():
    p = read_official(need(INDO / "kemiskinan_kabkota_2024_2025.csv"), key="kode_kab")
    assert {"jumlah_miskin_000", "indeks_kedalaman_kemiskinan_p1", "indeks_keparahan_kemiskinan_p2"} <= set(p.columns)
    assert (p["indeks_keparahan_kemiskinan_p2"] <= p["indeks_kedalaman_kemiskinan_p1"]).all()
    assert p["tahun"].isin([2024.0, 2025.0]).all() and len(p) == 1028


def test_crosswalk_matches_all_514_or_lists_misses():
    g = read_official(need(INDO / "grdp_per_capita_2000_2024.csv"))
    reg = pd.read_csv(ROOT / "data" / "reference" / "regencies.csv", dtype=str)
    prov = pd.read_csv(ROOT / "data" / "reference" / "provinces.csv", dtype=str).set_index("code")["name"]
    reg["province"] = reg["province_code"].map(prov)
    m, report = crosswalk(g, reg, left_code="districtid", left_name="district", right_code="code",
                          right_name="name", left_province="province", right_province="province")
    assert len(m) + len(report) == 514
    assert len(m) == 514, report.to_string()
    assert m["right_code"].is_unique
    row = m.set_index("left_code").loc["1101"]  # BPS 1101 Simeulue = Kemendagri 11.09
    assert row["right_name"] == "KABUPATEN SIMEULUE" and row["right_code"] == "11.09"
    # the two numberings disagree for many districts
    assert (m["left_code"] != m["right_code"].str.replace(".", "", regex=False)).sum() > 100
