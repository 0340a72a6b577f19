"""Objective (data-driven) weights: Shannon entropy and CRITIC.

Entropy weights (Zeleny 1982; Hwang & Yoon 1981)
    ``p_ij = x_ij / Σ_i x_ij``, ``e_j = −(1 / ln n) Σ_i p_ij ln p_ij`` (with ``0 ln 0 = 0``),
    ``d_j = 1 − e_j``, ``w_j = d_j / Σ_k d_k``. Indicators that vary more across units get more
    weight. Needs non-negative values (use normalised indicators).
CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995)
    Indicators are min-max scaled to [0, 1]; ``C_j = σ_j Σ_k (1 − r_jk)`` with ``σ_j`` the standard
    deviation and ``r`` the Pearson correlation matrix; ``w_j = C_j / Σ_k C_k``. Contrast intensity
    times conflict with the other indicators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import InputError

__all__ = ["entropy_weights", "critic_weights"]


def _complete(X: pd.DataFrame, what: str) -> np.ndarray:
    Z = X.dropna()
    if len(Z) < 2:
        raise InputError(f"{what} weights need at least 2 complete units")
    return Z.to_numpy(dtype=float)


def entropy_weights(X: pd.DataFrame) -> pd.Series:
    """Shannon-entropy weights of the columns of ``X`` (units with missing values are dropped)."""
    A = _complete(X, "entropy")
    if (A < 0).any():
        j = int(np.argwhere(A < 0)[0][1])
        raise InputError("entropy weights need non-negative values (normalise first)", column=X.columns[j])
    s = A.sum(axis=0)
    if (s <= 0).any():
        raise InputError("indicator is zero for every unit; its entropy is undefined",
                         column=X.columns[int(np.argmax(s <= 0))])
    P = A / s
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    n = A.shape[0]
    e = -plogp.sum(axis=0) / np.log(n)
    d = 1.0 - e
    if d.sum() <= 0:
        raise InputError("every indicator is constant: entropy weights are undefined")
    return pd.Series(d / d.sum(), index=X.columns, name="entropy")


def critic_weights(X: pd.DataFrame, ddof: int = 1) -> pd.Series:
    """CRITIC weights of the columns of ``X`` (units with missing values are dropped)."""
    A = _complete(X, "CRITIC")
    lo, hi = A.min(axis=0), A.max(axis=0)
    if (hi == lo).any():
        raise InputError("indicator is constant; CRITIC is undefined", column=X.columns[int(np.argmax(hi == lo))])
    Z = (A - lo) / (hi - lo)
    sd = Z.std(axis=0, ddof=ddof)
    R = np.corrcoef(Z, rowvar=False)
    C = sd * (1.0 - R).sum(axis=0)
    return pd.Series(C / C.sum(), index=X.columns, name="CRITIC")
