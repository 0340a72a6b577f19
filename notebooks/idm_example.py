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
# # Worked example: the Indeks Desa Membangun of 2,567 villages, 2021 → 2024
# *Contoh: Indeks Desa Membangun (IDM) 2.567 desa, 2021 → 2024.*
#
# The ministry's published IDM (Kemendesa PDTT, Permendesa PDTT 2/2016) with all 50 indicator scores is
# rebuilt with the built-in framework `idm` and its official method, checked against the published
# sub-indices, index and status, audited (the 2024 export has one indicator copied into another),
# and then read the planner's way: how villages moved between statuses from 2021 to 2024, which
# indicators most often stand between a village and its next status, and how firm a village's status
# is when the equal weights are perturbed. Needs the shared data folder (`idm_dir`); run with
# `papermill notebooks/idm_example.ipynb out.ipynb -p idm_dir PATH`.

# %% tags=["parameters"]
idm_dir = "../../shared/data/indonesia/idm"
run_dir = "reports/idm"
N = 100          # Monte Carlo runs of weight noise
noise = 0.25     # weights drawn uniformly within ±25 % of their nominal value
seed = 1

# %%
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import build, load_framework
from analysis.audit.duplicates import duplicate_notes
from analysis.idm import bottlenecks, path_to_next_status, read_published, repair_from_subindex
from analysis.official import official_spec
from analysis.rollup import rollup
from analysis.uncertainty import run_uncertainty

out = Path(run_dir)
out.mkdir(parents=True, exist_ok=True)
fw = load_framework("idm")
published = read_published(Path(idm_dir) / "idm_desa_2021_2024.csv")
cols = ["uCode", "uName", "tahun"] + fw.indicators
print(f"{published['uCode'].nunique()} villages, years {sorted(map(int, published['tahun'].unique()))}, "
      f"{len(published)} rows")

# %% [markdown]
# ## Audit of the published scores / Audit skor yang dipublikasikan
# The audit compares every pair of indicators year by year: two indicators that are identical in one
# year only are almost certainly an export error.

# %%
res_shown = build("idm", published[cols])   # no spec: the official method of the built-in framework
for note in duplicate_notes(res_shown):
    print("warning:", note)

# %% [markdown]
# The published 2024 IKS was computed from the true IKS_31, so the true score is recovered from it
# (`repair_from_subindex`). The rebuilt index then reproduces the ministry's numbers.

# %%
fixed = repair_from_subindex(published, "IKS_31", "IKS", year=2024)
res = build("idm", fixed[cols])
key = pd.MultiIndex.from_frame(fixed[["uCode", "tahun"]])
got = res.aggregates.reindex(key)
check = pd.DataFrame({c: [float(np.abs(got[c].to_numpy() - fixed[c].to_numpy()).max())] for c in ("IKS", "IKE", "IKL",
                                                                                                 "IDM")})
check["status agrees"] = float((res.levels.reindex(key).to_numpy() == fixed["STATUS"].to_numpy()).mean())
check.index = ["max |rebuilt − published|"]
check

# %% [markdown]
# ## Status transitions 2021 → 2024 / Perubahan status 2021 → 2024

# %%
lv = res.levels.unstack("tahun")
both = lv[[2021, 2024]].dropna()
order = ["Sangat Tertinggal", "Tertinggal", "Berkembang", "Maju", "Mandiri"]
trans = pd.crosstab(pd.Categorical(both[2021], order), pd.Categorical(both[2024], order),
                    rownames=["2021"], colnames=["2024"], dropna=False)
trans.to_csv(out / "status_transitions.csv")
up = sum(trans.iloc[i, j] for i in range(5) for j in range(5) if j > i)
down = sum(trans.iloc[i, j] for i in range(5) for j in range(5) if j < i)
print(f"{len(both)} villages in both years: {up} moved up, {down} moved down, "
      f"{len(both) - up - down} kept their status")
trans

# %% [markdown]
# ## What holds villages back / Indikator penghambat
# For every village below Mandiri in 2024, the least number of score points that lifts it to the next
# status (whole points, each indicator only to the scores the ministry uses for it) and which
# indicators; then how often each indicator is on those least paths.

# %%
scores24 = res.raw.xs(2024, level="tahun")
path = path_to_next_status(scores24, fw)
path.to_csv(out / "path_2024.csv", float_format="%.10g")
todo = path["points"].notna()
print(f"{int(todo.sum())} villages below Mandiri: median {path.loc[todo, 'points'].median():g} score points "
      f"to the next status (least IDM increase: median {path.loc[todo, 'least_idm_gain'].median():.4f})")
path.loc[todo].groupby("STATUS")["points"].describe()[["count", "mean", "50%", "max"]].reindex(order[:4])

# %%
neck = bottlenecks(path, fw)
neck.to_csv(out / "bottlenecks_2024.csv", float_format="%.10g")
neck.head(10)[["nama", "name", "villages", "share", "points"]]

# %% [markdown]
# ## Status by province / Status per provinsi
# Shares of the villages of each province in each status (unweighted: every village counts once).

# %%
prov = rollup(res, "provinsi", columns=["IDM"])
prov24 = prov.xs(2024, level=1) if prov.index.nlevels == 3 else prov
shares = prov24.reset_index().pivot_table(index=["uCode", "uName"], columns="measure", values="mean")
shares.to_csv(out / "provinces_2024.csv", float_format="%.10g")
shares.sort_values("IDM", ascending=False).head(10)

# %% [markdown]
# ## How firm is a status? / Seberapa kokoh status desa?
# The official weights are equal. Perturbing the sub-index and indicator weights (each within
# ±`noise` of 1, `N` Monte Carlo runs) shows which villages' status depends on that choice: the
# probability that a village keeps its official status.

# %%
ua = {"N": N, "seed": seed, "factors": [{"name": "w_subindex", "type": "weights", "level": 2, "noise": noise},
                                        {"name": "w_indicators", "type": "weights", "level": 1, "noise": noise}]}
mc = run_uncertainty("idm", fixed[cols], official_spec(fw), ua, year=2024)
nominal = mc.nominal["Level"]
keep = pd.Series([mc.level_shares.at[u, s] for u, s in nominal.items()], index=nominal.index, name="p_keep")
keep.to_csv(out / "status_stability_2024.csv", float_format="%.10g")
summary = pd.DataFrame({"villages": nominal.value_counts().reindex(order),
                        "median P(keep status)": keep.groupby(nominal).median().reindex(order),
                        "P(keep) < 0.5": (keep < 0.5).groupby(nominal).sum().reindex(order)})
print(f"{int((keep < 0.5).sum())} of {len(keep)} villages keep their official status in fewer than half the runs")
summary
