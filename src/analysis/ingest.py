"""Reading official tables as published (BPS, Kemendagri) and joining their region codes.

Quirks handled: numbers written as strings with thousands separators and spaces (``" 8,200 "``),
decimal commas (``"8,2"``), a byte-order mark, column names with spaces and parentheses, wide year
columns (``grdp_pc_2000 … grdp_pc_2024``) and long panels (``tahun``). Region codes: Kemendagri
(``11.01``) and BPS (``1101``) numberings disagree for many districts, so :func:`crosswalk` matches
on province and normalised name and reports every unmatched or ambiguous unit.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError
from .tables import read_bytes, read_text

__all__ = ["parse_number", "clean_columns", "read_official", "wide_years_to_long", "normalise_name",
           "crosswalk", "MANUAL_EXCEPTIONS"]

_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")


def parse_number(value, decimal: str = "auto") -> float:
    """Parse a published number: ``" 8,200 "`` → 8200, ``"8,2"`` → 8.2, ``"1.234,5"`` → 1234.5.

    ``decimal='auto'`` reads a comma followed by exactly three digits (in groups) as a thousands
    separator and any other comma as a decimal comma; ``'.'`` or ``','`` force the decimal mark.
    Blank, ``-`` and ``NA`` give NaN. Anything else that is not a number raises ``ValueError``.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    s = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if s in ("", "-", "–", "NA", "N/A", "na", "…", "..."):
        return np.nan
    if decimal == ",":
        s = s.replace(".", "").replace(",", ".")
    elif decimal == ".":
        s = s.replace(",", "")
    elif "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        s = s.replace(",", "") if _THOUSANDS_COMMA.match(s) else s.replace(",", ".")
    elif _THOUSANDS_DOT.match(s) and s.count(".") > 1:
        s = s.replace(".", "")
    return float(s)


def clean_columns(cols) -> list[str]:
    """``"Indeks Kedalaman Kemiskinan (P1)"`` → ``"indeks_kedalaman_kemiskinan_p1"``; ``"jumlah_miskin (000)"``
    → ``"jumlah_miskin_000"``."""
    out = []
    for c in cols:
        s = str(c).replace("\ufeff", "").strip().lower()
        s = re.sub(r"[^0-9a-z]+", "_", s).strip("_")
        out.append(s)
    return out


def read_official(path: str | Path, *, key: str | None = None, decimal: str = "auto",
                  text_columns: list[str] | None = None) -> pd.DataFrame:
    """Read an official CSV/XLSX table, clean its column names and parse its numbers.

    Columns that parse as numbers in every non-blank cell become floats; others stay text. ``key``
    (after cleaning) and ``text_columns`` are always kept as text (codes keep leading zeros).
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        read_bytes(path, "official table")  # missing, folder, unreadable, empty: one line
        df = pd.read_excel(path, dtype=str)
    else:
        text = read_text(path, "official table", table=True)
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    df.columns = clean_columns(df.columns)
    df = df[~(df.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)].reset_index(drop=True)
    keep = set(clean_columns(text_columns or [])) | ({clean_columns([key])[0]} if key else set())
    for c in df.columns:
        if c in keep or c.endswith("id") or c.startswith("kode") or c.endswith("code"):
            df[c] = df[c].astype(str).str.strip()
            continue
        try:
            df[c] = [parse_number(v, decimal) for v in df[c]]
        except ValueError:
            df[c] = df[c].astype(str).str.strip()
    return df


def wide_years_to_long(df: pd.DataFrame, prefix: str, id_cols: list[str], value_name: str | None = None,
                       year_name: str = "year") -> pd.DataFrame:
    """Reshape ``<prefix><year>`` columns (``grdp_pc_2000 …``) into a long panel."""
    cols = [c for c in df.columns if re.fullmatch(re.escape(prefix) + r"\d{4}", c)]
    if not cols:
        raise InputError(f"no columns named {prefix}<year>")
    long = df.melt(id_vars=id_cols, value_vars=cols, var_name=year_name, value_name=value_name or prefix.rstrip("_"))
    long[year_name] = long[year_name].str[len(prefix):].astype(int)
    return long


_PREFIX = re.compile(r"^(KABUPATEN ADMINISTRASI|KABUPATEN|KAB\.?|KOTA ADMINISTRASI|KOTA ADM\.?|KOTA)\s+")
# Known spelling differences between BPS and Kemendagri lists (normalised name → normalised name).
# Differences in spacing alone ("GUNUNG KIDUL"/"GUNUNGKIDUL", "BAU BAU"/"BAUBAU") need no entry:
# names are compared without spaces.
MANUAL_EXCEPTIONS = {
    "PANGKAJENE KEPULAUAN": "PANGKAJENE DAN KEPULAUAN",
    "KEPULAUAN SIAU TAGULANDANG BIARO": "SIAU TAGULANDANG BIARO",
    "PAHUWATO": "POHUWATO",
    "PADANGSIDIMPUAN": "PADANG SIDEMPUAN",
    "MAHAKAM HULU": "MAHAKAM ULU",
}
# Districts renamed since older boundary files and tables were published: (type, former name) → name.
FORMER_NAMES = {
    ("KABUPATEN", "TOBA SAMOSIR"): "TOBA",                      # PP 2020
    ("KABUPATEN", "PONTIANAK"): "MEMPAWAH",                     # PP 58/2014
    ("KABUPATEN", "MAMUJU UTARA"): "PASANGKAYU",                # PP 62/2017
    ("KABUPATEN", "MALUKU TENGGARA BARAT"): "KEPULAUAN TANIMBAR",  # PP 2/2019
}


def normalise_name(name: str) -> tuple[str, str]:
    """(type, normalised name): ``"Kota Administrasi Jakarta Selatan"`` → ``("KOTA", "JAKARTA SELATAN")``."""
    s = str(name).upper().strip()
    m = _PREFIX.match(s)
    typ = "KOTA" if m and m.group(1).startswith("KOTA") else "KABUPATEN"
    s = _PREFIX.sub("", s)
    s = re.sub(r"[^A-Z0-9]+", " ", s).strip()
    s = re.sub(r"^ADMINISTRASI ", "", s)
    s = MANUAL_EXCEPTIONS.get(s, s)
    s = FORMER_NAMES.get((typ, s), s)
    return typ, s


def crosswalk(left: pd.DataFrame, right: pd.DataFrame, *, left_code: str, left_name: str, right_code: str,
              right_name: str, left_province: str | None = None, right_province: str | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match two region lists by (type, normalised name), using the province to break ties.

    Returns
    -------
    matched : DataFrame
        ``left_code, right_code, left_name, right_name, how``.
    report : DataFrame
        Every left unit that is unmatched or ambiguous, with the reason.
    """
    def prep(df, code, name, prov):
        t = df[[code, name] + ([prov] if prov else [])].copy()
        tn = t[name].map(normalise_name)
        t["_type"] = [a for a, _ in tn]
        t["_name"] = [b.replace(" ", "") for _, b in tn]  # "GUNUNG KIDUL" = "GUNUNGKIDUL"
        t["_prov"] = t[prov].map(lambda p: re.sub(r"[^A-Z]+", " ", str(p).upper()).strip()) if prov else ""
        return t

    L = prep(left, left_code, left_name, left_province)
    R = prep(right, right_code, right_name, right_province)
    rows, report = [], []
    by_key = R.groupby(["_type", "_name"]).indices
    used = set()
    for _, r in L.iterrows():
        idx = by_key.get((r["_type"], r["_name"]))
        how = "type+name"
        if idx is None:
            # fall back to name only (type written differently), still unique
            cand = R.index[R["_name"] == r["_name"]]
            idx = np.array([R.index.get_loc(i) for i in cand]) if len(cand) else None
            how = "name"
        if idx is None or len(idx) == 0:
            report.append({"code": r[left_code], "name": r[left_name], "reason": "no match by name"})
            continue
        if len(idx) > 1 and left_province and right_province:
            same = [i for i in idx if R.iloc[i]["_prov"] == r["_prov"]]
            if len(same) == 1:
                idx, how = np.array(same), how + "+province"
        if len(idx) > 1:
            report.append({"code": r[left_code], "name": r[left_name],
                           "reason": "ambiguous: " + ", ".join(R.iloc[i][right_code] for i in idx)})
            continue
        m = R.iloc[int(idx[0])]
        if m[right_code] in used:
            report.append({"code": r[left_code], "name": r[left_name], "reason": f"target {m[right_code]} taken twice"})
            continue
        used.add(m[right_code])
        rows.append({"left_code": r[left_code], "right_code": m[right_code], "left_name": r[left_name],
                     "right_name": m[right_name], "how": how})
    return pd.DataFrame(rows), pd.DataFrame(report, columns=["code", "name", "reason"])
