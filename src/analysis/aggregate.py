"""Aggregation: combine children into their parent, level by level.

All means are weighted means over the **available** children: a missing child is left out and the
weights of the others are renormalised (COINr ``a_amean``, ``a_gmean``, ``a_hmean``). If the share of
available children is below ``min_share`` the aggregate is missing (COINr ``dat_thresh``).

Every function accepts one weight vector ``w`` of shape ``(k,)`` or a batch of weight vectors of
shape ``(runs, k)``; a batch returns one column per run, which is what the uncertainty engine uses.
The non-compensatory methods (:func:`mazziotta_pareto`, :func:`ampi`, :func:`copeland`) also accept
per-run children ``X`` of shape ``(n, k, runs)`` with ``w`` of shape ``(runs, k)``, so the engine
calls these functions rather than a copy of them.

Non-compensatory methods, as published:

- ``mazziotta_pareto`` — MPI (De Muro, Mazziotta & Pareto 2011): standardise each child to 100 ± 10
  with the population sd, then ``M − S·cv`` per unit.
- ``ampi`` — adjusted MPI (Mazziotta & Pareto 2016): rescale each child with goalposts to 70–130
  around a reference value of 100, then ``M − S·cv``.
- ``copeland`` — pairwise wins minus losses on the weighted share of children (OECD/JRC Handbook 2008,
  COINr ``a_copeland``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._errors import InputError
from .framework import Framework
from .normalise import column_rows

__all__ = ["AGGREGATORS", "ALIASES", "arithmetic", "geometric", "harmonic", "mazziotta_pareto", "ampi",
           "copeland", "mpi_stats", "ampi_goalposts", "aggregate_matrix", "aggregate", "node_method"]

AGGREGATORS = ("arithmetic", "geometric", "harmonic", "mazziotta_pareto", "ampi", "copeland")
#: Other names accepted for the aggregators (COINr's ``a_amean`` …) → the canonical name.
ALIASES = {"amean": "arithmetic", "a_amean": "arithmetic", "mean": "arithmetic", "gmean": "geometric",
            "a_gmean": "geometric", "hmean": "harmonic", "a_hmean": "harmonic", "mpi": "mazziotta_pareto",
            "adjusted_mazziotta_pareto": "ampi", "a_copeland": "copeland"}
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


def _wsum(A: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``Σ_k W[r, k]·A[i, k(, r)]`` for A of shape (n, k) or per-run (n, k, R) → (n, R)."""
    if A.ndim == 2:
        return A @ W.T
    return np.einsum("nkr,rk->nr", A, W)


def _batch(X, w):
    """Arrays for the non-compensatory methods: X (n, k) or (n, k, R) and weights as (R, k)."""
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    W = w if w.ndim == 2 else w[None, :]
    if X.ndim == 3 and X.shape[2] != W.shape[0]:
        raise ValueError(f"per-run inputs of shape {X.shape} need {X.shape[2]} weight vectors, got {W.shape[0]}")
    return X, W


def _shaped(out: np.ndarray, X: np.ndarray, w) -> np.ndarray:
    return out[:, 0] if np.ndim(w) == 1 and X.ndim == 2 else out


def _balance(R: np.ndarray, W: np.ndarray, w, min_share: float, polarity: int, what: str) -> np.ndarray:
    """``M ∓ S·cv`` per unit from normalised values R: weighted mean M, weighted population sd S."""
    mask = ~np.isnan(R)
    R0 = np.where(mask, R, 0.0)
    den = _wsum(mask.astype(float), W)
    with np.errstate(invalid="ignore", divide="ignore"):
        M = _wsum(R0, W) / den
        S = np.sqrt(np.maximum(_wsum(R0 * R0, W) / den - M * M, 0.0))
    bad = (den > 0) & ~(M > 0)
    if bad.any():
        i = int(np.argwhere(bad)[0][0])
        raise InputError(f"{what}: unit number {i + 1} has a mean normalised score {M[bad][0]:.4g} <= 0, so its "
                         "coefficient of variation is undefined; check the goalposts or use another method")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = M - polarity * S * (S / M)  # MPI− / AMPI− = M − S·cv for a positive index; + for a negative one
    out = np.where(den > 0, out, np.nan)
    if min_share > 0:
        share = mask.sum(axis=1) / mask.shape[1]
        out[share < min_share] = np.nan
    return _shaped(out, R, w)


def _column_problem(bad: np.ndarray, what: str, why: str) -> InputError:
    j = int(np.argwhere(bad)[0][0])
    return InputError(f"{what}: child number {j + 1} of this node {why}; drop it or use another method")


def mazziotta_pareto(X, w, min_share: float = 0.0, polarity: int = 1, stats=None) -> np.ndarray:
    """Mazziotta–Pareto index (MPI) as published, with its own standardisation.

    Following De Muro, Mazziotta and Pareto (2011), each child column j is first standardised over
    the units to ``z_ij = 100 + 10·(x_ij − M_j)/S_j`` with the column mean ``M_j`` and the
    **population** standard deviation ``S_j = sqrt(Σ_i (x_ij − M_j)²/n)`` (over the units where it is
    available). Then for each unit, with ``M_i`` and ``S_i`` the mean and population sd of its z over
    the children and ``cv_i = S_i/M_i``::

        MPI−_i = M_i − S_i·cv_i   (polarity +1: a "positive" index such as development; default)
        MPI+_i = M_i + S_i·cv_i   (polarity −1: a "negative" index such as poverty)

    so an unbalanced profile always moves the unit towards the bad end. Each indicator's own
    polarity is applied upstream: normalisation multiplies an indicator with direction −1 by −1, so
    every child arrives "higher = better". Because the method standardises its input, any affine
    upstream normalisation (minmax, zscore with any mean and sd) gives the same MPI.

    Weights: the weighted mean and weighted population sd of Mazziotta and Pareto (2022); with equal
    weights this is the published unweighted index. Missing children are left out and the weights
    of the others renormalised, as for the means.

    Parameters
    ----------
    X : array (n, k) or (n, k, R)
        Children of one node (units × children), or one such matrix per run.
    w : array (k,) or (R, k)
        Weights, or one weight vector per run.
    min_share : float
        Minimum share of available children, else missing.
    polarity : {1, -1}
        Polarity of the composite index (sign of the penalty: ``M − polarity·S·cv``).
    stats : tuple of two arrays (k,), optional
        Frozen ``(M_j, S_j)`` to standardise with (e.g. :func:`mpi_stats` of a baseline or reference
        year); by default they are computed from ``X``.

    Raises
    ------
    InputError
        A child with fewer than two available values or no spread (its standardisation divides by
        ``S_j``), or a unit whose mean standardised score is ≤ 0 (its cv is undefined).

    References
    ----------
    De Muro P., Mazziotta M., Pareto A. (2011) Composite indices of development and poverty: an
    application to MDGs. Social Indicators Research 104: 1–18.
    Mazziotta M., Pareto A. (2016) On a generalized non-compensatory composite index for measuring
    socio-economic phenomena. Social Indicators Research 127: 983–1003.
    Mazziotta M., Pareto A. (2022) Weighting in composite indices construction: the case of the
    Mazziotta-Pareto Index. Rivista Italiana di Economia Demografia e Statistica 76(4).
    """
    X, W = _batch(X, w)
    if stats is None:
        mean, sd = mpi_stats(X)
    else:
        mean, sd = (np.asarray(a, dtype=float) for a in stats)
        if X.ndim == 3:
            mean, sd = mean[:, None], sd[:, None]
    Z = 100.0 + 10.0 * (X - mean) / sd
    return _balance(Z, W, w, min_share, polarity, "Mazziotta–Pareto")


def mpi_stats(X) -> tuple[np.ndarray, np.ndarray]:
    """Column means and **population** sds (divide by n) over the available units, as MPI standardises.

    Refuses a column with fewer than two values or without spread (InputError, one line).
    """
    X = np.asarray(X, dtype=float)
    mask = ~np.isnan(X)
    cnt = mask.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(mask, X, 0.0).sum(axis=0) / cnt
        sd = np.sqrt(np.where(mask, (X - mean) ** 2, 0.0).sum(axis=0) / cnt)  # population sd (divide by n)
    if (cnt < 2).any():
        raise _column_problem(cnt < 2, "Mazziotta–Pareto", "has fewer than two available values to standardise")
    flat = ~(sd > 1e-12 * np.maximum(np.abs(mean), 1.0))
    if flat.any():
        raise _column_problem(flat, "Mazziotta–Pareto", "has the same value for every unit (sd 0)")
    return mean, sd


def ampi_goalposts(X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Data goalposts of the AMPI per column: (Ref = mean, Inf = min, Sup = max) over available units."""
    X = np.asarray(X, dtype=float)
    with warnings.catch_warnings():  # an all-missing column gives NaN goalposts, refused by ampi
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(X, axis=0), np.nanmin(X, axis=0), np.nanmax(X, axis=0)


def ampi(X, w, min_share: float = 0.0, polarity: int = 1, goalposts=None) -> np.ndarray:
    """Adjusted Mazziotta–Pareto index (AMPI), Mazziotta and Pareto (2016).

    Each child column j is rescaled with goalposts to ``r_ij = 70 + 60·(x_ij − Min_j)/(Max_j − Min_j)``
    where ``Min_j = Ref_j − Δ_j``, ``Max_j = Ref_j + Δ_j`` and ``Δ_j = (Sup_j − Inf_j)/2``: the
    reference value ``Ref_j`` maps to 100 and a spread of the indicator's range maps to [70, 130].
    Then, as for :func:`mazziotta_pareto`, ``AMPI−_i = M_i − S_i·cv_i`` (polarity +1) or
    ``AMPI+_i = M_i + S_i·cv_i`` (polarity −1) with the weighted mean and weighted **population** sd
    of ``r_i·`` over the children.

    Goalposts: by default ``Inf_j``, ``Sup_j`` are the minimum and maximum of the column over the
    units given and ``Ref_j`` its mean, so 100 is the average unit of this cross-section (the
    single-period use). To compare periods, pass fixed ``goalposts = (ref, inf, sup)`` (arrays of
    length k, on the scale of ``X``), e.g. from a base year; the same goalposts then hold for every
    period, which is the point of the AMPI.

    Parameters
    ----------
    X, w, min_share, polarity
        As for :func:`mazziotta_pareto`.
    goalposts : tuple of three arrays (k,), optional
        ``(ref, inf, sup)`` per child.

    Raises
    ------
    InputError
        A child whose goalposts span nothing (``Sup_j = Inf_j``), or a unit whose mean rescaled
        score is ≤ 0.

    References
    ----------
    Mazziotta M., Pareto A. (2016) On a generalized non-compensatory composite index for measuring
    socio-economic phenomena. Social Indicators Research 127: 983–1003.
    Mazziotta M., Pareto A. (2018) Measuring well-being over time: the Adjusted Mazziotta–Pareto
    Index versus other non-compensatory indices. Social Indicators Research 136: 967–976.
    """
    X, W = _batch(X, w)
    if goalposts is None:
        ref, inf, sup = ampi_goalposts(X)
    else:
        ref, inf, sup = (np.asarray(g, dtype=float) for g in goalposts)
        if X.ndim == 3:
            ref, inf, sup = ref[:, None], inf[:, None], sup[:, None]
    delta = (sup - inf) / 2.0
    flat = ~(delta > 0)
    if flat.any():
        raise _column_problem(flat, "adjusted Mazziotta–Pareto", "has goalposts that span nothing (min = max)")
    lo = ref - delta
    Rn = 70.0 + 60.0 * (X - lo) / (2.0 * delta)
    return _balance(Rn, W, w, min_share, polarity, "adjusted Mazziotta–Pareto")



#: Relative tolerance for a tie in Copeland: |W_win − W_loss| ≤ _TIE·Σ|w| counts as e_ij = ½.
_TIE = 1e-10
#: Elements per block of the pairwise arrays in :func:`copeland` (bounds memory at about 32 MB each).
_BLOCK = 4_000_000


def _weigh(D: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``W @ D`` for D (k, pairs); a few children under one weight vector are faster summed by hand."""
    if W.shape[0] == 1 and D.shape[0] <= 16:
        E = np.zeros((1, D.shape[1]))
        for c in range(D.shape[0]):
            E[0] += W[0, c] * D[c]
        return E
    return W @ D


def _copeland_2d(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Wins − losses of every unit (rows of X, NaN = not compared) under each weight row of W → (n, R).

    Each pair is evaluated once (j ≥ first row of the block) and counted for both units with
    opposite signs, so ``e_ji = 1 − e_ij`` holds exactly and the result does not depend on row order.
    """
    n, k = X.shape
    R = W.shape[0]
    tol = _TIE * np.abs(W).sum(axis=1)
    out = np.zeros((n, R))
    Xt = np.ascontiguousarray(X.T)  # children first: the pairwise arrays below are (k, rows, units)
    rows = max(1, min(n, _BLOCK // max(1, n * k)))
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        b, m = i1 - i0, n - i0
        A, B = Xt[:, i0:i1, None], Xt[:, None, i0:]
        # D[c, i, j] = +1 if i beats j on child c, −1 if it loses, 0 for a tie or a missing value
        D = (np.greater(A, B).view(np.int8) - np.less(A, B).view(np.int8)).reshape(k, b * m).astype(float)
        runs = max(1, _BLOCK // max(1, b * m))
        for r0 in range(0, R, runs):
            r1 = min(R, r0 + runs)
            # E_ij = W_win − W_loss = 2·W_common·(e_ij − ½): its sign is the sign of e_ij − ½
            E = _weigh(D, W[r0:r1]).reshape(r1 - r0, b, m)
            t = tol[r0:r1, None, None]
            S = (E > t).view(np.int8) - (E < -t).view(np.int8)
            out[i0:i1, r0:r1] += S.sum(axis=2, dtype=np.int64).T
            out[i1:, r0:r1] -= S[:, :, b:].sum(axis=1, dtype=np.int64).T
    return out


def copeland(X, w, min_share: float = 0.0) -> np.ndarray:
    """Copeland scores: pairwise wins minus losses (OECD/JRC Handbook 2008; COINr ``a_copeland``).

    For units i and j, ``e_ij`` is the weighted share of the children on which i beats j, ties
    counting half, over the children **both** units have (weights renormalised over those)::

        e_ij = (Σ_c w_c [x_ic > x_jc] + ½ Σ_c w_c [x_ic = x_jc]) / Σ_c w_c     (c available for i and j)

    and the score of i is ``Σ_{j≠i} sign(e_ij − ½)``: +1 for each unit it beats, −1 for each unit
    it loses to, 0 for a tie; integer scores between −(n − 1) and n − 1. Since
    ``e_ij − ½ = (W_win − W_loss)/(2·Σ w)`` the sign is taken of ``W_win − W_loss`` (a difference
    within 1e-10 of the total weight counts as a tie, so float rounding cannot break a tie).

    With complete data this is COINr's ``a_copeland`` (``outrankMatrix`` transformed to ±1/0 and
    summed by row; COINr tests ``e_ij == 0.5`` in floating point, here a tie has a tolerance). With
    missing values COINr fills ``e_ji = 1 − e_ij`` from the upper triangle and does not renormalise,
    so its result depends on the order of the rows; here a pair is compared on the children both
    have and ``e_ji = 1 − e_ij`` holds by construction, so the scores do not depend on row order. A
    pair with no child in common is a tie (0). Units without any value, or with a share of available
    children below ``min_share``, get no score (NaN) and are left out of the comparisons of the
    others.

    Parameters
    ----------
    X : array (n, k) or (n, k, R)
        Children of one node, or one such matrix per run.
    w : array (k,) or (R, k)
        Weights, or one weight vector per run. A batch is computed with one pass over the pairs.
    min_share : float
        Minimum share of available children for a unit to take part and get a score.

    Returns
    -------
    array (n,) or (n, R)
    """
    X, W = _batch(X, w)
    mask = ~np.isnan(X)
    share = mask.sum(axis=1) / X.shape[1]
    active = (share > 0) & (share >= min_share) if min_share > 0 else share > 0
    if X.ndim == 2:
        out = _copeland_2d(np.where(active[:, None], X, np.nan), W)
        out[~active] = np.nan
    else:
        out = np.empty((X.shape[0], W.shape[0]))
        for r in range(W.shape[0]):
            a = active[:, r]
            out[:, r] = _copeland_2d(np.where(a[:, None], X[:, :, r], np.nan), W[r:r + 1])[:, 0]
            out[~a, r] = np.nan
    out[:, ~(np.abs(W).sum(axis=1) > 0)] = np.nan
    return _shaped(out, X, w)


_FUNCS = {"arithmetic": arithmetic, "geometric": geometric, "harmonic": harmonic,
          "mazziotta_pareto": mazziotta_pareto, "ampi": ampi, "copeland": copeland}


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


def _frozen(method: str, Xr: np.ndarray) -> dict:
    """Parameters of ``method`` fitted on reference children (MPI standardisation, AMPI goalposts)."""
    if method == "mazziotta_pareto":
        return {"stats": mpi_stats(Xr)}
    if method == "ampi":
        return {"goalposts": ampi_goalposts(Xr)}
    return {}


def aggregate(normalised: pd.DataFrame, framework: Framework, spec: dict | None = None,
              weights: pd.Series | dict | None = None, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Aggregate normalised indicators up the whole hierarchy.

    Parameters
    ----------
    normalised : DataFrame
        Units × indicators.
    spec : dict
        ``{method, by_level: {level: method}, by_node: {code: method or {method, min_share}}, min_share}``.
    weights : Series or dict, optional
        Weight of each node within its parent (default: the framework's).
    reference : DataFrame, optional
        Normalised indicators (units × indicators) of a baseline or reference year. When given, the
        Mazziotta–Pareto standardisation (column mean and sd) and the AMPI goalposts of every node
        are fitted on the reference's children instead of on ``normalised``: the frozen yardstick
        that scenarios and a panel's reference year use for the other steps. Copeland always
        compares the units of ``normalised`` among themselves.

    Returns
    -------
    DataFrame
        Units × aggregates (bottom-up order; the last column is the index).
    """
    spec = spec or {}
    w = framework.weights() if weights is None else pd.Series(weights, dtype=float)
    cols = _columns(normalised, framework.indicators)
    refs = None if reference is None else _columns(reference, framework.indicators)
    wmap = dict(zip(w.index.tolist(), w.to_numpy()))
    if len(wmap) != len(w):  # a repeated label: looked up in the Series as before
        wmap = w
    for code in framework.aggregates:
        ch = framework.children(code)
        X = np.column_stack([cols[c] for c in ch])
        wv = np.array([wmap[c] for c in ch], dtype=float)
        method, ms = node_method(spec, framework, code)
        try:
            if refs is None:
                cols[code] = aggregate_matrix(X, wv, method, ms)
                continue
            Xr = np.column_stack([refs[c] for c in ch])
            refs[code] = aggregate_matrix(Xr, wv, method, ms)
            cols[code] = _FUNCS[method](X, wv, min_share=ms, **_frozen(method, Xr))
        except InputError as e:
            raise InputError(e.message, node=code) from None
    if framework.aggregates:
        return pd.DataFrame(np.column_stack([cols[c] for c in framework.aggregates]), index=normalised.index,
                            columns=pd.Index(framework.aggregates))
    return pd.DataFrame({}, index=normalised.index)


def _columns(df: pd.DataFrame, codes: list[str]) -> dict[str, np.ndarray]:
    """Columns ``codes`` of ``df`` as float arrays, read at once when the columns are unique."""
    X = column_rows(df, codes)
    return dict(zip(codes, X)) if X is not None else {c: df[c].to_numpy(dtype=float) for c in codes}
