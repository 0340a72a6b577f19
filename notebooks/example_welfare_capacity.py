# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Example study: welfare and capacity of the 514 kabupaten/kota, 2024 → 2025
# *Contoh studi: kesejahteraan dan kapasitas 514 kabupaten/kota.*
#
# Official tables as published (BPS IPM components and poverty, Kemendagri population, BIG area, BPS
# GRDP per capita with BPS numbering) are joined on Kemendagri codes through the BPS ↔ Kemendagri
# crosswalk, population density is computed by the kit's denominate step, and the
# `welfare_capacity` framework is built for 2024 and 2025 on one yardstick (min-max fitted on 2024).
# Run from the project root with
# `papermill notebooks/example_welfare_capacity.ipynb reports/welfare.ipynb -p indonesia_dir PATH`
# (a path given is relative to the folder papermill runs in); with the defaults (`None`) it reads
# `../shared/data/indonesia` beside the project, the kit's `methodology/specs/welfare_capacity.yaml`,
# and writes into `reports/welfare/` of the project — from the project root and in JupyterLab alike.

# %% tags=["parameters"]
indonesia_dir = None  # None: ../shared/data/indonesia beside the project
boundaries = None  # a district boundary file (GeoJSON) for the maps
run_dir = None  # None: reports/welfare in the project
spec = None  # None: the kit's methodology/specs/welfare_capacity.yaml

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from analysis import build
from analysis import figures as F
from analysis.compare import compare_years
from analysis.official import SPEC_DIR
from analysis.studies.welfare import assemble

PROJECT = SPEC_DIR.parents[1]  # the project folder (methodology/specs → project)
indonesia_dir = indonesia_dir or PROJECT.parent / "shared" / "data" / "indonesia"
spec = spec or SPEC_DIR / "welfare_capacity.yaml"
out = Path(run_dir) if run_dir else PROJECT / "reports" / "welfare"
print(f"data: {Path(indonesia_dir).resolve()}; spec: {Path(spec).resolve()}; output: {out.resolve()}")
(out / "figures").mkdir(parents=True, exist_ok=True)
panel, report = assemble(indonesia_dir)
print(f"{panel['uCode'].nunique()} units × {panel['year'].nunique()} years; {len(report)} join problems")
report

# %%
panel.to_csv(out / "welfare_panel.csv", index=False)
res = build("welfare_capacity", out / "welfare_panel.csv", spec)
yoy = compare_years(res, 2024, 2025)
yoy.to_csv(out / "year_over_year.csv", float_format="%.10g")
yoy.sort_values("rank_change", ascending=False).head(10)[["uName", "score_2024", "score_2025", "rank_2024",
                                                          "rank_2025", "rank_change"]]

# %%
pd.crosstab(yoy["level_2024"], yoy["level_2025"], margins=True)

# %%
if boundaries and Path(boundaries).exists():
    from analysis.audit import units_of
    from analysis.maps import choropleth, join_units, read_boundaries

    b = read_boundaries(boundaries)
    fo, miss = join_units(units_of(res, 2025), b)
    print(f"{len(fo)} units placed on the map; {len(miss)} not placed")
    F.save(choropleth(yoy["score_2025"], b, fo, title="Welfare and capacity index 2025", legend_title="WCI"),
           out / "figures" / "map_wci_2025")
    F.save(choropleth(yoy["score_change"], b, fo, title="Change 2024 → 2025", legend_title="Δ WCI", cmap="RdBu"),
           out / "figures" / "map_wci_change")
    display(Image(filename=str(out / "figures" / "map_wci_2025.png")))
else:
    print("no boundary file: maps skipped")
