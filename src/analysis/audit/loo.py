"""Leave-one-out: the index without each component, and how far units move (Handbook §7)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import InputError
from ..aggregate import aggregate
from ..levels import rank_desc
from ..select import cross_section

__all__ = ["leave_one_out"]


def leave_one_out(result, *, level: int = 1, dset: str = "normalised", year=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rebuild the index without each component at ``level`` (its weight set to 0, siblings rescaled).

    Parameters
    ----------
    result : Result
    level : int
        1 drops each indicator in turn; 2, 3, … drop each aggregate at that level.

    Returns
    -------
    summary : DataFrame
        Per dropped component: mean and max absolute rank shift, Spearman correlation of the new
        index with the nominal one.
    shifts : DataFrame
        Units × dropped components: rank without the component minus the nominal rank
        (positive = the unit falls), with the nominal rank and each unit's mean absolute shift.
    """
    fw = result.framework
    codes = [c for c in fw.at_level(level) if fw.nodes[c].parent is not None]
    if not codes:
        raise InputError(f"no components at level {level}")
    T = cross_section(result, dset, year, aggregates=False)
    base_scores = aggregate(T, fw, result.spec.get("aggregate") or {}, result.weights)[fw.root].to_numpy()
    base_rank = rank_desc(base_scores)
    shifts = {}
    rows = []
    for c in codes:
        sib = fw.children(fw.nodes[c].parent)
        if len(sib) < 2:
            continue
        w = result.weights.copy()
        w[c] = 0.0
        idx = aggregate(T, fw, result.spec.get("aggregate") or {}, w)[fw.root].to_numpy()
        rk = rank_desc(idx)
        d = rk - base_rank
        shifts[c] = d
        ok = ~(np.isnan(idx) | np.isnan(base_scores))
        rho = pd.Series(idx[ok]).corr(pd.Series(base_scores[ok]), method="spearman")
        rows.append({"code": c, "parent": fw.nodes[c].parent, "mean_abs_shift": float(np.nanmean(np.abs(d))),
                     "max_abs_shift": float(np.nanmax(np.abs(d))), "spearman": float(rho)})
    S = pd.DataFrame(shifts, index=T.index)
    S.insert(0, "nominal_rank", base_rank)
    S["mean_abs_shift"] = S[list(shifts)].abs().mean(axis=1)
    return pd.DataFrame(rows).set_index("code"), S
