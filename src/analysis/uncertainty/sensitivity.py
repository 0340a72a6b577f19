"""Designs (Monte Carlo, Sobol') and Sobol' sensitivity estimators.

Sample designs and the default estimators come from SALib (``SALib.sample.sobol``,
``SALib.analyze.sobol``; Saltelli et al. 2010 first order, Jansen total order, with factor groups).
:func:`sobol_coinr` gives the same two estimators as COINr computes them (variance with n − 1 as in
R), on SALib's row layout, with percentile bootstrap intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["problem", "unit_design", "labelled_design", "sobol_salib", "sobol_coinr", "split_sobol"]


def problem(dims: list[tuple[str, str]]) -> dict:
    """SALib problem: one uniform [0, 1] variable per design dimension, grouped by factor."""
    names = [f"{g}[{d}]" if g != d else g for g, d in dims]
    groups = [g for g, _ in dims]
    return {"num_vars": len(dims), "names": names, "bounds": [[0.0, 1.0]] * len(dims), "groups": groups}


def unit_design(dims: list[tuple[str, str]], N: int, kind: str = "mc", seed: int = 0) -> np.ndarray:
    """Uniform design in [0, 1]^D: plain Monte Carlo (N rows) or Sobol'/Saltelli (N·(G + 2) rows)."""
    if not dims:
        return np.zeros((N, 0))
    if kind == "mc":
        return np.random.default_rng(seed).random((N, len(dims)))
    from SALib.sample import sobol

    return sobol.sample(problem(dims), N, calc_second_order=False, scramble=True, seed=seed)


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
                conf_level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """COINr's estimators: Saltelli (2010) first order and Jansen (1999) total order.

    ``S_i = mean(yB·(yAB_i − yA)) / V`` and ``ST_i = mean((yA − yAB_i)²) / (2V)`` with
    ``V = var(c(yA, yB))`` (n − 1), plus percentile bootstrap intervals over the base rows.
    """
    yA, yB, yAB = split_sobol(Y, G)

    def est(a, b, ab):
        V = np.var(np.r_[a, b], ddof=1)
        s1 = np.mean(b[:, None] * (ab - a[:, None]), axis=0) / V
        st = np.mean((a[:, None] - ab) ** 2, axis=0) / (2 * V)
        return s1, st

    s1, st = est(yA, yB, yAB)
    rng = np.random.default_rng(seed)
    n = yA.size
    bs1 = np.empty((num_resamples, G))
    bst = np.empty((num_resamples, G))
    for b in range(num_resamples):
        i = rng.integers(0, n, n)
        bs1[b], bst[b] = est(yA[i], yB[i], yAB[i])
    a = (1 - conf_level) / 2
    names = names or [f"X{i + 1}" for i in range(G)]
    return pd.DataFrame({
        "S1": s1, "S1_low": np.quantile(bs1, a, axis=0), "S1_high": np.quantile(bs1, 1 - a, axis=0),
        "ST": st, "ST_low": np.quantile(bst, a, axis=0), "ST_high": np.quantile(bst, 1 - a, axis=0),
    }, index=pd.Index(names, name="factor"))
