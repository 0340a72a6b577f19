"""Normalisation: bring indicators onto a common scale.

Each method is a pair of pure functions: ``fit`` learns the few numbers a method needs from
reference values (min and max, mean and sd, the sorted values for ranks…) and ``apply`` maps any
values with them. Fitting on the data itself gives COINr's ``n_*`` functions exactly; fitting on a
reference year or on a baseline gives scores comparable across years or scenarios ("frozen"
normalisation). As in COINr, an indicator with direction −1 is multiplied by −1 before normalising.

Methods (``range`` defaults to ``[0, 100]``):

========== ==================================================================================
minmax     ``(x − min)/(max − min)·(u − l) + l``
zscore     ``(x − mean)/sd·s + m`` with the sample sd (n − 1), ``mean=m``, ``sd=s``
rank       rank with ties at the minimum rank, missing kept missing (COINr ``n_rank``)
prank      percentile rank ``(rank − 1)/(n − 1)`` scaled to ``range`` (COINr ``n_prank``)
goalposts  ``(x − min)/(max − min)`` capped to [0, 1] after the optional ``log`` transform,
           then scaled to ``range``; goalposts from the framework (``min``, ``max``) or params
target     distance to target ``(x − min)/(t − min)`` (``= 1 − (t − x)/(t − min)``, COINr
           ``n_dist2targ``), scaled to ``range``; ``cap: false`` (default, as COINr's
           ``cap_max = FALSE``) lets values beyond the target score above the top of the range,
           ``cap: true`` scores them at the top. Direction −1 gives ``(max − x)/(max − t)``.
ordinal    capability levels on a fixed ``scale`` (default ``[1, 5]``) mapped linearly to ``range``
none       values unchanged (apart from direction)
========== ==================================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError
from .framework import Framework

__all__ = ["NORMALISERS", "fit", "apply", "normalise", "minmax", "zscore", "rank", "target_notes", "column_rows"]

NORMALISERS = ("minmax", "zscore", "rank", "prank", "goalposts", "target", "ordinal", "none")


def _rng(p: dict) -> tuple[float, float]:
    r = p.get("range", [0, 100])
    if len(r) != 2 or not r[0] < r[1]:
        raise InputError(f"normalisation range must be [low, high] with low < high, got {r}")
    return float(r[0]), float(r[1])


def fit(x: np.ndarray, method: str, params: dict | None = None, *, direction: int = 1,
        node=None, code: str | None = None) -> dict:
    """Learn a normaliser's parameters from reference values ``x`` (raw, before direction).

    Returns a dict that :func:`apply` understands (method, direction and learned numbers).
    """
    p = dict(params or {})
    if "direction" in p:  # the framework's Direction column, not a normalisation setting
        raise InputError("normalisation parameter 'direction' is not a setting: an indicator's direction comes "
                         "from the framework (its Direction column)", column=code)
    if method not in NORMALISERS:
        raise InputError(f"unknown normalisation method '{method}' (use one of {', '.join(NORMALISERS)})",
                         column=code)
    f = {"method": method, "direction": int(direction), **p}
    x = np.asarray(x, dtype=float)
    if method == "goalposts":
        lo = p.get("min", getattr(node, "goal_min", None))
        hi = p.get("max", getattr(node, "goal_max", None))
        if lo is None or hi is None:
            raise InputError("goalposts normalisation needs 'min' and 'max' (in the framework or the spec)",
                             column=code)
        if not lo < hi:
            raise InputError(f"goalposts need min < max, got {lo}, {hi}", column=code)
        f["min"], f["max"] = float(lo), float(hi)
        f["transform"] = p.get("transform", getattr(node, "transform", None))
        return f
    if method == "ordinal":
        sc = p.get("scale", [1, 5])
        f["scale"] = [float(sc[0]), float(sc[1])]
        return f
    xd = x * direction
    ok = xd[~np.isnan(xd)]
    if ok.size == 0:
        raise InputError("indicator has no data to normalise", column=code)
    if method == "minmax":
        f["lo"], f["hi"] = float(ok.min()), float(ok.max())
        if f["lo"] == f["hi"]:
            raise InputError("indicator is constant: min-max normalisation divides by its range (zero)",
                             column=code)
    elif method == "zscore":
        if ok.size < 2:
            raise InputError("z-score needs at least two values", column=code)
        f["mu"], f["sigma"] = float(ok.mean()), float(ok.std(ddof=1))
        if f["sigma"] == 0:
            raise InputError("indicator is constant: z-score divides by its standard deviation (zero)",
                             column=code)
    elif method in ("rank", "prank"):
        f["ref"] = np.sort(ok)
        if method == "prank" and ok.size < 2:
            raise InputError("percentile rank needs at least two values", column=code)
    elif method == "target":
        t = p.get("target", getattr(node, "target", None))
        if t is None:
            raise InputError("target normalisation needs a 'target' (in the framework or the spec)", column=code)
        f["target"] = float(t) * direction
        f["lo"] = float(ok.min())
        cap = p.get("cap", False)               # COINr n_dist2targ: cap_max = FALSE
        if not isinstance(cap, bool | np.bool_):
            raise InputError(f"target normalisation: 'cap' must be true or false, got {cap!r}", column=code)
        f["cap"] = bool(cap)
        if f["target"] == f["lo"]:
            raise InputError("target equals the indicator's minimum: distance to target divides by zero",
                             column=code)
    return f


def apply(x: np.ndarray, f: dict) -> np.ndarray:
    """Normalise values ``x`` (raw) with fitted parameters ``f`` from :func:`fit`."""
    x = np.asarray(x, dtype=float)
    m, d = f["method"], f["direction"]
    if m == "goalposts":
        lo, hi = f["min"], f["max"]
        if f.get("transform") == "log":
            if np.any(x[~np.isnan(x)] <= 0) or lo <= 0:
                raise InputError("log transform needs positive values and goalposts")
            x, lo, hi = np.log(x), np.log(lo), np.log(hi)
        y = (x - lo) / (hi - lo) if d == 1 else (hi - x) / (hi - lo)
        y = np.clip(y, 0.0, 1.0)
        l_, u = _rng(f)
        return y * (u - l_) + l_
    if m == "ordinal":
        lo, hi = f["scale"]
        ok = x[~np.isnan(x)]
        if ok.size and (ok.min() < lo or ok.max() > hi):
            raise InputError(f"ordinal values outside the scale [{lo:g}, {hi:g}]")
        y = (x - lo) / (hi - lo)
        if d == -1:
            y = 1 - y
        l_, u = _rng(f)
        return y * (u - l_) + l_
    xd = x * d
    if m == "none":
        return xd
    if m == "minmax":
        l_, u = _rng(f)
        return (xd - f["lo"]) / (f["hi"] - f["lo"]) * (u - l_) + l_
    if m == "zscore":
        return (xd - f["mu"]) / f["sigma"] * float(f.get("sd", 1.0)) + float(f.get("mean", 0.0))
    if m in ("rank", "prank"):
        ref = f["ref"]
        r = np.searchsorted(ref, xd, side="left").astype(float) + 1.0
        r[np.isnan(xd)] = np.nan
        if m == "rank":
            return r
        l_, u = _rng(f)
        return (r - 1) / (ref.size - 1) * (u - l_) + l_
    if m == "target":
        y = 1 - (f["target"] - xd) / (f["target"] - f["lo"])
        if f.get("cap", False):
            y = np.minimum(y, 1.0)
        l_, u = _rng(f)
        return y * (u - l_) + l_
    raise InputError(f"unknown normalisation method '{m}'")


def indicator_params(spec: dict, code: str) -> tuple[str, dict]:
    """Method and parameters for one indicator: the global spec merged with its override."""
    base = {k: v for k, v in spec.items() if k not in ("overrides", "reference_year", "method")}
    method = spec.get("method", "minmax")
    ov = (spec.get("overrides") or {}).get(code)
    if ov is not None:
        if isinstance(ov, str):
            method = ov
        else:
            ov = dict(ov)
            method = ov.pop("method", method)
            base.update(ov)
    return method, base


def normalise(values: pd.DataFrame, framework: Framework, spec: dict | None = None, *,
              reference: pd.DataFrame | None = None, fitted: dict | None = None
              ) -> tuple[pd.DataFrame, dict]:
    """Normalise every indicator of ``framework`` in ``values``.

    Parameters
    ----------
    values : DataFrame
        Units × indicators (treated/imputed).
    spec : dict
        ``{method, range, mean, sd, overrides: {iCode: method or {method, …}}}``.
    reference : DataFrame, optional
        Values to fit the normalisers on (default: ``values``).
    fitted : dict, optional
        Already fitted parameters per indicator (frozen normalisation); overrides ``reference``.

    Returns
    -------
    normalised : DataFrame
    fitted : dict
        ``{iCode: params}`` to reuse with :func:`apply`.
    """
    spec = dict(spec or {"method": "minmax"})
    ref = values if reference is None else reference
    inds = framework.indicators
    # the indicator columns read at once, each a contiguous row (as one column read alone)
    X = column_rows(values, inds)
    R = X if ref is values else column_rows(ref, inds)
    if fitted is None and X is not None and R is not None:
        fast = _one_method(X, R, inds, framework, spec)
        if fast is not None:
            Y, fits = fast
            return pd.DataFrame(Y, index=values.index, columns=pd.Index(inds)), fits
    out = {}
    fits = {}
    for j, code in enumerate(inds):
        node = framework.nodes[code]
        if fitted is not None and code in fitted:
            f = fitted[code]
        else:
            method, p = indicator_params(spec, code)
            x = R[j] if R is not None else ref[code].to_numpy(dtype=float)
            f = fit(x, method, p, direction=node.direction, node=node, code=code)
        try:
            out[code] = apply(X[j] if X is not None else values[code].to_numpy(dtype=float), f)
        except InputError as e:
            raise InputError(e.message, column=code) from None
        fits[code] = f
    if out and all(v.shape == (len(values),) and v.dtype == np.float64 for v in out.values()):
        return pd.DataFrame(np.column_stack(list(out.values())), index=values.index, columns=pd.Index(inds)), fits
    return pd.DataFrame(out, index=values.index), fits


def _one_method(X: np.ndarray, R: np.ndarray, inds: list[str], framework: Framework,
                spec: dict) -> tuple[np.ndarray, dict] | None:
    """Min-max or z-score of every indicator at once: the numbers of :func:`fit` and :func:`apply` column
    by column (the same operations on each value; a column's mean and sd reduce its contiguous row as
    they reduce the column alone), for one method without overrides, fitted afresh. None when another
    case applies or a column would be refused, so that the column-by-column path refuses it.

    ``X`` and ``R`` are the values to normalise and the values to fit on, one row per indicator.
    """
    method, p = indicator_params(spec, inds[0]) if inds else ("", {})
    if spec.get("overrides") or method not in ("minmax", "zscore") or "direction" in p:
        return None
    dirs = [framework.nodes[c].direction for c in inds]
    if any(d not in (1, -1) for d in dirs) or R.shape[1] == 0:
        return None
    d = np.array(dirs, dtype=float)[:, None]
    Rd = R * d
    gaps = np.isnan(Rd).any(axis=1)
    a = np.empty(len(inds))  # lo (min-max) or mean (z-score)
    b = np.empty(len(inds))  # hi or sd
    full = ~gaps
    if method == "minmax":
        if full.any():
            a[full], b[full] = Rd[full].min(axis=1), Rd[full].max(axis=1)
    elif full.any():
        if Rd.shape[1] < 2:
            return None
        a[full], b[full] = Rd[full].mean(axis=1), Rd[full].std(axis=1, ddof=1)
    for j in np.flatnonzero(gaps):  # a column with gaps: its values alone, as fit takes them
        ok = Rd[j][~np.isnan(Rd[j])]
        if ok.size < (1 if method == "minmax" else 2):
            return None
        a[j], b[j] = (ok.min(), ok.max()) if method == "minmax" else (ok.mean(), ok.std(ddof=1))
    if (b == a).any() if method == "minmax" else (b == 0).any():
        return None
    if method == "minmax":
        r = p.get("range", [0, 100])
        if len(r) != 2 or not r[0] < r[1]:
            return None
        lo_, hi_ = float(r[0]), float(r[1])
        Y = (X * d - a[:, None]) / (b - a)[:, None] * (hi_ - lo_) + lo_
        keys = ("lo", "hi")
    else:
        Y = (X * d - a[:, None]) / b[:, None] * float(p.get("sd", 1.0)) + float(p.get("mean", 0.0))
        keys = ("mu", "sigma")
    fits = {c: {"method": method, "direction": int(dirs[j]), **p, keys[0]: float(a[j]), keys[1]: float(b[j])}
            for j, c in enumerate(inds)}
    return np.ascontiguousarray(Y.T), fits


def column_rows(df: pd.DataFrame, codes: list[str]) -> np.ndarray | None:
    """Columns ``codes`` of ``df`` as contiguous float rows (None when a column is missing or repeated)."""
    cols = df.columns.tolist()
    if cols == codes:  # already these columns in this order
        return np.ascontiguousarray(df.to_numpy(dtype=float).T)
    if len(set(cols)) != len(cols) or not set(codes) <= set(cols):
        return None
    return np.ascontiguousarray(df[codes].to_numpy(dtype=float).T)


def minmax(x, range=(0, 100), direction: int = 1) -> np.ndarray:  # noqa: A002
    """Min-max normalisation of one vector (COINr ``n_minmax``)."""
    return apply(x, fit(x, "minmax", {"range": list(range)}, direction=direction))


def zscore(x, mean: float = 0.0, sd: float = 1.0, direction: int = 1) -> np.ndarray:
    """Z-score of one vector with the sample sd, rescaled to ``mean``/``sd`` (COINr ``n_zscore``)."""
    return apply(x, fit(x, "zscore", {"mean": mean, "sd": sd}, direction=direction))


def rank(x, direction: int = 1) -> np.ndarray:
    """Ranks with ties at the minimum, NaN kept (COINr ``n_rank``; higher value → higher rank)."""
    return apply(x, fit(x, "rank", {}, direction=direction))


def target_notes(fitted: dict) -> list[str]:
    """Say which distance-to-target variant a run used (for the result's notes and the manifest).

    Parameters
    ----------
    fitted : dict
        ``{iCode: params}`` or, for a panel, ``{year: {iCode: params}}`` from :func:`normalise`.

    Returns
    -------
    list of str
        One note per ``cap`` setting in use, naming the indicators; empty without target normalisation.
    """
    flat = {}
    for k, v in fitted.items():
        if isinstance(v, dict) and "method" not in v:
            flat.update(v)
        else:
            flat[k] = v
    by_cap: dict[bool, list[str]] = {}
    for code, f in flat.items():
        if isinstance(f, dict) and f.get("method") == "target":
            by_cap.setdefault(bool(f.get("cap", False)), []).append(str(code))
    out = []
    for cap, codes in sorted(by_cap.items()):
        how = ("capped (cap: true): values beyond the target score at the top of the range" if cap else
               "uncapped (cap: false, COINr n_dist2targ's default): values beyond the target score above "
               "the top of the range")
        out.append(f"normalise: distance to target for {', '.join(codes)} {how}")
    return out
