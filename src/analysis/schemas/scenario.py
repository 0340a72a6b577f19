"""Schema of scenario files (YAML or XLSX; the format is described in :mod:`analysis.scenario`).

Unit codes are text. YAML reads a plain ``35.10`` as the number 35.1, so :func:`read_scenario_yaml`
takes the *written* text of every ``units``/``unit`` scalar from the YAML node tree: ``35.10``,
``"35.10"`` and ``'35.10'`` all give the code ``"35.10"``. XLSX sheets go through
:func:`analysis.data.read_table` (columns ``units`` or ``group_column``/``group_value``,
``indicators``, ``change``), and a bad cell names its row and column.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import AfterValidator, Field, model_validator

from .._errors import InputError
from ._common import Int, Number, Schema, Text, is_blank, suggest, table_line, validate

__all__ = ["ScenarioModel", "InterventionModel", "check_scenario_dict", "read_scenario_file", "read_scenario_yaml",
           "keep_written", "check_scenario_refs", "check_scenario_year", "TARGETS", "XLSX_COLUMNS", "ORIGINS"]

TARGETS = ("median", "mean", "best", "p75", "p90", "goalpost", "cluster_best")
XLSX_COLUMNS = ("units", "group_column", "group_value", "indicators", "change")
#: key under which :func:`read_scenario_xlsx` returns, per intervention, its sheet row and column headers
#: (taken out by :func:`analysis.scenario.load_scenario` before the mapping is validated)
ORIGINS = "_origins"
_CODE_COLUMNS = ("units", "group_column", "group_value", "indicators")   # read as text; 'change' is a value
_UNIT_KEYS = ("units", "unit")
_CHANGE = re.compile(r"^\s*(?:[+\-=]\s*-?)?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?\s*%?\s*$")


def _change_text(v: str) -> str:
    s = v.strip()
    if s.lower() in TARGETS:
        return v
    if _CHANGE.match(s):
        num = re.search(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?", s).group(0)
        if not math.isfinite(float(num)):
            raise ValueError(f"change {v!r} is not a finite number")
        return v
    raise ValueError(f"cannot read change {v!r} (use +5, -3, =80, +20%, a reference such as median, "
                     f"or {{to: median}})")


def _bounds(v: tuple[float, float]) -> tuple[float, float]:
    if not v[0] < v[1]:
        raise ValueError(f"must be [low, high] with low < high, got {list(v)}")
    return v


Code = Text | Int
Codes = Annotated[list[Code], Field(min_length=1)] | Code


class ChangeTo(Schema):
    """A change given as a mapping: exactly one of ``to``, ``absolute``, ``relative``, ``value``."""

    to: Literal[TARGETS] | Number | None = None
    absolute: Number | None = None
    relative: Number | None = None
    value: Number | None = None

    @model_validator(mode="after")
    def _one(self):
        given = [k for k in ("to", "absolute", "relative", "value") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a change mapping needs exactly one of to, absolute, relative, value")
        return self


class InterventionModel(Schema):
    units: Codes | None = None
    unit: Codes | None = None
    group: Annotated[dict[Text, Text | Number], Field(min_length=1, max_length=1)] | None = None
    indicators: Codes | None = None
    indicator: Codes | None = None
    change: Annotated[Text, AfterValidator(_change_text)] | Number | ChangeTo

    @model_validator(mode="after")
    def _where_what(self):
        ways = [k for k in ("units", "unit", "group") if getattr(self, k) is not None]
        if len(ways) != 1:
            raise ValueError("give exactly one of 'units' or 'group' in each intervention")
        if (self.indicators is None) == (self.indicator is None):
            raise ValueError("give exactly one of 'indicators' or 'indicator'")
        return self


class ScenarioModel(Schema):
    name: Code = "scenario"
    year: Int | None = None
    description: Text | None = None
    interventions: list[InterventionModel] = []
    bounds: dict[Text, Annotated[tuple[Number, Number], AfterValidator(_bounds)]] | None = None


def check_scenario_dict(doc: dict, source=None) -> ScenarioModel:
    """Validate a scenario mapping; one :class:`InputError` naming ``source`` and the key."""
    return validate(ScenarioModel, doc, file=source)


# --- reading ---------------------------------------------------------------------------------------
def _written(node: yaml.Node) -> Any:
    """The text a scalar was written with (a sequence of scalars → list of texts); other nodes: ``None``."""
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode) and all(isinstance(c, yaml.ScalarNode) for c in node.value):
        return [c.value for c in node.value]
    return None


def _restore(node: yaml.MappingNode, d: dict, keys: tuple[str, ...]) -> None:
    """In mapping ``d`` (composed as ``node``), numbers under ``keys`` become the text they were written as."""
    for k, v in node.value:
        if not (isinstance(k, yaml.ScalarNode) and k.value in keys and k.value in d):
            continue
        parsed, written = d[k.value], _written(v)
        if _is_number(parsed) and isinstance(written, str):
            d[k.value] = written
        elif isinstance(parsed, list) and isinstance(written, list) and len(written) == len(parsed):
            d[k.value] = [w if _is_number(p) else p for p, w in zip(parsed, written)]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def keep_written(doc: dict, text: str, keys: tuple[str, ...], *, within: str | None = None) -> dict:
    """Replace numbers under ``keys`` by the text written in the YAML (``35.10`` → ``"35.10"``).

    With ``within``, the keys are looked up in every mapping of the list ``doc[within]``; else at
    the top level of ``doc``. ``doc`` is the parsed ``text``; it is changed in place and returned.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return doc
    if not isinstance(root, yaml.MappingNode):
        return doc
    if within is None:
        _restore(root, doc, keys)
        return doc
    seq = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == within), None)
    if isinstance(seq, yaml.SequenceNode) and isinstance(doc.get(within), list):
        for item_node, item in zip(seq.value, doc[within]):
            if isinstance(item_node, yaml.MappingNode) and isinstance(item, dict):
                _restore(item_node, item, keys)
    return doc


def read_scenario_yaml(path: str | Path) -> dict:
    """Read a YAML scenario strictly (duplicate keys refused), keeping unit codes as written."""
    from .._yaml import parse_yaml
    from ..tables import read_text

    path = Path(path)
    text = read_text(path, "scenario file")
    doc = parse_yaml(text, file=path)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError("a scenario file must be a mapping", file=path)
    return keep_written(doc, text, _UNIT_KEYS, within="interventions")


def _change_cell(v: Any) -> str | None:
    """The text of a ``change`` cell (numbers as written by Python); ValueError for booleans, dates."""
    if is_blank(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"a boolean ({v}) where a change value is required (e.g. +5, -3, =80, +20%, median)")
    if isinstance(v, (int, float, np.integer, np.floating)):
        return repr(float(v)) if not float(v).is_integer() else str(int(v))
    if not isinstance(v, str):
        raise ValueError(f"{type(v).__name__} value ({v}) where a change value is required (e.g. +5, -3, =80, "
                         f"+20%, median)")
    return v.strip() or None


def read_scenario_xlsx(path: str | Path) -> dict:
    """Read the interventions of a scenario sheet (one row per intervention) through ``read_table``.

    Returns the scenario mapping plus, under :data:`ORIGINS`, the sheet row (header = row 1) and the
    column headers of every intervention, so that later checks name the cell.
    """
    from ..data import read_table
    from ..scenario_template import INFO_COLUMNS, SHEET
    from ..tables import sheet_names

    path = Path(path)
    sheet = None
    if path.suffix.lower() in (".xlsx", ".xlsm") and SHEET in sheet_names(path, "scenario"):
        sheet = SHEET   # a workbook from `maturasi scenario template` (its first sheet holds instructions)
    change = ("change", "Change", "CHANGE")

    def read(text_columns):
        return read_table(path, what="scenario", sheet=sheet, text_columns=text_columns, change_columns=change)

    df = read(_CODE_COLUMNS)
    written = [c for c in df.columns if str(c).strip().lower() in _CODE_COLUMNS and c not in _CODE_COLUMNS]
    if written:   # headers such as 'Units': read again so that those columns, too, stay text
        df = read((*_CODE_COLUMNS, *map(str, written)))
    cols = {str(c).strip().lower(): c for c in df.columns}
    allowed = (*XLSX_COLUMNS, *INFO_COLUMNS)
    for c in df.columns:
        if str(c).strip().lower() not in allowed:
            raise InputError(f"unknown column '{c}'{suggest(str(c).strip().lower(), allowed)} "
                             f"(a scenario sheet has {', '.join(XLSX_COLUMNS)}; information columns "
                             f"{', '.join(INFO_COLUMNS)} are ignored)", file=path, column=str(c))
    for need in ("indicators", "change"):
        if need not in cols:
            raise InputError(f"a scenario sheet needs a column '{need}'", file=path)
    template = any(c in cols for c in INFO_COLUMNS)   # one row per unit x indicator: blank change = no change
    header = {"units": cols.get("units"), "group": cols.get("group_column"), "indicators": cols.get("indicators"),
              "change": cols.get("change")}
    header = {k: str(v) for k, v in header.items() if v is not None}
    items, origins = [], []
    for i in range(len(df)):
        line = table_line(df, i)
        if template and is_blank(df[cols["change"]].iloc[i]):
            continue

        def cell(name, i=i):
            v = df[cols[name]].iloc[i] if name in cols else None
            return None if is_blank(v) else (str(v).strip() or None)

        def col(name):
            return str(cols.get(name, name))

        it: dict[str, Any] = {}
        units, gcol, gval = cell("units"), cell("group_column"), cell("group_value")
        if (units is None) == (gcol is None):
            raise InputError("give either 'units' or 'group_column' and 'group_value'", file=path, row=line)
        if units is not None:
            it["units"] = units
        else:
            if gval is None:
                raise InputError("'group_column' needs a 'group_value'", file=path, row=line,
                                 column=col("group_value"))
            it["group"] = {gcol: gval}
        if cell("indicators") is None:
            raise InputError("empty 'indicators'", file=path, row=line, column=col("indicators"))
        it["indicators"] = cell("indicators")
        try:
            it["change"] = _change_cell(df[cols["change"]].iloc[i])
            if it["change"] is None:
                raise ValueError("empty 'change'")
            _change_text(it["change"])
        except ValueError as e:
            raise InputError(str(e), file=path, row=line, column=col("change")) from None
        items.append(it)
        origins.append({"row": line, "columns": header})
    if template and not items:
        raise InputError(f"no change typed: fill the column '{cols['change']}' for the rows to change", file=path,
                         column=str(cols["change"]))
    return {"name": path.stem, "interventions": items, ORIGINS: origins}


def read_scenario_file(path: str | Path) -> dict:
    """A scenario file as a mapping: YAML (``.yaml``/``.yml``) or a sheet (``.xlsx``, ``.csv``)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".csv"):
        return read_scenario_xlsx(path)
    return read_scenario_yaml(path)


def check_scenario_refs(sc, framework, units) -> None:
    """Check that a loaded scenario names only known indicators, units and unit columns.

    Parameters
    ----------
    sc : Scenario
        As returned by :func:`analysis.scenario.load_scenario`.
    framework : Framework
    units : DataFrame
        The unit descriptors of the data (index: unit codes).

    Raises
    ------
    InputError
        Naming the scenario file and where the intervention was written: the sheet row and column
        (header = row 1) or the YAML key (``interventions[2].indicators``), with the bad code.
    """
    from ..scenario import check_references

    for it in sc.interventions:
        check_references(it, framework.indicators, units, sc.source)


def check_scenario_year(sc, baseline) -> None:
    """A scenario's ``year`` must be the year of the baseline it is applied to (InputError naming the file)."""
    if sc.year is None:
        return
    by = getattr(baseline, "year", None)
    if by is None:
        raise InputError(f"key 'year': {sc.year} given, but the baseline is one cross-section without years "
                         f"(remove 'year')", file=sc.source)
    if str(sc.year) != str(by):
        raise InputError(f"key 'year': {sc.year} is not the year of the baseline ({by})", file=sc.source)
