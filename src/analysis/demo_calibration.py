"""Province-level targets and national within-province parameters of the synthetic demo panel.

Every number here is a **province aggregate or a national summary** of official statistics; no
kabupaten/kota row of any source is stored. :mod:`analysis.demo` draws synthetic kab/kota values
around these targets, so the demo's province totals, means and shares match Indonesia's while every
individual unit's value is invented. Sources, per column:

``population``
    Population of the province, December 2024 civil registry (Dukcapil, Kemendagri), as tabulated in
    Kepmendagri 300.2.2-2138/2025 (code and area reference).
``area_km2``
    Land area of the province, km², same Kepmendagri decision (areas from Badan Informasi
    Geospasial, 2024). DKI Jakarta: 661.5 km², the sum of its six units in that decision.
``poverty``
    Poverty rate P0, % of population, March 2024 (BPS, Susenas): the province aggregate of BPS's
    kab/kota figures (number of poor ÷ population), which matches BPS's province P0 to rounding.
``rls``
    Mean years of schooling (RLS, age 25+), 2024 (BPS, IPM 2024), population-weighted province mean of
    BPS's kab/kota values.
``grdp_pc``
    GRDP (PDRB) per capita, million rupiah at constant 2010 prices, 2024 (BPS regional accounts):
    population-weighted province mean of BPS's kab/kota values. In the table used, Kota Jayapura
    (Papua) carries a Mimika-sized value and Mimika (Papua Tengah) a small one — most likely swapped
    — so Papua and Papua Tengah both take their pooled mean, 70.6.
``unemployment``
    Open unemployment rate (TPT), %, August 2023 (BPS, Sakernas; Berita Resmi Statistik
    6 Nov 2023, as listed by Katadata/Databoks). Values marked ``approx`` in :data:`APPROXIMATE` were
    not in that list and are the kit's reading of the same release (to be checked against the BRS).
    The four Papua provinces formed in 2022 take Papua's published value, Papua Barat Daya Papua
    Barat's (BPS published 34 provinces for 2023).
``internet``
    Households that accessed the internet in the last 3 months, %, 2023 (BPS, *Statistik
    Telekomunikasi Indonesia 2023*): published for DKI Jakarta (98.08), Kepulauan Riau (95.98),
    Kalimantan Utara (93.76) and Papua (38.71), national 87.09. The other provinces are **derived** by
    the kit from BPS's published share of *persons* aged 5+ who used the internet in 2023 per province
    (:data:`PERSONS_ONLINE_2023`), through the logit line through the national and Papua points
    (household = logistic(0.756 + 1.425 · logit(persons))), which reproduces the three other
    published provinces within 2 points. New Papua provinces as for ``unemployment``.

National within-province parameters (:data:`WITHIN`) are summaries of the same BPS kab/kota tables
(2024): the mean gap between a province's kota and its kabupaten, the standard deviation of units
around their province-and-type mean, and the correlations of those deviations. Year-to-year changes
(:data:`CHANGE`) are the mean and standard deviation of one-year changes of the same series
(poverty and RLS 2024→2025, GRDP per capita 2023→2024).
"""

from __future__ import annotations

import math

__all__ = ["PROVINCE", "INTERNET", "COLUMNS", "APPROXIMATE", "PERSONS_ONLINE_2023", "WITHIN", "CORRELATION",
           "CORRELATED", "CHANGE", "URBAN_RURAL"]

COLUMNS = ("population", "area_km2", "poverty", "rls", "grdp_pc", "unemployment")

# code: (population Dec 2024, area km², P0 % Mar 2024, RLS 2024, GRDP pc 2024 (million Rp, 2010
# prices), TPT % Aug 2023) — sources in the module docstring.
PROVINCE: dict[str, tuple[int, float, float, float, float, float]] = {
    "11": (5623479, 56835, 14.23, 9.68, 27.3, 6.03),     # Aceh
    "12": (15640905, 72438, 7.99, 9.88, 41.3, 5.89),     # Sumatera Utara
    "13": (5820359, 42108, 5.98, 9.42, 34.5, 5.94),      # Sumatera Barat
    "14": (7099297, 89901, 6.67, 9.48, 85.2, 4.23),      # Riau
    "15": (3834439, 49023, 7.10, 8.96, 85.1, 4.53),      # Jambi
    "16": (9064690, 86772, 10.97, 8.64, 44.3, 4.11),     # Sumatera Selatan
    "17": (2127957, 20122, 13.56, 9.13, 25.9, 3.42),     # Bengkulu
    "18": (9144263, 33571, 10.69, 8.39, 29.8, 4.23),     # Lampung
    "19": (1549562, 16670, 4.55, 8.40, 39.8, 4.56),      # Kepulauan Bangka Belitung
    "21": (2271890, 8170, 5.37, 10.39, 95.5, 6.80),      # Kepulauan Riau
    "31": (11038216, 661.5, 4.30, 11.57, 201.4, 6.53),   # DKI Jakarta
    "32": (51316378, 37053, 7.46, 8.76, 35.3, 7.44),     # Jawa Barat
    "33": (38430645, 34347, 10.47, 8.01, 30.4, 5.13),    # Jawa Tengah
    "34": (3743365, 3170, 10.83, 9.94, 33.7, 3.69),      # DI Yogyakarta
    "35": (41919906, 48056, 9.79, 8.21, 46.4, 4.88),     # Jawa Timur
    "36": (12881374, 9356, 5.84, 9.07, 43.0, 7.52),      # Banten
    "51": (4375263, 5583, 4.00, 9.16, 37.5, 2.69),       # Bali
    "52": (5751295, 19632, 12.91, 7.74, 19.4, 2.80),     # Nusa Tenggara Barat
    "53": (5700772, 46378, 19.48, 7.98, 13.6, 3.14),     # Nusa Tenggara Timur
    "61": (5646268, 147018, 6.32, 7.76, 28.8, 5.05),     # Kalimantan Barat
    "62": (2825290, 153430, 5.17, 8.87, 42.7, 4.10),     # Kalimantan Tengah
    "63": (4305281, 37125, 4.11, 8.65, 36.8, 4.31),      # Kalimantan Selatan
    "64": (4123303, 126952, 5.78, 9.98, 141.8, 5.31),    # Kalimantan Timur
    "65": (770627, 69901, 6.31, 9.41, 98.5, 4.01),       # Kalimantan Utara
    "71": (2645291, 14488, 7.25, 9.88, 40.3, 6.10),      # Sulawesi Utara
    "72": (3219494, 61497, 11.77, 9.11, 72.3, 2.95),     # Sulawesi Tengah
    "73": (9528276, 45324, 8.06, 8.83, 42.2, 4.33),      # Sulawesi Selatan
    "74": (2824589, 36139, 11.21, 9.39, 41.1, 3.15),     # Sulawesi Tenggara
    "75": (1250960, 12025, 14.58, 8.27, 26.9, 3.06),     # Gorontalo
    "76": (1466741, 16591, 11.21, 8.19, 24.6, 2.27),     # Sulawesi Barat
    "81": (1935586, 46134, 16.05, 10.04, 19.4, 6.31),    # Maluku
    "82": (1394231, 31466, 6.32, 9.26, 48.6, 4.31),      # Maluku Utara
    "91": (1102360, 81383, 17.26, 10.63, 70.6, 2.67),   # Papua
    "92": (576255, 60309, 21.66, 8.39, 87.5, 5.38),      # Papua Barat
    "93": (562220, 117859, 17.44, 8.16, 29.0, 2.67),     # Papua Selatan
    "94": (1369112, 61080, 29.76, 6.30, 70.6, 2.67),     # Papua Tengah
    "95": (1470518, 52509, 32.97, 4.14, 13.4, 2.67),     # Papua Pegunungan
    "96": (623186, 39103, 18.13, 9.67, 24.6, 5.38),      # Papua Barat Daya
}

# TPT values not in the cited list (kit's reading of BPS's release; see module docstring).
APPROXIMATE = {"unemployment": ("17", "34", "51", "52", "53", "65", "72", "74", "75", "91", "93", "94", "95")}

# Persons aged 5+ who accessed the internet, % (BPS, Statistik Telekomunikasi Indonesia 2023, 34
# provinces); used only to derive household shares where BPS's household figure is not quoted.
PERSONS_ONLINE_2023: dict[str, float] = {
    "11": 59.30, "12": 70.29, "13": 68.64, "14": 73.02, "15": 68.14, "16": 66.66, "17": 66.25, "18": 70.68,
    "19": 72.03, "21": 86.71, "31": 86.50, "32": 72.54, "33": 70.00, "34": 78.61, "35": 66.17, "36": 71.73,
    "51": 73.34, "52": 63.20, "53": 51.06, "61": 66.39, "62": 71.34, "63": 72.13, "64": 80.46, "65": 77.03,
    "71": 64.81, "72": 58.22, "73": 66.95, "74": 65.83, "75": 63.77, "76": 59.89, "81": 58.54, "82": 53.48,
    "91": 29.87, "92": 60.01,
}
_HOUSEHOLDS_PUBLISHED = {"31": 98.08, "21": 95.98, "65": 93.76, "91": 38.71}
_PARENT = {"93": "91", "94": "91", "95": "91", "96": "92"}


def _logit(p: float) -> float:
    return math.log(p / (100 - p))


def _household_internet(code: str) -> float:
    code = _PARENT.get(code, code)
    if code in _HOUSEHOLDS_PUBLISHED:
        return _HOUSEHOLDS_PUBLISHED[code]
    return round(100 / (1 + math.exp(-(0.756 + 1.425 * _logit(PERSONS_ONLINE_2023[code])))), 2)


INTERNET: dict[str, float] = {c: _household_internet(c) for c in PROVINCE}
"""Households with internet access 2023 by province, % (published or derived, see module docstring)."""

# Urban and rural rates (BPS, national): TPT August 2023 6.40 % urban vs 3.88 % rural (Sakernas);
# household internet access 2023: rural 81.71 %, national 87.09 % (Statistik Telekomunikasi 2023).
URBAN_RURAL = {"unemployment": (6.40, 3.88), "internet": (None, 81.71)}

# Within-province parameters on the generator's scales (natural log for population, area, GRDP and
# unemployment; logit for poverty and internet; years for RLS). ``gap``: mean over the 33 provinces
# that have both types of (kota mean − kabupaten mean); ``sd``: (kota, kabupaten) standard deviation
# of units around their province-and-type mean. Population/area: Dukcapil/BIG 2024; poverty: BPS
# Susenas March 2024; RLS: BPS 2024; GRDP: BPS 2024. Unemployment and internet: gap from the
# urban/rural rates above scaled by kota/kabupaten urban shares (kit's own), sd the kit's own.
WITHIN: dict[str, dict[str, float | tuple[float, float]]] = {
    # population: the measured within-province mean gap (+0.27) comes from a few metropolitan kota;
    # 0 with a wider kabupaten spread reproduces the national kota−kabupaten median gap (≈0).
    "population": {"gap": 0.0, "sd": (0.74, 0.58)},
    "area_km2": {"gap": -2.53, "sd": (0.71, 0.59)},
    "poverty": {"gap": -0.56, "sd": (0.31, 0.31)},
    "rls": {"gap": 2.59, "sd": (0.77, 0.89)},
    "grdp_pc": {"gap": 0.47, "sd": (0.42, 0.48)},
    "unemployment": {"gap": 0.40, "sd": (0.30, 0.30)},
    "internet": {"gap": 0.80, "sd": (0.45, 0.45)},
}

CORRELATED = ("population", "area_km2", "poverty", "rls", "grdp_pc", "unemployment", "internet")
# Correlations of within-province-and-type deviations, order CORRELATED. The first five rows and
# columns are measured on the BPS/Dukcapil 2024 tables; entries with unemployment or internet are the
# kit's assumptions (signs as in BPS's urban/rural and education breakdowns).
CORRELATION = (
    (1.00, 0.38, -0.28, 0.20, 0.18, 0.20, 0.15),
    (0.38, 1.00, -0.10, -0.03, 0.10, -0.05, -0.15),
    (-0.28, -0.10, 1.00, -0.44, -0.24, -0.10, -0.40),
    (0.20, -0.03, -0.44, 1.00, 0.34, 0.15, 0.45),
    (0.18, 0.10, -0.24, 0.34, 1.00, 0.05, 0.25),
    (0.20, -0.05, -0.10, 0.15, 0.05, 1.00, 0.10),
    (0.15, -0.15, -0.40, 0.45, 0.25, 0.10, 1.00),
)

# One-year change on the generator's scale: (mean, sd) across units. Poverty logit 2024→2025 and RLS
# 2024→2025 (BPS), GRDP per capita log 2023→2024 (BPS, constant prices), population: BPS
# projection growth ~1.1 %/year. Unemployment (log) and internet (logit): the kit's own, from BPS
# national changes (TPT 5.32 → 4.91 %, Aug 2023→2024; households online 86.54 → 87.09 %, 2022→2023).
CHANGE: dict[str, tuple[float, float]] = {
    "population": (0.011, 0.004),
    "poverty": (-0.067, 0.072),
    "rls": (0.138, 0.11),
    "grdp_pc": (0.034, 0.022),
    "unemployment": (-0.08, 0.10),
    "internet": (0.05, 0.10),
}
