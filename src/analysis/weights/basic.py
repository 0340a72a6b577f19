"""Equal, explicit (framework) and budget-allocation weights.

Budget allocation (OECD/JRC Handbook 2008, §6.5): each expert distributes a budget of points
(100 by default) over the children of a node; weights are the mean (or median) allocation,
normalised within the node, and the spread across experts is reported with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError
from ..data import read_table
from ..framework import Framework
from ._common import normalise_within

__all__ = ["equal_weights", "explicit_weights", "BudgetResult", "budget_allocation", "read_budget"]


def equal_weights(framework: Framework) -> pd.Series:
    """Equal weights: every child of a node gets ``1 / n_children``."""
    return normalise_within(framework, pd.Series(1.0, index=framework.weights().index))


def explicit_weights(framework: Framework, weights: dict | pd.Series | None = None) -> pd.Series:
    """The framework's (or the given) weights, normalised within each parent."""
    return normalise_within(framework, framework.weights() if weights is None else weights)


@dataclass
class BudgetResult:
    """Weights from budget allocation and the experts' spread.

    Attributes
    ----------
    weights : Series
        Full weight vector, normalised within parents.
    allocations : DataFrame
        Expert × code points as given.
    summary : DataFrame
        Per code: parent, n experts, mean, median, sd, min, max points and the weight.
    """

    weights: pd.Series
    allocations: pd.DataFrame
    summary: pd.DataFrame


def read_budget(path: str | Path) -> pd.DataFrame:
    """Read allocations: long (``expert, code, points``) or wide (``expert`` + one column per code).

    Checked by :func:`analysis.schemas.tables.check_budget_table`: an expert listed twice (or
    allocating to one code twice), or points that are not finite numbers >= 0, are errors naming
    the file, line and column.
    """
    from ..schemas.tables import check_budget_table

    return check_budget_table(read_table(path), path)


def budget_allocation(framework: Framework, allocations: pd.DataFrame | str | Path, *, combine: str = "mean",
                      budget: float | None = 100.0, tol: float = 1e-6) -> BudgetResult:
    """Combine experts' point allocations into weights.

    Parameters
    ----------
    framework : Framework
    allocations : DataFrame or path
        Expert × code table of points (rows are experts). Codes are children of one or more nodes;
        every expert must allocate over all children of each node they address.
    combine : {"mean", "median"}
    budget : float or None
        Points each expert distributes within a node; ``None`` accepts any positive total.
    tol : float
        Tolerance on the budget check.

    Returns
    -------
    BudgetResult
    """
    src = None
    if not isinstance(allocations, pd.DataFrame):
        src = str(allocations)
        allocations = read_budget(allocations)
    A = allocations.copy()
    if A.index.duplicated().any():
        raise InputError(f"expert '{A.index[A.index.duplicated()][0]}' is listed twice", file=src)
    for c in A.columns:
        if c not in framework.nodes or framework.nodes[c].parent is None:
            raise InputError(f"budget allocation names unknown node '{c}'", file=src, column=c)
        vals = pd.to_numeric(A[c], errors="coerce")
        bad = vals.isna() & A[c].notna()
        if bad.any():
            raise InputError(f"non-numeric points '{A[c][bad].iloc[0]}' from expert '{A.index[bad][0]}'",
                             file=src, column=c)
        if not np.isfinite(vals[vals.notna()]).all():
            raise InputError(f"points must be finite, got {float(vals[~np.isfinite(vals) & vals.notna()].iloc[0]):g}",
                             file=src, column=c)
        if (vals < 0).any():
            raise InputError(f"negative points from expert '{A.index[vals < 0][0]}'", file=src, column=c)
        A[c] = vals
    parents = []
    for c in A.columns:
        p = framework.nodes[c].parent
        if p not in parents:
            parents.append(p)
    for p in parents:
        ch = framework.children(p)
        missing = [c for c in ch if c not in A.columns]
        if missing:
            raise InputError(f"budget for '{p}' lacks its child '{missing[0]}'", file=src, node=p)
        sub = A[ch]
        for expert, row in sub.iterrows():
            if row.isna().all():
                continue
            if row.isna().any():
                raise InputError(f"expert '{expert}' leaves '{row.index[row.isna()][0]}' blank in '{p}'",
                                 file=src, node=p)
            total = row.sum()
            if budget is not None and abs(total - budget) > tol * max(1.0, budget):
                raise InputError(f"expert '{expert}' allocates {total:g} points over the children of '{p}', "
                                 f"not {budget:g}", file=src, node=p)
            if budget is None and total <= 0:
                raise InputError(f"expert '{expert}' allocates no points in '{p}'", file=src, node=p)
    # each expert's allocation as shares within the node, then combined
    shares = A.copy()
    for p in parents:
        ch = framework.children(p)
        shares[ch] = A[ch].div(A[ch].sum(axis=1), axis=0)
    if combine == "mean":
        comb = shares.mean()
    elif combine == "median":
        comb = shares.median()
    else:
        raise InputError(f"unknown combination '{combine}' (use mean or median)")
    weights = normalise_within(framework, comb)
    summary = pd.DataFrame({
        "parent": [framework.nodes[c].parent for c in A.columns],
        "n_experts": A.notna().sum(),
        "mean": A.mean(), "median": A.median(), "sd": A.std(ddof=1),
        "min": A.min(), "max": A.max(),
        "weight": weights[A.columns],
    })
    summary.index.name = "code"
    return BudgetResult(weights=weights, allocations=A, summary=summary)
