"""Run an index under several named weight sets and compare scores, ranks and weights.

A weight set is either a weight vector (node → weight within its parent; it is re-aggregated from
the result's normalised data with the result's aggregation spec) or a score vector indexed by
unit (e.g. benefit-of-the-doubt scores, which come with unit-specific weights).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import InputError
from .aggregate import aggregate
from .levels import Bands, rank_desc
from .select import cross_section, units_of
from .weights import normalise_within

__all__ = ["WeightComparison", "compare_weight_sets"]


@dataclass
class WeightComparison:
    """Scores and ranks of every unit under every weight set.

    Attributes
    ----------
    tidy : DataFrame
        Long table: ``uCode, set, score, rank, level, rank_shift`` (rank minus the reference's
        rank; positive = the unit falls).
    scores, ranks : DataFrame
        Units × sets.
    weights : DataFrame
        Nodes × sets (within-parent weights; empty columns for score-only sets).
    summary : DataFrame
        Per set: Spearman correlation with the reference, mean and max absolute rank shift, units
        moving more than 10 places, units changing level.
    reference : str
    """

    tidy: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: pd.DataFrame
    summary: pd.DataFrame
    reference: str


def compare_weight_sets(result, sets: dict, *, reference: str | None = None, year=None,
                        include_nominal: bool = True) -> WeightComparison:
    """Compute the index under each weight set and compare with a reference set.

    Parameters
    ----------
    result : Result
        The nominal build (its normalised data and aggregation spec are reused).
    sets : dict
        Name → weight Series/dict (codes of framework nodes) or score Series (indexed by uCode).
    reference : str, optional
        Name of the reference set (default ``"nominal"`` when included, else the first set).
    include_nominal : bool
        Add the result's own weights as set ``"nominal"``.

    Returns
    -------
    WeightComparison
    """
    fw = result.framework
    T = cross_section(result, "normalised", year, aggregates=False)
    units = units_of(result, year)
    agg_spec = result.spec.get("aggregate") or {}
    all_sets = {}
    if include_nominal:
        all_sets["nominal"] = result.weights
    all_sets.update(sets)
    if reference is None:
        reference = next(iter(all_sets))
    if reference not in all_sets:
        raise InputError(f"reference set '{reference}' is not among {list(all_sets)}")
    node_codes = set(fw.nodes)
    scores, weights, score_only = {}, {}, set()
    for name, s in all_sets.items():
        s = pd.Series(s)
        if len(s) and set(map(str, s.index)) <= node_codes:
            w = normalise_within(fw, s.astype(float))
            scores[name] = aggregate(T, fw, agg_spec, w)[fw.root]
            weights[name] = w
        elif len(s) and set(s.index) <= set(T.index):
            scores[name] = s.reindex(T.index).astype(float)
            score_only.add(name)
            weights[name] = pd.Series(np.nan, index=fw.weights().index)
        else:
            bad = [c for c in s.index if c not in node_codes and c not in T.index][:1]
            raise InputError(f"weight set '{name}' is neither node weights nor unit scores "
                             f"(e.g. '{bad[0] if bad else '?'}' is not a node or a unit)")
    S = pd.DataFrame(scores, index=T.index)
    R = S.apply(lambda c: pd.Series(rank_desc(c.to_numpy()), index=S.index))
    bands = Bands.from_spec(result.spec.get("levels"))
    L = None
    if bands is not None and (bands.on in (None, fw.root)):
        # levels only where the score is on the index's scale (not for score-only sets such as BoD)
        L = pd.DataFrame({n: bands.assign(S[n]) if n not in score_only else pd.Series(None, index=S.index,
                                                                                          dtype=object)
                          for n in S.columns}, index=S.index)
    shift = R.sub(R[reference], axis=0)
    tidy = pd.DataFrame({"score": S.stack(), "rank": R.stack(), "rank_shift": shift.stack()})
    tidy.index.names = ["uCode", "set"]
    if L is not None:
        tidy["level"] = L.stack().reindex(tidy.index)
    tidy = tidy.reset_index()
    if "uName" in units.columns:
        tidy.insert(1, "uName", units["uName"].reindex(tidy["uCode"]).to_numpy())
    rows = []
    for n in S.columns:
        ok = S[n].notna() & S[reference].notna()
        rows.append({"set": n, "spearman": float(S.loc[ok, n].corr(S.loc[ok, reference], method="spearman")),
                     "mean_abs_shift": float(shift[n].abs().mean()), "max_abs_shift": float(shift[n].abs().max()),
                     "moved_gt_10": int((shift[n].abs() > 10).sum()),
                     "level_changes": int((L[n] != L[reference]).sum())
                     if L is not None and n not in score_only else np.nan})
    return WeightComparison(tidy, S, R, pd.DataFrame(weights), pd.DataFrame(rows).set_index("set"), reference)


def compare_years(result, y0, y1) -> pd.DataFrame:
    """Year-over-year comparison of a panel result: scores, ranks and levels in ``y0`` and ``y1``.

    Returns one row per unit with ``score_<y>``, ``rank_<y>``, ``level_<y>`` (when bands are given),
    the score change, the rank change (positive = moved up) and every aggregate's change.
    """
    if result.year is None:
        raise InputError("year-over-year comparison needs panel data")
    fw = result.framework
    root = fw.root
    yrs = list(dict.fromkeys(result.aggregates.index.get_level_values(result.year)))
    pick = {}
    for y in (y0, y1):
        m = [v for v in yrs if str(v) == str(y)]
        if not m:
            raise InputError(f"year {y} is not in the result (years: {yrs})")
        pick[y] = m[0]
    A0 = result.aggregates.xs(pick[y0], level=result.year)
    A1 = result.aggregates.xs(pick[y1], level=result.year).reindex(A0.index)
    out = pd.DataFrame(index=A0.index)
    units = units_of(result, pick[y1])
    if "uName" in units.columns:
        out["uName"] = units["uName"].reindex(out.index)
    out[f"score_{y0}"], out[f"score_{y1}"] = A0[root], A1[root]
    out[f"rank_{y0}"], out[f"rank_{y1}"] = rank_desc(A0[root].to_numpy()), rank_desc(A1[root].to_numpy())
    out["score_change"] = out[f"score_{y1}"] - out[f"score_{y0}"]
    out["rank_change"] = out[f"rank_{y0}"] - out[f"rank_{y1}"]
    bands = Bands.from_spec(result.spec.get("levels"))
    if bands is not None:
        out[f"level_{y0}"] = bands.assign(A0[root].to_numpy())
        out[f"level_{y1}"] = bands.assign(A1[root].to_numpy())
    for c in A0.columns:
        if c != root:
            out[f"Δ{c}"] = A1[c] - A0[c]
    return out
