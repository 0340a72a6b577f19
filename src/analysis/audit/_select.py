"""Pick one cross-section of a Result as one units × codes table."""

from __future__ import annotations

import pandas as pd

from .._errors import InputError

__all__ = ["cross_section"]

DSETS = ("raw", "denominated", "imputed", "treated", "normalised")


def _year_slice(df: pd.DataFrame, result, year):
    if result.year is None:
        return df
    years = list(dict.fromkeys(df.index.get_level_values(result.year)))
    if year is None:
        year = years[-1]
    match = [y for y in years if str(y) == str(year)]
    if not match:
        raise InputError(f"year {year} is not in the result (years: {years})")
    return df.xs(match[0], level=result.year)


def cross_section(result, dset: str = "normalised", year=None, *, aggregates: bool = True) -> pd.DataFrame:
    """Indicators from ``dset`` and (optionally) every aggregate, for one year, indexed by uCode.

    Parameters
    ----------
    result : Result
    dset : {"raw", "denominated", "imputed", "treated", "normalised"}
        Which indicator table.
    year : optional
        For a panel, the year (default: the last).
    aggregates : bool
        Append the aggregate scores (and the index).
    """
    if dset not in DSETS:
        raise InputError(f"unknown data set '{dset}' (use one of {', '.join(DSETS)})")
    ind = _year_slice(getattr(result, dset), result, year)[result.framework.indicators]
    if not aggregates:
        return ind
    agg = _year_slice(result.aggregates, result, year)
    return pd.concat([ind, agg], axis=1)


def units_of(result, year=None) -> pd.DataFrame:
    """The unit descriptors for one cross-section (indexed by uCode)."""
    u = result.units
    if result.year is not None and isinstance(u.index, pd.MultiIndex):
        u = _year_slice(u, result, year)
    return u
