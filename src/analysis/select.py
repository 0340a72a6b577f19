"""Pick one cross-section (one year) of a :class:`~analysis.Dataset` or a :class:`~analysis.Result`.

Shared by the audit, weighting, clustering, comparison, scenario and report code: a panel holds several
years; each of these analyses works on one of them (by default the last).
"""

from __future__ import annotations

import pandas as pd

from ._errors import InputError
from .units import REFERENCE_DIR, unit_kind

__all__ = ["DSETS", "cross_section", "units_of", "year_slice", "pick_year", "ascn_table", "with_ascn", "ascn_pilots"]

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


# --- ASEAN Smart Cities Network ---------------------------------------------------------------

def ascn_table(reference_dir=REFERENCE_DIR) -> pd.DataFrame:
    """The Indonesian members of the ASEAN Smart Cities Network, indexed by uCode.

    From ``data/reference/ascn.csv`` (sources in ``data/reference/README.md``): ``uName``,
    ``ascn_pilot`` (year joined: 2018 for DKI Jakarta — the province and its five administrative
    cities —, Makassar and Banyuwangi; 2024 for Sumedang), ``ascn_name``, ``covers``, ``source``.
    ASCN publishes no score or ranking: membership is an attribute to filter on, not a benchmark.
    """
    from pathlib import Path

    path = Path(reference_dir) / "ascn.csv"
    if not path.is_file():
        raise InputError("reference table not found (it ships in data/reference/)", file=path)
    t = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("uCode")
    t["ascn_pilot"] = t["ascn_pilot"].astype(int)
    return t


def _codes(table: pd.DataFrame) -> pd.Series:
    if "uCode" in table.columns:
        return table["uCode"].astype(str)
    names = list(table.index.names)
    if "uCode" not in names:
        raise InputError("the table has no 'uCode' column or index level")
    return pd.Series(table.index.get_level_values("uCode").astype(str), index=table.index)


def with_ascn(table: pd.DataFrame, *, reference_dir=REFERENCE_DIR) -> pd.DataFrame:
    """A copy of ``table`` with the column ``ascn_pilot``: the year the unit joined ASCN, empty otherwise.

    Units are matched on ``uCode`` (a column or an index level). A table whose codes include no
    Kemendagri code (COINr's ASEM countries) is returned unchanged, as is one that already has an
    ``ascn_pilot`` column.

    Examples
    --------
    >>> t = pd.DataFrame({"INDEX": [61.0, 55.0]}, index=pd.Index(["73.71", "73.01"], name="uCode"))
    >>> with_ascn(t)["ascn_pilot"].tolist()
    [2018, <NA>]
    """
    if "ascn_pilot" in table.columns:
        return table.copy()
    codes = _codes(table)
    if not any(unit_kind(c) for c in codes.unique()):
        return table.copy()
    year = ascn_table(reference_dir)["ascn_pilot"]
    out = table.copy()
    out["ascn_pilot"] = pd.array(codes.map(year).to_numpy(dtype=object), dtype="Int64")
    return out


def ascn_pilots(table: pd.DataFrame, as_of: int | None = None, *, reference_dir=REFERENCE_DIR) -> pd.DataFrame:
    """The rows of ``table`` for ASCN members (joined in ``as_of`` or before, when given).

    Parameters
    ----------
    table : DataFrame
        Indexed by uCode (or ``(uCode, year)``), or with a ``uCode`` column; an ``ascn_pilot``
        column is added when absent (:func:`with_ascn`).
    as_of : int, optional
        Keep only units that had joined by this year (``as_of=2023`` leaves Sumedang out).

    Examples
    --------
    >>> t = pd.DataFrame({"INDEX": [61.0, 55.0, 70.0]},
    ...                  index=pd.Index(["73.71", "73.01", "32.11"], name="uCode"))
    >>> ascn_pilots(t).index.tolist(), ascn_pilots(t, as_of=2023).index.tolist()
    (['73.71', '32.11'], ['73.71'])
    """
    t = with_ascn(table, reference_dir=reference_dir)
    if "ascn_pilot" not in t.columns:
        return t.iloc[:0]
    joined = t["ascn_pilot"]
    keep = joined.notna() if as_of is None else joined.notna() & (joined <= int(as_of))
    return t[keep.fillna(False).astype(bool)]
