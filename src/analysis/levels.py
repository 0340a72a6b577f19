"""Ranks, percentiles and maturity levels (bands)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ._errors import InputError

__all__ = ["rank_desc", "ranks", "percentiles", "Bands", "assign_levels", "EDGE_RTOL", "reach"]


def rank_desc(x: np.ndarray) -> np.ndarray:
    """Rank 1 = highest value, ties at the minimum rank, NaN kept missing (as COINr)."""
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = ~np.isnan(x)
    if ok.any():
        out[ok] = rankdata(-x[ok], method="min")
    return out


def _rank_desc_columns(X: np.ndarray) -> np.ndarray:
    """:func:`rank_desc` of every column of a float matrix, the columns sorted together.

    The "min" ranks of :func:`scipy.stats.rankdata` (the rank of a tie group is one plus the number
    of values strictly above it), in closed form from one sort per column (any order within a tie
    group gives the group the same start): the missing values are placed after every value and get
    no rank. With an infinite value the columns are ranked one by one by :func:`rank_desc`.
    """
    nan = np.isnan(X)
    if np.isinf(X).any() or not X.size:
        return np.column_stack([rank_desc(X[:, j]) for j in range(X.shape[1])])
    Y = np.where(nan, np.inf, -X)  # descending; missing last
    order = np.argsort(Y, axis=0)
    S = np.take_along_axis(Y, order, axis=0)
    n = X.shape[0]
    first = np.zeros(S.shape, dtype=np.int64)  # the sorted position where each value's tie group starts
    first[1:] = np.where(S[1:] != S[:-1], np.arange(1, n)[:, None], 0)
    np.maximum.accumulate(first, axis=0, out=first)
    R = np.empty(S.shape)
    np.put_along_axis(R, order, (first + 1).astype(float), axis=0)
    R[nan] = np.nan
    return R


def ranks(scores: pd.DataFrame, by: pd.Series | np.ndarray | None = None) -> pd.DataFrame:
    """Rank every column (1 = best); with ``by``, within each group (e.g. year)."""
    if by is None:
        if scores.shape[1] and all(t == np.float64 for t in scores.dtypes):  # the columns as one matrix
            X = scores.to_numpy()
            R = _rank_desc_columns(X)
            nan = np.isnan(R)
            V = np.where(nan, 0.0, R).astype(np.int64)  # whole ranks: the integers astype("Int64") keeps
            out = pd.DataFrame({j: pd.arrays.IntegerArray(V[:, j], nan[:, j]) for j in range(R.shape[1])},
                               index=scores.index)
            out.columns = scores.columns
            return out
        return scores.apply(lambda s: pd.Series(rank_desc(s.to_numpy()), index=s.index)).astype("Int64")
    return scores.groupby(by, group_keys=False).apply(lambda g: ranks(g)).reindex(scores.index)


def percentiles(scores: pd.DataFrame) -> pd.DataFrame:
    """Percentile of each unit in each column: share of units with a lower or equal score, × 100."""
    def pct(s: pd.Series) -> pd.Series:
        return s.rank(method="max", pct=True) * 100

    if scores.shape[1] and all(t == np.float64 for t in scores.dtypes):  # every column at once, the same ranks
        return scores.rank(method="max", pct=True) * 100
    return scores.apply(pct)


#: Relative tolerance below a band edge within which a score counts as on the edge (see :class:`Bands`).
EDGE_RTOL = 1e-9


def reach(scores):
    """``scores`` raised by :data:`EDGE_RTOL` (relative, at least absolute for |s| < 1) for comparing
    with band edges: ``reach(s) >= edge`` means ``s`` reached the edge up to floating-point rounding."""
    s = np.asarray(scores, dtype=float)
    return s + EDGE_RTOL * np.maximum(1.0, np.abs(s))


class Bands:
    """Maturity levels from score thresholds.

    ``bands`` are the lower edges of every level but the first: with ``bands = [b1, …, bm]`` and
    ``m + 1`` labels, a score below ``b1`` gets ``labels[0]`` and a score ``s ≥ bm`` gets the last
    label; a score exactly on an edge belongs to the upper level (e.g. SPBE: 4.2 is "Memuaskan").
    A score less than :data:`EDGE_RTOL` (relative) below an edge counts as on it: an official index
    computed as nested weighted means can land one floating-point rounding error below the value
    of the regulation's flat formula (SPBE: 4.199999999999999 for an exact 21/5), and must get the
    same predicate.

    Parameters
    ----------
    bands : list of float
        Strictly increasing thresholds.
    labels : list of str
        ``len(bands) + 1`` level names.
    on : str, optional
        Column the levels are taken from (default: the index).
    """

    def __init__(self, bands, labels, on: str | None = None, names_id=None):
        bands = [float(b) for b in bands]
        labels = [str(label) for label in labels]
        if any(b2 <= b1 for b1, b2 in zip(bands, bands[1:])):
            raise InputError(f"level bands must increase strictly, got {bands}")
        if len(labels) != len(bands) + 1:
            raise InputError(f"{len(bands)} band edges need {len(bands) + 1} labels, got {len(labels)}")
        self.bands, self.labels, self.on = bands, labels, on
        self.names_id = list(names_id) if names_id else None

    @classmethod
    def from_spec(cls, spec: dict | None) -> Bands | None:
        if not spec:
            return None
        if "bands" not in spec or "labels" not in spec:
            raise InputError("levels need 'bands' and 'labels'")
        return cls(spec["bands"], spec["labels"], spec.get("on"), spec.get("labels_id"))

    def index_of(self, scores: np.ndarray) -> np.ndarray:
        """Level number 0…m of each score (−1 where missing)."""
        s = np.asarray(scores, dtype=float)
        idx = np.searchsorted(np.asarray(self.bands), reach(s), side="right")
        return np.where(np.isnan(s), -1, idx)

    def assign(self, scores) -> pd.Series | np.ndarray:
        idx = self.index_of(np.asarray(scores, dtype=float))
        lab = np.array(self.labels + [None], dtype=object)
        out = lab[idx]
        if isinstance(scores, pd.Series):
            return pd.Series(out, index=scores.index, name=scores.name)
        return out

    def to_dict(self) -> dict:
        d = {"bands": self.bands, "labels": self.labels}
        if self.on:
            d["on"] = self.on
        return d


def assign_levels(scores: pd.Series, bands: Bands) -> pd.Series:
    """Maturity level label of each unit."""
    return bands.assign(scores)
