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
#
# Settings / Pengaturan: k-means (k-means++), k = 2…8 chosen by silhouette, with Calinski–Harabasz,
# Davies–Bouldin and the gap statistic alongside; 20 restarts per k on the data and 50 for the final
# partition. The gap statistic compares k = 1…9 with 20 uniform reference sets in the box of the
# principal components (5 restarts each) and takes the smallest k with Gap(k) ≥ Gap(k+1) − s(k+1)
# (Tibshirani, Walther & Hastie 2001). Stability: `cluster_n_boot` bootstrap resamples of the units
# (50 in the demo), each re-clustered with 10 restarts; a cluster whose mean best Jaccard similarity is
# below 0.6 is unstable (Hennig 2007). Each small k-means fit runs on one thread (threads only wait on
# a busy machine); no warm starts, which would change the partitions.

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
