"""Figures of an uncertainty/sensitivity analysis."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["rank_intervals", "sobol_bars"]


def rank_intervals(stats: pd.DataFrame, names: pd.Series | None = None, top: int | None = 60,
                   title: str = "Rank intervals (5th–95th percentile) / Interval peringkat"):
    """Units sorted by nominal rank, bars from the 5th to the 95th percentile, dot at the median."""
    s = stats.sort_values("Nominal")
    if top and top < len(s):
        title = f"{title}\nthe {top} best of {len(s)} units by nominal rank / {top} terbaik dari {len(s)} daerah"
        s = s.head(top)
    labels = [str(names.get(i, i)) if names is not None else str(i) for i in s.index]
    fig, ax = plt.subplots(figsize=(max(8, 0.18 * len(s)), 4.5))
    x = range(len(s))
    ax.vlines(x, s["Q5"], s["Q95"], color="#4C72B0", lw=3, alpha=0.7, label="5–95%")
    ax.scatter(x, s["Median"], color="#4C72B0", s=10, zorder=3, label="median")
    ax.scatter(x, s["Nominal"], color="#C44E52", marker="_", s=60, zorder=4, label="nominal")
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, rotation=90, fontsize=6)
    ax.invert_yaxis()
    ax.set_ylabel("Rank (1 = best) / Peringkat")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def sobol_bars(si: pd.DataFrame, title: str = "Sobol' indices / Indeks Sobol'"):
    """First-order and total-order indices per factor with confidence intervals."""
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(si) + 1.5))
    y = range(len(si))
    s1 = si["S1"]
    st = si["ST"]
    e1 = si["S1_conf"] if "S1_conf" in si else (si["S1_high"] - si["S1_low"]) / 2
    et = si["ST_conf"] if "ST_conf" in si else (si["ST_high"] - si["ST_low"]) / 2
    b_st = ax.barh([i + 0.2 for i in y], st, height=0.4, xerr=et, label="total order", color="#DD8452")
    b_s1 = ax.barh([i - 0.2 for i in y], s1, height=0.4, xerr=e1, label="first order", color="#4C72B0")
    ax.set_yticks(list(y))
    ax.set_yticklabels(si.index)
    ax.axvline(0, color="#555", lw=0.6)
    ax.set_xlabel("Sobol' index / indeks Sobol'")
    if title:
        ax.set_title(title)
    ax.legend([b_st, b_s1], ["total order / orde total", "first order / orde pertama"], loc="upper center",
              bbox_to_anchor=(0.5, -0.22), ncols=2, frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
