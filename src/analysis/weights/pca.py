"""Weights from principal components / factor analysis, with KMO and Bartlett's test.

Two definitions are offered:

``"handbook"`` (OECD/JRC Handbook 2008, §6.1; Nicoletti, Scarpetta & Boylaud 2000)
    Principal-component extraction on the correlation matrix. Keep every factor with an
    eigenvalue larger than 1 that explains more than 10 % of the variance on its own; the
    Handbook's third criterion (cumulative variance above 60 %) is a check: when the kept factors
    explain less, an :class:`~analysis.InputWarning` is emitted and a note recorded (it is not a
    stopping rule). Varimax rotation (Kaiser normalisation; :func:`varimax`). Squared loadings are
    scaled to unity sum within each factor; each indicator is assigned to the factor on which its
    scaled squared loading is highest; its weight is that scaled squared loading times the
    factor's share of the variance explained by the kept factors; weights are rescaled to sum 1.
    ``n_factors`` fixes the number of factors instead (the Handbook's Technology Achievement
    Index example keeps four factors "with eigenvalues close to unity", 3.3, 1.7, 1.0 and 0.9,
    although the stated rule keeps two); ``tests/test_weights_published.py`` reproduces its
    Tables 16–18.
``"pc1"`` (COINr ``get_PCA``)
    The loadings (eigenvector coefficients) of the first principal component of the standardised
    data; may be negative. The sign is fixed so that the loadings sum to a positive number.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor_rotation import rotate_factors

from .._errors import InputError, InputWarning

__all__ = ["PCAResult", "pca", "pca_weights", "retained_factors", "handbook_weights", "varimax", "kmo", "bartlett"]


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
    method : str
    n_factors : int
        Factors kept (``"handbook"``).
    cumulative : float
        Share of the variance the kept factors explain (before rotation).
    factor_share : Series
        Each kept factor's share of the variance explained by the kept factors (``Expl./Tot``),
        the weight of its intermediate composite.
    scaled : DataFrame
        Squared rotated loadings scaled to unity sum per factor.
    notes : list of str
        Retention warnings (also emitted as :class:`~analysis.InputWarning`).
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
    n_factors: int = 1
    cumulative: float = float("nan")
    factor_share: pd.Series | None = None
    scaled: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


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
    """Varimax rotation of a loading matrix (Kaiser 1958; Kaiser normalisation by default, as R's ``varimax``).

    The varimax criterion ``Σ_k [Σ_j l_jk⁴ − (Σ_j l_jk²)² / p]`` (of the rows scaled to unit length when
    ``normalize``) is maximised in two steps: statsmodels' gradient-projection algorithm (Bernaards &
    Jennrich 2005) to a gradient norm of 1e-6, then Kaiser's pairwise rotations, each by its closed-form
    optimal angle ``tan 4φ = (D − 2AB/p) / (C − (A² − B²)/p)`` (Kaiser 1958; Harman 1976 §14.4),
    swept over all factor pairs until every angle is below ``tol`` radians. (The gradient projection alone
    does not reach a gradient norm of 1e-10 in double precision: it ran its ``max_iter`` iterations every
    time, about a second per call, and stopped some 1e-7 from the optimum.)

    Parameters
    ----------
    L : array, p × k
    normalize : bool
        Kaiser normalisation (rows scaled to unit length during the rotation).
    tol : float
        Largest pairwise angle (radians) left when the sweeps stop.
    max_iter : int
        Iterations of the gradient projection and, separately, sweeps over the pairs.

    References
    ----------
    Kaiser H.F. (1958) The varimax criterion for analytic rotation in factor analysis. *Psychometrika*
    23(3):187–200. Bernaards C.A., Jennrich R.I. (2005) Gradient projection algorithms and software for
    arbitrary rotation criteria in factor analysis. *Educational and Psychological Measurement* 65:676–696.
    """
    L = np.asarray(L, dtype=float)
    if L.shape[1] < 2:
        return L.copy()
    h = np.sqrt((L ** 2).sum(axis=1)) if normalize else np.ones(L.shape[0])
    h[h == 0] = 1.0
    A = rotate_factors(L / h[:, None], "varimax", tol=1e-6, max_tries=max_iter)[0]
    p, k = A.shape
    for _ in range(max_iter):
        largest = 0.0
        for i in range(k - 1):
            for j in range(i + 1, k):
                x, y = A[:, i].copy(), A[:, j].copy()
                u, v = x * x - y * y, 2.0 * x * y
                a, b = u.sum(), v.sum()
                num = 2.0 * (u * v).sum() - 2.0 * a * b / p
                phi = np.arctan2(num, (u * u - v * v).sum() - (a * a - b * b) / p) / 4.0
                largest = max(largest, abs(phi))
                c, s = np.cos(phi), np.sin(phi)
                A[:, i], A[:, j] = x * c + y * s, y * c - x * s
        if largest < tol:
            break
    return A * h[:, None]


def pca(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """Eigen-decomposition of the correlation matrix (descending), eigenvector signs fixed."""
    R, n = _corr(X)
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    vecs = vecs * np.where(vecs.sum(axis=0) < 0, -1.0, 1.0)
    return vals, vecs, n


def retained_factors(eigenvalues, *, min_eigen: float = 1.0, min_share: float = 0.10) -> int:
    """Number of factors the Handbook's rule keeps (Nicoletti et al. 2000; OECD/JRC 2008, §6.1).

    A factor is kept when its eigenvalue is larger than ``min_eigen`` **and** it explains more than
    ``min_share`` of the total variance on its own. Eigenvalues are taken in descending order, so
    the kept factors are the leading ones. Returns 0 when no factor qualifies.
    """
    vals = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    share = vals / vals.sum()
    ok = (vals > min_eigen) & (share > min_share)
    return int(np.argmin(ok)) if not ok.all() else len(vals)


def handbook_weights(loadings) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Indicator weights from a (rotated) loading matrix, as in the Handbook's Tables 17 and 18.

    Squared loadings are scaled to unity sum within each factor (endnote 24: ``0.24 = 0.79²/2.64``);
    each indicator joins the intermediate composite of the factor on which its scaled squared
    loading is highest; its weight is that scaled squared loading times the factor's share of the
    variance explained by the kept factors (``Expl./Tot``); weights are rescaled to sum 1
    (endnote 25).

    Parameters
    ----------
    loadings : array, indicators × factors

    Returns
    -------
    weights : array
        Summing to 1.
    assigned : array of int
        Factor (column index) of each indicator.
    scaled : array
        Squared loadings scaled to unity sum per factor.
    explained : array
        Variance explained by each factor (``Expl.Var``: column sums of squared loadings).
    """
    L2 = np.asarray(loadings, dtype=float) ** 2
    explained = L2.sum(axis=0)
    scaled = L2 / explained
    assigned = np.argmax(scaled, axis=1)
    share = explained / explained.sum()
    raw = scaled[np.arange(L2.shape[0]), assigned] * share[assigned]
    return raw / raw.sum(), assigned, scaled, explained


def _tidy_factors(L: np.ndarray) -> np.ndarray:
    """Rotated factors ordered by explained variance, each with its largest loading positive."""
    order = np.argsort(-(L ** 2).sum(axis=0), kind="stable")
    L = L[:, order]
    big = L[np.argmax(np.abs(L), axis=0), np.arange(L.shape[1])]
    return L * np.where(big < 0, -1.0, 1.0)


def pca_weights(X: pd.DataFrame, method: str = "handbook", *, min_eigen: float = 1.0, min_share: float = 0.10,
                cum_share: float = 0.60, rotate: bool = True, n_factors: int | None = None,
                max_factors: int | None = None) -> PCAResult:
    """PCA / factor-analysis weights for a set of indicators.

    Parameters
    ----------
    X : DataFrame
        Units × indicators (units with missing values are dropped).
    method : {"handbook", "pc1"}
        See the module docstring.
    min_eigen, min_share : float
        Factor retention for ``"handbook"`` (:func:`retained_factors`): eigenvalue > ``min_eigen``
        and an individual share of the variance > ``min_share``.
    cum_share : float
        Check, not a stopping rule: when the kept factors explain less than this share of the
        variance, an :class:`~analysis.InputWarning` is emitted and a note recorded.
    rotate : bool
        Varimax rotation (Kaiser normalisation) of the retained loadings.
    n_factors : int, optional
        Keep exactly this many factors instead of applying the rule (the Handbook's TAI example
        keeps four factors "with eigenvalues close to unity": 3.3, 1.7, 1.0, 0.9).
    max_factors : int, optional
        Upper limit on the number of factors the rule keeps.

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
    notes: list[str] = []
    if n_factors is not None:
        if not 1 <= int(n_factors) <= p:
            raise InputError(f"n_factors must be between 1 and {p}, got {n_factors}")
        keep = int(n_factors)
        rule = f"{keep} factors as requested"
    else:
        keep = retained_factors(vals, min_eigen=min_eigen, min_share=min_share)
        rule = f"eigenvalue > {min_eigen:g} and share > {min_share:.0%}"
        if keep == 0:
            keep = 1
            notes.append(f"no factor has an eigenvalue > {min_eigen:g} and a variance share > {min_share:.0%} "
                         f"(largest eigenvalue {vals[0]:.3g}, share {share[0]:.1%}): the indicators share little "
                         f"common variance; one factor kept")
        if max_factors:
            keep = min(keep, int(max_factors))
    cum = float(share[:keep].sum())
    if cum < cum_share:
        notes.append(f"the {keep} kept factor(s) ({rule}) explain {cum:.1%} of the variance, below the "
                     f"{cum_share:.0%} the Handbook uses as a check")
    for msg in notes:
        warnings.warn(f"PCA weights: {msg}", InputWarning, stacklevel=2)
    L = vecs[:, :keep] * np.sqrt(vals[:keep])
    if rotate and keep > 1:
        L = _tidy_factors(varimax(L))
    w, f, scaled, expl = handbook_weights(L)
    names = [f"F{i + 1}" for i in range(keep)]
    return PCAResult(pd.Series(w, index=cols), ev, ex, pd.DataFrame(L, index=cols, columns=names),
                     pd.Series([names[i] for i in f], index=cols), k_mo, per, bt, n, method,
                     n_factors=keep, cumulative=cum,
                     factor_share=pd.Series(expl / expl.sum(), index=names),
                     scaled=pd.DataFrame(scaled, index=cols, columns=names), notes=notes)
