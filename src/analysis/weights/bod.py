"""Benefit of the doubt (Cherchye, Moesen, Rogge & Van Puyenbroeck 2007; OECD/JRC Handbook §6.4).

DEA without inputs: unit ``c`` gets the weights most favourable to itself,

    max_w  Σ_i w_i y_ci   s.t.  Σ_i w_i y_ki ≤ 1 for every unit k,  w ≥ 0,

so its score is in [0, 1] and efficient units score 1. Optional bounds on the *shares* keep a
unit from ignoring indicators: with ``share="contribution"`` (pie shares, the usual choice) the
share of indicator i in unit c's own score, ``w_i y_ci / Σ_j w_j y_cj``, must lie in
``[lower_i, upper_i]`` (a lower bound is waived where ``y_ci = 0``, since no weight can give a zero
a positive share); with ``share="weight"`` the bounds apply to ``w_i / Σ_j w_j`` (meaningful when
indicators share one scale, e.g. after min-max normalisation).

The LPs are solved with HiGHS. The default solver keeps one model and, from unit to unit, changes
only the objective (and the unit's own share rows), re-solving from the previous basis with the
primal simplex; ``solver="scipy"`` solves each LP from scratch with :func:`scipy.optimize.linprog`
(the baseline in ``benchmarks/bench_weights.py`` and an independent check in the tests).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import InputError

__all__ = ["BoDResult", "benefit_of_doubt"]


@dataclass
class BoDResult:
    """Scores and weights from benefit of the doubt.

    Attributes
    ----------
    scores : Series
        Each unit's BoD score in [0, 1].
    weights : DataFrame
        Units × indicators: the LP multipliers ``w`` (a unit's score is ``y_c @ w_c``).
    shares : DataFrame
        Units × indicators: each indicator's share of the unit's score (rows sum to 1).
    normalised_weights : DataFrame
        ``w / Σ w`` per unit (rows sum to 1).
    """

    scores: pd.Series
    weights: pd.DataFrame
    shares: pd.DataFrame
    normalised_weights: pd.DataFrame

    @property
    def efficient(self) -> pd.Index:
        return self.scores.index[self.scores >= 1 - 1e-7]


def _bounds(b, k, name, cols):
    if b is None:
        return None
    if np.isscalar(b):
        v = np.full(k, float(b))
    else:
        s = pd.Series(b, dtype=float)
        unknown = [c for c in s.index if c not in cols]
        if unknown:
            raise InputError(f"{name} share bound names unknown indicator '{unknown[0]}'", column=unknown[0])
        v = s.reindex(cols).fillna(0.0 if name == "lower" else 1.0).to_numpy(dtype=float)
    if ((v < 0) | (v > 1)).any():
        raise InputError(f"{name} share bounds must lie in [0, 1]")
    return v


def _share_rows(y, lo, up, share, inv):
    """Rows ``A w ≤ 0`` expressing the share bounds for one unit."""
    k = len(y)
    base = y if share == "contribution" else inv
    rows = []
    for i in range(k):
        if lo is not None and lo[i] > 0 and base[i] > 0:
            r = lo[i] * base
            r[i] -= base[i]
            rows.append(r)
        if up is not None and up[i] < 1:
            r = -up[i] * base
            r[i] += base[i]
            rows.append(r)
    return np.array(rows).reshape(-1, k)


def _solve_scipy(X, lo, up, share, inv):
    from scipy.optimize import linprog

    n, k = X.shape
    W = np.zeros((n, k))
    for c in range(n):
        S = _share_rows(X[c], lo, up, share, inv)
        A = np.vstack([X, S])
        b = np.concatenate([np.ones(n), np.zeros(len(S))])
        res = linprog(-X[c], A_ub=A, b_ub=b, bounds=(0, None), method="highs")
        if res.status != 0:
            raise InputError(f"benefit-of-the-doubt LP for unit #{c} failed: {res.message}", row=c)
        W[c] = res.x
    return W


def _quiet_highs():
    """A HiGHS instance without its start-up banner.

    highspy prints "Running HiGHS … Copyright …" to file descriptor 1 when the first instance of a
    process is made, before any option can be set; that line would reach the terminal of
    ``maturasi weights`` or ``maturasi run``. The descriptor is pointed at /dev/null for that moment.
    """
    import highspy

    global _HIGHS_STARTED
    if _HIGHS_STARTED:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            try:
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)
    _HIGHS_STARTED = True
    return h


_HIGHS_STARTED = False


def _solve_highs(X, lo, up, share, inv):
    """One HiGHS model for all units.

    Variables ``w`` (k) and the unit's score ``s``; rows ``X w ≤ 1`` (n), ``s − y_c·w = 0`` and the
    share rows: ``lo_i s − y_ci w_i ≤ 0`` / ``y_ci w_i − up_i s ≤ 0`` (contribution shares) or
    ``lo_i Σw − w_i ≤ 0`` / ``w_i − up_i Σw ≤ 0`` (weight shares, the same for every unit).
    From unit to unit only the coefficients that involve ``y_c`` change, so each LP starts from the
    previous optimal basis.
    """
    import highspy
    import scipy.sparse as sp

    n, k = X.shape
    inf = highspy.kHighsInf
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_strategy", 4)  # primal simplex: the previous basis stays a good start
    lo_idx = [] if lo is None else [i for i in range(k) if lo[i] > 0]
    up_idx = [] if up is None else [i for i in range(k) if up[i] < 1]
    y0 = X[0]
    base0 = y0
    rows = [np.concatenate([X, np.zeros((n, 1))], axis=1), np.concatenate([-y0, [1.0]])[None, :]]
    for i in lo_idx:
        r = np.zeros(k + 1)
        if share == "contribution":   # lo_i s − y_ci w_i ≤ 0
            r[i], r[k] = -base0[i], lo[i]
        else:                         # lo_i Σ w − w_i ≤ 0
            r[:k] = lo[i] * inv
            r[i] -= inv[i]
        rows.append(r[None, :])
    for i in up_idx:
        r = np.zeros(k + 1)
        if share == "contribution":   # y_ci w_i − up_i s ≤ 0
            r[i], r[k] = base0[i], -up[i]
        else:                         # w_i − up_i Σ w ≤ 0
            r[:k] = -up[i] * inv
            r[i] += inv[i]
        rows.append(r[None, :])
    M = np.vstack(rows)
    m = M.shape[0]
    rl = np.concatenate([np.full(n, -inf), [0.0], np.full(m - n - 1, -inf)])
    ru = np.concatenate([np.ones(n), [0.0], np.zeros(m - n - 1)])
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = k + 1, m
    lp.col_cost_ = np.concatenate([np.zeros(k), [-1.0]])
    lp.col_lower_, lp.col_upper_ = np.zeros(k + 1), np.full(k + 1, inf)
    lp.row_lower_, lp.row_upper_ = rl, ru
    A = sp.csc_matrix(M)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    h.passModel(lp)
    W = np.zeros((n, k))
    for c in range(n):
        y = X[c]
        if c:
            for j in range(k):
                h.changeCoeff(n, j, -y[j])
            if share == "contribution":
                for r, i in enumerate(lo_idx):
                    h.changeCoeff(n + 1 + r, i, -y[i])
                    h.changeCoeff(n + 1 + r, k, lo[i] if y[i] > 0 else 0.0)
                for r, i in enumerate(up_idx):
                    h.changeCoeff(n + 1 + len(lo_idx) + r, i, y[i])
        elif share == "contribution":
            for r, i in enumerate(lo_idx):
                if y[i] <= 0:
                    h.changeCoeff(n + 1 + r, k, 0.0)
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise InputError(f"benefit-of-the-doubt LP for unit #{c} failed: {h.modelStatusToString(status)}", row=c)
        W[c] = np.asarray(h.getSolution().col_value)[:k]
    return W


def benefit_of_doubt(Y: pd.DataFrame, *, lower: float | dict | None = None, upper: float | dict | None = None,
                     share: str = "contribution", solver: str = "highs") -> BoDResult:
    """Benefit-of-the-doubt scores and weights for every unit.

    Parameters
    ----------
    Y : DataFrame
        Units × indicators, non-negative and oriented so that more is better (e.g. min-max
        normalised values). Missing values are not allowed (impute first).
    lower, upper : float or dict, optional
        Bounds on each indicator's share (0–1), scalar or per indicator.
    share : {"contribution", "weight"}
        What the bounds constrain (see module docstring).
    solver : {"highs", "scipy"}
        Warm-started HiGHS model (fast) or one :func:`scipy.optimize.linprog` call per unit.

    Returns
    -------
    BoDResult
    """
    cols = list(Y.columns)
    X = Y.to_numpy(dtype=float)
    n, k = X.shape
    if np.isnan(X).any():
        i, j = np.argwhere(np.isnan(X))[0]
        raise InputError("benefit of the doubt needs complete data (impute first)", row=Y.index[i], column=cols[j])
    if (X < 0).any():
        i, j = np.argwhere(X < 0)[0]
        raise InputError(f"benefit of the doubt needs non-negative values; found {X[i, j]:g}", row=Y.index[i],
                         column=cols[j])
    if share not in ("contribution", "weight"):
        raise InputError(f"unknown share type '{share}' (use contribution or weight)")
    lo, up = _bounds(lower, k, "lower", cols), _bounds(upper, k, "upper", cols)
    if lo is not None and lo.sum() > 1 + 1e-12:
        raise InputError(f"lower share bounds sum to {lo.sum():g} > 1: infeasible")
    if up is not None and up.sum() < 1 - 1e-12:
        raise InputError(f"upper share bounds sum to {up.sum():g} < 1: infeasible")
    if lo is not None and up is not None and (lo > up).any():
        raise InputError("lower share bound exceeds the upper bound", column=cols[int(np.argmax(lo > up))])
    colmax = X.max(axis=0)
    if (colmax <= 0).any():
        raise InputError("indicator is zero for every unit; benefit of the doubt cannot weight it",
                         column=cols[int(np.argmax(colmax <= 0))])
    # rescale columns to max 1 for conditioning; weights are mapped back afterwards
    Xs = X / colmax
    if solver == "highs":
        Ws = _solve_highs(Xs, lo, up, share, 1.0 / colmax)
    elif solver == "scipy":
        Ws = _solve_scipy(Xs, lo, up, share, 1.0 / colmax)
    else:
        raise InputError(f"unknown solver '{solver}' (use highs or scipy)")
    Ws = np.maximum(Ws, 0.0)
    W = Ws / colmax
    scores = np.einsum("ij,ij->i", Xs, Ws)
    contrib = Xs * Ws
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = contrib / contrib.sum(axis=1, keepdims=True)
        nw = W / W.sum(axis=1, keepdims=True)
    idx = Y.index
    return BoDResult(pd.Series(np.clip(scores, 0.0, 1.0), index=idx, name="BoD"),
                     pd.DataFrame(W, index=idx, columns=cols), pd.DataFrame(shares, index=idx, columns=cols),
                     pd.DataFrame(nw, index=idx, columns=cols))
