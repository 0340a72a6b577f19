"""Data availability and distribution statistics with outlier flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..select import cross_section, units_of
from ..treat import kurtosis, skewness

__all__ = ["availability", "indicator_stats"]


def availability(result, *, year=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share of indicators available per unit (overall and per top-level dimension) and per indicator.

    Returns
    -------
    per_unit : DataFrame
        ``available`` (share of all indicators) and one column per dimension under the index.
    per_indicator : DataFrame
        ``n``, ``missing``, ``available`` (share of units).
    """
    fw = result.framework
    raw = cross_section(result, "raw", year, aggregates=False)
    ok = raw.notna()
    per_unit = pd.DataFrame({"available": ok.mean(axis=1)})
    for d in fw.children(fw.root):
        per_unit[d] = ok[fw.indicators_under(d)].mean(axis=1)
    u = units_of(result, year)
    if "uName" in u.columns:
        per_unit.insert(0, "uName", u["uName"].reindex(per_unit.index))
    per_ind = pd.DataFrame({"n": ok.sum(), "missing": (~ok).sum(), "available": ok.mean()})
    per_ind.index.name = "iCode"
    return per_unit, per_ind


def indicator_stats(result, *, dset: str = "raw", year=None, skew: float = 2.0, kurt: float = 3.5) -> pd.DataFrame:
    """Descriptive statistics per indicator with COINr's outlier flag (|skew| > 2 and kurtosis > 3.5).

    Skewness and kurtosis are the sample-adjusted (type 2) estimators used by COINr's ``Treat``.
    """
    X = cross_section(result, dset, year, aggregates=False)
    rows = []
    for c in X.columns:
        x = X[c].to_numpy(float)
        x = x[~np.isnan(x)]
        sk = skewness(x) if len(x) > 2 else np.nan
        ku = kurtosis(x) if len(x) > 3 else np.nan
        rows.append({"iCode": c, "n": len(x), "mean": x.mean() if len(x) else np.nan,
                     "sd": x.std(ddof=1) if len(x) > 1 else np.nan, "min": x.min() if len(x) else np.nan,
                     "median": np.median(x) if len(x) else np.nan, "max": x.max() if len(x) else np.nan,
                     "skew": sk, "kurtosis": ku, "outlier_flag": bool(abs(sk) > skew and ku > kurt)})
    out = pd.DataFrame(rows).set_index("iCode")
    tr = result.treatment
    if isinstance(tr, pd.DataFrame) and len(tr.columns):
        t = tr
        if result.year is not None and isinstance(t.index, pd.MultiIndex):
            yrs = list(dict.fromkeys(t.index.get_level_values(0)))
            t = t.xs(yrs[-1] if year is None else next(y for y in yrs if str(y) == str(year)), level=0)
        for col in ("n_winsorised", "fallback", "pass_treated"):
            if col in t.columns:
                out[f"treat_{col}"] = t[col].reindex(out.index)
    return out
