"""Indicators copied into one another in some years only: a data-quality check of a panel.

Two distinct indicators can be strongly related, but an exact copy — the same value for every unit,
or a correlation of exactly ±1 — in one year while they differ in the other years is almost always a
processing error: a column filled from its neighbour in one year's export. The published IDM of
2024 has one (``IKS_31``, residents' internet access, is a copy of ``IKS_30``, internet at the village
office, in every 2024 row, while the two agree in 65–72 % of rows in 2021–2023), and the published
2024 sub-index was computed from the true values, so the shown scores no longer add up.

:func:`year_duplicates` finds such pairs; :func:`duplicate_notes` words them for the audit's flags.
A pair that is identical in every year is not flagged here (it is a redundant indicator; the
correlation audit, :func:`analysis.audit.within_groups`, flags near-duplicates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["year_duplicates", "duplicate_notes"]


def _pairs(x: np.ndarray, *, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share of units with equal values, the correlation, and the units present, of every column pair."""
    p = x.shape[1]
    ok = ~np.isnan(x)
    okf = ok.astype(float)
    n = (okf.T @ okf).astype(int)
    share = np.full((p, p), np.nan)
    for i in range(p):  # one column against all: memory units × indicators, not × indicators²
        eq = (np.abs(x[:, i:i + 1] - x) <= tol) & ok[:, i:i + 1] & ok
        share[i] = np.where(n[i] > 0, eq.sum(axis=0) / np.maximum(n[i], 1), np.nan)
    r = pd.DataFrame(x).corr(min_periods=2).to_numpy()
    return share, r, n


def year_duplicates(values: pd.DataFrame, year: str | None, *, min_units: int = 20,
                    tol: float = 1e-12) -> pd.DataFrame:
    """Pairs of indicators that are identical (or correlated ±1) in some years but not in others.

    Parameters
    ----------
    values : DataFrame
        Indicator values, indexed by ``(uCode, year)`` for a panel (``Result.raw``).
    year : str or None
        Name of the year level; None for a cross-section (nothing can be compared: empty result).
    min_units : int
        Years with fewer units present for the pair are not judged (a few units can agree by chance).
    tol : float
        Values within ``tol`` are equal; ``|r| ≥ 1 − tol`` is a correlation of 1.

    Returns
    -------
    DataFrame
        One row per flagged pair: ``var1``, ``var2``, ``years_copy`` (the years where they are
        identical or perfectly correlated), ``years_other``, ``kind`` (``identical`` or
        ``correlation ±1``), ``units_copy`` and ``equal_share_other`` (range of the share of units
        with equal values in the other years).

    Examples
    --------
    >>> idx = pd.MultiIndex.from_product([[f"u{i}" for i in range(30)], [2023, 2024]], names=["uCode", "tahun"])
    >>> a = np.arange(60) % 5.0
    >>> b = np.where(idx.get_level_values("tahun") == 2024, a, (a + 1) % 5)
    >>> year_duplicates(pd.DataFrame({"A": a, "B": b}, index=idx), "tahun")[["var1", "var2", "years_copy", "kind"]]
      var1 var2 years_copy       kind
    0    A    B       2024  identical
    """
    cols = ["var1", "var2", "years_copy", "years_other", "kind", "units_copy", "equal_share_other"]
    if year is None or values.shape[1] < 2:
        return pd.DataFrame(columns=cols)
    codes = list(values.columns)
    years = sorted(values.index.get_level_values(year).unique())
    if len(years) < 2:
        return pd.DataFrame(columns=cols)
    per_year = {}
    ylev = values.index.get_level_values(year)
    for y in years:
        x = values[ylev == y].to_numpy(dtype=float)
        per_year[y] = _pairs(x, tol=tol)
    rows = []
    iu, ju = np.triu_indices(len(codes), k=1)
    for i, j in zip(iu, ju):
        copy, other, kinds, units, shares = [], [], set(), [], []
        for y in years:
            share, r, n = per_year[y]
            if n[i, j] < min_units:
                continue
            ident = share[i, j] == 1.0
            perfect = np.isfinite(r[i, j]) and abs(r[i, j]) >= 1 - tol
            if ident or perfect:
                copy.append(y)
                kinds.add("identical" if ident else "correlation ±1")
                units.append(int(n[i, j]))
            else:
                other.append(y)
                shares.append(float(share[i, j]))
        if copy and other:
            rows.append({"var1": codes[i], "var2": codes[j], "years_copy": ", ".join(map(str, copy)),
                         "years_other": ", ".join(map(str, other)),
                         "kind": "identical" if kinds == {"identical"} else "correlation ±1",
                         "units_copy": min(units),
                         "equal_share_other": f"{min(shares):.0%}–{max(shares):.0%}" if len(shares) > 1
                         else f"{shares[0]:.0%}"})
    return pd.DataFrame(rows, columns=cols)


def duplicate_notes(result, **kwargs) -> list[str]:
    """One warning per pair of :func:`year_duplicates` on a build's raw values.

    Examples of the wording: ``IKS_30 and IKS_31 are identical in 2024 (all 2498 units) but not in
    2021, 2022, 2023 (equal for 65%–72% of units): one looks copied into the other — check the
    source data of 2024``.
    """
    df = year_duplicates(result.raw, result.year, **kwargs)
    out = []
    for _, r in df.iterrows():
        kind = "identical" if r["kind"] == "identical" else "perfectly correlated"
        out.append(f"{r['var1']} and {r['var2']} are {kind} in {r['years_copy']} (all {r['units_copy']} units) "
                   f"but not in {r['years_other']} (equal for "
                   f"{r['equal_share_other']} of units): one looks copied into the other — check the source data "
                   f"of {r['years_copy']}")
    return out
