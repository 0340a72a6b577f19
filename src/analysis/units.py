"""Kinds of unit from Kemendagri region codes, and the reference tables of provinces and kab/kota.

Indonesia's regions carry the codes of the Ministry of Home Affairs (Kemendagri; Permendagri
72/2019, updated by Kepmendagri 100.1.1-6117/2022): the code of each level extends its parent's,
separated by dots.

==============  ==================  =============================================================
kind            example             shape
==============  ==================  =============================================================
``provinsi``    ``11``              two digits (Aceh)
``kabupaten``   ``11.01``           province + two digits 01–69 (Kab. Aceh Selatan)
``kota``        ``11.71``           province + two digits 71–99 (Kota Banda Aceh)
``kecamatan``   ``11.01.02``        kab/kota + two digits
``desa``        ``11.01.02.2001``   kecamatan + four digits (a first digit 1 marks a kelurahan,
                                    2 a desa; both are village-level units here)
==============  ==================  =============================================================

A village code is also accepted as the ten digits without dots (``1101022001``, as BPS and the
IDM tables print it) and normalised to the dotted form by :func:`normalise_code`.

A framework states the kinds it applies to with a top-level ``applies_to`` (one of
``kabkota``, ``kabupaten``, ``kota``, ``provinsi``, ``kecamatan``, ``desa`` or a list; default
``kabkota``); :func:`check_kinds` refuses data units of another kind. Codes that are not
Kemendagri codes (``AUT`` in COINr's ASEM example, ``u1`` in a test) have no kind and are not
checked: the kit also serves other unit systems.

References
----------
Kepmendagri No. 100.1.1-6117 Tahun 2022 tentang Pemberian dan Pemutakhiran Kode, Data Wilayah
Administrasi Pemerintahan, dan Pulau (codes of provinces, kab/kota, kecamatan and desa/kelurahan).
The reference tables in ``data/reference/`` are from idn-area-data 3.1.2 (ODbL 1.0).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ._errors import InputError

__all__ = ["KINDS", "APPLIES_TO", "DEFAULT_APPLIES_TO", "REFERENCE_DIR", "normalise_code", "normalise_codes",
           "unit_kind", "parent_code", "parse_applies_to", "describe_kinds", "check_kinds", "provinces",
           "regencies", "province_name", "title_name", "ROLLUP_LEVELS", "unit_label"]

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"

#: Kinds of unit, from the top of the hierarchy down.
KINDS = ("provinsi", "kabupaten", "kota", "kecamatan", "desa")
#: Values of a framework's ``applies_to`` and the kinds each stands for.
APPLIES_TO = {"provinsi": ("provinsi",), "kabkota": ("kabupaten", "kota"), "kabupaten": ("kabupaten",),
              "kota": ("kota",), "kecamatan": ("kecamatan",), "desa": ("desa",)}
#: The kinds a framework applies to when it does not say: kabupaten and kota.
DEFAULT_APPLIES_TO = APPLIES_TO["kabkota"]
#: Levels a roll-up can go to, with the number of dot-separated parts of their codes.
ROLLUP_LEVELS = {"provinsi": 1, "kabkota": 2, "kecamatan": 3}
_DEPTH = {"provinsi": 1, "kabupaten": 2, "kota": 2, "kecamatan": 3, "desa": 4}

_PATTERN = re.compile(r"[1-9]\d(?:\.\d\d(?:\.\d\d(?:\.\d{4})?)?)?")
_DESA_DIGITS = re.compile(r"[1-9]\d{9}")


def unit_label(key) -> str:
    """How messages name a unit index key: ``11.01``, or ``11.01 2023`` for a (unit, year) key.

    ``str`` of a numpy scalar is its plain value, where a tuple's own ``str`` would show
    ``np.int64(2023)``.
    """
    return " ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def normalise_code(code: object) -> str:
    """A unit code as text, a ten-digit village code in dotted form (``1101022001`` → ``11.01.02.2001``).

    Other codes are returned stripped and otherwise unchanged.

    Examples
    --------
    >>> normalise_code(" 1101022001 ")
    '11.01.02.2001'
    >>> normalise_code("35.10")
    '35.10'
    """
    s = str(code).strip()
    if _DESA_DIGITS.fullmatch(s):
        return f"{s[:2]}.{s[2:4]}.{s[4:6]}.{s[6:]}"
    return s


def normalise_codes(codes: Iterable) -> list[str]:
    """:func:`normalise_code` of every code."""
    return [normalise_code(c) for c in codes]


def unit_kind(code: object) -> str | None:
    """The kind of unit a Kemendagri code denotes, or None for a code that is not one.

    Parameters
    ----------
    code : str
        A dotted Kemendagri code (or a ten-digit village code).

    Returns
    -------
    {"provinsi", "kabupaten", "kota", "kecamatan", "desa"} or None
        Kab/kota are told apart by the two digits after the province: 01–69 kabupaten, 71–99 kota
        (Kepmendagri 100.1.1-6117/2022). ``00`` and ``70`` are no kab/kota number: None.

    Examples
    --------
    >>> [unit_kind(c) for c in ("73", "35.10", "73.71", "11.01.02", "1101022001", "AUT")]
    ['provinsi', 'kabupaten', 'kota', 'kecamatan', 'desa', None]
    """
    s = normalise_code(code)
    if not _PATTERN.fullmatch(s):
        return None
    parts = s.split(".")
    if len(parts) == 1:
        return "provinsi"
    reg = int(parts[1])
    if reg == 0 or reg == 70:
        return None
    if len(parts) == 2:
        return "kabupaten" if reg < 70 else "kota"
    return "kecamatan" if len(parts) == 3 else "desa"


def parent_code(code: object, to: str) -> str | None:
    """The code of the unit of level ``to`` that contains ``code`` (None when it has none).

    Parameters
    ----------
    code : str
        A Kemendagri code.
    to : {"provinsi", "kabkota", "kecamatan"}
        The parent level.

    Returns
    -------
    str or None
        The prefix of ``code`` at that level; None when ``code`` is not a Kemendagri code or is not
        below ``to`` (a province has no parent province).

    Examples
    --------
    >>> parent_code("11.01.02.2001", "kabkota"), parent_code("73.71", "provinsi")
    ('11.01', '73')
    """
    if to not in ROLLUP_LEVELS:
        raise InputError(f"unknown roll-up level '{to}' (use {', '.join(ROLLUP_LEVELS)})")
    kind = unit_kind(code)
    depth = ROLLUP_LEVELS[to]
    if kind is None or _DEPTH[kind] <= depth:
        return None
    return ".".join(normalise_code(code).split(".")[:depth])


def parse_applies_to(value: object, *, file=None) -> tuple[str, ...]:
    """The kinds of unit named by a framework's ``applies_to`` (default: kabupaten and kota).

    Parameters
    ----------
    value : str, list of str or None
        ``kabkota``, ``kabupaten``, ``kota``, ``provinsi``, ``kecamatan``, ``desa``, or a list of them.
    file : optional
        The framework file, for the error message.

    Returns
    -------
    tuple of str
        Kinds of :data:`KINDS`, in that order.

    Raises
    ------
    InputError
        For an unknown value (with the closest known one), an empty list or a value of the wrong type.

    Examples
    --------
    >>> parse_applies_to(["provinsi", "kabkota"])
    ('provinsi', 'kabupaten', 'kota')
    """
    if value is None:
        return DEFAULT_APPLIES_TO
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise InputError(f"'applies_to' must be one of {', '.join(APPLIES_TO)} or a list of them, got {value!r}",
                         file=file)
    kinds: set[str] = set()
    for v in items:
        key = str(v).strip().lower() if isinstance(v, str) else None
        if key not in APPLIES_TO:
            close = difflib.get_close_matches(str(v).lower(), list(APPLIES_TO), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (use {', '.join(APPLIES_TO)})"
            raise InputError(f"unknown 'applies_to' value {v!r}{hint}", file=file)
        kinds.update(APPLIES_TO[key])
    return tuple(k for k in KINDS if k in kinds)


def describe_kinds(kinds: Iterable[str]) -> str:
    """``kabupaten, kota`` etc. as one phrase for messages (``kab/kota`` when both)."""
    ks = list(kinds)
    if "kabupaten" in ks and "kota" in ks:
        ks = [("kab/kota" if k == "kabupaten" else k) for k in ks if k != "kota"]
    return " or ".join(ks)


def check_kinds(codes: Iterable, allowed: Iterable[str], *, file=None, rows: list[int] | None = None,
                framework: str | None = None) -> None:
    """Refuse the first unit whose Kemendagri code is of a kind the framework does not apply to.

    Codes that are not Kemendagri codes (see :func:`unit_kind`) are not checked.

    Parameters
    ----------
    codes : iterable of str
        Unit codes of a data table, in file order.
    allowed : iterable of str
        Kinds the framework applies to (:attr:`analysis.Framework.applies_to`).
    file, rows : optional
        The data file and the line of each code, for the message.
    framework : str, optional
        The framework's name, for the message.

    Raises
    ------
    InputError
        One line: file, row, the unit code, the kind found and the kinds allowed.
    """
    allowed = tuple(allowed)
    villages_only = allowed == ("desa",)
    for i, c in enumerate(codes):
        kind = unit_kind(c)
        if kind is None and villages_only:
            # a village framework (IDM) has no other kind of unit: a code of another shape (1101, 110102,
            # 8 or 13 digits, text) is a wrong column or a damaged code, never a village
            raise InputError(f"unit '{c}' is not a Kemendagri village code (11.01.02.2001, or 1101022001 "
                             f"without dots); framework '{framework or ''}' applies to desa units only",
                             file=file, row=rows[i] if rows else None, column="uCode")
        if kind is not None and kind not in allowed:
            who = f"framework '{framework}'" if framework else "the framework"
            raise InputError(f"unit '{c}' is a {kind} (Kemendagri code); {who} applies to "
                             f"{describe_kinds(allowed)} units only (its 'applies_to')", file=file,
                             row=rows[i] if rows else None, column="uCode")


# --- reference tables -------------------------------------------------------------------------

_OFFICIAL = {"DKI JAKARTA": "DKI Jakarta", "DAERAH ISTIMEWA YOGYAKARTA": "DI Yogyakarta"}


def title_name(name: str) -> str:
    """A region name from the reference tables (upper case) in the official spelling.

    Words are capitalised, ``dan`` stays lower case, and the two special-status provinces keep
    their official short forms: ``DKI Jakarta`` and ``DI Yogyakarta``.

    Examples
    --------
    >>> title_name("DAERAH ISTIMEWA YOGYAKARTA"), title_name("KOTA ADM. JAKARTA PUSAT")
    ('DI Yogyakarta', 'Kota Adm. Jakarta Pusat')
    """
    s = " ".join(str(name).split())
    if s.upper() in _OFFICIAL:
        return _OFFICIAL[s.upper()]
    return " ".join("dan" if w.lower() == "dan" else w.capitalize() for w in s.split())


@lru_cache(maxsize=4)
def _read(name: str, reference_dir: str) -> pd.DataFrame:
    path = Path(reference_dir) / name
    if not path.is_file():
        raise InputError("reference table not found (it ships in data/reference/)", file=path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def provinces(reference_dir: str | Path = REFERENCE_DIR) -> pd.DataFrame:
    """The 38 provinces as units: ``uCode`` (``11``), ``uName`` (official spelling), ``kind``.

    From ``data/reference/provinces.csv`` (idn-area-data 3.1.2, ODbL). A data table of these codes
    is valid for a framework whose ``applies_to`` includes ``provinsi`` (SPBE scores provinces).
    """
    p = _read("provinces.csv", str(reference_dir))
    return pd.DataFrame({"uCode": p["code"], "uName": p["name"].map(title_name), "kind": "provinsi"})


def regencies(reference_dir: str | Path = REFERENCE_DIR) -> pd.DataFrame:
    """The 514 kab/kota: ``uCode``, ``uName``, ``province_code``, ``province`` and ``kind``."""
    r = _read("regencies.csv", str(reference_dir))
    prov = provinces(reference_dir).set_index("uCode")["uName"]
    return pd.DataFrame({"uCode": r["code"], "uName": r["name"].map(title_name),
                         "province_code": r["province_code"], "province": r["province_code"].map(prov),
                         "kind": r["code"].map(unit_kind)})


def province_name(code: str, reference_dir: str | Path = REFERENCE_DIR) -> str | None:
    """Official name of a province code (``34`` → ``DI Yogyakarta``), None when unknown."""
    p = provinces(reference_dir).set_index("uCode")["uName"]
    return p.get(str(code).strip())
