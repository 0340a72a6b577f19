# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Planner dashboard / Dasbor perencana
# What-if sliders for one city or regency: score, rank, maturity level, peers and the least
# improvement to the next level, with the scenario exported as YAML for `maturasi scenario`.
#
# Serve it with `maturasi dashboard` (or `panel serve notebooks/dashboard.ipynb`). In Jupyter the
# last cell shows it inline. All numbers come from `analysis.dashboard.Planner`.

# %% tags=["parameters"]
runs = "reports"      # folder holding baseline runs (maturasi build / maturasi run outputs)
run = None            # run to open first (default: the demo run, never silently the newest)
unit = None           # unit code to open first, e.g. "73.71" (default: the first by name)
lang = "en"           # en | id

# %%
import os

import panel as pn

from analysis.dashboard import build_app

# `maturasi dashboard` passes its options in the environment; ?unit=…&lang=id in the URL wins
runs = os.environ.get("MATURASI_RUNS", runs)
run = os.environ.get("MATURASI_RUN", run)
unit = os.environ.get("MATURASI_UNIT", unit)
lang = os.environ.get("MATURASI_LANG", lang)
args = {k: v[0].decode() for k, v in (pn.state.session_args or {}).items() if v}
unit, lang = args.get("unit", unit), args.get("lang", lang)

# %%
app = build_app(runs, run, unit, lang)
app.servable(title="Maturasi")
