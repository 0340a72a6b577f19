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
# # 01 · Data audit / Audit data
# Coverage, missing data, distributions and outlier flags, correlations and internal consistency of
# the framework, and leave-one-out rank shifts. All computation is in `analysis.audit`.
#
# Settings / Pengaturan: each component's importance is the correlation ratio η² with its parent
# (P-spline, penalty by GCV), adjusted for degrees of freedom and for chance (50 permutations), with a
# 95 % bias-corrected bootstrap interval over `n_boot` resamples of the units (the same resamples for
# every component; 100 in the demo). For speed the fits of the 50 permutations share one spline basis
# and the resamples' fits are computed together; the numbers are those of one fit at a time
# (tests/test_pipeline_speed_equivalence.py).

# %% tags=["parameters"]
run_dir = "../reports/lab"  # where tables/ and figures/ go (the runner sets the run folder)
framework = "kominfo_gm100sc"
data = "../data/demo/smartcity_panel.csv"  # paths relative to notebooks/ (the demo data)
spec = "../data/demo/spec.yaml"
year = None
seed = 0
n_boot = 100

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Image, Markdown, display

from analysis import build
from analysis.report import steps

res = build(framework, data, spec)
summary = steps.data_audit(res, run_dir, year=year, n_boot=n_boot, seed=seed)
fig = Path(run_dir) / "figures"
display(Markdown(f"**{summary['units']} units, {summary['indicators']} indicators**; mean data availability "
                 f"{summary['availability']:.1%} (lowest unit {summary['min_unit_availability']:.1%}); "
                 f"{summary['outlier_flags']} indicators flagged for skewness/kurtosis."))

# %%
display(Image(filename=str(fig / "audit_missingness.png")))
display(Image(filename=str(fig / "audit_distributions.png")))

# %% [markdown]
# ## Correlations and consistency / Korelasi dan konsistensi

# %%
display(Image(filename=str(fig / "audit_corr_dimensions.png")))
for note in summary["flags"]:
    print("flag:", note)
pd.read_csv(Path(run_dir) / "tables" / "audit_reliability.csv", index_col=0).round(3)

# %% [markdown]
# ## Importance against nominal weights / Kepentingan dibanding bobot nominal

# %%
display(Image(filename=str(fig / "audit_importance.png")))
