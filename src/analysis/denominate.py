"""Denomination: divide an indicator by a size column (population, area, GDP…)."""

from __future__ import annotations

import pandas as pd

from ._errors import InputError

__all__ = ["denominate"]


def denominate(values: pd.DataFrame, pairs: dict[str, str], *, scale: dict[str, float] | None = None,
               file=None) -> pd.DataFrame:
    """Divide indicators by denominator columns.

    Parameters
    ----------
    values : DataFrame
        Indicator and denominator columns.
    pairs : dict
        ``{indicator: denominator_column}``.
    scale : dict, optional
        Multiplier per indicator after division (e.g. 1000 for "per 1,000 inhabitants").

    Returns
    -------
    DataFrame
        A copy with the denominated indicators replaced.
    """
    out = values.copy()
    for ind, den in pairs.items():
        if ind not in out.columns:
            raise InputError(f"cannot denominate unknown indicator '{ind}'", file=file, column=ind)
        if den not in out.columns:
            raise InputError(f"denominator column '{den}' for '{ind}' is not in the data", file=file, column=den)
        d = out[den]
        if (d == 0).any():
            u = d.index[(d == 0).to_numpy()][0]
            raise InputError(f"denominator '{den}' is zero, cannot divide '{ind}'", file=file, row=u, column=den)
        out[ind] = out[ind] / d * (1.0 if scale is None else float(scale.get(ind, 1.0)))
    return out
