"""Seeded generator of the synthetic demonstration panel (514 kab/kota × 54 indicators × 3 years).

The data are **synthetic**: realistic in shape, not official statistics. Each unit gets latent factors
— urbanity (kota vs kabupaten, plus noise), fiscal capacity, a regional development gradient
(Java–Bali highest, Papua lowest) and digital-governance commitment — and each indicator is a noisy
function of a few of them, mapped to its unit's natural scale: percentages through a logistic curve,
rates and amounts through a log-normal (right-skewed, with a few extreme outliers), scores onto
their bounded scale. Indicators with direction −1 fall as the latent level rises. Years add a common
upward trend and small unit-specific shocks. About 5% of values are missing, more in remote regions.
Region codes and names are Kemendagri's (``data/reference``, ODbL).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .framework import FRAMEWORK_DIR, load_framework

__all__ = ["generate", "write_demo", "REFERENCE_DIR", "DEMO_DIR", "ISLAND", "reference_units"]

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
_REGION_LEVEL = {"Jawa": 0.8, "Bali-Nusa Tenggara": 0.1, "Sumatera": 0.3, "Kalimantan": 0.2, "Sulawesi": 0.0,
                 "Maluku": -0.6, "Papua": -1.4}
# loadings on (urban, fiscal, region, governance) per dimension
_LOAD = {"GOV": (0.3, 0.3, 0.3, 0.9), "BRA": (0.6, 0.5, 0.3, 0.2), "ECO": (0.6, 0.7, 0.4, 0.1),
         "LIV": (0.5, 0.3, 0.7, 0.1), "SOC": (0.6, 0.2, 0.6, 0.3), "ENV": (0.2, 0.3, 0.3, 0.4)}


def _title(name: str) -> str:
    small = {"Dan": "dan"}
    return " ".join(small.get(w.capitalize(), w.capitalize()) for w in name.split())


def reference_units(reference_dir: str | Path = REFERENCE_DIR) -> pd.DataFrame:
    """The 514 kab/kota with Kemendagri codes, names, province, type and island group."""
    reg = pd.read_csv(Path(reference_dir) / "regencies.csv", dtype=str)
    prov = pd.read_csv(Path(reference_dir) / "provinces.csv", dtype=str).set_index("code")["name"]
    out = pd.DataFrame({
        "uCode": reg["code"], "uName": reg["name"].map(_title),
        "province_code": reg["province_code"], "province": reg["province_code"].map(prov).map(_title),
    })
    out["type"] = np.where(reg["name"].str.startswith("KOTA"), "Kota", "Kabupaten")
    out["island"] = out["province_code"].astype(int).map(ISLAND)
    return out


def _shape(code: str, unit: str, lat: np.ndarray, rng: np.random.Generator, goal) -> np.ndarray:
    u = unit.lower()
    if u.startswith("score 1-5"):
        return np.clip(2.6 + 0.8 * lat, 1.0, 5.0).round(2)
    if u.startswith("score 0-100"):
        return np.clip(62 + 12 * lat, 5, 100).round(1)
    if u == "years":
        return np.clip(8.6 + 1.6 * lat, 1.9, 13.4).round(2)
    if u.startswith("ratio"):
        return np.clip(0.34 - 0.035 * lat, 0.2, 0.5).round(3)
    if u.startswith("%"):
        centre = {"ECO_POVERTY": -2.2, "ECO_UNEMP": -2.9, "LIV_STUNTING": -1.4, "BRA_SLUM": -2.3,
                  "ECO_MANUF": -1.8, "ENV_RENEW": -1.6, "ENV_RECYCLE": -1.7, "BRA_GREEN": -1.9,
                  "ENV_ELECTRIF": 1.8, "LIV_WATER": 1.2, "LIV_HOUSING": 1.0, "ENV_WASTE": 0.6}.get(code, 0.2)
        return (100 / (1 + np.exp(-(centre + 0.9 * lat)))).round(2)
    if u in ("days", "minutes"):
        base = {"GOV_COMPLAINT": 14.0, "LIV_COMMUTE": 38.0, "SOC_EMERG": 22.0}.get(code, 20.0)
        return (base * np.exp(0.35 * lat)).round(1)
    if u == "count":
        return rng.poisson(np.exp(0.9 + 0.7 * lat)).astype(float)
    base = {"million Rp": 45.0}.get(u, 10.0)
    x = base * np.exp(0.75 * lat)
    return x.round(3)


def generate(seed: int = 20261123, reference_dir: str | Path = REFERENCE_DIR,
             framework: str | Path = FRAMEWORK_DIR / "kominfo_gm100sc.yaml", years=YEARS,
             missing: float = 0.05) -> pd.DataFrame:
    """Generate the synthetic panel (one row per unit and year, wide layout).

    Parameters
    ----------
    seed : int
        Seed of the numpy ``Generator``; the same seed gives the same table, byte for byte.
    missing : float
        Target share of missing indicator values.
    """
    rng = np.random.default_rng(seed)
    fw = load_framework(framework)
    units = reference_units(reference_dir)
    n = len(units)
    kota = (units["type"] == "Kota").to_numpy()
    region = units["island"].map(_REGION_LEVEL).to_numpy()
    urban = 1.3 * kota + 0.6 * region + rng.normal(0, 0.6, n)
    fiscal = 0.5 * urban + rng.normal(0, 0.8, n)
    gov = 0.3 * urban + rng.normal(0, 0.9, n)
    pop = np.where(kota, rng.lognormal(np.log(450_000), 0.8, n), rng.lognormal(np.log(350_000), 0.9, n))
    area = np.where(kota, rng.lognormal(np.log(150), 0.8, n), rng.lognormal(np.log(2500), 1.0, n))
    remote = units["island"].isin(["Papua", "Maluku"]).to_numpy()
    rows = []
    base_lat = {}
    for code in fw.indicators:
        dim = fw.ancestors(code)[-2]
        a, b, c, d = _LOAD[dim]
        z = a * urban + b * fiscal + c * region + d * gov
        if code == "ENV_COVER":
            z = -0.9 * urban + 0.4 * remote
        base_lat[code] = (z - z.mean()) / z.std() * 0.8 + rng.normal(0, 0.6, n)
    outlier_units = {code: rng.choice(n, size=3, replace=False) for code in fw.indicators}
    for t, year in enumerate(years):
        df = units.copy()
        df["year"] = year
        df["population"] = (pop * (1.012 ** t)).round(0)
        df["area_km2"] = area.round(1)
        for code in fw.indicators:
            node = fw.nodes[code]
            lat = base_lat[code] + 0.12 * t + rng.normal(0, 0.15, n)
            x = _shape(code, node.unit or "", lat * node.direction, rng, None)
            u = (node.unit or "").lower()
            if u.startswith("per") or u in ("million rp",):
                x[outlier_units[code]] *= rng.uniform(4, 9, 3)
            p_miss = np.where(remote, 3 * missing, 0.8 * missing)
            x = np.where(rng.random(n) < p_miss, np.nan, x)
            df[code] = x
        rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    return out


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
    import os
    import tempfile

    from ._errors import InputError

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
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.maturasi-tmp-", dir=out)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(b)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, p)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return list(payload)


def _umask() -> int:
    import os

    m = os.umask(0)
    os.umask(m)
    return m
