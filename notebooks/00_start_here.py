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
# # Start here / Mulai di sini
#
# A composite index in five steps, one call each: load a framework and data, build the index, change
# the normalisation and the weights, compare the rankings, and run a small uncertainty analysis.
# Press *Run All*: the defaults below use the **synthetic demonstration data** in `data/demo/`.
# To use your own data, change the paths in the next cell (relative to this folder).
#
# *Indeks komposit dalam lima langkah, masing-masing satu perintah: memuat kerangka dan data, membangun
# indeks, mengganti normalisasi dan bobot, membandingkan peringkat, dan analisis ketidakpastian kecil.
# Tekan* Run All*: nilai bawaan memakai **data demonstrasi sintetis** di `data/demo/`. Untuk data sendiri,
# ganti path pada sel berikut (relatif terhadap folder ini).*

# %% tags=["parameters"]
framework = "kominfo_gm100sc"  # a built-in framework (`maturasi frameworks list`) or a YAML/iMeta file
data = "../data/demo/smartcity_panel.csv"  # unit × indicator table (CSV, XLSX or Parquet)
spec = "../data/demo/spec.yaml"  # the method: imputation, treatment, normalisation, weights, aggregation, levels
ua = "../data/demo/ua.yaml"  # what is uncertain (weights, normaliser, aggregation …)
year = 2025
N = 100  # Monte Carlo runs for the quick uncertainty analysis (the report uses thousands)

# %% [markdown]
# ## 1. Framework and data / Kerangka dan data
# The framework is a tree: index → dimensions → elements → indicators, each with a weight within its
# parent. / *Kerangka berbentuk pohon: indeks → dimensi → elemen → indikator, masing-masing berbobot.*

# %%
import pandas as pd

from analysis import build, load_data, load_framework
from analysis.select import cross_section, units_of

fw = load_framework(framework)
panel = load_data(data, fw)
print(fw.meta.get("title", fw.name))
pd.DataFrame([(d, fw.nodes[d].name, fw.nodes[d].nama, fw.nodes[d].weight, len(fw.indicators_under(d)))
              for d in fw.children(fw.root)], columns=["code", "dimension", "dimensi", "weight", "indicators"])

# %% [markdown]
# ## 2. Build the index / Membangun indeks
# One call runs the whole method of the spec; `res` holds every step (raw, imputed, treated, normalised,
# scores, ranks, levels). / *Satu perintah menjalankan seluruh metode; `res` menyimpan setiap langkah.*


# %%
def table(result, year=year):
    """Index, rank and level of every unit in one year."""
    T = cross_section(result, year=year)
    u = units_of(result, year)
    out = pd.DataFrame({"name": u["uName"].reindex(T.index), "index": T[fw.root].round(2)})
    out["rank"] = out["index"].rank(ascending=False, method="min").astype(int)
    lv = result.levels
    if lv is not None and isinstance(lv.index, pd.MultiIndex):
        lv = lv.xs(year, level="year")
    out["level"] = lv.reindex(T.index) if lv is not None else None
    return out.sort_values("rank")


res = build(fw, data, spec)
base = table(res)
base.head(10)

# %% [markdown]
# ## 3. Change the normalisation and the weights / Mengganti normalisasi dan bobot
# `spec.replace(...)` gives a new spec with one key changed; everything else stays as it was.
# / *`spec.replace(...)` membuat spec baru dengan satu kunci diubah; selebihnya tetap.*

# %%
zscore = build(fw, data, res.spec.replace(normalise={"method": "zscore", "reference_year": None,
                                                     "overrides": {}}))
equal = build(fw, data, res.spec.replace(weights="equal"))

# %% [markdown]
# ## 4. Compare / Membandingkan
# Spearman rank correlation with the first build and how many units move more than 10 places.
# / *Korelasi peringkat Spearman dengan hasil pertama dan jumlah daerah yang bergeser lebih dari 10 peringkat.*

# %%
ranks = pd.DataFrame({"spec": base["rank"], "z-score": table(zscore)["rank"], "equal weights": table(equal)["rank"]})
pd.DataFrame({"Spearman rho": ranks.corr(method="spearman")["spec"],
              "units moving > 10 places": (ranks.sub(ranks["spec"], axis=0).abs() > 10).sum()})

# %% [markdown]
# ## 5. A small uncertainty analysis / Analisis ketidakpastian kecil
# Every run draws the uncertain choices of `ua.yaml` at once and rebuilds the index; a unit's rank
# interval is the 5th–95th percentile of its ranks. / *Setiap run menarik pilihan yang tidak pasti
# sekaligus dan membangun ulang indeks; interval peringkat = persentil ke-5 sampai ke-95.*

# %%
from analysis.uncertainty import run_uncertainty
from analysis.uncertainty.spec import load_ua_spec

u = load_ua_spec(ua)
u.N = N
ua_res = run_uncertainty(fw, panel, res.spec, u, year=year)
stats = ua_res.rank_stats.join(base["name"])
stats.sort_values("Nominal").head(10)[["name", "Nominal", "Median", "Q5", "Q95"]]

# %% [markdown]
# ## Next / Selanjutnya
# The full study — audit, weighting alternatives, uncertainty and Sobol' sensitivity, typology,
# scenarios and the methodology report — is `maturasi run configs/demo.yaml` (notebooks 01–05 and
# 99_report, which also run one by one here). / *Studi lengkap: `maturasi run configs/demo.yaml`.*
