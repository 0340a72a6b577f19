"""Derive a whole weight set from a data-driven method, level by level (bottom-up)."""

from __future__ import annotations

import functools

import pandas as pd

from .._errors import InputError
from ..aggregate import aggregate
from ..select import cross_section
from ._common import group_weights, normalise_within
from .entropy import critic_weights, entropy_weights
from .pca import pca_weights

__all__ = ["derive_weights", "weight_sets", "METHODS", "SET_METHODS"]


def _pca(X, **kw):
    return pca_weights(X, **kw).weights


def _entropy(X, **kw):
    # entropy needs non-negative data with a common origin: min-max scale within the cross-section
    lo, hi = X.min(), X.max()
    return entropy_weights((X - lo) / (hi - lo).where(hi > lo, 1.0), **kw)


METHODS = {"entropy": _entropy, "critic": critic_weights, "pca": _pca}


def derive_weights(result, method: str, *, levels: list[int] | None = None, dset: str = "normalised", year=None,
                   **kwargs) -> pd.Series:
    """Weights from ``method`` applied within every group, from the lowest level up.

    At each aggregate level the children of every node are weighted on their data (normalised
    indicators for the lowest level; for higher levels, the aggregates recomputed with the weights
    already derived below). Entropy is computed on the data min-max scaled to [0, 1] within the
    cross-section (it needs non-negative values with a common origin).

    Parameters
    ----------
    result : Result
    method : {"equal", "framework", "entropy", "critic", "pca"}
    levels : list of int, optional
        Aggregate levels to re-weight (default all); other levels keep the result's weights.
    **kwargs
        Passed to the method (e.g. ``method="pc1"`` for PCA is given as ``pca_method``).

    Returns
    -------
    Series
        Weight of every non-root node, normalised within parents.
    """
    fw = result.framework
    if method == "equal":
        return normalise_within(fw, pd.Series(1.0, index=fw.weights().index))
    if method == "framework":
        return normalise_within(fw, fw.weights())
    if method not in METHODS:
        raise InputError(f"unknown weighting method '{method}' (use equal, framework, {', '.join(METHODS)})")
    fn = METHODS[method]
    if method == "pca" and "pca_method" in kwargs:
        # the PCA variant is the weighting function's own option (group_weights has a `method` parameter too)
        fn = functools.partial(fn, method=kwargs.pop("pca_method"))
    T = cross_section(result, dset, year, aggregates=False)
    w = normalise_within(fw, result.weights)
    agg_spec = result.spec.get("aggregate") or {}
    for lev in fw.levels:
        if levels is not None and lev not in levels:
            continue
        table = pd.concat([T, aggregate(T, fw, agg_spec, w)], axis=1)
        w = group_weights(fw, table, fn, level=lev, base=w, **kwargs)
    return w


#: The method names :func:`weight_sets` accepts.
SET_METHODS = ("equal", "framework", "entropy", "critic", "pca", "pca_pc1", "optimised", "bod")


def weight_sets(result, methods=("equal", "entropy", "critic", "pca", "optimised", "bod"), *, ahp=None, budget=None,
                bod_lower=None, bod_upper=None, bod_share: str = "contribution", year=None,
                opt_min_weight=None, ahp_method: str = "eigen") -> tuple[dict, dict]:
    """Build several named weight sets for one result (the input of :func:`analysis.compare.compare_weight_sets`).

    Parameters
    ----------
    methods : sequence of str
        Any of ``equal``, ``framework``, ``entropy``, ``critic``, ``pca``, ``pca_pc1``, ``optimised``
        (equal importance, r², each group against its parent, bottom-up) and ``bod`` (benefit of the
        doubt on the indicators: a score set).
    ahp, budget : path or dict, optional
        Pairwise comparisons (:func:`analysis.weights.read_ahp`) or point allocations; added as sets
        ``ahp`` and ``budget``.
    ahp_method : {"eigen", "geometric"}
        AHP prioritisation: eigenvector (consistency by Saaty's CR) or row geometric mean
        (consistency by the geometric consistency index GCI).
    opt_min_weight : float or dict, optional
        Lower bound on each optimised weight (share of its group), passed to
        :func:`~analysis.weights.optimise_weights` as ``min_weight``.

    Returns
    -------
    sets : dict
        Name → weight Series (or unit scores for ``bod``).
    details : dict
        Name → the method's full result (AHP results per node, BudgetResult, BoDResult,
        OptimisedWeights per node).
    """
    from .ahp import ahp_weights
    from .basic import budget_allocation
    from .bod import benefit_of_doubt
    from .optimise import optimise_weights

    fw = result.framework
    sets, details = {}, {}
    for m in methods:
        if m in ("equal", "framework", "entropy", "critic", "pca"):
            sets[m] = derive_weights(result, m, year=year)
        elif m == "pca_pc1":
            try:
                w = derive_weights(result, "pca", year=year, pca_method="pc1")
            except InputError as e:
                if e.node is None or "negative" not in e.message:
                    raise
                raise InputError(f"pca_pc1: the first principal component loads negatively on '{e.node}' "
                                 f"within its group, so its loadings cannot be weights; use 'pca' (the "
                                 f"Handbook's rotated factors) instead", node=e.node) from None
            sets[m] = w
        elif m == "optimised":
            w = normalise_within(fw, result.weights)
            opt = {}
            bounds = opt_min_weight
            if isinstance(bounds, dict | pd.Series):  # each group gets the bounds of its own children
                if isinstance(bounds, pd.Series) and not bounds.index.is_unique:
                    c = str(bounds.index[bounds.index.duplicated()][0])
                    raise InputError(f"opt_min_weight names '{c}' twice", node=c)
                bounds = dict(bounds)
                for c, v in bounds.items():
                    if c not in fw.nodes or fw.nodes[c].parent is None:
                        raise InputError(f"opt_min_weight names '{c}', which is not a weighted node of the "
                                         "framework", node=str(c))
                    try:
                        ok = 0 <= float(v) <= 1
                    except (TypeError, ValueError):
                        ok = False
                    if not ok:  # also for a group that is not optimised (a single child always has share 1)
                        raise InputError(f"opt_min_weight for '{c}' must be a share between 0 and 1, got {v!r}",
                                         node=str(c))
            for agg in fw.aggregates:
                if len(fw.children(agg)) < 2:
                    continue
                tmp = _with_weights(result, w)
                mine = bounds
                if isinstance(bounds, dict):
                    mine = {c: v for c, v in bounds.items() if c in fw.children(agg)} or None
                o = optimise_weights(tmp, node=agg, year=year, min_weight=mine)
                w = o.weights
                opt[agg] = o
            sets[m] = w
            details[m] = opt
        elif m == "bod":
            T = cross_section(result, "normalised", year, aggregates=False)
            lo = T.min()
            Y = (T - lo.where(lo < 0, 0.0)).fillna(0.0)
            b = benefit_of_doubt(Y, lower=bod_lower, upper=bod_upper, share=bod_share)
            sets[m] = b.scores * 100.0
            details[m] = b
        else:
            raise InputError(f"unknown weighting method '{m}' (use {', '.join(SET_METHODS)})")
    if ahp is not None:
        w, res = ahp_weights(fw, ahp, method=ahp_method)
        sets["ahp"], details["ahp"] = w, res
    if budget is not None:
        b = budget_allocation(fw, budget)
        sets["budget"], details["budget"] = b.weights, b
    return sets, details


def _with_weights(result, w):
    from dataclasses import replace

    return replace(result, weights=w)
