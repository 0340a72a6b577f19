"""Figures for weighting comparisons and the audit (seaborn/matplotlib, no display needed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

__all__ = ["rank_shift_slope", "weight_bars", "correlation_heatmap", "importance_vs_weight", "save"]


def save(fig, path_stem, formats=("png", "svg"), dpi: int = 150) -> list[str]:
    """Save a figure in several formats (``path_stem`` without suffix) and close it."""
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
    for u in d.index:
        a, b = R.loc[u, ref], R.loc[u, set_name]
        ax.plot([0, 1], [a, b], color=up if b < a else down, lw=1.5, marker="o", ms=3)
        label = str(names.get(u, u)) if names is not None else str(u)
        ax.text(-0.03, a, label, ha="right", va="center", fontsize=7)
        ax.text(1.03, b, f"{int(b)}", ha="left", va="center", fontsize=7)
    ax.set_xticks([0, 1])
    ax.set_xticklabels([ref, set_name])
    ax.set_xlim(-0.6, 1.2)
    ax.invert_yaxis()
    ax.set_ylabel("Rank (1 = best) / Peringkat")
    ax.set_title(f"Largest rank shifts: {ref} → {set_name}\nPergeseran peringkat terbesar", fontsize=10)
    sns.despine(ax=ax, left=False, bottom=True)
    fig.tight_layout()
    return fig


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
    fig.tight_layout()
    return fig


def radar(means: pd.DataFrame, *, names: dict | None = None):
    """Radar chart of cluster means over the dimensions."""
    cols = list(means.columns)
    ang = np.linspace(0, 2 * np.pi, len(cols), endpoint=False).tolist()
    fig, ax = plt.subplots(figsize=(5.5, 5.5), subplot_kw={"polar": True})
    for c, row in means.iterrows():
        v = row.tolist()
        ax.plot(ang + ang[:1], v + v[:1], lw=1.5, label=f"cluster {c}")
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
    order = [c for d in framework.children(framework.root) for c in framework.indicators_under(d)]
    M = raw[order].isna()
    M = M.loc[M.mean(axis=1).sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.imshow(M.to_numpy(), aspect="auto", cmap="Greys", interpolation="nearest", vmin=0, vmax=1)
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels(order, rotation=90, fontsize=5)
    ax.set_yticks([])
    ax.set_ylabel(f"{len(M)} units (most missing on top)")
    ax.set_title(f"Missing data (black) — {M.to_numpy().mean():.1%} of cells / Data hilang", fontsize=10)
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
