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
# # 04 · City typologies / Tipologi kota
# Peers, not all 514 at once: clusters of kabupaten/kota with the choice of k, their stability,
# profiles, and (with a boundary file) maps.

# %% tags=["parameters"]
run_dir = "../reports/lab"  # where tables/ and figures/ go (the runner sets the run folder)
framework = "kominfo_gm100sc"
data = "../data/demo/smartcity_panel.csv"  # paths relative to notebooks/ (the demo data)
spec = "../data/demo/spec.yaml"
year = None
seed = 0
cluster_on = "dimensions"
cluster_method = "kmeans"
cluster_k = None
cluster_n_boot = 50
boundaries = None
boundary_code = None

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from analysis import build
from analysis.report import steps

res = build(framework, data, spec)
summary = steps.clustering(res, run_dir, on=cluster_on, method=cluster_method, k=cluster_k, n_boot=cluster_n_boot,
                           seed=seed, year=year, boundaries=boundaries, boundary_code=boundary_code)
for n in summary["notes"]:
    print(n)
pd.DataFrame(summary["clusters"]).set_index("cluster")

# %%
fig = Path(run_dir) / "figures"
for stem in ("k_selection", "cluster_profiles", "cluster_radar", "map_clusters"):
    if (fig / f"{stem}.png").exists():
        display(Image(filename=str(fig / f"{stem}.png")))
