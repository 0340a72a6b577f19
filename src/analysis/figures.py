"""Figures for weighting comparisons and the audit (seaborn/matplotlib, no display needed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

__all__ = ["rank_shift_slope", "weight_bars", "correlation_heatmap", "importance_vs_weight", "save"]


def vector_colorbars(fig) -> None:
    """Draw colour bars as vector patches (matplotlib rasterises long ones), so SVG and PDF stay vector."""
    for ax in fig.axes:
        for coll in ax.collections:
            cb = getattr(coll, "colorbar", None)
            if cb is not None and getattr(cb, "solids", None) is not None:
                cb.solids.set_rasterized(False)


def save(fig, path_stem, formats=("png", "svg"), dpi: int = 150) -> list[str]:
    """Save a figure in several formats (``path_stem`` without suffix) and close it."""
    vector_colorbars(fig)
    out = []
    for f in formats:
        p = f"{path_stem}.{f}"
        fig.savefig(p, dpi=dpi, bbox_inches="tight")
        out.append(p)
    plt.close(fig)
    return out


def rank_shift_slope(comparison, set_name: str, *, top: int = 15, names: pd.Series | None = None):
    """Slope chart: rank under the reference set vs under ``set_name`` for the units that move most."""
    R = comparison.ranks
    ref = comparison.reference
    d = (R[set_name] - R[ref]).abs().sort_values(ascending=False).head(top)
    fig, ax = plt.subplots(figsize=(6, max(4, 0.28 * top)))
    up, down = "#2a7ab0", "#c0392b"
    height = max(4, 0.28 * top)
    lo = min(R.loc[d.index, ref].min(), R.loc[d.index, set_name].min())
    hi = max(R.loc[d.index, ref].max(), R.loc[d.index, set_name].max())
    gap = 1.15 * 7 / 72 * (hi - lo + 1) / (0.8 * height)   # one 7 pt line in rank units
    left = _spread(R.loc[d.index, ref], gap)
    right = _spread(R.loc[d.index, set_name], gap)
    for u in d.index:
        a, b = R.loc[u, ref], R.loc[u, set_name]
        ax.plot([0, 1], [a, b], color=up if b < a else down, lw=1.5, marker="o", ms=3)
        label = _short_name(names.get(u, u)) if names is not None else str(u)
        ax.text(-0.03, left[u], f"{label} ({int(a)})", ha="right", va="center", fontsize=7)
        ax.text(1.03, right[u], f"{int(b)}", ha="left", va="center", fontsize=7)
    ax.set_xticks([0, 1])
    ax.set_xticklabels([ref, set_name])
    ax.set_xlim(-0.6, 1.2)
    ax.invert_yaxis()
    ax.set_ylabel("Rank (1 = best) / Peringkat")
    ax.set_title(f"Largest rank shifts: {ref} → {set_name}\nPergeseran peringkat terbesar", fontsize=10)
    sns.despine(ax=ax, left=False, bottom=True)
    fig.tight_layout()
    return fig


def _spread(y: pd.Series, gap: float) -> pd.Series:
    """Label positions near ``y`` at least ``gap`` apart (labels never overlap), order kept."""
    s = y.sort_values()
    pos = s.to_numpy(dtype=float).copy()
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    shift = (pos - s.to_numpy()).mean() if len(pos) else 0.0   # centre the block on the points
    return pd.Series(pos - shift / 2, index=s.index)


def weight_bars(weights: pd.DataFrame, codes: list[str] | None = None, *, labels: dict | None = None):
    """Grouped bars of the weights of ``codes`` (default: the first level below the index) per set."""
    W = weights if codes is None else weights.loc[codes]
    W = W.dropna(axis=1, how="all")
    long = W.rename(index=labels or {}).reset_index(names="component").melt(
        id_vars="component", var_name="set", value_name="weight")
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(W)), 4))
    sns.barplot(long, x="component", y="weight", hue="set", ax=ax)
    ax.set_ylabel("Weight within parent / Bobot")
    ax.set_xlabel("")
    ax.tick_params(axis="x", rotation=30)
    ax.set_title("Weights by set / Bobot per skema")
    ax.legend(fontsize=8, ncols=2)
    fig.tight_layout()
    return fig


def correlation_heatmap(R: pd.DataFrame, *, title: str = "Correlations / Korelasi", annot: bool | None = None):
    """Lower-triangle heatmap of a correlation matrix (diverging, −1 to 1)."""
    n = len(R)
    annot = n <= 15 if annot is None else annot
    mask = np.triu(np.ones_like(R, dtype=bool), 1)
    fig, ax = plt.subplots(figsize=(max(4, 0.45 * n + 2), max(3.5, 0.4 * n + 1.5)))
    sns.heatmap(R, mask=mask, vmin=-1, vmax=1, cmap="vlag", annot=annot, fmt=".2f", square=True,
                cbar_kws={"shrink": 0.7}, ax=ax, annot_kws={"fontsize": 7})
    ax.set_title(title)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def importance_vs_weight(imp: pd.DataFrame, *, title: str = "Importance vs nominal weight"):
    """Scatter of normalised correlation ratios against nominal weights (diagonal = as intended)."""
    fig, ax = plt.subplots(figsize=(5, 5))
    sns.scatterplot(imp, x="weight", y="importance", hue="level", palette="deep", ax=ax)
    lim = max(imp["weight"].max(), imp["importance"].max()) * 1.05
    ax.plot([0, lim], [0, lim], ls="--", color="grey", lw=1)
    for c, r in imp.iterrows():
        if abs(r["ratio"] - 1) > 0.25:
            ax.annotate(c, (r["weight"], r["importance"]), fontsize=6)
    ax.set_xlabel("Nominal weight (within parent)")
    ax.set_ylabel("Importance: normalised correlation ratio")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def selection_plot(table: pd.DataFrame, chosen: int):
    """Silhouette, Calinski–Harabasz, Davies–Bouldin, gap (and BIC) against k."""
    cols = [c for c in ("silhouette", "calinski_harabasz", "davies_bouldin", "gap", "bic") if c in table]
    fig, axes = plt.subplots(1, len(cols), figsize=(3.1 * len(cols), 2.8))
    for ax, c in zip(np.atleast_1d(axes), cols):
        ax.plot(table.index, table[c], marker="o", color="#34495e")
        if c == "gap":
            ax.errorbar(table.index, table[c], yerr=table["gap_se"], fmt="none", color="#34495e")
        ax.axvline(chosen, color="#c0392b", ls="--", lw=1)
        ax.set_title(c.replace("_", "–"), fontsize=9)
        ax.set_xlabel("k")
        ax.tick_params(labelsize=7)
    fig.suptitle(f"Choice of k (chosen k = {chosen}) / Pemilihan jumlah klaster", fontsize=10)
    fig.tight_layout()
    return fig


def profile_heatmap(means: pd.DataFrame, labels: pd.DataFrame | None = None, *, names: dict | None = None):
    """Clusters × dimensions, coloured by the standardised deviation from the all-cluster mean."""
    z = (means - means.mean()) / means.std(ddof=0).replace(0, 1)
    ylab = [f"{c}: {labels.loc[c, 'label_en'].split(':')[0]}" if labels is not None else str(c) for c in means.index]
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * means.shape[1] + 2), 0.55 * len(means) + 1.6))
    sns.heatmap(z.rename(columns=names or {}), annot=means.round(1), fmt="", cmap="vlag", center=0, ax=ax,
                yticklabels=ylab, cbar_kws={"label": "z"}, annot_kws={"fontsize": 8})
    ax.set_title("Cluster profiles (mean score; colour = deviation) / Profil klaster", fontsize=10)
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=30, labelsize=8)
    ax.tick_params(axis="y", rotation=0, labelsize=8)  # one horizontal label per cluster, never stacked
    fig.tight_layout()
    return fig


def radar(means: pd.DataFrame, *, names: dict | None = None, labels: dict | None = None):
    """Radar chart of cluster means over the dimensions."""
    cols = list(means.columns)
    ang = np.linspace(0, 2 * np.pi, len(cols), endpoint=False).tolist()
    fig, ax = plt.subplots(figsize=(5.5, 5.5), subplot_kw={"polar": True})
    for c, row in means.iterrows():
        v = row.tolist()
        ax.plot(ang + ang[:1], v + v[:1], lw=1.5, label=(labels or {}).get(c, f"cluster / klaster {c}"))
        ax.fill(ang + ang[:1], v + v[:1], alpha=0.08)
    ax.set_xticks(ang)
    ax.set_xticklabels([(names or {}).get(c, c) for c in cols], fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1), fontsize=8)
    ax.set_title("Cluster means / Rata-rata klaster", fontsize=10, pad=20)
    fig.tight_layout()
    return fig


def dendrogram(X: pd.DataFrame, k: int):
    """Ward dendrogram (truncated to the last 40 merges) with the cut for ``k`` clusters."""
    from scipy.cluster.hierarchy import dendrogram as _dg
    from scipy.cluster.hierarchy import linkage

    Z = linkage(X.to_numpy(float), "ward")
    fig, ax = plt.subplots(figsize=(9, 4))
    _dg(Z, truncate_mode="lastp", p=40, ax=ax, color_threshold=Z[-(k - 1), 2] if k > 1 else None,
        leaf_font_size=7)
    if k > 1:
        ax.axhline((Z[-(k - 1), 2] + Z[-k, 2]) / 2, color="#c0392b", ls="--", lw=1)
    ax.set_ylabel("Ward distance")
    ax.set_title(f"Ward dendrogram, cut at k = {k} / Dendrogram Ward", fontsize=10)
    fig.tight_layout()
    return fig


def missingness(raw: pd.DataFrame, framework):
    """Units × indicators map of missing cells (units sorted by availability), grouped by dimension."""
    from matplotlib.collections import PolyCollection

    dims = framework.children(framework.root)
    order = [c for d in dims for c in framework.indicators_under(d)]
    M = raw[order].isna()
    M = M.loc[M.mean(axis=1).sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN, 3.4))
    rows, cols = np.nonzero(M.to_numpy())   # the missing cells as vector squares (no raster image)
    ax.add_collection(PolyCollection([[(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)] for r, c in zip(rows, cols)],
                                     facecolors="black", edgecolors="none"))
    ax.set_xlim(0, len(order))
    ax.set_ylim(len(M), 0)
    start = 0
    ticks, names = [], []
    for d in dims:
        k = len(framework.indicators_under(d))
        if start:
            ax.axvline(start, color="#2a7ab0", lw=0.6)
        ticks.append(start + k / 2)
        names.append(framework.nodes[d].name or d)
        start += k
    ax.set_xticks(ticks)
    ax.set_xticklabels(names, fontsize=6.5)
    ax.set_yticks([])
    ax.set_ylabel(f"{len(M)} units (most missing on top)", fontsize=7)
    ax.set_title(f"Missing data (black) — {M.to_numpy().mean():.1%} of cells / Data hilang", fontsize=8)
    fig.tight_layout()
    return fig


def distributions(normalised: pd.DataFrame, framework):
    """Box plots of normalised indicators, coloured by dimension."""
    dims = framework.children(framework.root)
    long = normalised.melt(var_name="iCode", value_name="value")
    dim_of = {c: d for d in dims for c in framework.indicators_under(d)}
    long["dimension"] = long["iCode"].map(dim_of)
    order = [c for d in dims for c in framework.indicators_under(d)]
    fig, ax = plt.subplots(figsize=(12, 4))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        sns.boxplot(long, x="iCode", y="value", hue="dimension", order=order, ax=ax, fliersize=1, linewidth=0.6,
                    dodge=False)
    ax.tick_params(axis="x", rotation=90, labelsize=5)
    ax.set_xlabel("")
    ax.set_ylabel("normalised value")
    ax.set_title("Distributions of normalised indicators / Sebaran indikator ternormalisasi", fontsize=10)
    ax.legend(fontsize=7, ncols=6, loc="upper center", bbox_to_anchor=(0.5, -0.35))
    fig.tight_layout()
    return fig


def waterfall(contrib: pd.Series, start: float, *, title: str = ""):
    """Waterfall of each indicator's contribution to a unit's index change."""
    c = contrib.sort_values(key=np.abs, ascending=False)
    fig, ax = plt.subplots(figsize=(max(5, 0.7 * len(c) + 3), 3.8))
    level = start
    for i, v in enumerate(c.to_numpy()):
        ax.bar(i, v, bottom=level, color="#2a7ab0" if v >= 0 else "#c0392b")
        ax.text(i, level + v + (0.02 if v >= 0 else -0.02) * max(1e-9, abs(c).max()), f"{v:+.2f}", ha="center",
                va="bottom" if v >= 0 else "top", fontsize=7)
        level += v
    ax.bar(len(c), level - start, bottom=start, color="#7f8c8d")
    ax.set_xticks(range(len(c) + 1))
    ax.set_xticklabels(list(c.index) + ["total"], rotation=30, fontsize=8)
    lo = min(start, level, start + c.clip(upper=0).sum())
    hi = max(start, level, start + c.clip(lower=0).sum())
    pad = 0.25 * max(hi - lo, 1e-6)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_ylabel("Index / Indeks")
    ax.set_title(title or "Contributions to the change / Kontribusi perubahan", fontsize=10)
    fig.tight_layout()
    return fig


# --- figures of the methodology report (drawn at print size: 1 inch = 1 inch on A4) -----------------
TEXT_WIDTH_IN = 6.7     # A4 minus 2 × 18 mm margins
LEVEL_COLOURS = ["#c0392b", "#e67e22", "#f1c40f", "#7fb800", "#1e8449", "#16a085", "#2471a3"]


def _short_name(name: str) -> str:
    """'Kabupaten Aceh Selatan' → 'Kab. Aceh Selatan' (labels that fit a column)."""
    return str(name).replace("Kabupaten ", "Kab. ").replace("Kota Administrasi ", "Kota Adm. ")


def index_histogram(scores: pd.Series, bands: list[float] | None = None, labels: list[str] | None = None, *,
                    xlabel: str = "Index"):
    """Histogram of the index coloured by maturity level, with the band limits as dashed lines."""
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN, 2.6))
    s = pd.Series(scores).dropna()
    edges = np.linspace(np.floor(s.min()), np.ceil(s.max()), 41)
    if bands:
        cuts = [-np.inf, *bands, np.inf]
        for i in range(len(cuts) - 1):
            part = s[(s >= cuts[i]) & (s < cuts[i + 1])]
            ax.hist(part, bins=edges, color=LEVEL_COLOURS[i % len(LEVEL_COLOURS)], edgecolor="white", lw=0.4,
                    label=f"{labels[i]} ({len(part)})" if labels else None)
        for b in bands:
            if s.min() <= b <= s.max():
                ax.axvline(b, color="#333", ls="--", lw=0.8)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    else:
        ax.hist(s, bins=edges, color="#2a7ab0", edgecolor="white", lw=0.4)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel("Units / Daerah", fontsize=8)
    ax.tick_params(labelsize=7)
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig


def rank_interval_columns(stats: pd.DataFrame, names: pd.Series | None = None, *, start: int = 0,
                          stop: int | None = None, ncols: int = 2, highlight: int = 10, height: float = 9.0,
                          label_size: float = 4.2):
    """Every unit's 5–95 % rank interval, in ``ncols`` columns sorted by nominal rank (a tall figure).

    Rows ``start:stop`` of the units sorted by nominal rank are drawn (a figure may be split over
    pages); the ``highlight`` best and worst units of all are drawn in colour, the rest in grey.
    """
    s = stats.sort_values("Nominal")
    n_all = len(s)
    s = s.iloc[start:stop]
    per = int(np.ceil(len(s) / ncols))
    fig, axes = plt.subplots(1, ncols, figsize=(TEXT_WIDTH_IN, height), sharex=True)
    axes = np.atleast_1d(axes)
    for j, ax in enumerate(axes):
        part = s.iloc[j * per:(j + 1) * per]
        y = np.arange(len(part))
        nom = part["Nominal"].to_numpy()
        col = np.where(nom <= highlight, "#1e8449", np.where(nom > n_all - highlight, "#c0392b", "#7f8c8d"))
        ax.hlines(y, part["Q5"], part["Q95"], color=col, lw=1.2)
        ax.scatter(part["Median"], y, s=2.5, color=col, zorder=3, lw=0)
        ax.scatter(nom, y, s=5, color="black", marker="|", zorder=4, lw=0.6)
        lab = [f"{int(r)}  {_short_name(names.get(i, i)) if names is not None else i}"
               for i, r in zip(part.index, nom)]
        ax.set_yticks(y)
        ax.set_yticklabels(lab, fontsize=label_size)
        for t, c in zip(ax.get_yticklabels(), col):
            t.set_color(c if c != "#7f8c8d" else "#222")
        ax.set_ylim(len(part) - 0.5, -0.5) if len(part) == per else ax.set_ylim(per - 0.5, -0.5)
        ax.set_xlim(0, n_all + 1)
        ax.tick_params(axis="x", labelsize=6)
        ax.tick_params(axis="y", length=0, pad=1)
        ax.set_xlabel("Rank (1 = best) / Peringkat", fontsize=7)
        ax.grid(axis="x", color="#ddd", lw=0.4)
        sns.despine(ax=ax, left=True)
    fig.tight_layout(w_pad=0.8)
    return fig


def rank_shift_scatter(ranks: pd.DataFrame, reference: str, sets: list[str], *, labels: dict | None = None):
    """Rank under the reference set against the rank under each other set (small multiples, no labels).

    Points on the diagonal keep their rank; the share of units moving more than 10 places is printed.
    """
    sets = [s for s in sets if s != reference and s in ranks]
    n = max(1, len(sets))
    ncols = min(3, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(TEXT_WIDTH_IN, 2.35 * nrows + 0.3), squeeze=False)
    N = len(ranks)
    for ax, s in zip(axes.flat, sets):
        d = (ranks[s] - ranks[reference]).abs()
        ax.scatter(ranks[reference], ranks[s], s=2, color=np.where(d > 10, "#c0392b", "#2a7ab0"), lw=0)
        ax.plot([1, N], [1, N], color="#555", lw=0.6, ls="--")
        ax.set_title(f"{(labels or {}).get(s, s)}: {np.mean(d > 10):.0%} move > 10", fontsize=7.5)
        ax.set_xlim(0, N + 1)
        ax.set_ylim(N + 1, 0)
        ax.tick_params(labelsize=6)
        ax.set_xlabel(f"rank, {(labels or {}).get(reference, reference)}", fontsize=6.5)
        ax.set_ylabel("rank, alternative", fontsize=6.5)
        ax.set_aspect("equal")
    for ax in list(axes.flat)[len(sets):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def province_strip(unit_scores: pd.Series, province: pd.Series, means: pd.Series | None = None, *,
                   xlabel: str = "Index"):
    """One row per province (sorted by its mean): every unit as a dot, the province mean as a bar."""
    df = pd.DataFrame({"score": unit_scores, "province": province.reindex(unit_scores.index)}).dropna()
    m = (means if means is not None else df.groupby("province")["score"].mean()).sort_values(ascending=False)
    order = list(m.index)
    pos = {p: i for i, p in enumerate(order)}
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN, 0.11 * len(order) + 0.8))
    rng = np.random.default_rng(0)
    y = df["province"].map(pos).to_numpy() + rng.uniform(-0.22, 0.22, len(df))
    ax.scatter(df["score"], y, s=3, color="#2a7ab0", alpha=0.6, lw=0)
    ax.scatter(m.to_numpy(), np.arange(len(order)), marker="|", s=60, color="#c0392b", lw=1.4, zorder=3)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(order, fontsize=6)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlabel(xlabel, fontsize=7.5)
    ax.tick_params(axis="x", labelsize=6.5)
    ax.grid(axis="x", color="#e5e5e5", lw=0.4)
    sns.despine(ax=ax, left=True)
    fig.tight_layout()
    return fig


def dimension_weight_bars(weights: pd.DataFrame, labels: dict | None = None, set_labels: dict | None = None):
    """Dimension weights (share of the index) per weight set, horizontal grouped bars, legend outside."""
    W = weights.dropna(axis=1, how="all").rename(index=labels or {}, columns=set_labels or {})
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN, 0.3 * len(W) * max(1, W.shape[1]) / 3 + 1.0))
    W.iloc[::-1, ::-1].plot.barh(ax=ax, width=0.8, color=sns.color_palette("deep", W.shape[1])[::-1])
    ax.set_xlabel("weight within the index / bobot dalam indeks", fontsize=7.5)
    ax.tick_params(labelsize=7)
    handles, names = ax.get_legend_handles_labels()   # legend top to bottom = bars top to bottom
    ax.legend(handles[::-1], names[::-1], fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    sns.despine(ax=ax)
    fig.tight_layout()
    return fig
