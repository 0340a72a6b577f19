"""The "welfare and capacity" example on official statistics for the 514 kab/kota.

Reads the published tables as they are (IPM components and poverty 2024–2025 keyed by 4-digit
Kemendagri codes; population and area 2025 keyed ``11.01``; GRDP per capita 2000–2024 with BPS
numbering and quoted ``" 8,200 "`` numbers), joins them on Kemendagri codes — through the
BPS ↔ Kemendagri crosswalk for GRDP — and returns a long panel for the ``welfare_capacity``
framework. Every unit that cannot be joined is reported, never silently dropped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._errors import InputError
from ..ingest import crosswalk, read_official, wide_years_to_long

__all__ = ["assemble", "FILES"]

FILES = {"ipm": "ipm_kabkota_2024_2025.csv", "poverty": "kemiskinan_kabkota_2024_2025.csv",
         "population": "population_area_2025.csv", "grdp": "grdp_per_capita_2000_2024.csv"}


def _kemendagri(code: str) -> str:
    c = str(code).strip()
    return c if "." in c else f"{c[:2]}.{c[2:]}"


def assemble(indonesia_dir, regencies=None, provinces=None, years=(2024, 2025)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build the panel.

    Parameters
    ----------
    indonesia_dir : path
        Folder with the four official tables (see :data:`FILES`).
    regencies, provinces : path, optional
        Kemendagri code lists (default: the copies in ``data/reference``).

    Returns
    -------
    panel : DataFrame
        One row per unit and year: ``uCode, uName, province, type, year, population, area_km2`` and
        the indicators of ``welfare_capacity`` (DENSITY holds the population; the spec divides it
        by ``area_km2``).
    report : DataFrame
        Units that could not be joined, with the table and the reason.
    """
    d = Path(indonesia_dir)
    for f in FILES.values():
        if not (d / f).exists():
            raise InputError("official table not found", file=d / f)
    ref = Path(__file__).resolve().parents[3] / "data" / "reference"
    reg = pd.read_csv(regencies or ref / "regencies.csv", dtype=str)
    prov = pd.read_csv(provinces or ref / "provinces.csv", dtype=str).set_index("code")["name"]
    reg["province"] = reg["province_code"].map(prov)
    units = pd.DataFrame({"uCode": reg["code"], "uName": reg["name"].str.title().str.replace("Kab. ", "Kabupaten "),
                          "province": reg["province"].str.title(),
                          "type": ["Kota" if n.upper().startswith("KOTA") else "Kabupaten" for n in reg["name"]]})
    report = []

    ipm = read_official(d / FILES["ipm"], key="kode_kab")
    ipm["uCode"] = ipm["kode_kab"].map(_kemendagri)
    pov = read_official(d / FILES["poverty"], key="kode_kab")
    pov["uCode"] = pov["kode_kab"].map(_kemendagri)
    pop = read_official(d / FILES["population"], key="kode_kemendagri")
    pop = pop[pop["level"] == "kabupaten_kota"].rename(columns={"kode_kemendagri": "uCode"})
    g = read_official(d / FILES["grdp"])
    m, rep = crosswalk(g, reg, left_code="districtid", left_name="district", right_code="code", right_name="name",
                       left_province="province", right_province="province")
    for _, r in rep.iterrows():
        report.append({"table": "grdp", "code": r["code"], "name": r["name"], "reason": r["reason"]})
    gl = wide_years_to_long(g, "grdp_pc_", ["districtid"], value_name="grdp_pc")
    gl = gl.merge(m[["left_code", "right_code"]], left_on="districtid", right_on="left_code")
    gl = gl.rename(columns={"right_code": "uCode"})

    rows = []
    for y in years:
        a = ipm[ipm["tahun"] == y][["uCode", "uhh", "hls", "rls", "pengeluaran"]]
        b = pov[pov["tahun"] == y][["uCode", "persen_miskin", "indeks_kedalaman_kemiskinan_p1"]]
        c = gl[gl["year"] == y - 1][["uCode", "grdp_pc"]]
        t = units.merge(a, on="uCode", how="left").merge(b, on="uCode", how="left").merge(c, on="uCode", how="left")
        t = t.merge(pop[["uCode", "penduduk_total", "luas_km2"]], on="uCode", how="left")
        t["year"] = y
        rows.append(t)
        for name, tab in (("ipm", a), ("poverty", b), ("grdp", c)):
            miss = set(units["uCode"]) - set(tab["uCode"])
            for u in sorted(miss):
                report.append({"table": f"{name} {y}", "code": u, "name": units.set_index("uCode").at[u, "uName"],
                               "reason": "no row for this unit"})
    panel = pd.concat(rows, ignore_index=True).rename(columns={
        "uhh": "UHH", "hls": "HLS", "rls": "RLS", "pengeluaran": "EXPEND", "persen_miskin": "POVERTY",
        "indeks_kedalaman_kemiskinan_p1": "POVGAP", "grdp_pc": "GRDPPC", "luas_km2": "area_km2"})
    panel["population"] = panel["penduduk_total"]
    panel["DENSITY"] = panel["penduduk_total"]
    panel = panel.drop(columns=["penduduk_total"])
    cols = ["uCode", "uName", "province", "type", "year", "population", "area_km2", "UHH", "HLS", "RLS", "EXPEND",
            "POVERTY", "POVGAP", "GRDPPC", "DENSITY"]
    return panel[cols], pd.DataFrame(report, columns=["table", "code", "name", "reason"])
