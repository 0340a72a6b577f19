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
