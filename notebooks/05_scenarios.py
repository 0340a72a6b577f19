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
# # 05 · What-if scenarios / Skenario
# Worked scenarios with the baseline normalisation frozen, and the least improvement that lifts a
# unit to the next maturity level.

# %% tags=["parameters"]
run_dir = "../reports/lab"  # where tables/ and figures/ go (the runner sets the run folder)
framework = "kominfo_gm100sc"
data = "../data/demo/smartcity_panel.csv"  # paths relative to notebooks/ (the demo data)
spec = "../data/demo/spec.yaml"
year = None
scenarios = ["../data/demo/scenarios/banyuwangi_digital.yaml"]
path_units = ["73.71"]
path_to = "next"

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from analysis import build
from analysis.report import steps

res = build(framework, data, spec)
summary = steps.scenarios(res, run_dir, scenario_files=scenarios, path_units=path_units, path_to=path_to, year=year)
pd.DataFrame(summary["scenarios"])

# %%
for p in summary["paths"]:
    print(f"{p['name']} ({p['unit']}): {p['from']:.2f} → {p['target']:.2f}: {p['message']}")
    display(pd.DataFrame(p["moves"]).head(10))
for f in sorted((Path(run_dir) / "figures").glob("scenario_*.png"))[:4]:
    display(Image(filename=str(f)))

# %% [markdown]
# To try scenarios interactively, `maturasi dashboard` serves the planner dashboard
# (`notebooks/dashboard.ipynb`): sliders per indicator, the rank, level and peers, the path to the
# next level, and a YAML export that `maturasi scenario` reproduces exactly.
# Untuk mencoba skenario secara interaktif, jalankan `maturasi dashboard`.
