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
# # 03 · Uncertainty and sensitivity / Ketidakpastian dan sensitivitas
# Monte Carlo over the analyst's choices (weights, normalisation, aggregation, treatment): rank
# intervals and the probability of each maturity level; Sobol' indices of the choices.

# %% tags=["parameters"]
run_dir = "../reports/lab"  # where tables/ and figures/ go (the runner sets the run folder)
framework = "kominfo_gm100sc"
data = "../data/demo/smartcity_panel.csv"  # paths relative to notebooks/ (the demo data)
spec = "../data/demo/spec.yaml"
ua = "../data/demo/ua.yaml"
year = None
seed = 0
N = 1000
sobol_N = None

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from analysis.report import steps

if ua is None:
    print("no uncertainty spec given: skipped")
else:
    summary = steps.uncertainty(framework, data, spec, ua, run_dir, year=year, N=N, sobol_N=sobol_N, seed=seed)
    fig = Path(run_dir) / "figures"
    display(Image(filename=str(fig / "ua_rank_intervals.png")))
    if (fig / "ua_sobol.png").exists():
        display(Image(filename=str(fig / "ua_sobol.png")))
    display(pd.DataFrame(summary["sobol"]).round(3))
