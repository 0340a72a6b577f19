"""The synthetic demo panel looks like Indonesia (issue 17).

The shipped demo (``data/demo/smartcity_panel.csv``) is compared with BPS/Dukcapil tables for the 514
kab/kota in ``../shared/data/indonesia/`` (population and area 2024, poverty P0 March 2024 and 2025,
RLS from the IPM table 2024 and 2025, GRDP per capita 2023 and 2024). The real tables are read only
here; the product never ships them. Compared: quantiles, the share of variance between provinces,
kota/kabupaten gaps, rank correlations between indicators, year-to-year stability, persistence of
missing values. Each tolerance is stated beside its check; the measured values are printed by
``python tests/test_demo_realism.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.demo import DEMO_DIR

from .conftest import SHARED, need

INDO = SHARED / "data" / "indonesia"
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
# demo column -> comparable variable (log10 for sizes and amounts)
VARIABLES = ("log_pop", "log_area", "log_density", "poverty", "rls", "log_grdp")


def _key(name: str) -> str:
    s = name.lower()
    for p in ("kabupaten ", "kab. ", "kab "):
        if s.startswith(p):
            s = s[len(p):]
    s = re.sub(r"[^a-z]", "", s.replace("kep. ", "kepulauan "))
    return s.replace("padangsidimpuan", "padangsidempuan")


def real_table() -> pd.DataFrame:
    """BPS/Dukcapil kab/kota values, one row per unit, columns as :func:`demo_table`, two years."""
    pa = pd.read_csv(need(INDO / "population_area_2025.csv"), dtype={"kode_kemendagri": str})
    u = pa[pa["level"] == "kabupaten_kota"].copy()
    u["code"] = u["kode_kemendagri"].str.replace(".", "", regex=False)
    out = pd.DataFrame({"code": u["code"], "prov": u["code"].str[:2], "kota": u["nama"].str.startswith("Kota "),
                        "pop": u["penduduk_total"], "area": u["luas_km2"], "key": u["nama"].map(_key)})
    pov = pd.read_csv(need(INDO / "kemiskinan_kabkota_2024_2025.csv"), dtype={"kode_kab": str})
    ipm = pd.read_csv(need(INDO / "ipm_kabkota_2024_2025.csv"), dtype={"kode_kab": str})
    for y, tag in ((2024, ""), (2025, "_next")):
        out = out.merge(pov[pov.tahun == y].set_index("kode_kab")["persen_miskin"].rename("poverty" + tag),
                        left_on="code", right_index=True, how="left")
        out = out.merge(ipm[ipm.tahun == y].set_index("kode_kab")["RLS"].rename("rls" + tag),
                        left_on="code", right_index=True, how="left")
    g = pd.read_csv(need(INDO / "grdp_per_capita_2000_2024.csv"), encoding="utf-8-sig").dropna(subset=["district"])
    for c in ("grdp_pc_2023", "grdp_pc_2024"):
        g[c] = pd.to_numeric(g[c].astype(str).str.replace(",", "").str.strip()) / 1000  # thousand -> million Rp
    # the GRDP table uses BPS numbering and the pre-2022 Papua provinces: join on province and name
    g["pk"] = np.where(g["provinceID"].astype(int) >= 91, "9x", g["provinceID"].astype(int).astype(str))
    g["key"] = g["district"].map(_key)
    out["pk"] = np.where(out["prov"].astype(int) >= 91, "9x", out["prov"])
    g = g.rename(columns={"grdp_pc_2024": "grdp", "grdp_pc_2023": "grdp_prev"})
    out = out.merge(g[["pk", "key", "grdp", "grdp_prev"]], on=["pk", "key"], how="left")
    assert out["grdp"].notna().sum() >= 510, "crosswalk of the GRDP table lost units"
    return _derive(out)


def demo_table(year: int = 2024) -> pd.DataFrame:
    """The shipped demo panel in the same layout (``year`` and the years around it)."""
    d = pd.read_csv(DEMO_DIR / "smartcity_panel.csv", dtype={"uCode": str, "province_code": str})
    def at(y: int) -> pd.DataFrame:  # a year outside the panel stands in as the year itself
        return d[d.year == (y if y in set(d.year) else year)].set_index("uCode")

    cur, nxt, prv = at(year), at(year + 1), at(year - 1)
    out = pd.DataFrame({
        "code": cur.index, "prov": cur["province_code"].to_numpy(), "kota": (cur["type"] == "Kota").to_numpy(),
        "pop": cur["population"].to_numpy(), "area": cur["area_km2"].to_numpy(),
        "poverty": cur["ECO_POVERTY"].to_numpy(), "poverty_next": nxt.loc[cur.index, "ECO_POVERTY"].to_numpy(),
        "rls": cur["SOC_RLS"].to_numpy(), "rls_next": nxt.loc[cur.index, "SOC_RLS"].to_numpy(),
        "grdp": cur["ECO_GRDPPC"].to_numpy(), "grdp_prev": prv.loc[cur.index, "ECO_GRDPPC"].to_numpy(),
        "unemp": cur["ECO_UNEMP"].to_numpy(), "internet": cur["SOC_INTERNET"].to_numpy(),
        "island": cur["island"].to_numpy(),
    })
    return _derive(out)


def _derive(t: pd.DataFrame) -> pd.DataFrame:
    t = t.copy()
    t["log_pop"] = np.log10(t["pop"])
    t["log_area"] = np.log10(t["area"])
    t["log_density"] = t["log_pop"] - t["log_area"]
    t["log_grdp"] = np.log10(t["grdp"])
    return t


def eta2(v: pd.Series, group: pd.Series) -> float:
    """Share of the variance of ``v`` between groups (correlation ratio squared)."""
    d = pd.DataFrame({"v": v, "g": group}).dropna()
    within = ((d["v"] - d.groupby("g")["v"].transform("mean")) ** 2).sum()
    return float(1 - within / ((d["v"] - d["v"].mean()) ** 2).sum())


def measures(t: pd.DataFrame) -> dict:
    """Every statistic the test compares, for a real or demo table."""
    m: dict = {}
    for v in VARIABLES:
        m[f"q:{v}"] = t[v].quantile(QUANTILES).to_numpy()
        m[f"eta2:{v}"] = eta2(t[v], t["prov"])
        m[f"gap:{v}"] = float(t.loc[t.kota, v].median() - t.loc[~t.kota, v].median())
    rho = t[list(VARIABLES)].corr("spearman")
    for i, a in enumerate(VARIABLES):
        for b in VARIABLES[i + 1:]:
            m[f"rho:{a}~{b}"] = float(rho.loc[a, b])
    m["stab:poverty"] = float(t[["poverty", "poverty_next"]].corr("spearman").iloc[0, 1])
    m["stab:rls"] = float(t[["rls", "rls_next"]].corr("spearman").iloc[0, 1])
    m["stab:grdp"] = float(t[["grdp_prev", "grdp"]].corr("spearman").iloc[0, 1])
    m["sd_change:poverty"] = float((t["poverty_next"] - t["poverty"]).std())
    m["sd_change:rls"] = float((t["rls_next"] - t["rls"]).std())
    m["sd_change:log_grdp"] = float(np.log(t["grdp"] / t["grdp_prev"]).std())
    m["max:poverty"] = float(t["poverty"].max())
    m["max:pop"] = float(t["pop"].max())
    return m


@pytest.fixture(scope="module")
def both():
    return measures(real_table()), measures(demo_table())


# tolerance on each quantile (10th..90th percentile), in the variable's unit
QUANTILE_TOL = {"log_pop": 0.12, "log_area": 0.2, "log_density": 0.2, "poverty": 2.0, "rls": 0.5, "log_grdp": 0.08}


@pytest.mark.parametrize("v", VARIABLES)
def test_quantiles_match_bps(both, v):
    real, demo = both
    diff = np.abs(demo[f"q:{v}"] - real[f"q:{v}"])
    assert diff.max() <= QUANTILE_TOL[v], (v, real[f"q:{v}"].round(2), demo[f"q:{v}"].round(2))


def test_extremes_are_plausible(both):
    real, demo = both
    assert demo["max:poverty"] <= 50  # real maximum 41.4 % (2024); the old demo reached 74 %
    assert 0.5 * real["max:pop"] <= demo["max:pop"] <= 2 * real["max:pop"]  # largest unit: millions


@pytest.mark.parametrize("v", VARIABLES)
def test_province_share_of_variance(both, v):
    real, demo = both
    assert abs(demo[f"eta2:{v}"] - real[f"eta2:{v}"]) <= 0.12, (v, real[f"eta2:{v}"], demo[f"eta2:{v}"])


@pytest.mark.parametrize("v", VARIABLES)
def test_kota_kabupaten_gap(both, v):
    """Same sign, and within 0.2 of the real gap (log10 units; RLS 0.6 years, poverty 1.5 points)."""
    real, demo = both
    tol = {"rls": 0.6, "poverty": 1.5}.get(v, 0.2)
    if abs(real[f"gap:{v}"]) > tol:
        assert np.sign(demo[f"gap:{v}"]) == np.sign(real[f"gap:{v}"]), v
    assert abs(demo[f"gap:{v}"] - real[f"gap:{v}"]) <= tol, (v, real[f"gap:{v}"], demo[f"gap:{v}"])


def test_correlations_between_indicators(both):
    """Each Spearman correlation among the six variables within 0.15 of the real one."""
    real, demo = both
    bad = {k: (round(real[k], 2), round(demo[k], 2)) for k in real if k.startswith("rho:")
           and abs(real[k] - demo[k]) > 0.15}
    assert not bad, bad


def test_year_to_year_stability(both):
    """Rank correlation between consecutive years ≥ 0.97 (real ≥ 0.99); spread of one-year changes
    between 0.6 and 1.6 times the real spread."""
    real, demo = both
    for k in ("stab:poverty", "stab:rls", "stab:grdp"):
        assert demo[k] >= 0.97, (k, demo[k])
    for k in ("sd_change:poverty", "sd_change:rls", "sd_change:log_grdp"):
        assert 0.6 <= demo[k] / real[k] <= 1.6, (k, real[k], demo[k])


def test_published_directions():
    """Facts from BPS publications rather than the shared tables."""
    t = demo_table(2024)
    # GRDP per capita: highest island median in Kalimantan; poverty highest in Papua
    assert t.groupby("island")["grdp"].median().idxmax() == "Kalimantan"
    assert t.groupby("island")["poverty"].median().idxmax() == "Papua"
    # open unemployment higher in cities (TPT Aug 2023: urban 6.40 %, rural 3.88 %)
    assert t.loc[t.kota, "unemp"].median() > 1.2 * t.loc[~t.kota, "unemp"].median()
    d23 = demo_table(2023)
    # households with internet 2023: national 87.09 %, Papua lowest (38.71 %)
    national = np.average(d23["internet"], weights=d23["pop"])
    assert abs(national - 87.09) <= 2.5, national
    by_prov = d23.groupby("prov").apply(lambda g: np.average(g["internet"], weights=g["pop"]))
    assert by_prov.idxmin() in {"91", "93", "94", "95"} and by_prov.min() < 50


def test_missing_values_are_persistent_and_several_factors_drive_the_indicators():
    d = pd.read_csv(DEMO_DIR / "smartcity_panel.csv", dtype={"uCode": str})
    ind = [c for c in d.columns if c.isupper() and "_" in c]
    miss = {y: d[d.year == y].set_index("uCode")[ind].isna() for y in (2024, 2025)}
    # a gap in 2025 was a gap in 2024 too (the old demo redrew gaps each year: ~5 % overlap)
    assert (miss[2025] & miss[2024]).to_numpy().sum() >= 0.9 * miss[2025].to_numpy().sum()
    x = d[d.year == 2024][ind].rank()
    r = x.corr().to_numpy()[np.triu_indices(len(ind), 1)]
    ev = np.sort(np.linalg.eigvalsh(x.corr().fillna(0).to_numpy()))[::-1]
    # not one factor: the first component explains < 30 % of the variance, ≥ 4 eigenvalues > 1, and
    # correlations spread from negative to strong (the old demo: all pairs 0.4–0.6)
    assert ev[0] / ev.sum() < 0.30 and (ev > 1).sum() >= 4, ev[:6]
    assert (r < -0.1).mean() > 0.03 and (np.abs(r) < 0.2).mean() > 0.3 and r.max() > 0.5
    # rank stability of every indicator between years (median ≥ 0.95)
    y24, y25 = (d[d.year == y].set_index("uCode")[ind] for y in (2024, 2025))
    stab = [y24[c].corr(y25[c], method="spearman") for c in ind]
    assert np.median(stab) >= 0.95 and min(stab) >= 0.8, sorted(stab)[:3]


def test_no_unit_row_is_copied_from_the_real_tables():
    """The demo's kab/kota values are synthetic: few units come within 2 % of their real population."""
    real = real_table().set_index("code")
    demo = demo_table().assign(code=lambda t: t["code"].str.replace(".", "", regex=False)).set_index("code")
    close = (np.abs(demo["pop"] / real.loc[demo.index, "pop"] - 1) < 0.02).mean()
    assert close < 0.1, close


if __name__ == "__main__":  # print the measured values, real vs demo
    r, dm = measures(real_table()), measures(demo_table())
    for k in r:
        print(f"{k:28s} real {np.round(r[k], 3)!s:40s} demo {np.round(dm[k], 3)!s}")
