"""Correlation analysis of the index structure (OECD/JRC Handbook §4.2; COINr ``get_corr``).

All correlations use pairwise-complete observations, as COINr (``use = "pairwise.complete.obs"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import InputError
from ..select import cross_section

__all__ = ["corr_matrix", "within_groups", "with_parents", "NEAR_DUPLICATE", "NEGATIVE"]

#: |r| above which two indicators in one group are flagged as near-duplicates (possible double counting).
NEAR_DUPLICATE = 0.92
#: r below which a within-group correlation is flagged as negative (conflicting indicators).
NEGATIVE = 0.0


def corr_matrix(X: pd.DataFrame, method: str = "pearson") -> pd.DataFrame:
    """Pairwise-complete Pearson or Spearman correlation matrix."""
    if method not in ("pearson", "spearman"):
        raise InputError(f"unknown correlation method '{method}' (use pearson or spearman)")
    if method == "pearson":
        return X.corr(method="pearson", min_periods=3)
    # Spearman on pairwise-complete data: rank each pair's common rows (as R's cor(…, "spearman"))
    cols = list(X.columns)
    out = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    A = X.to_numpy(float)
    complete = not np.isnan(A).any()
    if complete:
        return X.rank().corr(method="pearson")
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            ok = ~(np.isnan(A[:, i]) | np.isnan(A[:, j]))
            if ok.sum() < 3:
                r = np.nan
            else:
                a = pd.Series(A[ok, i]).rank().to_numpy()
                b = pd.Series(A[ok, j]).rank().to_numpy()
                r = np.corrcoef(a, b)[0, 1]
            out.iloc[i, j] = out.iloc[j, i] = r
    return out


def within_groups(result, *, level: int = 2, method: str = "pearson", dset: str = "normalised", year=None,
                  near_duplicate: float = NEAR_DUPLICATE, negative: float = NEGATIVE) -> pd.DataFrame:
    """Correlations between the children of each aggregate at ``level``, with flags.

    Parameters
    ----------
    level : int
        Aggregate level whose children are correlated (2 = indicators within their groups).

    Returns
    -------
    DataFrame
        One row per pair (upper triangle): ``group, var1, var2, r``, ``negative`` (r < ``negative``)
        and ``near_duplicate`` (|r| > ``near_duplicate``).
    """
    fw = result.framework
    T = cross_section(result, dset, year)
    groups = [c for c in fw.aggregates if fw.nodes[c].level == level]
    if not groups:
        raise InputError(f"no aggregates at level {level}; levels are {fw.levels}")
    rows = []
    for g in groups:
        ch = fw.children(g)
        R = corr_matrix(T[ch], method)
        for i in range(len(ch)):
            for j in range(i + 1, len(ch)):
                rows.append((g, ch[i], ch[j], R.iloc[i, j]))
    out = pd.DataFrame(rows, columns=["group", "var1", "var2", "r"])
    out["negative"] = out["r"] < negative
    out["near_duplicate"] = out["r"].abs() > near_duplicate
    out.attrs["method"] = method
    return out


def with_parents(result, *, method: str = "pearson", dset: str = "normalised", year=None) -> pd.DataFrame:
    """Correlation of every component with each of its ancestors (parent … index).

    Returns
    -------
    DataFrame
        One row per component: ``level``, ``parent``, ``r_parent``, ``r_index`` and one column
        ``r_<ancestor level>`` per ancestor level (as COINr's ``withparent = "family"``).
    """
    fw = result.framework
    T = cross_section(result, dset, year)
    R = corr_matrix(T, method)
    rows = []
    for c, nd in fw.nodes.items():
        if nd.parent is None:
            continue
        row = {"code": c, "level": nd.level, "parent": nd.parent, "r_parent": R.loc[c, nd.parent],
               "r_index": R.loc[c, fw.root]}
        for a in fw.ancestors(c):
            row[f"r_L{fw.nodes[a].level}"] = R.loc[c, a]
        rows.append(row)
    return pd.DataFrame(rows).set_index("code")
