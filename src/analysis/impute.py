"""Imputation of missing indicator values (COINr's ``i_mean``, ``i_median``, group variants)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError

__all__ = ["impute", "IMPUTERS"]

IMPUTERS = ("none", "mean", "median", "group_mean", "group_median", "iterative")


def _fill(s: pd.Series, how: str) -> pd.Series:
    v = s.mean() if how == "mean" else s.median()
    return s.fillna(v)


def impute(values: pd.DataFrame, method: str = "none", *, groups: pd.Series | None = None,
           columns: list[str] | None = None, seed: int = 0, max_iter: int = 10) -> pd.DataFrame:
    """Fill missing values column by column.

    Parameters
    ----------
    values : DataFrame
        Units × indicators.
    method : {'none', 'mean', 'median', 'group_mean', 'group_median', 'iterative'}
        ``mean``/``median`` use the indicator's available values; the group variants use the values of
        the unit's group (a group with no values leaves its units missing, as in COINr); ``iterative``
        is a round-robin regression imputer (scikit-learn ``IterativeImputer``, Bayesian ridge) over all
        the given columns, seeded.
    groups : Series, optional
        Group label per unit, required by the group methods. Units with no group are left as they are.
    columns : list of str, optional
        Columns to impute (default all).

    Returns
    -------
    DataFrame
        A copy with missing values filled where possible.
    """
    if method not in IMPUTERS:
        raise InputError(f"unknown imputation method '{method}' (use one of {', '.join(IMPUTERS)})")
    cols = list(values.columns) if columns is None else list(columns)
    out = values.copy()
    if method == "none" or not out[cols].isna().any().any():
        return out
    if method in ("mean", "median"):
        for c in cols:
            out[c] = _fill(out[c], method)
    elif method in ("group_mean", "group_median"):
        if groups is None:
            raise InputError(f"imputation '{method}' needs a group column ('by')")
        g = groups.reindex(out.index)
        how = method.split("_")[1]
        ok = g.notna().to_numpy()
        sub = out.loc[ok, cols]
        fill = sub.groupby(g[ok], sort=False).transform(how)
        out.loc[ok, cols] = sub.fillna(fill)
    else:
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer

        X = out[cols].to_numpy(dtype=float, copy=True)
        keep = ~np.all(np.isnan(X), axis=0)
        imp = IterativeImputer(random_state=seed, max_iter=max_iter, sample_posterior=False)
        X[:, keep] = imp.fit_transform(X[:, keep])
        out[cols] = X
    return out
