# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
run_dir = "."
title = "Smart City Maturity Index"
framework = "kominfo_gm100sc"
data = ""
spec = None
year = None
profile_units = []

# %%
import json
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from analysis import build
from analysis.report import steps
from analysis.report.render import unit_profiles

res = build(framework, data, spec)
meta = steps.report_tables(res, run_dir, year=year, title=title)
unit_profiles(res, run_dir, profile_units, year=year)
run, tables, fig = Path(run_dir), Path(run_dir) / "tables", Path(run_dir) / "figures"
S = {s: steps.load_summary(run_dir, s) for s in ("01_data_audit", "02_weighting", "03_uncertainty_sensitivity",
                                                 "04_clustering", "05_scenarios")}


def show(stem, caption=""):
    if (fig / f"{stem}.png").exists():
        if caption:
            display(Markdown(f"*{caption}*"))
        display(Image(filename=str(fig / f"{stem}.png")))


def table(name, **kw):
    p = tables / f"{name}.csv"
    if p.exists():
        display(HTML(pd.read_csv(p, **kw).to_html(index=False, float_format=lambda v: f"{v:.3g}")))


display(Markdown(f"# {title}\n\n**{meta['subtitle']}**\n\n{' '.join(meta['intro'])}"))

# %%
display(Markdown("## Data and framework / Data dan kerangka\n\n" + res.framework.tree().replace("\n", "  \n")))
if S["01_data_audit"]:
    a = S["01_data_audit"]
    display(Markdown(f"{a['units']} units and {a['indicators']} indicators; mean availability {a['availability']:.1%}; "
                     f"{a['outlier_flags']} indicators flagged for skewness/kurtosis."))
    show("audit_missingness")

# %%
display(Markdown("## Method / Metode"))
for step, text in meta["texts"].items():
    if text:
        display(Markdown(f"**{step.capitalize()}.** {text}"))
display(Markdown("\n".join(f"- {m}" for m in meta["methods"])))

# %%
display(Markdown("## Results / Hasil"))
table("report_levels")
display(Markdown("### Top units / Daerah teratas"))
table("report_top", dtype={"uCode": str})
display(Markdown("### Bottom units / Daerah terbawah"))
table("report_bottom", dtype={"uCode": str})
show("map_index", "Index map / Peta indeks")

# %%
display(Markdown("## Statistical audit / Audit statistik"))
if S["01_data_audit"]:
    display(Markdown("\n".join(f"- {n}" for n in S["01_data_audit"]["flags"][:15]) or "No flags."))
show("audit_corr_dimensions", "Correlations between dimensions and the index")
show("audit_importance", "Correlation ratios against nominal weights")

# %%
if S["02_weighting"]:
    display(Markdown("## Alternative weights / Bobot alternatif"))
    table("weights_summary")
    show("weights_dimensions")

# %%
if S["03_uncertainty_sensitivity"]:
    u = S["03_uncertainty_sensitivity"]
    display(Markdown(f"## Uncertainty and sensitivity / Ketidakpastian dan sensitivitas\n\n{u['runs']} Monte Carlo "
                     f"runs over {', '.join(u['factors'])}; median width of the 90% rank interval: "
                     f"{u['median_interval_width']:.1f} places."))
    show("ua_rank_intervals")
    show("ua_sobol")

# %%
if S["04_clustering"]:
    c = S["04_clustering"]
    head = (f"{c['k']} clusters ({c['method']} on {c['on']}). " if c.get("structure", True)
            else "No cluster structure / tidak ada struktur klaster: all units form one group. ")
    display(Markdown("## City typology / Tipologi kota\n\n" + head + " ".join(c["notes"])))
    display(HTML(pd.DataFrame(c["clusters"]).to_html(index=False)))
    show("cluster_profiles")
    show("map_clusters")

# %%
if S["05_scenarios"]:
    s = S["05_scenarios"]
    display(Markdown("## Scenarios / Skenario"))
    display(HTML(pd.DataFrame(s["scenarios"]).to_html(index=False)))
    for p in s["paths"]:
        display(Markdown(f"**{p['name']} ({p['unit']})**: {p['from']:.2f} → {p['target']:.2f}: {p['message']}"))
        display(HTML(pd.DataFrame(p["moves"]).head(8).to_html(index=False, float_format=lambda v: f"{v:.3g}")))

# %%
if profile_units:
    display(Markdown("## Unit profiles / Profil daerah"))
    for f in sorted(fig.glob("profile_*.png")):
        display(Image(filename=str(f)))

# %%
display(Markdown("## Appendix: run configuration / Lampiran"))
m = {k: v for k, v in json.loads((run / "state" / "99_report.json").read_text()).items() if k != "texts"}
display(Markdown("```\n" + json.dumps({"framework": framework, "data": data, "spec": spec, "year": year}, indent=1)
                 + "\n```\nThe full manifest (input hashes, package versions, timings) is `manifest.json`."))
