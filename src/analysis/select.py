"""Pick one cross-section (one year) of a :class:`~analysis.Dataset` or a :class:`~analysis.Result`.

Shared by the audit, weighting, clustering, comparison, scenario and report code: a panel holds several
years; each of these analyses works on one of them (by default the last).
"""

from __future__ import annotations

import pandas as pd

from ._errors import InputError

__all__ = ["DSETS", "cross_section", "units_of", "year_slice", "pick_year"]

#: The indicator tables of a Result, in the order of the method.
DSETS = ("raw", "denominated", "imputed", "treated", "normalised")


def year_slice(df: pd.DataFrame, result, year=None) -> pd.DataFrame:
    """Rows of ``df`` (indexed by uCode and the result's year) for one year, indexed by uCode.

    A cross-sectional result's table is returned unchanged.

    Parameters
    ----------
    df : DataFrame
        A table of ``result`` (indicators, aggregates or units).
    result : Result
    year : optional
        The year, matched as text (``2024`` and ``"2024"`` are the same); default the last.

    Raises
    ------
    InputError
        When ``year`` is not in the table.
    """
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
    ind = year_slice(getattr(result, dset), result, year)[result.framework.indicators]
    if not aggregates:
        return ind
    agg = year_slice(result.aggregates, result, year)
    return pd.concat([ind, agg], axis=1)


def units_of(result, year=None) -> pd.DataFrame:
    """The unit descriptors for one cross-section (indexed by uCode)."""
    u = result.units
    if result.year is not None and isinstance(u.index, pd.MultiIndex):
        u = year_slice(u, result, year)
    return u


def pick_year(ds, year=None):
    """One year of a panel :class:`~analysis.Dataset` (default: the last); a cross-section unchanged.

    Raises
    ------
    InputError
        Naming the data file when ``year`` is not one of its years.
    """
    if ds.year is None:
        return ds
    if year is None:
        return ds.for_year(ds.years[-1])
    match = [y for y in ds.years if str(y) == str(year)]
    if not match:
        raise InputError(f"year {year} is not in the data (years: {ds.years})", file=ds.source)
    return ds.for_year(match[0])
