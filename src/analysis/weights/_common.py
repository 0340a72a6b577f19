"""Helpers shared by the weighting methods."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import InputError
from ..framework import Framework

__all__ = ["normalise_within", "group_weights", "complete_rows"]


def normalise_within(framework: Framework, weights: pd.Series | dict) -> pd.Series:
    """Rescale weights so that the children of every aggregate sum to 1.

    Parameters
    ----------
    framework : Framework
    weights : Series or dict
        Weight of each non-root node (missing codes take the framework's weight).

    Returns
    -------
    Series
        Weight of every non-root node, summing to 1 within each parent.
    """
    w = framework.weights()
    for code, v in dict(weights).items():
        if code not in w.index:
            raise InputError(f"weight given for unknown node '{code}'", node=code)
        w[code] = float(v)
    if (w < 0).any() or w.isna().any():
        bad = w.index[(w < 0) | w.isna()][0]
        raise InputError(f"weight {w[bad]} is negative or missing", node=bad)
    for agg in framework.aggregates:
        ch = framework.children(agg)
        s = w[ch].sum()
        if s <= 0:
            raise InputError("weights of the children sum to zero", node=agg)
        w[ch] = w[ch] / s
    return w


def complete_rows(X: pd.DataFrame, what: str) -> pd.DataFrame:
    """Drop units with a missing value (and say so if none are left)."""
    out = X.dropna()
    if len(out) < 3:
        raise InputError(f"{what} needs at least 3 units with complete data; {len(out)} are complete",
                         column=None)
    return out


def group_weights(framework: Framework, table: pd.DataFrame, method, *, level: int | None = None,
                  nodes: list[str] | None = None, base: pd.Series | None = None, **kwargs) -> pd.Series:
    """Apply a data-driven weighting method within each aggregation group.

    For every aggregate at ``level`` (or every aggregate in ``nodes``), ``method`` is called on the
    columns of ``table`` that are its children and must return one weight per child.

    Parameters
    ----------
    framework : Framework
    table : DataFrame
        Units × codes: normalised indicators and, for higher levels, aggregate scores.
    method : callable
        ``method(X: DataFrame, **kwargs) -> Series`` indexed by X's columns.
    level : int, optional
        Aggregate level whose children are weighted (1 = groups of indicators → level 2 aggregates;
        levels count from the indicators, so ``level=2`` weights the children of level-2 nodes).
        Default: every aggregate.
    nodes : list of str, optional
        Explicit aggregates to re-weight.
    base : Series, optional
        Weights kept for the other nodes (default: the framework's).

    Returns
    -------
    Series
        Full weight vector (framework weights elsewhere), normalised within parents.
    """
    if nodes is None:
        nodes = framework.aggregates if level is None else [
            c for c in framework.aggregates if framework.nodes[c].level == level]
    if not nodes:
        raise InputError(f"no aggregates at level {level}; aggregate levels are {framework.levels}")
    w = (framework.weights() if base is None else pd.Series(base, dtype=float)).copy()
    for agg in nodes:
        ch = framework.children(agg)
        missing = [c for c in ch if c not in table.columns]
        if missing:
            raise InputError(f"no data for '{missing[0]}' (needed to weight the children of '{agg}')", node=agg)
        if len(ch) == 1:
            w[ch[0]] = 1.0
            continue
        wi = pd.Series(method(table[ch], **kwargs), dtype=float)
        w[ch] = wi.reindex(ch).to_numpy()
    return normalise_within(framework, w)


def as_matrix(X: pd.DataFrame | np.ndarray) -> tuple[np.ndarray, list]:
    if isinstance(X, pd.DataFrame):
        return X.to_numpy(dtype=float), list(X.columns)
    X = np.asarray(X, dtype=float)
    return X, list(range(X.shape[1]))
