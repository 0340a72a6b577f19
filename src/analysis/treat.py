"""Outlier treatment: COINr's ``Treat()`` default rule.

An indicator fails when its absolute skewness exceeds ``skew`` **and** its kurtosis exceeds ``kurt``
(both the bias-corrected sample statistics of e1071 ``type = 2``, as in Excel and COINr). A failing
indicator is Winsorised: the most extreme value on the side of the skew takes the value of the next
one, one point at a time, re-checking after each step, up to ``winmax`` points. If it still fails,
the ``fallback`` transformation is applied to the *original* values (COINr's default
``combine_treat = FALSE``): ``log`` is COINr's ``log_CT``, ``log(x − min(x) + 0.01·(max(x) − min(x)))``.

A fitted treatment can be re-applied "frozen" (a reference year's treatment on other years, a
baseline's on a scenario): :func:`apply_treatment` clips only the side(s) that were Winsorised, at the
last value kept, and leaves untreated indicators alone; the ``details`` table (``winsorised``,
``clip_lo``, ``clip_hi``) is the record it reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError

__all__ = ["skewness", "kurtosis", "passes", "winsorise", "log_ct", "treat_series", "treat", "winsorised_sides",
           "apply_treatment", "treat_frozen"]


def skewness(x: np.ndarray) -> float:
    """Sample skewness G1 (e1071 type 2, Excel ``SKEW``), ignoring NaN."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return np.nan
    d = x - x.mean()
    d2 = d * d
    m2 = d2.sum()
    if m2 == 0:
        return 0.0
    g = np.sqrt(n) * np.dot(d2, d) / m2 ** 1.5
    return float(g * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis G2 (e1071 type 2, Excel ``KURT``), ignoring NaN."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4:
        return np.nan
    d = x - x.mean()
    d2 = d * d
    m2 = d2.sum()
    if m2 == 0:
        return 0.0
    r = n * np.dot(d2, d2) / m2 ** 2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def passes(x: np.ndarray, skew: float = 2.0, kurt: float = 3.5) -> bool:
    """COINr ``check_SkewKurt``: pass if ``|skew| < skew`` or ``kurtosis < kurt``."""
    s, k = skewness(x), kurtosis(x)
    if np.isnan(s) or np.isnan(k):
        return True
    return bool(abs(s) < skew or k < kurt)


def winsorise(x: np.ndarray, winmax: int | None = 5, skew: float = 2.0, kurt: float = 3.5
              ) -> tuple[np.ndarray, int, np.ndarray]:
    """Winsorise one point at a time until the skew/kurtosis check passes or ``winmax`` is reached.

    Returns
    -------
    x : ndarray
        Treated copy.
    nwin : int
        Number of points Winsorised (ties at the extreme move together).
    flags : ndarray of str
        ``'winhi'``/``'winlo'`` for treated points, ``''`` otherwise.
    """
    x = np.array(x, dtype=float)
    flags = np.full(x.size, "", dtype=object)
    passing = passes(x, skew, kurt)
    nwin = 0
    imax = np.array([], dtype=int)
    imin = np.array([], dtype=int)
    below = winmax is None or nwin < winmax
    while (not passing) and below:
        if skewness(x) >= 0:
            m = np.nanmax(x)
            imax = np.flatnonzero(x == m)
            rest = np.delete(x, imax)
            x[imax] = np.nanmax(rest)
        else:
            m = np.nanmin(x)
            imin = np.flatnonzero(x == m)
            rest = np.delete(x, imin)
            x[imin] = np.nanmin(rest)
        nwin = imax.size + imin.size
        below = winmax is None or nwin < winmax
        passing = passes(x, skew, kurt)
    flags[imax] = "winhi"
    flags[imin] = "winlo"
    return x, nwin, flags


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr ``log_CT``: ``log(x − min + 0.01·(max − min))``."""
    x = np.asarray(x, dtype=float)
    mn, mx = np.nanmin(x), np.nanmax(x)
    return np.log(x - mn + 0.01 * (mx - mn))


def treat_series(x: np.ndarray, method: str = "winsorise", skew: float = 2.0, kurt: float = 3.5,
                 winmax: int | None = 5, fallback: str | None = "log") -> tuple[np.ndarray, dict]:
    """Treat one indicator; returns the treated values and a details record."""
    x = np.asarray(x, dtype=float)
    rec = {"skew": skewness(x), "kurt": kurtosis(x), "pass_raw": passes(x, skew, kurt),
           "n_winsorised": 0, "winsorised": "", "fallback": "", "pass_treated": None}
    if method == "none" or rec["pass_raw"]:
        rec["pass_treated"] = rec["pass_raw"]
        return x, rec
    if method != "winsorise":
        raise InputError(f"unknown treatment method '{method}' (use 'winsorise' or 'none')")
    xw, nwin, flags = winsorise(x, winmax, skew, kurt)
    rec["n_winsorised"] = nwin
    rec["winsorised"] = ",".join(sorted(set(flags[flags != ""])))
    if passes(xw, skew, kurt) or fallback in (None, "none"):
        rec["pass_treated"] = passes(xw, skew, kurt)
        rec["skew_treated"], rec["kurt_treated"] = skewness(xw), kurtosis(xw)
        # Winsorising k extreme points equals clipping at the values they were moved to, on the side(s)
        # Winsorised only; the other side keeps no clip (NaN).
        sides = set(flags[flags != ""])
        rec["clip_lo"] = float(np.nanmin(xw)) if "winlo" in sides else np.nan
        rec["clip_hi"] = float(np.nanmax(xw)) if "winhi" in sides else np.nan
        rec["_flags"] = flags
        return xw, rec
    if fallback != "log":
        raise InputError(f"unknown fallback transformation '{fallback}' (use 'log' or 'none')")
    xl = log_ct(x)
    rec["log_min"], rec["log_max"] = float(np.nanmin(x)), float(np.nanmax(x))
    rec["n_winsorised"] = 0
    rec["winsorised"] = ""
    rec["fallback"] = "log"
    rec["pass_treated"] = passes(xl, skew, kurt)
    rec["skew_treated"], rec["kurt_treated"] = skewness(xl), kurtosis(xl)
    return xl, rec


def winsorised_sides(rec: dict) -> set[str]:
    """The side(s) a fitted treatment Winsorised: a subset of ``{"winhi", "winlo"}``.

    The ``winsorised`` entry of a ``details`` row (``"winhi"``, ``"winlo"``, ``"winhi,winlo"`` or empty)
    is the record; a row without it (a table from an older run) counts a side as Winsorised when its
    clip value is recorded.
    """
    w = rec.get("winsorised")
    if isinstance(w, str):
        return {s.strip() for s in w.split(",") if s.strip() in ("winhi", "winlo")}
    sides = set()
    for side, key in (("winhi", "clip_hi"), ("winlo", "clip_lo")):
        v = rec.get(key)
        if v is not None and not (isinstance(v, float) and np.isnan(v)):
            sides.add(side)
    return sides


def _finite(v) -> bool:
    return v is not None and bool(np.isfinite(float(v)))


def apply_treatment(x: np.ndarray, rec: dict) -> np.ndarray:
    """Apply a treatment fitted on reference values (a ``details`` row) to other values ("frozen").

    Winsorisation replaces the most extreme values, on the side(s) actually Winsorised, by the last
    value kept (COINr ``winsorise``; OECD/JRC Handbook, step 5). Applied to other values it is a
    one-sided clip at that boundary: a top-only Winsorisation caps values above ``clip_hi`` (the largest
    value the reference kept) and leaves the low tail alone, and vice versa; an indicator that was not
    treated is returned unchanged. The log fallback applies the reference's transform
    ``log(x − min + 0.01·(max − min))`` with the reference's minimum and maximum; values below the
    reference minimum are set to it first (the transform is undefined a little below it).
    Used for panels normalised on a reference year and for frozen what-if scenarios.

    Parameters
    ----------
    x : ndarray
        Values to treat.
    rec : dict
        One row of the ``details`` table of :func:`treat` on the reference data.

    Returns
    -------
    ndarray

    References
    ----------
    OECD & JRC (2008). *Handbook on Constructing Composite Indicators: Methodology and User Guide*.
    OECD Publishing, Paris.
    Becker, W., Caperna, G., Del Sorbo, M., Norlén, H., Papadimitriou, E., & Saisana, M. (2022).
    COINr: An R package for developing composite indicators. *Journal of Open Source Software*, 7(78), 4567.
    """
    x = np.asarray(x, dtype=float)
    if rec.get("fallback") == "log":
        mn, mx = rec["log_min"], rec["log_max"]
        return np.log(np.maximum(x, mn) - mn + 0.01 * (mx - mn))
    sides = winsorised_sides(rec)
    out = x
    if "winhi" in sides and _finite(rec.get("clip_hi")):
        out = np.minimum(out, float(rec["clip_hi"]))   # NaN stays NaN
    if "winlo" in sides and _finite(rec.get("clip_lo")):
        out = np.maximum(out, float(rec["clip_lo"]))
    return out


def treat(values: pd.DataFrame, method: str = "winsorise", *, skew: float = 2.0, kurt: float = 3.5,
          winmax: int | None = 5, fallback: str | None = "log", overrides: dict | None = None,
          columns: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the treatment rule to every column (per-indicator ``overrides`` allowed).

    Returns
    -------
    treated : DataFrame
    details : DataFrame
        One row per indicator: skewness, kurtosis, points Winsorised, fallback used, pass flags.
    """
    cols = list(values.columns) if columns is None else list(columns)
    out = values.copy()
    rows = []
    base = {"method": method, "skew": skew, "kurt": kurt, "winmax": winmax, "fallback": fallback}
    for c in cols:
        p = dict(base)
        if overrides and c in overrides:
            ov = overrides[c]
            p.update({"method": ov} if isinstance(ov, str) else ov)
        x, rec = treat_series(out[c].to_numpy(), p["method"], p["skew"], p["kurt"], p["winmax"], p["fallback"])
        rec.pop("_flags", None)
        out[c] = x
        rows.append({"iCode": c, **rec})
    return out, pd.DataFrame(rows).set_index("iCode") if rows else pd.DataFrame()


def treat_frozen(values: pd.DataFrame, details: pd.DataFrame) -> pd.DataFrame:
    """Apply fitted treatments (``details`` from :func:`treat` on reference data) column by column.

    Each column goes through :func:`apply_treatment`: one-sided clips where only one side was
    Winsorised, the reference's log transform, and no change for untreated indicators or columns
    missing from ``details``.
    """
    out = values.copy()
    for c in details.index:
        if c in out.columns:
            out[c] = apply_treatment(out[c].to_numpy(), details.loc[c].to_dict())
    return out
