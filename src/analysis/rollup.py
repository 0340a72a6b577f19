"""Roll unit scores up the Kemendagri hierarchy: desa → kecamatan → kab/kota → province.

A roll-up summarises the scores of the units inside each parent region — the mean score of a
province's kab/kota, the share of its villages at each level — for a parent derived from the
unit codes (``73.71`` lies in province ``73``; ``11.01.02.2001`` in kecamatan ``11.01.02`` and
kab/kota ``11.01``).

Definition
----------
For a parent region *p*, a score column *c* (the index, every aggregate) and, in a panel, a
year *t*, let :math:`U_p` be the units of the table whose code lies in *p*, and
:math:`O_p = \\{u \\in U_p : x_{uc} \\text{ observed}\\}`. The roll-up reports

* ``n_units`` :math:`= |U_p|` and ``n_missing`` :math:`= |U_p| - |O_p|`;
* ``mean`` :math:`= \\frac{1}{|O_p|} \\sum_{u \\in O_p} x_{uc}` — the unweighted mean: every unit
  counts once, whatever its size;
* ``weighted_mean`` :math:`= \\sum_{u \\in O_p^w} w_u x_{uc} / \\sum_{u \\in O_p^w} w_u`, with
  :math:`O_p^w` the units of :math:`O_p` whose weight :math:`w_u \\ge 0` (population) is known — the
  score of the average *resident* rather than of the average unit; ``n_weight_missing`` counts
  the units of :math:`O_p` left out for want of a weight;
* ``n_reference``: the number of kab/kota of the province in the Kemendagri reference table
  (``data/reference/regencies.csv``), so that coverage can be read against it (kab/kota →
  province only; empty otherwise).

Maturity levels are rolled up as shares: for each level *L* the row ``Level=L`` has ``mean`` the
share of the units with a level that are at *L*, and ``weighted_mean`` the population share.

Either mean is undefined (NaN) when no unit (or no weight) of *p* is observed.

Which definition? The OECD/JRC *Handbook on Constructing Composite Indicators* (2008) builds an
index on a set of units and sets no standard for summarising unit scores over a coarser
geography. A roll-up is therefore a *descriptive summary of the unit scores*, not the index of
the parent region: normalisation and aggregation are not linear in the data, so it differs in
general from the index computed on province-level indicators (for instance BPS computes a
province's IPM from province-level components, not as a mean of its kab/kota). Both the
unweighted and the population-weighted mean are reported because they answer different
questions (how the region's governments do; how its people are served) and can rank regions
differently. The same summary — mean village score and the number of villages in each status,
per kab/kota and per province — is how Kemendesa PDTT reports the Indeks Desa Membangun.

References
----------
OECD/JRC (2008). *Handbook on Constructing Composite Indicators: Methodology and User Guide*.
OECD Publishing, Paris. (Ch. 1.7–1.10: the index is defined on one set of units.)

Kementerian Desa PDTT (2015). *Indeks Desa Membangun 2015*, tables "IDM per kabupaten/kota",
"IDM per provinsi" and "Jumlah dan status desa berdasar IDM per provinsi".

Examples
--------
Kab/kota → province, unweighted and population-weighted (helper columns from the data):

>>> import pandas as pd
>>> scores = pd.DataFrame({"INDEX": [40.0, 60.0, 80.0]},
...                       index=pd.Index(["73.71", "73.01", "35.10"], name="uCode"))
>>> pop = pd.Series([1_400_000, 200_000, 1_700_000], index=scores.index)
>>> t = rollup(scores, "provinsi", weight=pop)
>>> row = t.loc[("73", "INDEX")]
>>> int(row["n_units"]), float(row["mean"]), float(row["weighted_mean"])  # (1.4 M × 40 + 0.2 M × 60) / 1.6 M
(2, 50.0, 42.5)
>>> row["uName"]
'Sulawesi Selatan'

Desa → kab/kota from an index table with levels (e.g. IDM status):

>>> idm = pd.DataFrame({"IDM": [0.60, 0.80, 0.70]},
...                    index=pd.Index(["1101022001", "11.01.02.2002", "11.01.03.2001"], name="uCode"))
>>> status = pd.Series(["Berkembang", "Maju", "Berkembang"], index=idm.index)
>>> t = rollup(idm, "kabkota", levels=status)
>>> round(float(t.loc[("11.01", "IDM"), "mean"]), 6), round(float(t.loc[("11.01", "Level=Maju"), "mean"]), 6)
(0.7, 0.333333)
>>> t.loc["11.01", "n_units"].tolist()  # IDM, Level=Berkembang, Level=Maju
[3, 3, 3]

With a :class:`~analysis.Result`, ``rollup(res, "provinsi", weight="population")`` rolls up
``res.aggregates`` and ``res.levels`` and finds ``population`` among the unit columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError
from .units import ROLLUP_LEVELS, normalise_codes, parent_code, provinces, regencies, unit_kind, unit_label

__all__ = ["rollup", "rollup_wide", "STATS", "LEVEL_PREFIX"]

#: Columns of a roll-up table, in order (the weighted ones only when a weight is given).
STATS = ("uName", "n_units", "n_reference", "n_missing", "mean", "weighted_mean", "n_weight_missing")
#: Prefix of the measures that are level shares (``Level=M3``).
LEVEL_PREFIX = "Level="


def _from_result(result, weight):
    """Scores, levels, level order and weight Series from a :class:`~analysis.Result`."""
    from .levels import Bands

    scores = result.aggregates
    levels = result.levels
    bands = Bands.from_spec(result.spec.get("levels")) if result.levels is not None else None
    order = list(bands.labels) if bands is not None else None
    if isinstance(weight, str):
        for table in (result.units, result.raw):
            if weight in table.columns:
                weight = table[weight]
                break
        else:
            known = [c for c in result.units.columns if pd.api.types.is_numeric_dtype(result.units[c])]
            raise InputError(f"weight column '{weight}' is not in the data (numeric unit columns: "
                             f"{', '.join(known) or 'none'})", file=result.source)
    return scores, levels, order, weight


def _weights(weight, index: pd.Index, scores: pd.DataFrame) -> pd.Series:
    if isinstance(weight, str):
        if weight not in scores.columns:
            raise InputError(f"weight column '{weight}' is not in the table", column=weight)
        weight = scores[weight]
    w = pd.Series(weight)
    if not w.index.equals(index):
        if w.index.has_duplicates:
            raise InputError("the weights have duplicated unit codes")
        w = w.reindex(index)
    try:
        w = pd.to_numeric(w, errors="raise").astype(float)
    except (TypeError, ValueError):
        bad = next(v for v in w if not _numeric(v))
        raise InputError(f"weight {bad!r} is not a number", column=getattr(weight, "name", None)) from None
    bad = ~np.isfinite(w) & w.notna() | (w < 0)
    if bad.any():
        u = w.index[np.flatnonzero(bad.to_numpy())[0]]
        raise InputError(f"weight {float(w[u]):g} of unit {unit_label(u)} is negative or not finite (a population "
                         "must be >= 0)", column=getattr(weight, "name", None))
    return w


def _numeric(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def rollup(scores, to: str, *, weight=None, levels: pd.Series | None = None, columns: list[str] | None = None,
           names: bool = True) -> pd.DataFrame:
    """Roll unit scores up to their parent regions: unweighted and weighted means, counts.

    See the module docstring for the definition.

    Parameters
    ----------
    scores : Result or DataFrame
        A :class:`~analysis.Result` (its ``aggregates`` — every aggregate and the index — and its
        ``levels``), or a table of scores indexed by ``uCode`` or by ``(uCode, year)`` (any further
        index levels are kept as groups, like the year). Unit codes are Kemendagri codes below
        ``to``; ten-digit village codes are accepted.
    to : {"provinsi", "kabkota", "kecamatan"}
        The parent level.
    weight : str or Series, optional
        Population (or any non-negative size) per unit for the weighted mean: a Series indexed like
        ``scores``, or a column name — of the Result's unit columns (``population``,
        ``penduduk`` …) or of the ``scores`` table. Without it only unweighted means are reported.
    levels : Series, optional
        A level label per unit (default: the Result's ``levels``); their shares are rolled up as
        ``Level=<label>`` rows.
    columns : list of str, optional
        Score columns to roll up (default: every numeric column except the weight column).
    names : bool
        Add ``uName``, the official name of each province or kab/kota (``data/reference``).

    Returns
    -------
    DataFrame
        Indexed by ``(uCode, [year,] measure)`` with the parent's code, ``measure`` the score
        column (or ``Level=<label>``), and columns :data:`STATS`: ``uName``, ``n_units``,
        ``n_reference``, ``n_missing``, ``mean`` and, with a weight, ``weighted_mean`` and
        ``n_weight_missing``. Sorted by parent code, year and measure (in the order of ``columns``,
        level shares in level order).

    Raises
    ------
    InputError
        An unknown ``to``; a unit code that is not a Kemendagri code below ``to`` (naming the
        unit); a weight that is missing as a column, non-numeric, negative or not finite.
    """
    if to not in ROLLUP_LEVELS:
        raise InputError(f"unknown roll-up level '{to}' (use {', '.join(ROLLUP_LEVELS)})")
    order = None
    source = None
    if hasattr(scores, "aggregates") and hasattr(scores, "framework"):
        source = getattr(scores, "source", None)
        scores, res_levels, order, weight = _from_result(scores, weight)
        levels = res_levels if levels is None else levels
    if not isinstance(scores, pd.DataFrame):
        raise InputError(f"rollup needs a Result or a DataFrame of scores, got {type(scores).__name__}")
    index = scores.index
    codes = normalise_codes(index.get_level_values(0))
    extra = list(index.names[1:]) if isinstance(index, pd.MultiIndex) else []
    weight_name = weight if isinstance(weight, str) else None
    try:
        w = None if weight is None else _weights(weight, index, scores)
    except InputError as e:
        if e.file is not None or source is None:
            raise
        # a weight column of a Result comes from its data file: name it
        raise InputError(e.message, file=source, row=e.row, column=e.column, node=e.node) from None
    if columns is None:
        columns = [c for c in scores.columns if c != weight_name and pd.api.types.is_numeric_dtype(scores[c])]
    missing = [c for c in columns if c not in scores.columns]
    if missing:
        raise InputError(f"score column '{missing[0]}' is not in the table", column=missing[0])
    parents = []
    for c in codes:
        p = parent_code(c, to)
        if p is None:
            kind = unit_kind(c)
            what = f"a {kind}" if kind else "not a Kemendagri code"
            raise InputError(f"unit '{c}' is {what}; a roll-up to {to} needs units below it "
                             f"(kab/kota 11.01, kecamatan 11.01.02, desa 11.01.02.2001)", row=c, column="uCode")
        parents.append(p)

    X = scores[columns].astype(float).set_axis(range(len(scores)))
    if levels is not None:
        lv = pd.Series(levels)
        lv = lv.reindex(index) if not lv.index.equals(index) else lv
        lv = lv.set_axis(range(len(scores)))
        labels = order or list(dict.fromkeys(v for v in lv if isinstance(v, str) or pd.notna(v)))
        has = lv.notna()
        for lab in labels:
            X[f"{LEVEL_PREFIX}{lab}"] = np.where(has, (lv == lab).astype(float), np.nan)
    keys = [pd.Series(parents, name="uCode")] + [pd.Series(index.get_level_values(n), name=n) for n in extra]
    obs = X.notna()
    g = obs.groupby(keys, sort=True)
    n_units = g.size()
    count = g.sum()
    total = X.groupby(keys, sort=True).sum(min_count=1)
    stats = {"n_units": pd.DataFrame({c: n_units for c in X.columns}),
             "n_missing": count.rsub(n_units, axis=0),
             "mean": total / count.where(count > 0)}
    if w is not None:
        wv = w.set_axis(range(len(scores)))
        used = obs & wv.notna().to_numpy()[:, None]
        wsum = used.mul(wv.fillna(0.0), axis=0).groupby(keys, sort=True).sum()
        wx = X.where(used).mul(wv.fillna(0.0), axis=0).groupby(keys, sort=True).sum(min_count=1)
        stats["weighted_mean"] = wx / wsum.where(wsum > 0)
        stats["n_weight_missing"] = (obs & ~used).groupby(keys, sort=True).sum()
    measures = list(X.columns)
    long = {k: v[measures].stack(future_stack=True) for k, v in stats.items()}
    out = pd.DataFrame(long)
    out.index = out.index.set_names(["uCode", *extra, "measure"])
    for k in ("n_units", "n_missing", "n_weight_missing"):
        if k in out:
            out[k] = out[k].astype(int)
    parent_codes = out.index.get_level_values("uCode")
    ref = None
    if to == "provinsi" and all(unit_kind(c) in ("kabupaten", "kota") for c in codes):
        ref = regencies()["province_code"].value_counts()
    out.insert(1, "n_reference", pd.array([ref.get(p) if ref is not None else None for p in parent_codes],
                                          dtype="Int64"))
    if names:
        table = {"provinsi": provinces, "kabkota": regencies}.get(to)
        lookup = table().set_index("uCode")["uName"] if table else pd.Series(dtype=object)
        out.insert(0, "uName", [lookup.get(p) for p in parent_codes])
    return out[[c for c in STATS if c in out.columns]]


def rollup_wide(table: pd.DataFrame, stat: str = "mean") -> pd.DataFrame:
    """One statistic of a :func:`rollup` table as parents × measures (like a scores table).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"A": [1.0, 3.0]}, index=pd.Index(["35.10", "35.71"], name="uCode"))
    >>> rollup_wide(rollup(s, "provinsi")).to_dict()
    {'A': {'35': 2.0}}
    """
    if stat not in table.columns:
        raise InputError(f"unknown statistic '{stat}' (columns: {', '.join(table.columns)})")
    measures = list(dict.fromkeys(table.index.get_level_values("measure")))
    return table[stat].unstack("measure")[measures]
