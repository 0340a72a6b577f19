"""Aggregation: combine children into their parent, level by level.

All means are weighted means over the **available** children: a missing child is left out and the
weights of the others are renormalised (COINr ``a_amean``, ``a_gmean``, ``a_hmean``). If the share of
available children is below ``min_share`` the aggregate is missing (COINr ``dat_thresh``).

Every function accepts one weight vector ``w`` of shape ``(k,)`` or a batch of weight vectors of
shape ``(runs, k)``; a batch returns one column per run, which is what the uncertainty engine uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError
from .framework import Framework

__all__ = ["AGGREGATORS", "ALIASES", "arithmetic", "geometric", "harmonic", "mazziotta_pareto", "copeland",
           "aggregate_matrix", "aggregate", "node_method"]

AGGREGATORS = ("arithmetic", "geometric", "harmonic", "mazziotta_pareto", "copeland")
#: Other names accepted for the aggregators (COINr's ``a_amean`` …) → the canonical name.
ALIASES = {"amean": "arithmetic", "a_amean": "arithmetic", "mean": "arithmetic", "gmean": "geometric",
            "a_gmean": "geometric", "hmean": "harmonic", "a_hmean": "harmonic", "mpi": "mazziotta_pareto",
            "a_copeland": "copeland"}
_ALIASES = ALIASES  # old private name, kept until every importer uses ALIASES


def _prep(X: np.ndarray, w: np.ndarray):
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    mask = ~np.isnan(X)
    W = w if w.ndim == 2 else w[None, :]
    den = mask.astype(float) @ W.T  # (n, runs): sum of available weights
    return X, mask, W, den


def _finish(out: np.ndarray, den: np.ndarray, mask: np.ndarray, w: np.ndarray, min_share: float):
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, out, np.nan)
    if min_share > 0:
        share = mask.sum(axis=1) / mask.shape[1]
        out[share < min_share] = np.nan
    return out if np.ndim(w) == 2 else out[:, 0]


def arithmetic(X, w, min_share: float = 0.0) -> np.ndarray:
    """Weighted arithmetic mean over available values: ``Σ w·x / Σ w`` (COINr ``a_amean``)."""
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    if not np.isnan(X).any():  # complete data: one matrix product
        W = w if w.ndim == 2 else w[None, :]
        tot = W.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (X @ W.T) / tot
        out[:, tot <= 0] = np.nan
        return out if w.ndim == 2 else out[:, 0]
    X, mask, W, den = _prep(X, w)
    num = np.where(mask, X, 0.0) @ W.T
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return _finish(out, den, mask, w, min_share)


def _check_positive(X, mask, what):
    if np.any(X[mask] <= 0):
        raise InputError(f"{what} mean over non-positive values (it uses {'log' if what == 'geometric' else '1/x'}"
                         "): normalise to a range that starts above 0, e.g. range [1, 100]")


def geometric(X, w, min_share: float = 0.0) -> np.ndarray:
    """Weighted geometric mean ``exp(Σ w·log x / Σ w)`` over available values (COINr ``a_gmean``)."""
    X, mask, W, den = _prep(X, w)
    _check_positive(X, mask, "geometric")
    with np.errstate(invalid="ignore", divide="ignore"):
        num = np.where(mask, np.log(np.where(mask, X, 1.0)), 0.0) @ W.T
        out = np.exp(num / den)
    return _finish(out, den, mask, w, min_share)


def harmonic(X, w, min_share: float = 0.0) -> np.ndarray:
    """Weighted harmonic mean ``Σ w / Σ (w/x)`` over available values (COINr ``a_hmean``)."""
    X, mask, W, den = _prep(X, w)
    _check_positive(X, mask, "harmonic")
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(mask, 1.0 / np.where(mask, X, 1.0), 0.0) @ W.T
        out = den / inv
    return _finish(out, den, mask, w, min_share)


def mazziotta_pareto(X, w, min_share: float = 0.0, penalty: int = -1) -> np.ndarray:
    """Mazziotta–Pareto index: ``M − S·cv`` with weighted mean M, weighted sd S and ``cv = S/M``.

    Inputs are meant to be z-scores rescaled to mean 100 and sd 10 (``zscore`` with ``mean: 100``,
    ``sd: 10``). ``penalty = −1`` penalises unbalanced profiles (positive polarity, the usual case);
    ``+1`` gives the variant for negative polarity. The sd uses the population formula (divide by
    the sum of weights), as in Mazziotta and Pareto (2016).
    """
    X, mask, W, den = _prep(X, w)
    X0 = np.where(mask, X, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        M = (X0 @ W.T) / den
        S2 = ((X0 * X0) @ W.T) / den - M * M
        S = np.sqrt(np.maximum(S2, 0.0))
        out = M + penalty * S * (S / M)
    return _finish(out, den, mask, w, min_share)


def copeland(X, w, min_share: float = 0.0) -> np.ndarray:
    """Copeland scores from the weighted outranking matrix (COINr ``a_copeland``).

    ``e_ij = Σ w_k [x_ik > x_jk] + ½ Σ w_k [x_ik = x_jk]`` for ``i < j`` (weights summing to 1,
    missing comparisons dropped), ``e_ji = 1 − e_ij``; the score is the row sum.
    """
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    if w.ndim == 2:
        return np.column_stack([copeland(X, wi) for wi in w])
    w = w / np.nansum(w)
    n = X.shape[0]
    G = np.zeros((n, n))
    for k in range(X.shape[1]):
        a = X[:, k]
        G += w[k] * ((a[:, None] > a[None, :]) + 0.5 * (a[:, None] == a[None, :]))
    orm = np.triu(G, 1) + np.tril(1.0 - G.T, -1)
    return orm.sum(axis=1)


_FUNCS = {"arithmetic": arithmetic, "geometric": geometric, "harmonic": harmonic,
          "mazziotta_pareto": mazziotta_pareto, "copeland": copeland}


def canonical(method: str) -> str:
    m = ALIASES.get(str(method).lower(), str(method).lower())
    if m not in _FUNCS:
        raise InputError(f"unknown aggregation method '{method}' (use one of {', '.join(AGGREGATORS)})")
    return m


def aggregate_matrix(X, w, method: str = "arithmetic", min_share: float = 0.0) -> np.ndarray:
    """Aggregate the columns of ``X`` with weights ``w`` using ``method``."""
    return _FUNCS[canonical(method)](X, w, min_share=min_share)


def node_method(spec: dict, framework: Framework, code: str) -> tuple[str, float]:
    """Aggregation method and ``min_share`` for one node: by_node > by_level > method."""
    spec = spec or {}
    method = spec.get("method", "arithmetic")
    min_share = float(spec.get("min_share", 0.0) or 0.0)
    lev = framework.nodes[code].level
    by_level = {int(k): v for k, v in (spec.get("by_level") or {}).items()}
    if lev in by_level:
        method = by_level[lev]
    by_node = spec.get("by_node") or {}
    if code in by_node:
        ov = by_node[code]
        if isinstance(ov, str):
            method = ov
        else:
            method = ov.get("method", method)
            min_share = float(ov.get("min_share", min_share))
    return canonical(method), min_share


def aggregate(normalised: pd.DataFrame, framework: Framework, spec: dict | None = None,
              weights: pd.Series | dict | None = None) -> pd.DataFrame:
    """Aggregate normalised indicators up the whole hierarchy.

    Parameters
    ----------
    normalised : DataFrame
        Units × indicators.
    spec : dict
        ``{method, by_level: {level: method}, by_node: {code: method or {method, min_share}}, min_share}``.
    weights : Series or dict, optional
        Weight of each node within its parent (default: the framework's).

    Returns
    -------
    DataFrame
        Units × aggregates (bottom-up order; the last column is the index).
    """
    spec = spec or {}
    w = framework.weights() if weights is None else pd.Series(weights, dtype=float)
    cols: dict[str, np.ndarray] = {c: normalised[c].to_numpy(dtype=float) for c in framework.indicators}
    for code in framework.aggregates:
        ch = framework.children(code)
        X = np.column_stack([cols[c] for c in ch])
        wv = np.array([w[c] for c in ch], dtype=float)
        method, ms = node_method(spec, framework, code)
        try:
            cols[code] = aggregate_matrix(X, wv, method, ms)
        except InputError as e:
            raise InputError(e.message, node=code) from None
    return pd.DataFrame({c: cols[c] for c in framework.aggregates}, index=normalised.index)
