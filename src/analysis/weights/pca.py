"""Weights from principal components / factor analysis, with KMO and Bartlett's test.

Two definitions are offered:

``"handbook"`` (OECD/JRC Handbook 2008, §6.1; Nicoletti, Scarpetta & Boylaud 2000)
    Principal-component extraction on the correlation matrix; keep factors with eigenvalue > 1
    (and ≥ ``min_share`` of variance each, until ``cum_share`` cumulative variance); varimax
    rotation; squared loadings scaled to unity within each factor; each indicator is assigned to
    the factor on which its (scaled squared) loading is largest; its weight is that scaled squared
    loading times the factor's share of the explained variance; weights are renormalised to 1.
``"pc1"`` (COINr ``get_PCA``)
    The loadings (eigenvector coefficients) of the first principal component of the standardised
    data; may be negative. The sign is fixed so that the loadings sum to a positive number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor_rotation import rotate_factors

from .._errors import InputError

__all__ = ["PCAResult", "pca", "pca_weights", "varimax", "kmo", "bartlett"]


@dataclass
class PCAResult:
    """Outcome of a PCA/FA weighting.

    Attributes
    ----------
    weights : Series
        Weight per indicator, summing to 1.
    eigenvalues : Series
        Of the correlation matrix, descending.
    explained : Series
        Share of variance per component.
    loadings : DataFrame
        Kept components' loadings (rotated for ``"handbook"``), indicators × factors.
    assigned : Series
        Factor of each indicator (``"handbook"``).
    kmo : float
        Overall Kaiser–Meyer–Olkin measure.
    kmo_per_variable : Series
    bartlett : tuple
        ``(chi2, df, p-value)`` of Bartlett's sphericity test.
    n : int
        Units used (complete cases).
    """

    weights: pd.Series
    eigenvalues: pd.Series
    explained: pd.Series
    loadings: pd.DataFrame
    assigned: pd.Series | None
    kmo: float
    kmo_per_variable: pd.Series
    bartlett: tuple
    n: int
    method: str


def _corr(X: pd.DataFrame) -> np.ndarray:
    Z = X.dropna()
    if len(Z) < 3:
        raise InputError(f"PCA needs at least 3 complete units; {len(Z)} are complete")
    sd = Z.std(ddof=1)
    if (sd == 0).any():
        c = sd.index[sd == 0][0]
        raise InputError(f"indicator '{c}' is constant; PCA is undefined", column=c)
    return np.corrcoef(Z.to_numpy(dtype=float), rowvar=False), len(Z)


def kmo(X: pd.DataFrame) -> tuple[float, pd.Series]:
    """Kaiser–Meyer–Olkin measure of sampling adequacy (overall and per variable).

    ``KMO = Σ r_ij² / (Σ r_ij² + Σ q_ij²)`` over i ≠ j, with ``q`` the partial (anti-image)
    correlations from the inverse correlation matrix.
    """
    R, _ = _corr(X)
    try:
        Ri = np.linalg.inv(R)
    except np.linalg.LinAlgError:
        Ri = np.linalg.pinv(R)
    d = np.sqrt(np.outer(np.diag(Ri), np.diag(Ri)))
    Q = -Ri / d
    np.fill_diagonal(R2 := R.copy() ** 2, 0.0)
    Q2 = Q ** 2
    np.fill_diagonal(Q2, 0.0)
    overall = R2.sum() / (R2.sum() + Q2.sum())
    per = R2.sum(axis=0) / (R2.sum(axis=0) + Q2.sum(axis=0))
    return float(overall), pd.Series(per, index=X.columns, name="KMO")


def bartlett(X: pd.DataFrame) -> tuple[float, int, float]:
    """Bartlett's test of sphericity: ``χ² = −(n − 1 − (2p + 5)/6) ln|R|`` with ``p(p − 1)/2`` df."""
    R, n = _corr(X)
    p = R.shape[0]
    sign, logdet = np.linalg.slogdet(R)
    if sign <= 0:
        return float("inf"), p * (p - 1) // 2, 0.0
    chi2 = -(n - 1 - (2 * p + 5) / 6.0) * logdet
    df = p * (p - 1) // 2
    return float(chi2), df, float(stats.chi2.sf(chi2, df))


def varimax(L: np.ndarray, normalize: bool = True, tol: float = 1e-10, max_iter: int = 1000) -> np.ndarray:
    """Varimax rotation of a loading matrix (Kaiser normalisation by default, as R's ``varimax``)."""
    L = np.asarray(L, dtype=float)
    if L.shape[1] < 2:
        return L.copy()
    h = np.sqrt((L ** 2).sum(axis=1)) if normalize else np.ones(L.shape[0])
    h[h == 0] = 1.0
    Lr = rotate_factors(L / h[:, None], "varimax", tol=tol, max_tries=max_iter)[0]
    return Lr * h[:, None]


def pca(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """Eigen-decomposition of the correlation matrix (descending), eigenvector signs fixed."""
    R, n = _corr(X)
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    vecs = vecs * np.where(vecs.sum(axis=0) < 0, -1.0, 1.0)
    return vals, vecs, n


def pca_weights(X: pd.DataFrame, method: str = "handbook", *, min_eigen: float = 1.0, min_share: float = 0.10,
                cum_share: float = 0.60, rotate: bool = True, max_factors: int | None = None) -> PCAResult:
    """PCA / factor-analysis weights for a set of indicators.

    Parameters
    ----------
    X : DataFrame
        Units × indicators (units with missing values are dropped).
    method : {"handbook", "pc1"}
        See the module docstring.
    min_eigen, min_share, cum_share : float
        Factor retention for ``"handbook"``: eigenvalue > ``min_eigen`` and variance share ≥
        ``min_share``; factors are added in order until ``cum_share`` is reached (at least one kept).
    rotate : bool
        Varimax rotation of the retained loadings.

    Returns
    -------
    PCAResult
    """
    vals, vecs, n = pca(X)
    p = len(vals)
    share = vals / vals.sum()
    k_mo, per = kmo(X)
    bt = bartlett(X)
    cols = list(X.columns)
    ev = pd.Series(vals, index=[f"PC{i + 1}" for i in range(p)])
    ex = pd.Series(share, index=ev.index)
    if method == "pc1":
        w = vecs[:, 0]
        L = pd.DataFrame(vecs[:, :1], index=cols, columns=["PC1"])
        return PCAResult(pd.Series(w, index=cols), ev, ex, L, None, k_mo, per, bt, n, method)
    if method != "handbook":
        raise InputError(f"unknown PCA weighting '{method}' (use handbook or pc1)")
    keep = 0
    for i in range(p):
        if vals[i] > min_eigen and share[i] >= min_share:
            keep = i + 1
            if share[:keep].sum() >= cum_share:
                break
        else:
            break
    keep = max(keep, 1)
    if max_factors:
        keep = min(keep, max_factors)
    L = vecs[:, :keep] * np.sqrt(vals[:keep])
    if rotate and keep > 1:
        L = varimax(L)
    L2 = L ** 2
    ev_f = L2.sum(axis=0)                      # variance explained by each (rotated) factor
    scaled = L2 / ev_f                         # squared loadings scaled to unity within factor
    f = np.argmax(scaled, axis=1)
    raw = scaled[np.arange(p), f] * ev_f[f] / ev_f.sum()
    w = raw / raw.sum()
    names = [f"F{i + 1}" for i in range(keep)]
    return PCAResult(pd.Series(w, index=cols), ev, ex, pd.DataFrame(L, index=cols, columns=names),
                     pd.Series([names[i] for i in f], index=cols), k_mo, per, bt, n, method)
