"""Statistical audit of a composite index (OECD/JRC Handbook 2008; JRC audits).

- :mod:`.correlations` — within-group correlation matrices with flags, correlations with parents/index
- :mod:`.reliability` — Cronbach's alpha and first-PC share per group
- :mod:`.importance` — correlation ratios (nonlinear main effects) against nominal weights
- :mod:`.describe` — availability, distributions and outlier flags
- :mod:`.loo` — leave-one-out rank shifts

:func:`audit` runs them all on one cross-section and returns an :class:`Audit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..select import cross_section, units_of
from .correlations import corr_matrix, with_parents, within_groups
from .describe import availability, indicator_stats
from .duplicates import duplicate_notes
from .importance import correlation_ratio, importance
from .loo import leave_one_out
from .reliability import cronbach_alpha, group_reliability

__all__ = ["Audit", "audit", "cross_section", "units_of", "corr_matrix", "with_parents", "within_groups",
           "availability", "indicator_stats", "correlation_ratio", "importance", "leave_one_out",
           "cronbach_alpha", "group_reliability"]


@dataclass
class Audit:
    """Every audit table for one cross-section of an index."""

    within_groups: pd.DataFrame
    with_parents: pd.DataFrame
    with_parents_spearman: pd.DataFrame
    reliability: pd.DataFrame
    importance: pd.DataFrame
    availability_units: pd.DataFrame
    availability_indicators: pd.DataFrame
    indicator_stats: pd.DataFrame
    loo_summary: pd.DataFrame
    loo_shifts: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, pd.DataFrame)}

    def flags(self) -> pd.DataFrame:
        """Pairs flagged within groups (negative or near-duplicate)."""
        w = self.within_groups
        return w[w["negative"] | w["near_duplicate"]]


def audit(result, *, year=None, dset: str = "normalised", smoother: str = "spline", n_boot: int = 100,
          seed: int = 0, loo_level: int | None = None) -> Audit:
    """Run the whole statistical audit on one cross-section of ``result``.

    Parameters
    ----------
    year : optional
        For panels (default: the last year).
    smoother : str
        For the correlation ratios (:func:`importance`).
    n_boot : int
        Bootstrap resamples for the correlation-ratio intervals.
    loo_level : int, optional
        Level for leave-one-out (default: the dimensions just below the index).
    """
    fw = result.framework
    lvl = loo_level if loo_level is not None else fw.nodes[fw.children(fw.root)[0]].level
    pu, pi = availability(result, year=year)
    loo_s, loo_d = leave_one_out(result, level=lvl, dset=dset, year=year)
    lowest = min(fw.levels)
    a = Audit(
        within_groups=within_groups(result, level=lowest, dset=dset, year=year),
        with_parents=with_parents(result, dset=dset, year=year),
        with_parents_spearman=with_parents(result, method="spearman", dset=dset, year=year),
        reliability=group_reliability(result, dset=dset, year=year),
        importance=importance(result, smoother=smoother, n_boot=n_boot, seed=seed, dset=dset, year=year),
        availability_units=pu, availability_indicators=pi,
        indicator_stats=indicator_stats(result, year=year),
        loo_summary=loo_s, loo_shifts=loo_d,
    )
    fl = a.flags()
    for _, r in fl.iterrows():
        kind = "negatively correlated" if r["negative"] else "near-duplicates"
        a.notes.append(f"{r['var1']} and {r['var2']} in {r['group']} are {kind} (r = {r['r']:.2f})")
    a.notes[:0] = duplicate_notes(result)  # an indicator copied into another in some years only: first
    neg = a.with_parents[a.with_parents["r_parent"] < 0]
    for c, r in neg.iterrows():
        a.notes.append(f"{c} correlates negatively with its parent {r['parent']} (r = {r['r_parent']:.2f})")
    return a
