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
# # Methodology report / Laporan metodologi
#
# Assembles `report.html` from the run's tables and summaries (`analysis.report.document`): title
# page, summary, data and coverage, method (generated from the spec), results, robustness, weighting
# alternatives, typology, scenarios, limitations (generated from the results), references and
# appendix. `maturasi run` prints the same HTML to `report.pdf` (A4, headless Chromium).
# Run notebooks 01–05 first (same `run_dir`). /
# *Menyusun `report.html` dari tabel dan ringkasan hasil run; jalankan notebook 01–05 lebih dulu.*

# %% tags=["parameters"]
run_dir = "../reports/lab"  # where tables/ and figures/ go (the runner sets the run folder)
title = "Smart City Maturity Index"
framework = "kominfo_gm100sc"
data = "../data/demo/smartcity_panel.csv"  # paths relative to notebooks/ (the demo data)
spec = "../data/demo/spec.yaml"
ua = None
scenarios = []
year = None
seed = None
N = None
sobol_N = None
profile_units = []

# %%
import html
from pathlib import Path

from IPython.display import HTML, Markdown, display

from analysis import build
from analysis.report import steps
from analysis.report.document import relative, report_html
from analysis.report.render import unit_profiles

res = build(framework, data, spec)
meta = steps.report_tables(res, run_dir, year=year, title=title)
unit_profiles(res, run_dir, profile_units, year=year)
inputs = {"framework": framework, "data": data, "spec": spec, "ua": ua}
inputs |= {f"scenario {i + 1}": s for i, s in enumerate(scenarios or [])}
seeds = {"seed": seed, "Monte Carlo runs (N)": N, "Sobol' base sample": sobol_N}
doc = report_html(res, run_dir, title=title, year=year, inputs=inputs, seeds=seeds)
out = Path(run_dir) / "report.html"
out.write_text(doc, encoding="utf-8")
display(Markdown(f"`report.html` written ({len(doc) / 1e6:.1f} MB): {relative(out.resolve())}"))

# %%
# the report itself, in a frame (its print styles stay inside it)
display(HTML(f"<iframe srcdoc=\"{html.escape(doc)}\" style='width:100%;height:900px;border:1px solid #ccc'>"
             "</iframe>"))
