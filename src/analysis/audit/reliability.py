"""Internal consistency of aggregation groups: Cronbach's alpha and the first principal component."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import InputError
from ..select import cross_section

__all__ = ["cronbach_alpha", "group_reliability"]


def cronbach_alpha(X: pd.DataFrame) -> float:
    """Cronbach's alpha ``k/(k−1) · (1 − Σ σ²_i / σ²_total)``.

    Computed from the (pairwise-complete) covariance matrix ``C`` as ``k/(k−1) · (1 − tr C / ΣC)``,
    as COINr's ``get_cronbach``.
    """
    k = X.shape[1]
    if k < 2:
        raise InputError("Cronbach's alpha needs at least 2 items")
    C = X.cov(min_periods=2).to_numpy(float)
    total = np.nansum(C)
    if total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(C) / total))


def group_reliability(result, *, dset: str = "normalised", year=None) -> pd.DataFrame:
    """Per aggregate: number of children, Cronbach's alpha, first-PC variance share, mean inter-r.

    Returns
    -------
    DataFrame
        Indexed by aggregate code: ``level, n_children, alpha, pc1_share, mean_r, min_r``.
    """
    fw = result.framework
    T = cross_section(result, dset, year)
    rows = []
    for g in fw.aggregates:
        ch = fw.children(g)
        row = {"code": g, "level": fw.nodes[g].level, "n_children": len(ch)}
        if len(ch) >= 2:
            X = T[ch]
            row["alpha"] = cronbach_alpha(X)
            R = X.corr(min_periods=3).to_numpy(float)
            if np.isfinite(R).all():
                ev = np.linalg.eigvalsh(R)
                row["pc1_share"] = float(ev[-1] / ev.sum())
            iu = np.triu_indices(len(ch), 1)
            row["mean_r"] = float(np.nanmean(R[iu]))
            row["min_r"] = float(np.nanmin(R[iu]))
        rows.append(row)
    return pd.DataFrame(rows).set_index("code")
