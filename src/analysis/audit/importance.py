"""Importance of components: the Pearson correlation ratio (Paruolo, Saisana & Saltelli 2013).

The importance of a component ``x_i`` in an aggregate ``y`` is its first-order effect

    S_i = η²_i = V[E(y | x_i)] / V(y),

estimated by smoothing ``y`` against ``x_i`` and taking the variance of the fitted curve over the
variance of ``y``. For a linear relation, η² is the squared Pearson correlation r². Nominal weights
are not importances: comparing the normalised ``S_i`` with the normalised weights shows whether a
component counts in the index as much as its weight says.

Smoothers: ``"spline"`` — penalised cubic B-spline (P-spline, 20 segments, second-difference
penalty chosen by generalised cross-validation); ``"loess"`` — local linear
regression (:func:`statsmodels.nonparametric.smoothers_lowess.lowess`); ``"linear"`` — r².
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import InputError
from ..select import cross_section

__all__ = ["correlation_ratio", "importance"]


def _smooth_spline(x: np.ndarray, y: np.ndarray, n_segments: int = 20) -> np.ndarray:
    """Penalised cubic B-spline (P-spline, Eilers & Marx 1996) with the penalty chosen by GCV.

    A B-spline basis on ``n_segments`` equal segments of the range of ``x`` with a second-order
    difference penalty; the penalty λ minimises ``n · RSS / (n − tr H)²`` over a log grid. The
    fit is a few small dense solves, fast enough to bootstrap.
    """
    from scipy.interpolate import BSpline

    n = len(x)
    xu = np.unique(x)
    if len(xu) < 5:
        # too few distinct values for a spline: the conditional mean per value is exact
        _, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
        means = np.bincount(inv, weights=y) / cnt
        return means[inv]
    lo, hi = x.min(), x.max()
    xs = (x - lo) / (hi - lo)
    k = 3
    seg = min(n_segments, max(4, len(xu) - 1))
    inner = np.linspace(0.0, 1.0, seg + 1)
    t = np.concatenate([np.zeros(k), inner, np.ones(k)])
    B = BSpline.design_matrix(np.clip(xs, 0.0, 1.0), t, k).toarray()
    m = B.shape[1]
    D = np.diff(np.eye(m), n=2, axis=0)
    P = D.T @ D
    BtB = B.T @ B + 1e-10 * np.eye(m)
    # Demmler–Reinsch: BtB = RᵀR, R⁻ᵀ P R⁻¹ = U diag(s) Uᵀ, so every λ costs one product
    R = np.linalg.cholesky(BtB).T
    Rinv = np.linalg.inv(R)
    s, U = np.linalg.eigh(Rinv.T @ P @ Rinv)
    s = np.maximum(s, 0.0)
    G = B @ Rinv @ U
    z = G.T @ y
    lams = np.logspace(-8, 8, 81)
    shrink = 1.0 / (1.0 + s[:, None] * lams[None, :])       # m × L
    F = G @ (z[:, None] * shrink)                          # n × L fitted curves
    rss = ((y[:, None] - F) ** 2).sum(axis=0)
    edf = shrink.sum(axis=0)
    gcv = n * rss / np.maximum(n - edf, 1e-12) ** 2
    return F[:, int(np.argmin(gcv))]


def _smooth_loess(x: np.ndarray, y: np.ndarray, frac: float) -> np.ndarray:
    from statsmodels.nonparametric.smoothers_lowess import lowess

    return lowess(y, x, frac=frac, it=0, return_sorted=False)


def correlation_ratio(x, y, smoother: str = "spline", *, frac: float = 2 / 3) -> float:
    """Estimate η² = V[E(y|x)] / V(y).

    Parameters
    ----------
    x, y : array-like
        Paired observations (pairs with a missing value are dropped).
    smoother : {"spline", "loess", "linear"}
    frac : float
        LOESS span.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < 3:
        raise InputError(f"correlation ratio needs at least 3 pairs; {len(x)} given")
    vy = y.var()
    if vy == 0 or x.var() == 0:
        return 0.0
    if smoother == "linear":
        return float(np.corrcoef(x, y)[0, 1] ** 2)
    if smoother == "spline":
        fit = _smooth_spline(x, y)
    elif smoother == "loess":
        fit = _smooth_loess(x, y, frac)
    else:
        raise InputError(f"unknown smoother '{smoother}' (use spline, loess or linear)")
    return float(min(max(fit.var() / vy, 0.0), 1.0))


def importance(result, *, against: str = "parent", level: int | None = None, smoother: str = "spline",
               n_boot: int = 0, ci: float = 0.95, seed: int = 0, dset: str = "normalised", year=None,
               weights: pd.Series | None = None) -> pd.DataFrame:
    """Importance (correlation ratio) of every component, compared with its nominal weight.

    Parameters
    ----------
    result : Result
    against : {"parent", "index"}
        Correlate each component with its parent or with the index.
    level : int, optional
        Only components at this level (1 = indicators).
    smoother : {"spline", "loess", "linear"}
    n_boot : int
        Bootstrap resamples of units for a percentile confidence interval of η² (0 = none).
    ci : float
        Confidence level.
    dset : str
        Indicator data set (see :func:`analysis.audit.cross_section`).

    Returns
    -------
    DataFrame
        One row per component: ``parent``, ``against``, ``weight`` (nominal, normalised within the
        parent), ``r2``, ``eta2`` (and ``eta2_lo``, ``eta2_hi``), ``importance`` (η² normalised
        within the parent, comparable with ``weight``) and ``ratio`` = importance / weight.
    """
    fw = result.framework
    T = cross_section(result, dset, year)
    w = result.weights if weights is None else weights
    rng = np.random.default_rng(seed)
    rows = []
    codes = [c for c in fw.nodes if fw.nodes[c].parent is not None]
    if level is not None:
        codes = [c for c in codes if fw.nodes[c].level == level]
    n = len(T)
    boots = [rng.integers(0, n, n) for _ in range(n_boot)]
    for c in codes:
        p = fw.nodes[c].parent
        tgt = p if against == "parent" else fw.root
        if against not in ("parent", "index"):
            raise InputError(f"unknown 'against' {against!r} (use parent or index)")
        x, y = T[c].to_numpy(float), T[tgt].to_numpy(float)
        sib = fw.children(p)
        row = {"code": c, "level": fw.nodes[c].level, "parent": p, "against": tgt,
               "weight": float(w[c] / w[sib].sum()),
               "r2": correlation_ratio(x, y, "linear"), "eta2": correlation_ratio(x, y, smoother)}
        if n_boot:
            b = np.array([correlation_ratio(x[i], y[i], smoother) for i in boots])
            a = (1 - ci) / 2
            row["eta2_lo"], row["eta2_hi"] = np.quantile(b, [a, 1 - a])
        rows.append(row)
    out = pd.DataFrame(rows).set_index("code")
    out["importance"] = out["eta2"] / out.groupby("parent")["eta2"].transform("sum")
    out["ratio"] = out["importance"] / out["weight"]
    return out
