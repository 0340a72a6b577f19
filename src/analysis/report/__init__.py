"""Methodology reports: the steps behind the notebooks, the ``maturasi run`` runner, and rendering."""

from __future__ import annotations

from .._errors import InputError

__all__ = ["_pick_year"]


def _pick_year(ds, year):
    """One year of a panel Dataset (default: the last); a cross-section is returned unchanged."""
    if ds.year is None:
        return ds
    if year is None:
        return ds.for_year(ds.years[-1])
    match = [y for y in ds.years if str(y) == str(year)]
    if not match:
        raise InputError(f"year {year} is not in the data (years: {ds.years})", file=ds.source)
    return ds.for_year(match[0])
