"""The welfare-and-capacity example on the real 514-district data (skips without ../shared)."""

import numpy as np
import pandas as pd
import pytest

from analysis import build
from analysis.compare import compare_years
from analysis.studies.welfare import assemble

from .conftest import ROOT, SHARED, need

INDO = SHARED / "data" / "indonesia"


@pytest.fixture(scope="module")
def panel():
    need(INDO / "ipm_kabkota_2024_2025.csv")
    return assemble(INDO)


def test_all_514_units_joined_for_both_years(panel):
    p, report = panel
    assert report.empty, report.head().to_string()
    assert p.groupby("year")["uCode"].nunique().to_dict() == {2024: 514, 2025: 514}
    assert p[["UHH", "HLS", "RLS", "EXPEND", "POVERTY", "POVGAP", "GRDPPC", "DENSITY"]].notna().all().all()
    # GRDP of Kemendagri 11.09 (Simeulue) comes from BPS 1101: " 8,200 " style strings parsed
    raw = pd.read_csv(INDO / "grdp_per_capita_2000_2024.csv", dtype=str, encoding="utf-8-sig")
    v = float(raw.set_index("districtID").at["1101", "grdp_pc_2023"].strip().replace(",", ""))
    assert p[(p["uCode"] == "11.09") & (p["year"] == 2024)]["GRDPPC"].item() == v


def test_density_denominator_and_year_over_year(panel, tmp_path):
    p, _ = panel
    f = tmp_path / "w.csv"
    p.to_csv(f, index=False)
    res = build("welfare_capacity", f, ROOT / "methodology" / "specs" / "welfare_capacity.yaml")
    den = res.denominated.xs(2025, level="year")["DENSITY"]
    q = p[p["year"] == 2025].set_index("uCode")
    np.testing.assert_allclose(den.to_numpy(), (q["population"] / q["area_km2"]).reindex(den.index).to_numpy())
    yoy = compare_years(res, 2024, 2025)
    assert len(yoy) == 514
    np.testing.assert_allclose(yoy["score_change"], yoy["score_2025"] - yoy["score_2024"])
    assert (yoy["rank_change"] == yoy["rank_2024"] - yoy["rank_2025"]).all()
    # one yardstick: a unit whose every indicator is unchanged keeps its score exactly
    assert yoy["score_2025"].mean() > yoy["score_2024"].mean()   # welfare rose on average 2024 → 2025


def test_example_notebook_runs(tmp_path):
    import papermill as pm

    need(INDO / "ipm_kabkota_2024_2025.csv")
    out = tmp_path / "welfare"
    pm.execute_notebook(str(ROOT / "notebooks" / "example_welfare_capacity.ipynb"), str(tmp_path / "nb.ipynb"),
                        parameters={"indonesia_dir": str(INDO), "run_dir": str(out),
                                    "spec": str(ROOT / "methodology" / "specs" / "welfare_capacity.yaml"),
                                    "boundaries": str(INDO / "districts514_simplified.geojson")},
                        kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    assert (out / "year_over_year.csv").exists() and (out / "figures" / "map_wci_2025.png").exists()


def test_framework_pages_are_current():
    from analysis.framework import builtin_frameworks, framework_page, load_framework

    for name in builtin_frameworks():
        page = ROOT / "methodology" / f"{name}.md"
        assert page.exists(), f"missing methodology page for {name}"
        assert page.read_text(encoding="utf-8") == framework_page(load_framework(name)), f"{name}.md is stale"
