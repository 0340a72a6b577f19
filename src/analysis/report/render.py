"""Rendering: unit profiles, ``report.html`` (nbconvert, code hidden), ``profiles.html`` and ``report.pdf``.

The PDF is drawn with matplotlib (``PdfPages``) from the run's tables, figures and summaries, so
it needs no LaTeX or browser: only the packages the README installs.
"""

from __future__ import annotations

import base64
import html
import json
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["unit_profiles", "write_reports", "profile_figure"]


def profile_figure(code: str, result, year=None, *, clusters: pd.Series | None = None,
                   rank_stats: pd.DataFrame | None = None):
    """One page for one unit: dimension scores against its province and peers, its strongest and
    weakest indicators, rank (and interval) and maturity level."""
    from ..audit import cross_section, units_of
    from ..levels import Bands, rank_desc

    fw = result.framework
    T = cross_section(result, year=year)
    N = cross_section(result, "normalised", year, aggregates=False)
    u = units_of(result, year)
    dims = fw.children(fw.root)
    root = fw.root
    name = u["uName"].get(code, code) if "uName" in u else code
    prov = u["province"].get(code) if "province" in u else None
    rank = int(rank_desc(T[root].to_numpy())[T.index.get_loc(code)])
    bands = Bands.from_spec(result.spec.get("levels"))
    level = bands.assign(np.array([T.at[code, root]]))[0] if bands is not None else "—"
    fig = plt.figure(figsize=(8.27, 11.0))
    fig.text(0.06, 0.965, f"{name} ({code})", fontsize=15, weight="bold")
    sub = f"Province / Provinsi: {prov}" if prov else ""
    fig.text(0.06, 0.945, sub, fontsize=9, color="#555")
    ri = ""
    if rank_stats is not None and code in rank_stats.index:
        r = rank_stats.loc[code]
        ri = f"rank interval (5–95%) / interval peringkat: {r['Q5']:.0f}–{r['Q95']:.0f}"
    fig.text(0.06, 0.922, f"Index / Indeks {T.at[code, root]:.1f}   rank / peringkat {rank} of {len(T)}   "
             f"level / tingkat: {level}", fontsize=10)
    if ri:
        fig.text(0.06, 0.902, ri, fontsize=10)
    ax = fig.add_axes([0.1, 0.53, 0.85, 0.33])
    series = {"unit / daerah": T.loc[code, dims]}
    if prov is not None:
        series[f"province mean / rata-rata {prov}"] = T.loc[u.index[u["province"] == prov].intersection(T.index),
                                                             dims].mean()
    if clusters is not None and code in clusters.index:
        peers = clusters.index[clusters == clusters[code]]
        series[f"peers (cluster {clusters[code]}) / kelompok sebaya"] = T.loc[peers, dims].mean()
    series["national median / median nasional"] = T[dims].median()
    df = pd.DataFrame(series)
    df.index = [f"{fw.nodes[d].name or d}\n{fw.nodes[d].nama or ''}" for d in dims]
    df.plot.bar(ax=ax, width=0.8, color=["#2a7ab0", "#95a5a6", "#e67e22", "#34495e"][: df.shape[1]])
    ax.set_ylabel("score / skor")
    ax.tick_params(axis="x", rotation=0, labelsize=7)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2)
    ax.set_title("Dimensions / Dimensi", fontsize=10)
    z = (N.loc[code] - N.median()) / N.std(ddof=0).replace(0, 1)
    z = z.dropna().sort_values()
    rows = [("weakest / terlemah", c) for c in z.index[:5]] + [("strongest / terkuat", c) for c in z.index[::-1][:5]]
    y = 0.40
    fig.text(0.06, y + 0.03, "Indicators against the national median (z) / Indikator dibanding median nasional",
             fontsize=10, weight="bold")
    for kind, c in rows:
        nd = fw.nodes[c]
        fig.text(0.06, y, f"{kind:22s}", fontsize=8, family="monospace")
        fig.text(0.30, y, textwrap.shorten(f"{c} — {nd.name}", 70), fontsize=8)
        fig.text(0.86, y, f"z = {z[c]:+.2f}", fontsize=8, family="monospace")
        y -= 0.022
    note = result.spec.get("note")
    if note:
        fig.text(0.06, 0.04, textwrap.fill(str(note), 110), fontsize=7, color="#777")
    return fig


def unit_profiles(result, run_dir, units, *, year=None) -> list[Path]:
    """Write ``figures/profile_<code>.png`` for each unit (``"all"`` for every unit)."""
    run = Path(run_dir)
    (run / "figures").mkdir(parents=True, exist_ok=True)
    from ..audit import cross_section

    T = cross_section(result, year=year)
    codes = list(T.index) if units == "all" else list(units or [])
    missing = [c for c in codes if c not in T.index]
    if missing:
        from .._errors import InputError

        raise InputError(f"profile unit '{missing[0]}' is not in the data")
    clusters = None
    p = run / "tables" / "cluster_members.csv"
    if p.exists():
        clusters = pd.read_csv(p, dtype={"uCode": str}).set_index("uCode")["cluster"]
    rs = None
    p = run / "tables" / "ua_rank_stats.csv"
    if p.exists():
        rs = pd.read_csv(p, dtype={"uCode": str}).set_index("uCode")
    out = []
    for c in codes:
        fig = profile_figure(c, result, year, clusters=clusters, rank_stats=rs)
        f = run / "figures" / f"profile_{c.replace('.', '_')}.png"
        fig.savefig(f, dpi=110)
        plt.close(fig)
        out.append(f)
    return out


def _img(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def _profiles_html(run: Path, title: str) -> str:
    figs = sorted((run / "figures").glob("profile_*.png"))
    parts = [f"<html><head><meta charset='utf-8'><title>{html.escape(title)} — unit profiles</title>"
             "<style>body{font-family:sans-serif;max-width:900px;margin:auto} img{width:100%;"
             "page-break-after:always;border-bottom:1px solid #ccc}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><h2>Unit profiles / Profil daerah</h2>"]
    for f in figs:
        parts.append(f"<img alt='{f.stem}' src='{_img(f)}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_report(run: Path) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(run / "notebooks" / "99_report.ipynb", as_version=4)
    ex = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = ex.from_notebook_node(nb)
    return body


class _Pages:
    """PdfPages that also keeps a PNG preview of every page (``pages/page_NN.png``) for review."""

    def __init__(self, pdf, preview_dir: Path | None):
        self.pdf, self.dir, self.n = pdf, preview_dir, 0
        if preview_dir is not None:
            preview_dir.mkdir(parents=True, exist_ok=True)

    def savefig(self, fig):
        self.pdf.savefig(fig)
        self.n += 1
        if self.dir is not None:
            fig.savefig(self.dir / f"page_{self.n:02d}.png", dpi=60)


def _text_page(pdf, title: str, lines: list[str], *, size: int = 9):
    fig = plt.figure(figsize=(8.27, 11.69))
    y = 0.95
    for t in textwrap.wrap(title, 60):
        fig.text(0.07, y, t, fontsize=14, weight="bold")
        y -= 0.025
    y -= 0.01
    for ln in lines:
        for w in (textwrap.wrap(ln, 105) or [""]):
            if y < 0.05:
                pdf.savefig(fig)
                plt.close(fig)
                fig = plt.figure(figsize=(8.27, 11.69))
                y = 0.95
            fig.text(0.07, y, w, fontsize=size, family="DejaVu Sans")
            y -= 0.018
    pdf.savefig(fig)
    plt.close(fig)


def _table_page(pdf, title: str, df: pd.DataFrame, *, max_rows: int = 40):
    df = df.head(max_rows)
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.07, 0.95, title, fontsize=12, weight="bold")
    ax = fig.add_axes([0.05, 0.05, 0.9, 0.86])
    ax.axis("off")
    cells = [[(f"{v:.3g}" if isinstance(v, float) else textwrap.shorten(str(v), 38)) for v in r]
             for r in df.itertuples(index=False)]
    tb = ax.table(cellText=cells, colLabels=[textwrap.shorten(str(c), 22) for c in df.columns], loc="upper center",
                  cellLoc="left")
    tb.auto_set_font_size(False)
    tb.set_fontsize(9)
    tb.auto_set_column_width(list(range(df.shape[1])))
    tb.scale(1.0, 1.6)
    pdf.savefig(fig)
    plt.close(fig)


def _figure_page(pdf, title: str, png: Path):
    img = plt.imread(png)
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.07, 0.95, title, fontsize=12, weight="bold")
    h, w = img.shape[:2]
    width = 0.86
    height = min(0.85, width * h / w * 8.27 / 11.69)
    ax = fig.add_axes([0.07, 0.92 - height, width, height])
    ax.imshow(img)
    ax.axis("off")
    pdf.savefig(fig)
    plt.close(fig)


def _pdf_report(run: Path, cfg: dict, path: Path) -> None:
    from matplotlib.backends.backend_pdf import PdfPages

    from .steps import load_summary

    man = {}
    s1, s2, s3 = (load_summary(run, s) for s in ("01_data_audit", "02_weighting", "03_uncertainty_sensitivity"))
    s4, s5 = load_summary(run, "04_clustering"), load_summary(run, "05_scenarios")
    meta = load_summary(run, "99_report")
    title = cfg.get("title") or cfg.get("name") or "Maturasi run"
    with PdfPages(path, metadata={"Title": title, "Creator": "maturasi"}) as raw_pdf:
        pdf = _Pages(raw_pdf, run / "pages")
        lines = [meta.get("subtitle", ""), "", *meta.get("intro", [])]
        if s1:
            lines += ["", f"Data: {s1['units']} units, {s1['indicators']} indicators, mean availability "
                      f"{s1['availability']:.1%}; {s1['outlier_flags']} indicators flagged for skew/kurtosis."]
            lines += [f"  • {n}" for n in s1.get("flags", [])[:12]]
        lines += ["", "Method choices / Pilihan metode:"] + [f"  • {x}" for x in meta.get("methods", [])]
        opt_notes = [n for o in ((s2 or {}).get("optimised") or {}).values() for n in o.get("notes", [])]
        if opt_notes:
            lines += ["", "Optimised weights / Bobot teroptimasi:"] + [f"  • {n}" for n in opt_notes[:8]]
        if s3:
            lines += ["", f"Uncertainty: {s3['runs']} Monte Carlo runs over {', '.join(s3['factors'])}; "
                      f"median width of the 90% rank interval {s3['median_interval_width']:.1f} places."]
        if s4:
            lines += ["", f"Typology: {s4['k']} clusters ({s4['method']} on {s4['on']})."]
            lines += [f"  • {c['cluster']}: {c['label_en']} ({c['size']} units; medoid {c.get('medoid_uName', '')})"
                      for c in s4.get("clusters", [])]
            lines += [f"  • {n}" for n in s4.get("notes", [])]
        if s5:
            for sc in s5.get("scenarios", []):
                lines.append(f"Scenario {sc['name']}: {sc['units_changed']} units changed, "
                             f"{sc['level_changes']} change level, mean Δ {sc['mean_delta_score']:+.2f}.")
            for p in s5.get("paths", []):
                lines.append(f"Path {p['name']} ({p['unit']}): {p['from']:.1f} → {p['target']:.1f}: {p['message']}; "
                             f"{len(p['moves'])} indicators move.")
        _text_page(pdf, title, lines)
        t = run / "tables"
        for name, ttl in [("report_top", "Top units / Daerah teratas"),
                          ("report_bottom", "Bottom units / Daerah terbawah"),
                          ("report_levels", "Units per maturity level / Jumlah daerah per tingkat"),
                          ("weights_summary", "Weight sets compared / Perbandingan skema bobot"),
                          ("ua_sobol", "Sobol' indices / Indeks Sobol'")]:
            p = t / f"{name}.csv"
            if p.exists():
                _table_page(pdf, ttl, pd.read_csv(p, dtype={"uCode": str}))
        f = run / "figures"
        for stem, ttl in [("audit_corr_dimensions", "Correlations / Korelasi"),
                          ("audit_importance", "Importance vs weight / Kepentingan vs bobot"),
                          ("weights_dimensions", "Weights / Bobot"), ("ua_rank_intervals", "Rank intervals"),
                          ("ua_sobol", "Sensitivity / Sensitivitas"), ("cluster_profiles", "Cluster profiles"),
                          ("map_clusters", "Map of clusters / Peta klaster"), ("map_index", "Map of the index")]:
            if (f / f"{stem}.png").exists():
                _figure_page(pdf, ttl, f / f"{stem}.png")
        for p in sorted(f.glob("profile_*.png")):
            _figure_page(pdf, "Unit profile / Profil daerah", p)
        appendix = json.dumps({"config": cfg, **man}, indent=1, ensure_ascii=False, default=str).splitlines()
        _text_page(pdf, "Appendix: run configuration / Lampiran: konfigurasi", appendix, size=7)


def write_reports(run_dir, cfg: dict) -> None:
    """report.html (from the executed 99_report notebook), profiles.html and report.pdf."""
    run = Path(run_dir)
    title = cfg.get("title") or cfg.get("name") or "Maturasi run"
    (run / "report.html").write_text(_html_report(run), encoding="utf-8")
    (run / "profiles.html").write_text(_profiles_html(run, title), encoding="utf-8")
    _pdf_report(run, cfg, run / "report.pdf")
