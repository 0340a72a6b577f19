"""Seeded generator of the synthetic demonstration panel (514 kab/kota × 54 indicators × 3 years).

The data are **synthetic demonstration data, not official statistics**. Every kabupaten/kota value is
invented; what is realistic is the *pattern*, calibrated to published province-level figures
(:mod:`analysis.demo_calibration`, each with its source):

* **Population and area** are province totals (Dukcapil/BIG 2024) split among the province's units
  with random shares; kota get a much smaller share of the area (a within-province log gap of −2.5)
  and a typical share of the people, so kota are far denser (median ~20×, as measured).
* **Poverty, mean years of schooling, GRDP per capita, open unemployment and household internet
  access** are drawn around their province's published value (BPS): units deviate from their province
  with the dispersion, kota/kabupaten gap and cross-indicator correlation measured on BPS's kab/kota
  tables, and are then shifted so that the population-weighted province mean equals the published
  province figure. So GRDP per capita is highest in Kalimantan, poverty highest in the Papua
  provinces, kota are richer and better educated, and urban unemployment is higher than rural.
* **The other 49 indicators** (no kab/kota statistics exist for most of them) follow a
  **multi-factor** model: a development factor (built from the calibrated indicators), an urbanity
  factor (log density), and separate governance, digital-economy, tourism, environment and
  health-services factors (partly shared within a province). Indicators of one group correlate
  moderately, indicators of different groups weakly, and some negatively (vegetation cover and air
  quality fall with density). Scales and centres are the kit's own illustrative choices, stated in
  :data:`INDICATORS`.
* **Years** move by small, persistent steps: one-year changes have the mean and spread of BPS's
  series (e.g. poverty −0.6 points a year, spread 0.8), so ranks are stable from year to year.
* **Missing values are persistent**: a unit that does not report an indicator misses it in every
  year (or in the first years only, when the series starts late); units with weak reporting capacity,
  and the young Papua provinces, miss more. BPS's own series (poverty, RLS, GRDP, unemployment,
  internet) are complete, as published.
* Rates and amounts keep a few extreme outliers (the same units every year), so the Winsorisation
  step has something to do.

Region codes and names are Kemendagri's (``data/reference``, ODbL).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import poisson

from . import demo_calibration as cal
from .framework import FRAMEWORK_DIR, load_framework
from .units import title_name

__all__ = ["generate", "write_demo", "REFERENCE_DIR", "DEMO_DIR", "ISLAND", "INDICATORS", "reference_units"]

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = ROOT / "data" / "reference"
DEMO_DIR = ROOT / "data" / "demo"
YEARS = (2023, 2024, 2025)
NOTE = ("Synthetic demonstration data — not official statistics / "
        "Data demonstrasi sintetis — bukan statistik resmi")

ISLAND = {**{p: "Sumatera" for p in (11, 12, 13, 14, 15, 16, 17, 18, 19, 21)},
          **{p: "Jawa" for p in (31, 32, 33, 34, 35, 36)}, 51: "Bali-Nusa Tenggara", 52: "Bali-Nusa Tenggara",
          53: "Bali-Nusa Tenggara", **{p: "Kalimantan" for p in (61, 62, 63, 64, 65)},
          **{p: "Sulawesi" for p in (71, 72, 73, 74, 75, 76)}, 81: "Maluku", 82: "Maluku",
          **{p: "Papua" for p in (91, 92, 93, 94, 95, 96)}}

# Indicators calibrated to BPS figures: framework code -> calibration column.
CALIBRATED = {"ECO_POVERTY": "poverty", "SOC_RLS": "rls", "ECO_GRDPPC": "grdp_pc",
              "ECO_UNEMP": "unemployment", "SOC_INTERNET": "internet"}
# Data year of each calibrated series (its province targets refer to this year).
_BASE_YEAR = {"population": 2024, "poverty": 2024, "rls": 2024, "grdp_pc": 2024, "unemployment": 2023,
              "internet": 2023}
# Scale of each calibrated series: logit (percentages), log (amounts) or linear.
_SCALE = {"poverty": "logit", "internet": "logit", "unemployment": "log", "grdp_pc": "log", "rls": "linear"}

# Factors of the other indicators. DEV: development (from poverty, RLS, GRDP, internet); URB: log
# density; GOV, DIG, TOUR, ENV, HLTH: governance, digital economy, tourism/culture, environmental
# management, health services. Share of each factor's variance that is common to a province:
_PROVINCE_SHARE = {"GOV": 0.35, "DIG": 0.2, "TOUR": 0.3, "ENV": 0.3, "HLTH": 0.2}

# code: (shape, centre, spread, loadings). Shapes: "pct" logistic(centre + spread·z) × 100;
# "rate" centre · exp(spread·z); "score" centre + spread·z (clipped to the unit's scale); "count"
# Poisson with mean exp(centre + spread·z) (the unit's quantile of it, fixed across years). z is the
# standardised latent value. Centres are the kit's illustrative choices; where a national figure is
# known it is noted (BPS unless said otherwise).
INDICATORS: dict[str, tuple[str, float, float, dict[str, float]]] = {
    "GOV_EGOV": ("pct", 0.3, 0.9, {"GOV": 0.7, "DEV": 0.25, "URB": 0.1}),
    "GOV_COMPLAINT": ("rate", 14.0, 0.35, {"GOV": -0.6, "DEV": -0.1}),
    "GOV_OSS": ("rate", 10.0, 0.7, {"GOV": 0.4, "DIG": 0.3, "URB": 0.2}),
    "GOV_SPBE": ("score", 2.6, 0.65, {"GOV": 0.75, "DEV": 0.25}),
    "GOV_SAKIP": ("score", 62.0, 9.0, {"GOV": 0.6, "DEV": 0.3}),
    "GOV_EPROC": ("pct", 0.5, 0.8, {"GOV": 0.6, "URB": 0.1}),
    "GOV_OPENDATA": ("rate", 8.0, 0.8, {"GOV": 0.6, "URB": 0.2}),
    "GOV_REGDIG": ("count", 0.9, 0.6, {"GOV": 0.7}),
    "GOV_MUSREN": ("pct", 0.3, 0.9, {"GOV": 0.6, "DEV": 0.2}),
    "BRA_TOURIST": ("rate", 400.0, 0.9, {"TOUR": 0.7, "URB": 0.2}),
    "BRA_HOTELOCC": ("pct", -0.1, 0.45, {"TOUR": 0.5, "URB": 0.3}),   # star hotels ~50 % (BPS TPK)
    "BRA_TOURDIG": ("pct", -0.3, 0.9, {"TOUR": 0.4, "DIG": 0.4, "DEV": 0.2}),
    "BRA_MSMEONL": ("pct", -1.0, 0.7, {"DIG": 0.5, "DEV": 0.3, "URB": 0.3}),
    "BRA_NEWBIZ": ("rate", 12.0, 0.6, {"DIG": 0.3, "DEV": 0.3, "URB": 0.4}),
    "BRA_INVEST": ("rate", 3.0, 1.0, {"DEV": 0.3}),
    "BRA_GREEN": ("pct", -1.9, 0.6, {"ENV": 0.5, "URB": -0.2}),
    "BRA_HERITAGE": ("rate", 4.0, 0.8, {"TOUR": 0.5, "URB": -0.1}),
    "BRA_SLUM": ("pct", -2.5, 0.7, {"URB": 0.3, "DEV": -0.4}),
    "ECO_MANUF": ("pct", -1.9, 0.8, {"URB": 0.3, "DEV": 0.2}),        # manufacturing ~19 % of GDP
    "ECO_STARTUP": ("rate", 1.5, 0.9, {"DIG": 0.5, "URB": 0.5, "DEV": 0.2}),
    "ECO_GINI": ("score", 0.32, 0.035, {"URB": 0.6, "DEV": 0.1}),     # urban 0.399 > rural 0.306, Mar 2024
    "ECO_QRIS": ("rate", 20.0, 0.8, {"DIG": 0.5, "URB": 0.5, "DEV": 0.3}),
    "ECO_BANKACC": ("pct", 0.4, 0.6, {"DEV": 0.5, "URB": 0.3, "DIG": 0.3}),
    "ECO_ETAX": ("pct", 0.2, 0.8, {"GOV": 0.5, "DIG": 0.3, "URB": 0.2}),
    "LIV_RDTR": ("pct", -1.0, 1.0, {"GOV": 0.5, "URB": 0.4}),
    "LIV_HOUSING": ("pct", 0.55, 0.6, {"DEV": 0.6, "URB": 0.1}),      # adequate housing 63 %, 2023
    "LIV_WATER": ("pct", 2.2, 0.8, {"DEV": 0.6, "URB": 0.2}),         # safe drinking water 92 %, 2023
    "LIV_DOCTORS": ("rate", 3.0, 0.6, {"URB": 0.6, "DEV": 0.4, "HLTH": 0.3}),
    "LIV_PUSKESMAS": ("rate", 4.0, 0.5, {"URB": -0.6, "HLTH": 0.4}),
    "LIV_STUNTING": ("pct", -1.3, 0.45, {"DEV": -0.6, "HLTH": -0.3}),  # 21.5 %, SKI 2023 (Kemenkes)
    "LIV_ROADS": ("pct", 0.5, 0.7, {"DEV": 0.4, "URB": 0.3, "GOV": 0.2}),
    "LIV_TRANSIT": ("rate", 1.5, 0.8, {"URB": 0.6, "GOV": 0.2}),
    "LIV_COMMUTE": ("rate", 30.0, 0.25, {"URB": 0.5}),
    "SOC_ENGAGE": ("rate", 8.0, 0.8, {"GOV": 0.5, "DIG": 0.3, "URB": 0.2}),
    "SOC_RTIK": ("rate", 10.0, 0.8, {"GOV": 0.5, "DIG": 0.2}),
    "SOC_SCHOOLNET": ("pct", 1.2, 0.9, {"DEV": 0.6, "URB": 0.2}),
    "SOC_DIGLIT": ("score", 3.6, 0.18, {"DEV": 0.4, "DIG": 0.4, "URB": 0.2}),
    "SOC_CRIME": ("rate", 90.0, 0.6, {"URB": 0.5}),
    "SOC_CCTV": ("rate", 2.0, 0.9, {"URB": 0.5, "GOV": 0.4}),
    "SOC_EMERG": ("rate", 20.0, 0.35, {"URB": -0.3, "GOV": -0.4, "DEV": -0.2}),
    "ENV_AIRQ": ("score", 84.0, 6.0, {"URB": -0.6, "ENV": 0.2}),
    "ENV_WATERQ": ("score", 53.0, 8.0, {"URB": -0.4, "ENV": 0.3}),
    "ENV_COVER": ("pct", 0.3, 1.1, {"URB": -0.7, "DEV": -0.2}),
    "ENV_WASTE": ("pct", 0.2, 0.9, {"ENV": 0.6, "URB": 0.3, "DEV": 0.2}),
    "ENV_RECYCLE": ("pct", -1.6, 0.7, {"ENV": 0.6, "URB": 0.2}),
    "ENV_WASTEBANK": ("rate", 5.0, 0.9, {"ENV": 0.6, "GOV": 0.2}),
    "ENV_ELECTRIF": ("pct", 4.2, 1.0, {"DEV": 0.7, "URB": 0.2}),      # ~99.8 %, ESDM 2023
    "ENV_RENEW": ("pct", -1.7, 0.9, {"ENV": 0.2}),
    "ENV_LED": ("pct", -0.8, 0.9, {"GOV": 0.4, "ENV": 0.3, "DEV": 0.2}),
}
_SCORE_RANGE = {"score 1-5": (1.0, 5.0), "score 0-100": (0.0, 100.0), "ratio 0-1": (0.15, 0.6)}
_STEP_SD = 0.06     # one-year change of an uncalibrated indicator, in its latent sd (kit's own)
_TREND = 0.05       # its mean yearly improvement, same unit


def reference_units(reference_dir: str | Path = REFERENCE_DIR) -> pd.DataFrame:
    """The 514 kab/kota with Kemendagri codes, official names, province, type and island group."""
    reg = pd.read_csv(Path(reference_dir) / "regencies.csv", dtype=str)
    prov = pd.read_csv(Path(reference_dir) / "provinces.csv", dtype=str).set_index("code")["name"]
    out = pd.DataFrame({
        "uCode": reg["code"], "uName": reg["name"].map(title_name),
        "province_code": reg["province_code"], "province": reg["province_code"].map(prov).map(title_name),
    })
    out["type"] = np.where(reg["name"].str.startswith("KOTA"), "Kota", "Kabupaten")
    out["island"] = out["province_code"].astype(int).map(ISLAND)
    return out


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _to_value(x: np.ndarray, scale: str) -> np.ndarray:
    return 100 * _expit(x) if scale == "logit" else np.exp(x) if scale == "log" else x


def _match_province_means(x: np.ndarray, scale: str, target: np.ndarray, weight: np.ndarray,
                          prov: np.ndarray) -> np.ndarray:
    """Shift ``x`` within each province so its population-weighted mean (on the value scale) is the target."""
    x = x.copy()
    for p in np.unique(prov):
        m = prov == p
        w = weight[m] / weight[m].sum()
        t = target[m][0]
        if scale == "linear":
            x[m] += t - (w * x[m]).sum()
        elif scale == "log":
            x[m] += np.log(t) - np.log((w * np.exp(x[m])).sum())
        else:  # logit: monotone in the shift, solved by bisection
            lo, hi = -15.0, 15.0
            for _ in range(60):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if (w * 100 * _expit(x[m] + mid)).sum() < t else (lo, mid)
            x[m] += (lo + hi) / 2
    return x


def _split_total(x: np.ndarray, total: np.ndarray, prov: np.ndarray) -> np.ndarray:
    """Split each province's total among its units in proportion to ``exp(x)``."""
    share = np.exp(x - x.max())
    sums = pd.Series(share).groupby(prov).transform("sum").to_numpy()
    return total * share / sums


def _z(v: np.ndarray) -> np.ndarray:
    return (v - v.mean()) / v.std()


def _shape(kind: str, centre: float, spread: float, z: np.ndarray, unit: str, u: np.ndarray) -> np.ndarray:
    if kind == "pct":
        return (100 * _expit(centre + spread * z)).round(2)
    if kind == "rate":
        return (centre * np.exp(spread * z)).round(3)
    if kind == "count":
        # the unit keeps its quantile ``u`` of the Poisson law every year, so counts do not jump
        return poisson.ppf(u, np.exp(centre + spread * z)).astype(float)
    lo, hi = _SCORE_RANGE.get(unit.lower(), (-np.inf, np.inf))
    digits = 3 if hi <= 1 else 2 if hi <= 5 else 1
    return np.clip(centre + spread * z, lo, hi).round(digits)


def generate(seed: int = 20261123, reference_dir: str | Path = REFERENCE_DIR,
             framework: str | Path = FRAMEWORK_DIR / "kominfo_gm100sc.yaml", years: Sequence[int] = YEARS,
             missing: float = 0.05) -> pd.DataFrame:
    """Generate the synthetic panel (one row per unit and year, wide layout).

    Parameters
    ----------
    seed : int
        Seed of the numpy ``Generator``; the same seed gives the same table, byte for byte.
    reference_dir : path
        Folder with Kemendagri's ``provinces.csv`` and ``regencies.csv``.
    framework : path
        Framework whose indicators become columns (codes in :data:`INDICATORS` or :data:`CALIBRATED`).
    years : sequence of int
        Years of the panel.
    missing : float
        Target share of missing values among the indicators that can be missing (not BPS's series).

    Returns
    -------
    pandas.DataFrame
        ``uCode``, ``uName``, ``province_code``, ``province``, ``type``, ``island``, ``year``,
        ``population``, ``area_km2`` and one column per indicator.
    """
    rng = np.random.default_rng(seed)
    fw = load_framework(framework)
    units = reference_units(reference_dir)
    years = sorted(int(y) for y in years)
    n = len(units)
    kota = (units["type"] == "Kota").to_numpy()
    prov = units["province_code"].to_numpy()
    target = {col: np.array([cal.PROVINCE[p][i] for p in prov], dtype=float)
              for i, col in enumerate(cal.COLUMNS)}
    target["internet"] = np.array([cal.INTERNET[p] for p in prov])

    # within-province deviations with the measured correlations, kota/kabupaten gaps and spreads
    dev = rng.standard_normal((n, len(cal.CORRELATED))) @ np.linalg.cholesky(np.array(cal.CORRELATION)).T
    base: dict[str, np.ndarray] = {}
    for j, col in enumerate(cal.CORRELATED):
        w = cal.WITHIN[col]
        sd_kota, sd_kab = w["sd"]
        base[col] = w["gap"] * kota + np.where(kota, sd_kota, sd_kab) * dev[:, j]
    pop = _split_total(base.pop("population"), target["population"], prov)
    area = _split_total(base.pop("area_km2"), target["area_km2"], prov)
    for col, x in base.items():
        base[col] = _match_province_means(x, _SCALE[col], target[col], pop, prov)

    # yearly paths of the calibrated series: small persistent steps around the data year
    def path(col: str, x0: np.ndarray) -> dict[int, np.ndarray]:
        mean, sd = cal.CHANGE[col]
        b = _BASE_YEAR[col]
        out = {b: x0}
        for step in (1, -1):
            x, y = x0, b
            while min(years) <= y + step <= max(years):
                d = rng.normal(mean, sd, n)
                if col == "rls":
                    d = np.clip(d, 0.0, None)
                x = x + step * d
                y += step
                out[y] = x
        return out

    paths = {col: path(col, x) for col, x in base.items()}
    pop_path = path("population", np.log(pop))

    # factors of the other indicators
    z_dev = _z(-_z(base["poverty"]) + _z(base["rls"]) + _z(base["grdp_pc"]) + _z(base["internet"]))
    z_urb = _z(np.log(pop / area))
    codes, prov_idx = np.unique(prov, return_inverse=True)
    factors = {"DEV": z_dev, "URB": z_urb}
    for f, share in _PROVINCE_SHARE.items():
        factors[f] = (np.sqrt(share) * rng.standard_normal(len(codes))[prov_idx]
                      + np.sqrt(1 - share) * rng.standard_normal(n))
    capacity = 0.5 * factors["GOV"] + 0.5 * z_dev + rng.normal(0, 0.7, n)   # reporting capacity
    young = np.isin(prov, ["93", "94", "95", "96"])

    frames = {y: units.assign(year=y) for y in years}
    for y in years:
        frames[y]["population"] = np.exp(pop_path[y]).round(0)
        frames[y]["area_km2"] = area.round(1)
    for code in fw.indicators:
        node = fw.nodes[code]
        unit = node.unit or ""
        if code in CALIBRATED:
            col = CALIBRATED[code]
            digits = 2
            for y in years:
                frames[y][code] = _to_value(paths[col][y], _SCALE[col]).round(digits)
            continue
        kind, centre, spread, load = INDICATORS[code]
        z = sum(lv * factors[f] for f, lv in load.items())
        z = z + np.sqrt(max(0.2, 1 - sum(lv * lv for lv in load.values()))) * rng.standard_normal(n)
        z = _z(z)
        lat = {}
        for i, y in enumerate(years):
            lat[y] = z if i == 0 else lat[years[i - 1]] + rng.normal(_TREND * node.direction, _STEP_SD, n)
        outliers = rng.choice(n, size=3, replace=False) if kind == "rate" else np.array([], int)
        jump = rng.uniform(4, 9, len(outliers))
        # persistent gaps: missing in every year, or in the first years only (series started late)
        p = missing * np.exp(-0.8 * capacity) / np.exp(-0.8 * capacity).mean()
        p = np.clip(p * np.where(young, 3.0, 1.0), 0, 0.9)
        gone = rng.random(n) < p
        starts = np.where(rng.random(n) < 0.2, rng.integers(1, len(years), n), 0)   # first year observed
        u = rng.uniform(0.02, 0.98, n)
        for i, y in enumerate(years):
            x = _shape(kind, centre, spread, lat[y], unit, u)
            x[outliers] = (x[outliers] * jump).round(3)
            frames[y][code] = np.where(gone & (i < np.where(starts > 0, starts, len(years))), np.nan, x)
    return pd.concat([frames[y] for y in years], ignore_index=True)


def write_demo(out: str | Path = DEMO_DIR, seed: int = 20261123, *, force: bool = False) -> list[Path]:
    """Write ``smartcity_panel.csv`` (all years) and ``smartcity_2025.csv`` (latest year) into ``out``.

    A file that already holds exactly these bytes is left as it is. A file with other content is
    never overwritten unless ``force`` is given (then it is replaced atomically: a temporary file
    beside it is renamed over it once complete), so regenerating the demo cannot destroy a user's
    edited copy by accident.

    Raises
    ------
    InputError
        ``out`` is a file, or a target file differs and ``force`` is False.
    """
    from ._errors import InputError
    from .manifest import atomic_file

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError("--out is a file, not a folder", file=out)
    df = generate(seed)
    texts = {
        out / "smartcity_panel.csv": df.to_csv(index=False, float_format="%.6g"),
        out / "smartcity_2025.csv": df[df["year"] == max(YEARS)].drop(columns="year")
        .to_csv(index=False, float_format="%.6g"),
    }
    payload = {p: t.encode("utf-8") for p, t in texts.items()}
    for p, b in payload.items():
        if p.exists() and (not p.is_file() or p.read_bytes() != b) and not force:
            raise InputError("exists with other content; use --force to replace it with the regenerated "
                             "demonstration data", file=p)
    out.mkdir(parents=True, exist_ok=True)
    for p, b in payload.items():
        if p.is_file() and p.read_bytes() == b:
            continue
        atomic_file(p, lambda tmp, b=b: tmp.write_bytes(b))
    return list(payload)
