"""A scenario workbook for planners: one row per unit × indicator, filled in Excel, read back as a scenario.

``maturasi scenario template --run DIR --units 73.71,35.10 --out S.xlsx`` writes it;
``maturasi scenario --run DIR --scenario S.xlsx --out O`` reads it
(:func:`analysis.schemas.scenario.read_scenario_xlsx`).

Layout of the sheet ``Skenario - Scenario`` (row 1 holds the column keys the reader uses; a comment on
each header gives it in Bahasa Indonesia and English):

========================  =====================================================================
``units``                 unit code, text (Kemendagri numbering: ``35.10`` keeps its zero); locked
``unit_name``             the unit's name (information only); locked
``indicators``            indicator code; locked
``indicator_name``        the indicator's name, Bahasa Indonesia / English (information); locked
``measure``               unit of measurement (information); locked
``direction``             "higher is better" or "lower is better" (information); locked
``current``               the run's value for the unit and year (information); locked
``valid_min``, ``valid_max``  the indicator's valid range from the framework (information); locked
``change``                what the planner types; blank rows are ignored; unlocked, formatted as text
========================  =====================================================================

``change`` accepts ``+5`` / ``-3`` (add), ``=80`` (set to 80), ``+20%`` / ``-10%`` (relative), a
reference (``median``, ``mean``, ``best``, ``p75``, ``p90``, ``goalpost``, ``cluster_best``), or a plain
number (add). Because the column is formatted as text, Excel keeps ``+5`` and ``=80`` as typed. Where
Excel changed the input anyway the reader undoes it: a formula such as ``=80`` or ``=C2+5`` is a value
to set (its saved result), a number formatted as a percentage (0.2 shown as 20%) is a relative change
of +20%. Everything else is refused naming sheet, row and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._errors import InputError
from .i18n import bilingual, gettext
from .manifest import atomic_file
from .schemas import suggest

__all__ = ["SHEET", "TEMPLATE_COLUMNS", "INFO_COLUMNS", "write_template", "is_template"]

SHEET = "Skenario - Scenario"
INFO_COLUMNS = ("unit_name", "indicator_name", "measure", "direction", "current", "valid_min", "valid_max")
TEMPLATE_COLUMNS = ("units", "unit_name", "indicators", "indicator_name", "measure", "direction", "current",
                    "valid_min", "valid_max", "change")
_MARK = "maturasi scenario template"
_HEADERS = {  # column key -> English message id (Indonesian in the catalogue)
    "units": "Unit code", "unit_name": "Name", "indicators": "Indicator code", "indicator_name": "Indicator",
    "measure": "Unit of measurement", "direction": "Direction", "current": "Current value",
    "valid_min": "Valid minimum", "valid_max": "Valid maximum", "change": "Change (type here)",
}
_INSTRUCTIONS = [
    "Type a change in the column 'change' for the rows you want to change; leave the other rows blank.",
    "+5 adds 5, -3 subtracts 3, =80 sets the value to 80, +20% raises it by 20 percent.",
    "A reference also works: median, mean, best, p75, p90, goalpost, cluster_best.",
    "Do not edit the other columns: they are locked (the sheet is protected without a password).",
    "Then run: maturasi scenario --run RUN --scenario THIS.xlsx --out RESULTS",
]
_CHANGE_RULE = ('OR(ISBLANK({c}),ISNUMBER({c}),'
                'ISNUMBER(VALUE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({c},"=",""),"%",""),"+",""),"-",""))),'
                'OR(LOWER({c})="median",LOWER({c})="mean",LOWER({c})="best",LOWER({c})="p75",'
                'LOWER({c})="p90",LOWER({c})="goalpost",LOWER({c})="cluster_best"))')


def is_template(path: str | Path) -> bool:
    """Whether ``path`` is a workbook written by :func:`write_template` (its document keywords say so)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception:   # not a workbook at all: not ours
        return False
    return _MARK in (wb.properties.keywords or "")


def _typed_changes(path: Path) -> int:
    """How many cells of the ``change`` column of a template hold something."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        if SHEET not in wb.sheetnames:
            return 0
        rows = wb[SHEET].iter_rows(values_only=True)
        head = list(next(rows, ()))
        if "change" not in head:
            return 0
        j = head.index("change")
        return sum(1 for r in rows if j < len(r) and r[j] is not None and str(r[j]).strip())
    finally:
        wb.close()


def _rows(baseline, units: list[str]) -> list[list]:
    fw = baseline.framework
    names = baseline.units["uName"] if "uName" in baseline.units.columns else None
    rows = []
    for u in units:
        for code in fw.indicators:
            n = fw.nodes[code]
            label = n.name if not n.nama or n.nama == n.name else f"{n.nama} / {n.name}"
            cur = baseline.raw.loc[u, code]
            rows.append([u, None if names is None else str(names.get(u, "")), code, label, n.unit or "",
                         bilingual("higher is better") if n.direction > 0 else bilingual("lower is better"),
                         None if cur is None or np.isnan(cur) else float(cur),
                         n.goal_min, n.goal_max, None])
    return rows


def write_template(baseline, units: list[str], out: str | Path, *, force: bool = False,
                   run_name: str | None = None) -> Path:
    """Write a scenario workbook for ``units`` of ``baseline`` (a :class:`analysis.scenario.Baseline`).

    ``out`` must not exist, or be an earlier template (with ``force``); it is written to a temporary
    file beside it and moved into place, so a failed write leaves nothing half-written.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise InputError("a scenario template is an .xlsx file", file=out)
    if out.is_symlink() or out.is_dir():
        raise InputError("exists and is not a file this kit wrote; choose a new name", file=out)
    if out.exists() and not (force and is_template(out)):
        raise InputError("exists" + (" and is not a scenario template this kit wrote" if force else
                                     "; use --force to replace an earlier template"), file=out)
    if out.exists():
        typed = _typed_changes(out)
        if typed:
            raise InputError(f"is a scenario template with {typed} change(s) typed in: a planner's work, "
                             "not replaced even with --force; choose a new name", file=out)
    units = list(dict.fromkeys(units))   # a unit named twice gets its rows once
    known = set(map(str, baseline.raw.index))
    for u in units:
        if u not in known:
            raise InputError(f"--units: no unit '{u}' in the run{suggest(u, sorted(known))}")
    wb = Workbook()
    wb.properties.keywords = _MARK
    wb.properties.creator = "maturasi"
    wb.properties.title = "Scenario template"
    info = wb.active
    info.title = "Petunjuk - Instructions"
    info.append([bilingual("Scenario template"), ""])
    info["A1"].font = Font(bold=True, size=13)
    info.append([bilingual("Run"), run_name or ""])
    info.append([bilingual("Year"), "" if baseline.year is None else str(baseline.year)])
    info.append([bilingual("Framework"), baseline.framework.name])
    note = baseline.spec.get("note")
    if note:
        info.append([bilingual("Note"), str(note)])
    info.append(["", ""])
    for i, line in enumerate(_INSTRUCTIONS, start=1):
        info.append([f"{i}.", gettext(line, "id")])
        info.append(["", line])
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 110
    ws = wb.create_sheet(SHEET)
    ws.append(list(TEMPLATE_COLUMNS))
    head_font, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    edit_fill = PatternFill("solid", fgColor="FFF2CC")
    for j, key in enumerate(TEMPLATE_COLUMNS, start=1):
        c = ws.cell(row=1, column=j)
        c.font, c.fill = head_font, fill
        c.comment = Comment(bilingual(_HEADERS[key]), "maturasi")
    rows = _rows(baseline, units)
    for r in rows:
        ws.append(r)
    change_col = TEMPLATE_COLUMNS.index("change") + 1
    for i in range(2, len(rows) + 2):
        for j, key in enumerate(TEMPLATE_COLUMNS, start=1):
            c = ws.cell(row=i, column=j)
            if key in ("units", "indicators", "unit_name", "indicator_name", "measure", "direction", "change"):
                c.number_format = "@"
            elif key == "current" or key.startswith("valid_"):
                c.number_format = "General"
            if key == "change":
                c.protection = Protection(locked=False)
                c.fill = edit_fill
            if key == "indicator_name":
                c.alignment = Alignment(wrap_text=False)
    letter = get_column_letter(change_col)
    dv = DataValidation(type="custom", formula1=_CHANGE_RULE.format(c=f"{letter}2"), allow_blank=True,
                        showErrorMessage=True, errorTitle=bilingual("Change"),
                        error=gettext("Use +5, -3, =80, +20% or median", "id") + " / Use +5, -3, =80, +20% or median")
    dv.add(f"{letter}2:{letter}{max(len(rows) + 1, 2)}")
    ws.add_data_validation(dv)
    widths = {"units": 10, "unit_name": 28, "indicators": 16, "indicator_name": 60, "measure": 18,
              "direction": 30, "current": 12, "valid_min": 11, "valid_max": 11, "change": 18}
    for j, key in enumerate(TEMPLATE_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = widths[key]
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TEMPLATE_COLUMNS))}{len(rows) + 1}"
    ws.protection.sheet = True
    ws.protection.autoFilter = False
    ws.protection.sort = False
    wb.active = 1
    return atomic_file(out, wb.save)
