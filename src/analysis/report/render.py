"""Rendering: unit profiles, ``profiles.html``, and ``report.pdf`` printed from ``report.html``.

``report.html`` is :func:`analysis.report.document.report_html` (written by the 99_report notebook);
``report.pdf`` is the same HTML typeset on A4 pages by headless Chromium (:mod:`.pdf`).
"""

from __future__ import annotations

import base64
import html
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
    fig.text(0.06, 0.922, f"Index / Indeks {T.at[code, root]:.1f}   rank / peringkat {rank} of / dari {len(T)}   "
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
    """``profiles.html``: one page per unit profile (``figures/profile_<code>.png``), headings and alt texts in
    English and Bahasa Indonesia (messages of the catalogue, as in the report)."""
    from .document import Msg

    figs = sorted((run / "figures").glob("profile_*.png"))
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)} — unit "
             "profiles / profil daerah</title><style>body{font-family:sans-serif;max-width:900px;margin:auto} "
             "img{width:100%;page-break-after:always;border-bottom:1px solid #ccc}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><h2>Unit profiles / <span lang='id'>Profil daerah</span></h2>"]
    for f in figs:
        m = Msg("Profile of unit {code}: dimension scores against the province, the peers and the national median; "
                "the strongest and weakest indicators.", code=f.stem.removeprefix("profile_").replace("_", "."))
        parts.append(f"<img alt='{html.escape(f'{m} / {m.ind or m}', quote=True)}' src='{_img(f)}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_reports(run_dir, cfg: dict) -> list[str]:
    """``report.pdf`` printed from ``report.html`` (written by the 99_report notebook), page previews
    (``pages/page_NN.png``) and ``profiles.html``; returns notes (a PDF or previews that could not be made).

    The HTML report is :func:`analysis.report.document.report_html`, written by the notebook; the PDF is
    the same HTML typeset on A4 by headless Chromium (:mod:`analysis.report.pdf`).
    """
    from .pdf import find_browser, html_to_pdf, page_previews

    run = Path(run_dir)
    title = cfg.get("title") or cfg.get("name") or "Maturasi run"
    notes = []
    html_file = run / "report.html"
    if not html_file.exists():
        raise RuntimeError("the 99_report notebook wrote no report.html")
    (run / "profiles.html").write_text(_profiles_html(run, title), encoding="utf-8")
    if find_browser() is None:
        notes.append("report.pdf not written: no Chromium found (scripts/install-browser.sh installs it)")
        return notes
    html_to_pdf(html_file, run / "report.pdf")
    if not page_previews(run / "report.pdf", run / "pages"):
        notes.append("page previews not written: pdftoppm (poppler-utils) not found")
    return notes
