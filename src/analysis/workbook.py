"""One formatted Excel workbook of a run's results (``results.xlsx``) for planners.

Sheets: a README (what, when, which data, the run's note such as "synthetic demonstration
data"), the results per unit (names, province, index, rank, level and every aggregate), the
indicator values, the normalised values, and any further tables a command adds (province roll-up,
scenario and path results). Headers read "Bahasa Indonesia / English" (:func:`analysis.i18n.bilingual`);
unit and region codes are stored as text (``35.10`` keeps its trailing zero); header rows are frozen,
numbers carry number formats and columns are sized to their contents. Written with openpyxl.

The values in the workbook are the values of the CSV tables of the same run to 16 significant digits
(openpyxl stores numbers as ``%.16g``; Excel itself shows 15): number formats change only how Excel
shows them. The CSV tables keep the full 17 digits.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .i18n import bilingual

__all__ = ["SHEETS", "write_workbook", "results_sheets", "header_of", "about_baseline"]

#: Sheet names (Excel allows 31 characters): Bahasa Indonesia first, English beside.
SHEETS = {
    "readme": "Baca saya - Read me",
    "results": "Hasil - Results",
    "indicators": "Indikator - Indicators",
    "normalised": "Normalisasi - Normalised",
    "rollup": "Provinsi - Provinces",
    "scenario": "Skenario - Scenario",
    "path": "Jalur - Path",
    "changed": "Sel diubah - Changed cells",
}

# English message ids of the fixed columns; their Indonesian text lives in the gettext catalogue.
_COLUMNS = {
    "uCode": "Unit code", "uName": "Name", "province_code": "Province code", "province": "Province",
    "type": "Type", "island": "Island", "population": "Population", "area_km2": "Area (km²)",
    "year": "Year", "Rank": "Rank", "Level": "Level", "ascn_pilot": "ASEAN Smart Cities Network pilot",
    "baseline_score": "Baseline score", "scenario_score": "Scenario score", "delta_score": "Change in score",
    "baseline_rank": "Baseline rank", "scenario_rank": "Scenario rank", "delta_rank": "Change in rank",
    "baseline_level": "Baseline level", "scenario_level": "Scenario level", "level_changed": "Level changed",
    "changed": "Changed", "iCode": "Indicator code", "before": "Before", "after": "After",
    "intervention": "Intervention (row or entry)", "current": "Current value", "new": "New value",
    "change": "Change", "cost": "Cost (share of observed range)", "normalised_change": "Change in normalised value",
}
_TEXT_COLUMNS = {"uCode", "province_code", "kode_desa", "kode_kec", "kode_kab", "kode_prov", "unit", "code",
                 "iCode"}
_INT_FORMAT, _SCORE_FORMAT, _BIG_FORMAT = "0", "0.00", "#,##0"


def header_of(column: str, framework=None) -> str:
    """The bilingual header of ``column``: a fixed column, or a framework node ``nama / name [code]``."""
    if column in _COLUMNS:
        return bilingual(_COLUMNS[column])
    if framework is not None and column in getattr(framework, "nodes", {}):
        n = framework.nodes[column]
        names = n.name if not n.nama or n.nama == n.name else f"{n.nama} / {n.name}"
        return f"{names} [{column}" + (f"; {n.unit}]" if n.is_indicator and n.unit else "]")
    return bilingual(column)


def _is_text_column(name: str, values: pd.Series) -> bool:
    return name in _TEXT_COLUMNS or name.endswith("_code") or name.startswith("kode_") or values.dtype == object \
        or pd.api.types.is_string_dtype(values)


def _number_format(name: str, values: pd.Series) -> str:
    if name in {"Rank", "year", "intervention"} or name.endswith("_rank") or pd.api.types.is_integer_dtype(values):
        return _INT_FORMAT if name in {"Rank", "year", "intervention"} or name.endswith("_rank") else _BIG_FORMAT
    if name in {"population"}:
        return _BIG_FORMAT
    return _SCORE_FORMAT


def about_baseline(baseline, command: str, run_dir: str | Path, **more) -> dict:
    """README lines for a workbook of a command run on a baseline (``scenario``, ``path``)."""
    from . import __version__

    fw = baseline.framework
    about = {"Title": fw.meta.get("title", fw.name), "Framework": f"{fw.name} ({fw.meta.get('nama', '')})",
             "Note": baseline.spec.get("note"), "Run": Path(run_dir).name, "Year": baseline.year,
             "Command": f"maturasi {command}", "Software": f"maturasi {__version__}"}
    about.update(more)
    return about


def results_sheets(result) -> dict[str, pd.DataFrame]:
    """The standard sheets of a build :class:`~analysis.pipeline.Result` as flat tables."""
    return {
        "results": result.table().reset_index(),
        "indicators": result.raw.reset_index(),
        "normalised": result.normalised.reset_index(),
    }


def _cell_value(v):
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _write_table(ws, table: pd.DataFrame, framework=None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    cols = [str(c) for c in table.columns]
    for j, c in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j, value=header_of(c, framework))
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
    for j, c in enumerate(cols, start=1):
        s = table.iloc[:, j - 1]
        text = _is_text_column(c, s)
        fmt = "@" if text else _number_format(c, s)
        width = len(header_of(c, framework)) if len(header_of(c, framework)) < 24 else 24
        for i, v in enumerate(s.tolist(), start=2):
            v = _cell_value(v)
            if text and v is not None:
                v = str(v)
            cell = ws.cell(row=i, column=j, value=v)
            cell.number_format = fmt
            if text and v is not None and len(v) > width:
                width = len(v)
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = min(max(width, 8) + 2, 48)
    ws.freeze_panes = ws.cell(row=2, column=min(3, len(cols)) if len(cols) > 1 else 1)
    if len(table):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(table) + 1}"


def _readme_rows(about: Mapping[str, object], sheets: list[str]) -> list[tuple[str, str]]:
    rows = [(bilingual("Created (UTC)"), _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S"))]
    for key, value in about.items():
        if value is None or value == "":
            continue
        rows.append((bilingual(key), str(value)))
    rows.append(("", ""))
    rows.append((bilingual("Sheets"), ", ".join(sheets)))
    rows.append((bilingual("Codes"), bilingual("Unit and region codes are text (Kemendagri numbering)")))
    rows.append((bilingual("Precision"),
                 bilingual("Cells hold values to 16 significant digits; number formats only round what is shown")))
    return rows


def write_workbook(path: str | Path, tables: Mapping[str, pd.DataFrame], *, about: Mapping[str, object],
                   framework=None) -> Path:
    """Write ``tables`` (keys of :data:`SHEETS` or free sheet titles) and a README sheet to ``path``.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` file to write (callers write into a staging folder; see
        :func:`analysis.manifest.atomic_dir`).
    tables : mapping of str to DataFrame
        Sheet key (``"results"``, ``"indicators"``, ``"normalised"``, ``"rollup"``, ``"scenario"``,
        ``"path"``) or a sheet title, to a flat table (reset the index first).
    about : mapping
        README lines: English message ids (``"Title"``, ``"Framework"``, ``"Data"``, ``"Note"``…) to values.
    framework : Framework, optional
        Gives the names of node columns.

    Returns
    -------
    Path
        ``path``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    wb = Workbook()
    readme = wb.active
    readme.title = SHEETS["readme"]
    titles = [SHEETS.get(k, str(k)[:31]) for k in tables]
    readme.append([bilingual("About this workbook"), ""])
    readme["A1"].font = Font(bold=True, size=13)
    for k, v in _readme_rows(about, [SHEETS["readme"], *titles]):
        readme.append([k, v])
    for row in readme.iter_rows(min_row=2):
        row[0].font = Font(bold=True)
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    readme.column_dimensions["A"].width = 34
    readme.column_dimensions["B"].width = 100
    for key, title in zip(tables, titles):
        ws = wb.create_sheet(title)
        _write_table(ws, tables[key], framework)
    wb.save(path)
    return path
