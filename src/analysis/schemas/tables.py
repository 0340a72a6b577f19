"""Schemas of small input tables: costs (``maturasi path --costs``) and expert budgets.

Tables are read through :func:`analysis.data.read_table` (one reader for CSV/XLSX); every bad cell
is one :class:`~analysis._errors.InputError` naming the file, the line (the header is line 1) and
the column.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .._errors import InputError
from ._common import is_blank, suggest, table_line, table_number

__all__ = ["load_costs", "check_budget_table", "is_blank", "table_line", "table_number"]


def _columns(df: pd.DataFrame, need: Iterable[str], path, what: str) -> dict[str, str]:
    """``{lower-case name: actual column}``; a missing column is an error naming the table."""
    cols = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in need if c.lower() not in cols]
    if missing:
        raise InputError(f"a {what} needs columns {', '.join(need)} (missing: {', '.join(missing)})", file=path)
    return cols


def load_costs(path: str | Path, indicators: Iterable[str]) -> dict[str, float]:
    """Read a costs table (columns ``iCode, cost``) for :func:`analysis.scenario.path_to_target`.

    Parameters
    ----------
    path : path
        CSV or XLSX with one row per indicator: ``iCode`` (text) and ``cost`` (cost per raw unit of
        improvement, a finite number >= 0).
    indicators : iterable of str
        The framework's indicator codes.

    Returns
    -------
    dict
        ``{iCode: cost}``.

    Raises
    ------
    InputError
        Naming the file, line and column of an unknown or repeated indicator or a bad cost.
    """
    from ..data import read_table

    path = Path(path)
    df = read_table(path, what="costs")
    known = [str(c) for c in indicators]
    cols = _columns(df, ("iCode", "cost"), path, "costs table")
    extra = [c for c in df.columns if str(c).strip().lower() not in ("icode", "cost")]
    if extra:
        raise InputError(f"unknown column '{extra[0]}' (a costs table has columns iCode, cost)", file=path,
                         column=str(extra[0]))
    out: dict[str, float] = {}
    for i in range(len(df)):
        code = df[cols["icode"]].iloc[i]
        line = table_line(df, i)
        if is_blank(code):
            raise InputError("empty indicator code", file=path, row=line, column="iCode")
        code = str(code).strip()
        if code not in known:
            raise InputError(f"unknown indicator '{code}'{suggest(code, known)}", file=path, row=line, column="iCode")
        if code in out:
            raise InputError(f"indicator '{code}' is listed twice", file=path, row=line, column="iCode")
        out[code] = table_number(df, i, cols["cost"], file=path, ge=0, what="cost")
    if not out:
        raise InputError("costs table has no rows", file=path)
    return out


def check_budget_table(df: pd.DataFrame, path) -> pd.DataFrame:
    """Check a budget table as read from ``path`` and return it wide (experts × codes).

    Long form: ``expert, code, points`` (an expert allocating to one code twice is an error); wide
    form: an ``expert`` column and one column per node (an expert listed twice is an error). Points
    must be finite numbers >= 0 (blank cells stay blank: the allocation checks decide).
    """
    cols = {str(c).strip().lower(): c for c in df.columns}
    if df.empty:
        raise InputError("budget table has no rows (one row per expert is needed)", file=path)
    if {"expert", "code", "points"} <= set(cols):
        df = df.rename(columns={cols["expert"]: "expert", cols["code"]: "code", cols["points"]: "points"})
        for i in range(len(df)):
            for c, what in (("expert", "expert name"), ("code", "node code")):
                if is_blank(df[c].iloc[i]):
                    raise InputError(f"empty {what}", file=path, row=table_line(df, i), column=c)
        df["expert"] = df["expert"].astype(str).str.strip()
        df["code"] = df["code"].astype(str).str.strip()
        dup = df.duplicated(["expert", "code"])
        if dup.any():
            i = int(dup.to_numpy().nonzero()[0][0])
            raise InputError(f"expert '{df['expert'].iloc[i]}' allocates to '{df['code'].iloc[i]}' twice",
                             file=path, row=table_line(df, i))
        df["points"] = _points(df, "points", path)
        return df.pivot(index="expert", columns="code", values="points")
    if "expert" not in cols:
        raise InputError("budget table needs an 'expert' column (wide) or 'expert, code, points' (long)", file=path)
    ecol = cols["expert"]
    seen: dict[str, int] = {}
    for i in range(len(df)):
        e = df[ecol].iloc[i]
        line = table_line(df, i)
        if is_blank(e):
            raise InputError("empty expert name", file=path, row=line, column=str(ecol))
        name = str(e).strip()
        if name in seen:
            raise InputError(f"expert '{name}' is listed twice (lines {seen[name]} and {line})", file=path,
                             row=line, column=str(ecol))
        seen[name] = line
    out = pd.DataFrame({str(c).strip(): _points(df, c, path) for c in df.columns if c != ecol},
                       index=pd.Index(list(seen), name="expert"))
    return out


def _points(df: pd.DataFrame, column, path) -> list[float]:
    """Points of one column: finite numbers >= 0; a blank cell stays blank (the allocation checks decide)."""
    return [table_number(df, i, column, file=path, ge=0, what="points", required=False) for i in range(len(df))]
