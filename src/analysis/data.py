"""Reading and checking the unit × indicator table.

Wide tables have one row per unit (and per year in a panel), a key column ``uCode``, an optional
``uName``, group columns (province, kab/kota type, island…), denominator columns and one column per
indicator: COINr's ``iData`` layout loads as is. Long tables have ``uCode, iCode, value[, year]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError
from .framework import Framework
from .tables import read_table, to_numbers
from .units import check_kinds, normalise_codes

__all__ = ["Dataset", "read_table", "load_data", "YEAR_COLUMNS"]

YEAR_COLUMNS = ("Time", "year", "Year", "tahun")


@dataclass
class Dataset:
    """Indicator data with unit metadata.

    Attributes
    ----------
    values : DataFrame
        Numeric indicator (and denominator) values, indexed by ``uCode`` (or ``(uCode, year)``).
    units : DataFrame
        Non-indicator columns (``uName``, groups), indexed like ``values``.
    year : str or None
        Name of the year column when the data is a panel.
    source : str or None
        File the data came from.
    """

    values: pd.DataFrame
    units: pd.DataFrame
    year: str | None = None
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list:
        if self.year is None:
            return []
        return sorted(self.values.index.get_level_values(self.year).unique())

    def for_year(self, year) -> Dataset:
        """The cross-section of one year (index ``uCode`` only)."""
        if self.year is None:
            return self
        sel = self.values.index.get_level_values(self.year) == year
        v = self.values[sel].droplevel(self.year)
        u = self.units[sel].droplevel(self.year)
        return Dataset(v, u, None, self.source, list(self.notes))


def _to_numeric(df: pd.DataFrame, cols: list[str], file, rows: list[int] | None = None) -> pd.DataFrame:
    """Convert columns to finite floats; empty and NA cells are missing, anything else non-numeric
    (text, booleans, ``inf``, ``1e400``) is an error naming row and column."""
    return to_numbers(df, cols, file=file, rows=rows)


def load_data(source: str | Path | pd.DataFrame, framework: Framework, *,
              year_column: str | None = None, require_all: bool = True) -> Dataset:
    """Read and validate a data table against a framework.

    Parameters
    ----------
    source : path or DataFrame
        Wide or long table (see module docstring).
    framework : Framework
        Gives the indicator codes and the denominator columns that must be present.
    year_column : str, optional
        Name of the year column; by default the first of ``Time, year, Year, tahun`` found.
        A column with a single value is not treated as a panel.
    require_all : bool
        If True (default), every framework indicator must be present in the data.

    Returns
    -------
    Dataset

    Raises
    ------
    InputError
        Duplicated unit codes, non-numeric cells, unknown or missing indicators,
        an indicator with no data at all, a unit of a kind the framework does not apply to
        (:func:`analysis.units.check_kinds`).
    """
    file = None if isinstance(source, pd.DataFrame) else str(source)
    if file is not None and year_column is None:
        fast = _load_clean_csv(Path(source), framework, require_all)
        if fast is not None:
            return fast
    df = source.copy() if isinstance(source, pd.DataFrame) else read_table(source, what="data")
    rows = df.attrs.get("source_rows") or [i + 2 for i in range(len(df))]
    df = df.reset_index(drop=True)
    df.columns = [str(c).strip() for c in df.columns]
    if "uCode" not in df.columns:
        aliases = {k: v for k, v in (framework.meta.get("code_columns") or {}).items() if k in df.columns}
        if not any(v == "uCode" for v in aliases.values()):
            alias = [k for k, v in (framework.meta.get("code_columns") or {}).items() if v == "uCode"]
            raise InputError("no 'uCode' column (the unit code key)"
                             + (f" and no '{alias[0]}' column (the official export's code column)" if alias else ""),
                             file=file)
        df = df.rename(columns=aliases)   # the official export's own column names (e.g. IDM's kode_desa)
    if df["uCode"].isna().any():
        i = int(np.flatnonzero(df["uCode"].isna().to_numpy())[0])
        raise InputError("empty unit code", file=file, row=rows[i], column="uCode")
    df["uCode"] = normalise_codes(df["uCode"].astype(str))  # 1101022001 → 11.01.02.2001
    check_kinds(df["uCode"], framework.applies_to, file=file, rows=rows, framework=framework.name)

    if {"iCode", "value"} <= set(df.columns):
        df = _long_to_wide(df, framework, file, year_column, rows)
        rows = None

    year = year_column
    if year is None:
        for c in YEAR_COLUMNS:
            # a year column with several years is a panel; one with a year and an empty cell is a
            # damaged panel (refused by _years naming the cell), never a cross-section with a blank year
            if c in df.columns and (df[c].nunique(dropna=True) > 1
                                    or (df[c].notna().any() and df[c].isna().any())):
                year = c
                break
    elif year not in df.columns:
        raise InputError(f"year column '{year}' not found", file=file)

    if year:
        df[year] = _years(df[year], file=file, rows=rows)
    key = ["uCode"] + ([year] if year else [])
    dup = df.duplicated(key, keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        what = f"duplicated unit code '{df['uCode'].iloc[i]}'" + (
            f" for {year} {df[year].iloc[i]}" if year else "")
        raise InputError(what, file=file, row=rows[i] if rows else None, column="uCode")

    inds = framework.indicators
    columns = set(df.columns.tolist())  # membership checked once per name, not through the Index
    missing = [c for c in inds if c not in columns]
    if missing and require_all:
        raise InputError(f"indicator(s) in the framework but not in the data: {', '.join(missing[:10])}"
                         + (" …" if len(missing) > 10 else ""), file=file, column=missing[0])
    present = [c for c in inds if c in columns]
    denoms = sorted({framework.nodes[c].denominator for c in inds if framework.nodes[c].denominator})
    for d in denoms:
        if d not in columns:
            raise InputError(f"denominator column '{d}' (used by "
                             f"{[c for c in inds if framework.nodes[c].denominator == d][0]}) is not in the data",
                             file=file, column=d)
    unit_meta = framework.meta.get("unit_columns", {})
    declared_denoms = set(unit_meta.get("Denominator", []))
    num_cols = present + [d for d in denoms if d not in present]
    taken_num = set(num_cols)
    other_num = [c for c in df.columns if c in declared_denoms and c not in taken_num]
    num = _to_numeric(df, num_cols + other_num, file, rows)
    empty = dict(zip(num.columns, np.isnan(num.to_numpy(dtype=float)).all(axis=0))) if _unique(num.columns) \
        else {c: num[c].isna().all() for c in present}
    for c in present:
        if empty[c]:
            raise InputError("indicator has no data at all (every value missing)", file=file, column=c)
    index = pd.MultiIndex.from_frame(df[key]) if year else pd.Index(df["uCode"], name="uCode")
    values = num.set_axis(index)
    taken = set(num.columns) | set(key)
    unit_cols = [c for c in df.columns if c not in taken]
    units = df[unit_cols].set_axis(index)
    # unknown numeric columns are reported but kept as unit metadata
    notes = []
    # a column named like an aggregate of the framework (a published sub-index such as IDM's IKS) is
    # unit data here, renamed so that the computed aggregate never overwrites it in the results
    clash = [c for c in unit_cols if c in framework.nodes]
    taken = [c for c in clash if f"{c}_data" in unit_cols]
    if taken:  # the new name is a column too: two unit columns would share it
        raise InputError(f"column '{taken[0]}' is named like an aggregate of the framework and is kept as "
                         f"'{taken[0]}_data', but the data have a column '{taken[0]}_data' too: rename one",
                         file=file, column=taken[0])
    if clash:
        units = units.rename(columns={c: f"{c}_data" for c in clash})
        unit_cols = [f"{c}_data" if c in clash else c for c in unit_cols]
        df = df.rename(columns={c: f"{c}_data" for c in clash})
        notes.append("columns named like aggregates of the framework kept as unit data under new names: "
                     + ", ".join(f"{c} → {c}_data" for c in clash))
    declared = set().union(*unit_meta.values()) if unit_meta else set()
    numeric = dict(zip(df.columns, map(pd.api.types.is_numeric_dtype, df.dtypes))) if _unique(df.columns) \
        else {c: pd.api.types.is_numeric_dtype(df[c]) for c in unit_cols}
    extra_numeric = [c for c in unit_cols if numeric[c] and c not in YEAR_COLUMNS and c not in declared]
    if extra_numeric:
        notes.append("numeric columns not in the framework kept as unit data: " + ", ".join(extra_numeric))
    return Dataset(values, units, year, file, notes)


def _load_clean_csv(path: Path, framework: Framework, require_all: bool) -> Dataset | None:
    """:func:`load_data` of a clean wide CSV cross-section, from the reader's typed columns
    (``analysis.tables._read_clean_columns``) without the intermediate table; None for anything else —
    another kind of file, a long table, a panel (or a year column that is not one whole number), an
    official export's code column, a cell that is not a finite number in a number column, and every
    table :func:`load_data` refuses — and :func:`load_data` reads the file and words the refusal.

    The same steps on the same typed columns: codes normalised and checked for kind, no duplicate,
    the indicator and denominator columns as one float matrix (as :func:`~analysis.tables.to_numbers`
    makes it), every other column unit data, with the same notes.
    ``tests/test_replay_speed_equivalence.py`` checks both give the same Dataset.
    """
    from . import tables
    from .units import check_kinds, normalise_codes

    table = tables._read_clean_columns(path, "data")
    if table is None:
        return None
    names, columns = table
    cols = dict(zip(names, columns))
    n = len(columns[0])
    codes = cols.get("uCode")
    if not isinstance(codes, list) or "iCode" in cols and "value" in cols:
        return None
    if not all(type(c) is str for c in codes):  # an empty code (NaN)
        return None
    codes = normalise_codes(codes)
    lines = list(range(2, n + 2))
    try:
        check_kinds(codes, framework.applies_to, file=str(path), rows=lines, framework=framework.name)
    except InputError:
        return None
    for c in YEAR_COLUMNS:  # a cross-section: a year column, if any, holds one whole number
        if c in cols:
            y = cols[c]
            if not (isinstance(y, np.ndarray) and y.dtype == np.int64 and y.min() == y.max()):
                return None
    if len(set(codes)) != n:
        return None
    inds = framework.indicators
    present = [c for c in inds if c in cols]
    if require_all and len(present) != len(inds):
        return None
    denoms = sorted({framework.nodes[c].denominator for c in inds if framework.nodes[c].denominator})
    if any(d not in cols for d in denoms):
        return None
    unit_meta = framework.meta.get("unit_columns", {})
    declared_denoms = set(unit_meta.get("Denominator", []))
    num_cols = present + [d for d in denoms if d not in present]
    taken_num = set(num_cols)
    num_cols += [c for c in names if c in declared_denoms and c not in taken_num]
    if not all(isinstance(cols[c], np.ndarray) for c in num_cols):
        return None
    # the float matrix as to_numbers makes it: DataFrame.to_numpy of the columns (a units x columns view
    # of one columns x units array), so that the values' memory layout is the general path's too
    matrix = np.empty((len(num_cols), n))
    for j, c in enumerate(num_cols):
        matrix[j] = cols[c]
    if np.isnan(matrix[:len(present)]).all(axis=1).any():  # an indicator without data
        return None
    index = pd.Index(codes, name="uCode")
    values = pd.DataFrame(matrix.T, index=index, columns=pd.Index(num_cols))
    taken = set(num_cols) | {"uCode"}
    unit_cols = [c for c in names if c not in taken]
    units = pd.DataFrame(dict(zip(unit_cols, tables.column_arrays([cols[c] for c in unit_cols]))), index=index,
                         columns=pd.Index(unit_cols, dtype="str"))  # no unit column: no labels, as df[[]] gives
    units.attrs[tables.ROWS_ATTR] = tables.SourceRows(lines)
    notes = []
    clash = [c for c in unit_cols if c in framework.nodes]
    if any(f"{c}_data" in cols for c in clash):  # the new name taken too
        return None
    if clash:
        units = units.rename(columns={c: f"{c}_data" for c in clash})
        notes.append("columns named like aggregates of the framework kept as unit data under new names: "
                     + ", ".join(f"{c} → {c}_data" for c in clash))
    declared = set().union(*unit_meta.values()) if unit_meta else set()
    extra_numeric = [f"{c}_data" if c in clash else c for c in unit_cols
                     if isinstance(cols[c], np.ndarray) or isinstance(cols[c], pd.Series)
                     and pd.api.types.is_numeric_dtype(cols[c])]
    extra_numeric = [c for c in extra_numeric if c not in YEAR_COLUMNS and c not in declared]
    if extra_numeric:
        notes.append("numeric columns not in the framework kept as unit data: " + ", ".join(extra_numeric))
    return Dataset(values, units, None, str(path), notes)


def _unique(labels: pd.Index) -> bool:
    """No label repeated (without building the index's hash table)."""
    return len(set(labels.tolist())) == len(labels)


def _years(col: pd.Series, *, file, rows) -> pd.Series:
    """The year column as whole numbers: ``2025`` and ``2025.0`` (as spreadsheets export it) are the
    year 2025; an empty cell, a fraction, a non-finite number, a boolean or text is an error naming the
    file, the line and the column."""
    out = []
    for i, v in enumerate(col.tolist()):
        y = None
        if isinstance(v, (bool, np.bool_)):
            y = None
        elif isinstance(v, (int, np.integer)):
            y = int(v)
        else:
            try:
                f = float(str(v).strip())
            except ValueError:
                f = None
            if f is not None and np.isfinite(f) and f.is_integer():
                y = int(f)
        if y is not None and not -2 ** 63 <= y < 2 ** 63:
            raise InputError(f"year must be a whole number of at most 18 digits, got {v!r}", file=file,
                             row=rows[i] if rows else None, column=col.name)
        if y is None:
            line = rows[i] if rows else None
            blank = v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""
            what = "empty year" if blank else f"year must be a whole number, got {v!r}"
            raise InputError(what, file=file, row=line, column=col.name)
        out.append(y)
    return pd.Series(out, index=col.index, name=col.name, dtype="int64")


def _long_to_wide(df: pd.DataFrame, framework: Framework, file, year_column, rows: list[int]) -> pd.DataFrame:
    year = year_column
    if year is None:
        for c in YEAR_COLUMNS:
            if c in df.columns:
                year = c
                break
    unknown = sorted(set(df["iCode"].astype(str)) - set(framework.nodes))
    if unknown:
        i = int(np.flatnonzero(df["iCode"].astype(str).isin(unknown).to_numpy())[0])
        raise InputError(f"unknown indicator '{df['iCode'].iloc[i]}' (not in the framework)",
                         file=file, row=rows[i], column="iCode")
    vals = _to_numeric(df, ["value"], file, rows)
    df = df.assign(value=vals["value"])
    key = ["uCode", "iCode"] + ([year] if year else [])
    dup = df.duplicated(key)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"duplicated value for unit '{df['uCode'].iloc[i]}' and indicator "
                         f"'{df['iCode'].iloc[i]}'", file=file, row=rows[i])
    idx = ["uCode"] + ([year] if year else [])
    wide = df.pivot(index=idx, columns="iCode", values="value").reset_index()
    wide.columns.name = None
    extra = [c for c in df.columns if c not in set(key) | {"value"}]
    if extra:
        meta = df[idx + extra].drop_duplicates(idx)
        wide = wide.merge(meta, on=idx, how="left")
    return wide

