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
# # 02 · Weighting / Pembobotan
# The index under several weight sets: equal, data-driven (entropy, CRITIC, PCA), optimised for
# balanced importance, benefit of the doubt, and expert AHP or budget allocation when given.
#
# Settings / Pengaturan: optimised weights give the children of every aggregate equal importance
# (r² with the parent), by trust-region least squares on log-weights with tolerances 1e-12 from up to
# three starts; each evaluation re-aggregates only the node being optimised and its ancestors.

# %% tags=["parameters"]
run_dir = "../reports/lab"  # where tables/ and figures/ go (the runner sets the run folder)
framework = "kominfo_gm100sc"
data = "../data/demo/smartcity_panel.csv"  # paths relative to notebooks/ (the demo data)
spec = "../data/demo/spec.yaml"
year = None
weight_methods = ["equal", "entropy", "critic", "pca", "optimised", "bod"]
ahp = None
ahp_method = "eigen"  # eigen (Saaty CR) or geometric (row geometric mean, GCI)
budget = None

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from analysis import build
from analysis.audit import units_of
from analysis.report import steps

res = build(framework, data, spec)
u = units_of(res, year)
summary = steps.weighting(res, run_dir, methods=weight_methods, ahp=ahp, ahp_method=ahp_method, budget=budget,
                          year=year, names=u["uName"] if "uName" in u else None)
pd.DataFrame(summary["summary"]).set_index("set").round(3)

# %%
fig = Path(run_dir) / "figures"
display(Image(filename=str(fig / "weights_dimensions.png")))
display(Image(filename=str(fig / "weights_sets_corr.png")))
for s in summary["sets"]:
    p = fig / f"weights_rank_shift_{s}.png"
    if p.exists() and s in ("equal", "pca", "optimised", "ahp"):
        display(Image(filename=str(p)))
