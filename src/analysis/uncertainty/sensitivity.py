"""Designs (Monte Carlo, Sobol') and Sobol' sensitivity estimators.

The default estimators come from SALib (``SALib.analyze.sobol``; Saltelli et al. 2010 first order,
Jansen total order, with factor groups); the Sobol' design is SALib's (``SALib.sample.sobol``, same
row order) except that ``B``'s rows are paired with ``A``'s at random (see :func:`unit_design`).
:func:`sobol_coinr` gives the same two estimators as COINr computes them (variance with n − 1 as in
R), on SALib's row layout, with COINr's percentile bootstrap intervals (the output variance held
fixed, 5th and 95th percentiles by default).

A design table replayed for Sobol' indices (:func:`design_blocks`) may come in SALib's row order
(``N`` blocks of ``G + 2`` rows: ``A``, ``AB_1`` … ``AB_G``, ``B``, as ``SALib.sample.sobol`` writes
it with ``calc_second_order=False``) or in COINr's block layout (a ``block`` column with ``A``,
``B`` and ``AB_<factor>``, ``N`` rows each, as ``COINr::SA_sample`` stacks ``A``, ``B`` and the
``AB_i``). :func:`stability_notes` says when ``N`` is too small for the indices to be trusted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["problem", "unit_design", "labelled_design", "sobol_salib", "sobol_coinr", "split_sobol",
           "design_blocks", "salib_order", "stability_notes"]


def problem(dims: list[tuple[str, str]]) -> dict:
    """SALib problem: one uniform [0, 1] variable per design dimension, grouped by factor."""
    names = [f"{g}[{d}]" if g != d else g for g, d in dims]
    groups = [g for g, _ in dims]
    return {"num_vars": len(dims), "names": names, "bounds": [[0.0, 1.0]] * len(dims), "groups": groups}


def unit_design(dims: list[tuple[str, str]], N: int, kind: str = "mc", seed: int = 0) -> np.ndarray:
    """Uniform design in [0, 1]^D: plain Monte Carlo (N rows) or Sobol'/Saltelli (N·(G + 2) rows).

    The Saltelli design pairs ``B``'s rows with ``A``'s at random, so a choice factor's ``AB_i``
    labels differ from ``A``'s as often as two independent draws would (see :func:`_saltelli`).
    """
    if not dims:
        return np.zeros((N, 0))
    if kind == "mc":
        return np.random.default_rng(seed).random((N, len(dims)))
    return _saltelli(dims, N, seed)


def _saltelli(dims: list[tuple[str, str]], N: int, seed: int) -> np.ndarray:
    """Saltelli design (no second order) in SALib's row order, with ``B`` paired at random with ``A``.

    As ``SALib.sample.sobol``, ``A`` and ``B`` are the first and last ``D`` columns of one scrambled
    Sobol' sequence of dimension ``2D``, and ``AB_g`` takes factor ``g``'s columns from ``B``. But the
    rows of ``B`` are shuffled: the scrambling keeps a coordinate's leading bits (Owen/LMS scrambling
    only flips them), and in the leading bits coordinates ``j`` and ``j + D`` can coincide over the
    first ``N`` points (e.g. column 24 of 54 at ``N`` = 32 or 64). A choice factor with two
    alternatives reads only the leading bit, so ``AB_j`` had the same label as ``A`` in every base
    point and the factor's indices were exactly 0. Shuffling ``B`` makes the pairs independent, as
    the estimators assume, and keeps the low discrepancy of ``A`` and ``B`` themselves.
    """
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    D = len(dims)
    groups = [g for g, _ in dims]
    names = list(dict.fromkeys(groups))
    base = qmc.Sobol(d=2 * D, scramble=True, seed=rng).random(N)
    A = base[:, :D]
    B = base[rng.permutation(N), D:]
    out = np.empty((N, len(names) + 2, D))
    out[:, 0] = A
    for k, g in enumerate(names):
        cols = np.array([h == g for h in groups])
        out[:, 1 + k] = np.where(cols, B, A)
    out[:, -1] = B
    return out.reshape(-1, D)


def labelled_design(U: np.ndarray, dims, factors) -> pd.DataFrame:
    """Map uniform draws to a readable design: alternative labels, or draws for weight factors."""
    cols = {}
    fac = {f.name: f for f in factors}
    for j, (g, d) in enumerate(dims):
        f = fac[g]
        if f.type == "weights":
            cols[f"{g}[{d}]"] = U[:, j]
        else:
            labels = f.labels
            k = np.minimum((U[:, j] * len(labels)).astype(int), len(labels) - 1)
            cols[f.column or f.name] = np.array(labels, dtype=object)[k]
    return pd.DataFrame(cols)


def split_sobol(Y: np.ndarray, G: int):
    """Split outputs of a SALib Sobol' design (no second order) into yA, yB, yAB (N × G)."""
    Y = np.asarray(Y, dtype=float)
    step = G + 2
    if Y.size % step:
        raise ValueError(f"output length {Y.size} is not a multiple of G + 2 = {step}")
    Yr = Y.reshape(-1, step)
    return Yr[:, 0], Yr[:, -1], Yr[:, 1:-1]


def sobol_salib(prob: dict, Y: np.ndarray, num_resamples: int = 500, conf_level: float = 0.95, seed: int = 0
                ) -> pd.DataFrame:
    """First- and total-order indices with SALib (groups as in ``prob``)."""
    from SALib.analyze import sobol

    Si = sobol.analyze(prob, np.asarray(Y, dtype=float), calc_second_order=False, num_resamples=num_resamples,
                       conf_level=conf_level, seed=seed)
    total, first = Si.to_df()[:2]
    out = pd.concat([first, total], axis=1)
    out.index.name = "factor"
    return out


def sobol_coinr(Y: np.ndarray, G: int, names: list[str] | None = None, num_resamples: int = 500,
                conf_level: float = 0.90, seed: int = 0) -> pd.DataFrame:
    """COINr's estimators (``COINr::SA_estimate``): Saltelli (2010) first order, Jansen (1999) total order.

    ``S_i = mean(yB·(yAB_i − yA)) / V`` and ``ST_i = Σ (yA − yAB_i)² / (2 N V)`` with
    ``V = var(c(yA, yB))`` (n − 1). Intervals as COINr's bootstrap: the terms ``yB·(yAB_i − yA)``
    and ``yA − yAB_i`` resampled with replacement, ``V`` held fixed, percentiles at
    ``(1 ± conf_level) / 2`` (COINr reports the 5th and 95th: ``conf_level = 0.90``).

    Parameters
    ----------
    Y : array
        Outputs in SALib's row order (see :func:`split_sobol`; a COINr-layout design is brought into
        that order by :func:`salib_order`).
    G : int
        Number of factors (groups).
    names : list of str, optional
        Factor names (default ``X1`` … ``XG``).
    num_resamples, conf_level, seed
        Bootstrap settings.

    Returns
    -------
    DataFrame
        One row per factor: ``S1``, ``S1_low``, ``S1_high``, ``ST``, ``ST_low``, ``ST_high``.
    """
    yA, yB, yAB = split_sobol(Y, G)
    n = yA.size
    V = np.var(np.r_[yA, yB], ddof=1)
    d1 = yB[:, None] * (yAB - yA[:, None])
    dt = yA[:, None] - yAB
    with np.errstate(invalid="ignore", divide="ignore"):
        s1 = d1.mean(axis=0) / V
        st = (dt ** 2).sum(axis=0) / (2 * n * V)
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, n, (num_resamples, n))
        bs1 = d1[idx].mean(axis=1) / V
        bst = (dt[idx] ** 2).sum(axis=1) / (2 * n * V)
    a = (1 - conf_level) / 2
    names = names or [f"X{i + 1}" for i in range(G)]
    return pd.DataFrame({
        "S1": s1, "S1_low": np.quantile(bs1, a, axis=0), "S1_high": np.quantile(bs1, 1 - a, axis=0),
        "ST": st, "ST_low": np.quantile(bst, a, axis=0), "ST_high": np.quantile(bst, 1 - a, axis=0),
    }, index=pd.Index(names, name="factor"))


# --- replayed designs ---------------------------------------------------------------------------------
_SALIB = "SALib's Sobol' order (N blocks of G + 2 rows: A, AB_1 … AB_G, B)"
_COINR = "COINr's block layout (a 'block' column with A, B and AB_<factor>, N rows each)"


def _cells(design: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Cells as text, so labels, label numbers and draws compare exactly as written."""
    return design[cols].astype(str).to_numpy()


def _structure_error(design: pd.DataFrame, order: np.ndarray, groups: dict[str, list[str]]) -> str | None:
    """Why rows ``order`` (SALib order) are not a Sobol' design for ``groups``, or None if they are."""
    G = len(groups)
    rows = order.reshape(-1, G + 2)
    for j, g in enumerate(groups):
        for h, cols in groups.items():
            cells = _cells(design, cols)
            src = rows[:, -1] if h == g else rows[:, 0]
            bad = np.flatnonzero((cells[rows[:, 1 + j]] != cells[src]).any(axis=1))
            if bad.size:
                k = int(bad[0])
                took = "B" if h == g else "A"
                return (f"run {int(rows[k, 1 + j]) + 1} (AB_{g} of base point {k + 1}) does not take factor '{h}' "
                        f"from {took}")
    return None


def _block_of(label: str, groups: list[str]) -> str | None:
    """The factor an ``AB_<factor>`` label names (exact, then case-insensitive, then 1-based number)."""
    name = label[3:]
    if name in groups:
        return name
    low = {g.lower(): g for g in groups}
    if name.lower() in low:
        return low[name.lower()]
    if name.isdigit() and 1 <= int(name) <= len(groups):
        return groups[int(name) - 1]
    return None


def _coinr_order(design: pd.DataFrame, groups: list[str]) -> tuple[np.ndarray | None, str | None]:
    """Row positions of a COINr block design in SALib order, or (None, reason)."""
    lab = design["block"].astype(str).str.strip().to_numpy()
    pos: dict[str, np.ndarray] = {}
    for b in dict.fromkeys(lab):
        key = b.upper() if b.upper() in ("A", "B") else (_block_of(b, groups) if b.upper().startswith("AB_") else None)
        if key is None:
            return None, f"block '{b}' is none of A, B, AB_<factor> (factors: {', '.join(groups)})"
        pos["AB_" + key if key not in ("A", "B") else key] = np.flatnonzero(lab == b)
    need = ["A", "B"] + [f"AB_{g}" for g in groups]
    missing = [k for k in need if k not in pos]
    if missing:
        return None, f"no rows in block(s) {', '.join(missing)}"
    sizes = {k: len(pos[k]) for k in need}
    if len(set(sizes.values())) != 1:
        return None, "blocks of unequal size (" + ", ".join(f"{k}: {v}" for k, v in sizes.items()) + ")"
    cols = [pos["A"]] + [pos[f"AB_{g}"] for g in groups] + [pos["B"]]
    return np.column_stack(cols).ravel(), None


def design_blocks(design: pd.DataFrame, groups: dict[str, list[str]], *, file=None) -> tuple[np.ndarray, str]:
    """Locate the A, B and AB_i runs of a Sobol' design table.

    Parameters
    ----------
    design : DataFrame
        One row per run (as read by :func:`analysis.schemas.uncertainty.load_design`).
    groups : dict
        Factor name → the design columns of that factor, in the study's factor order.
    file : path, optional
        The design file, named in errors.

    Returns
    -------
    order : ndarray of int
        Row positions in SALib's order (``N`` blocks ``A, AB_1 … AB_G, B``): ``Y[order]`` feeds
        :func:`sobol_salib` and :func:`sobol_coinr`.
    layout : {"salib", "coinr"}
        The layout found.

    Raises
    ------
    InputError
        One line naming ``file`` when the table is in neither layout, or its AB_i rows do not take
        factor i from B and every other factor from A.
    """
    from .._errors import InputError

    G = len(groups)
    R = len(design)
    names = list(groups)
    if "block" in design.columns:
        order, why = _coinr_order(design, names)
        layout = "coinr"
    elif R and R % (G + 2) == 0:
        order, why, layout = np.arange(R), None, "salib"
    else:
        order, layout = None, "salib"
        why = f"{R} runs is not a multiple of G + 2 = {G + 2} and there is no 'block' column"
    if order is not None:
        why = _structure_error(design, order, groups)
    if why is not None:
        raise InputError(f"not a Sobol' design in {_SALIB} or {_COINR}: {why}", file=file)
    return order, layout


def salib_order(Y: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Outputs of a replayed design rearranged into SALib's row order (see :func:`design_blocks`)."""
    return np.asarray(Y, dtype=float)[np.asarray(order)]


def _interval(si: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of the interval of column ``col`` (SALib's ``_conf`` or ``_low``/``_high``)."""
    v = si[col].to_numpy(dtype=float)
    if f"{col}_conf" in si:
        c = si[f"{col}_conf"].to_numpy(dtype=float)
        return v - c, v + c
    return si[f"{col}_low"].to_numpy(dtype=float), si[f"{col}_high"].to_numpy(dtype=float)


def stability_notes(si: pd.DataFrame, N: int, *, margin: float = 0.05, max_width: float = 0.5) -> list[str]:
    """Say when ``N`` base points are too few for stable Sobol' indices.

    Signs checked (indices are shares of variance, 0 ≤ S_i ≤ ST_i ≤ 1): a first-order index negative
    beyond its interval (upper end < 0); an interval of S_i or ST_i reaching past 1; an interval
    wider than ``max_width``; a first-order index above the total order by more than ``margin`` and
    more than the two intervals' half-widths together.

    Parameters
    ----------
    si : DataFrame
        Indices from :func:`sobol_salib` (``S1_conf``/``ST_conf``) or :func:`sobol_coinr`
        (``S1_low``/``S1_high``/``ST_low``/``ST_high``).
    N : int
        Base sample size of the design.
    margin, max_width : float
        Tolerances of the last two signs.

    Returns
    -------
    list of str
        Empty, or one message ``"N = … is too small for stable Sobol' indices: …; increase N"``.
    """
    ends = {c: _interval(si, c) for c in ("S1", "ST")}
    s1 = si["S1"].to_numpy(dtype=float)
    st = si["ST"].to_numpy(dtype=float)
    names = [str(x) for x in si.index]
    why = []
    neg = [f"{n} S1 = {v:.3g} (interval up to {h:.3g})" for n, v, h in zip(names, s1, ends["S1"][1]) if h < 0]
    if neg:
        why.append("negative first-order index beyond its interval (" + ", ".join(neg) + ")")
    past = [f"{n} {c} up to {h:.3g}" for c in ("S1", "ST") for n, h in zip(names, ends[c][1]) if h > 1]
    if past:
        why.append("intervals past 1 (" + ", ".join(past) + ")")
    wide = [f"{n} {c} {lo:.3g} to {hi:.3g}" for c in ("S1", "ST") for n, lo, hi in zip(names, *ends[c])
            if hi - lo > max_width]
    if wide:
        why.append(f"intervals wider than {max_width:g} (" + ", ".join(wide) + ")")
    slack = np.maximum(margin, (ends["S1"][1] - ends["S1"][0]) / 2 + (ends["ST"][1] - ends["ST"][0]) / 2)
    over = [f"{n} S1 = {a:.3g} > ST = {b:.3g}" for n, a, b, m in zip(names, s1, st, slack) if a - b > m]
    if over:
        why.append("first order above total order (" + ", ".join(over) + ")")
    if not why:
        return []
    return [f"N = {int(N)} is too small for stable Sobol' indices: {'; '.join(why)}; increase N"]
