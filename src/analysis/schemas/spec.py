"""Schema of the build spec (``spec.yaml``): every step, its options, their types and ranges.

The keys are described in :mod:`analysis.spec`. :func:`check_spec_dict` validates a raw mapping
(after a step given as a string has become ``{method: …}``) and raises one
:class:`~analysis._errors.InputError` naming the spec file and the key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from .._errors import InputError
from ..aggregate import AGGREGATORS, ALIASES
from ..impute import IMPUTERS
from ..normalise import NORMALISERS
from ._common import (
    Int,
    NonNegative,
    Number,
    Positive,
    Schema,
    Share,
    Text,
    is_blank,
    table_number,
    validate,
)

__all__ = ["SpecModel", "check_spec_dict", "read_weight_sets", "WeightSet", "where_in_set", "AGGREGATION_METHODS"]

AGGREGATION_METHODS = tuple(AGGREGATORS) + tuple(ALIASES)


def _agg_method(v: str) -> str:
    if v.lower() not in AGGREGATION_METHODS:
        raise ValueError(f"unknown aggregation method {v!r} (use one of {', '.join(AGGREGATORS)})")
    return v


def _level_key(v: Any) -> Any:
    """``by_level`` keys are level numbers; ``"3"`` (JSON) is read as 3, anything else is refused."""
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v)
    return v


def _increasing_pair(v: tuple[float, float]) -> tuple[float, float]:
    if not v[0] < v[1]:
        raise ValueError(f"must be [low, high] with low < high, got {list(v)}")
    return v


AggMethod = Annotated[Text, AfterValidator(_agg_method)]
Pair = Annotated[tuple[Number, Number], AfterValidator(_increasing_pair)]
LevelNo = Annotated[Int, BeforeValidator(_level_key)]
WinMax = Annotated[Int, Field(ge=0)]
Label = Text | Int


class ImputeParams(Schema):
    method: Literal[IMPUTERS] = "none"
    by: Text | None = None
    max_iter: Annotated[Int, Field(ge=1)] = 10


class ImputeStep(ImputeParams):
    overrides: dict[Text, Literal[IMPUTERS] | ImputeParams] | None = None


class TreatParams(Schema):
    method: Literal["none", "winsorise"] = "none"
    skew: Positive = 2.0
    kurt: Positive = 3.5
    winmax: WinMax | None = 5
    fallback: Literal["log", "none"] | None = "log"


class TreatStep(TreatParams):
    overrides: dict[Text, Literal["none", "winsorise"] | TreatParams] | None = None


class NormaliseParams(Schema):
    method: Literal[NORMALISERS] = "minmax"
    range: Pair = (0.0, 100.0)
    mean: Number = 0.0
    sd: Positive = 1.0
    scale: Pair = (1.0, 5.0)
    min: Number | None = None
    max: Number | None = None
    target: Number | None = None
    transform: Literal["log", "none"] | None = None
    cap: Annotated[bool, Field(strict=True)] = False  # method target: cap scores at the top of the range

    @model_validator(mode="after")
    def _goalposts(self):
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise ValueError(f"goalposts need min < max, got min {self.min:g}, max {self.max:g}")
        return self


class NormaliseStep(NormaliseParams):
    reference_year: Int | Text | None = None
    overrides: dict[Text, Literal[NORMALISERS] | NormaliseParams] | None = None


class AggregateOverride(Schema):
    method: AggMethod = "arithmetic"
    min_share: Share = 0.0


class AggregateStep(Schema):
    method: AggMethod = "arithmetic"
    by_level: dict[LevelNo, AggMethod] | None = None
    by_node: dict[Text, AggMethod | AggregateOverride] | None = None
    min_share: Share = 0.0


class LevelsStep(Schema):
    bands: Annotated[list[Number], Field(min_length=1)]
    labels: list[Label]
    labels_id: list[Label] | None = None
    on: Text | None = None

    @model_validator(mode="after")
    def _bands(self):
        b = self.bands
        for i, (b1, b2) in enumerate(zip(b, b[1:])):
            if not b2 > b1:
                raise ValueError(f"bands must increase strictly: band {i + 2} ({b2:g}) is not above "
                                 f"band {i + 1} ({b1:g})")
        if len(self.labels) != len(b) + 1:
            raise ValueError(f"{len(b)} band edges need {len(b) + 1} labels, got {len(self.labels)}")
        if self.labels_id is not None and len(self.labels_id) != len(self.labels):
            raise ValueError(f"labels_id has {len(self.labels_id)} names for {len(self.labels)} labels")
        return self


Weights = dict[Text, NonNegative]


class SpecModel(Schema):
    """The build spec. Steps given as a string are read as ``{method: <string>}`` before validation."""

    name: Text | Int | None = None
    description: Text | None = None
    note: Text | None = None
    denominate: Literal["framework"] | dict[Text, Text] | None = None
    impute: ImputeStep | None = None
    treat: TreatStep | None = None
    normalise: NormaliseStep | None = None
    weights: Text | Weights = "framework"
    weight_sets: Text | dict[Text, Weights] | None = None
    aggregate: AggregateStep | None = None
    levels: LevelsStep | None = None
    #: refuse indicator values outside the framework's [min, max] (official scales: SPBE levels 1-5, IDM 0-5)
    strict_range: Annotated[bool, Field(strict=True)] = False
    #: refuse indicator values that are not whole numbers (official scores: SPBE levels, IDM scores)
    whole_scores: Annotated[bool, Field(strict=True)] = False
    seed: Annotated[Int, Field(ge=0)] = 0


def check_spec_dict(raw: dict, source=None) -> SpecModel:
    """Validate a raw build spec (steps as mappings); one :class:`InputError` naming ``source`` and the key."""
    return validate(SpecModel, raw, file=source)


class WeightSet(dict):
    """A weight set ``{node: weight}`` read from a table, remembering the file and line of each node.

    It behaves as a plain ``dict``; :func:`where_in_set` uses the remembered origin so that a check
    made later (an unknown node, once the framework is known) names the table's file, line and column
    rather than the spec that points to it.
    """

    _lines: dict[str, int] | None = None
    _table: tuple | None = None  # (codes, rows, a, b): the lines of rows a..b of a clean table, not yet made

    def __init__(self, *args, file: str | None = None, lines: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file = file
        self.lines = dict(lines or {})

    @property
    def lines(self) -> dict[str, int]:
        """The line of each node in the table (``{node: line}``); a set read from a clean table makes it
        when it is first asked for (only a refusal asks), from the codes and lines it was read with."""
        if self._lines is None:
            codes, rows, a, b = self._table or ((), (), 0, 0)
            self._lines = dict(zip(codes[a:b], rows[a:b]))
        return self._lines

    @lines.setter
    def lines(self, value: dict[str, int]) -> None:
        self._lines = value


def where_in_set(weights, code: str, default_file=None) -> dict:
    """``file``/``row``/``column`` keywords for an :class:`InputError` about ``code`` in a weight set."""
    if isinstance(weights, WeightSet) and weights.file:
        return {"file": weights.file, "row": weights.lines.get(code), "column": "iCode"}
    return {"file": default_file}


def read_weight_sets(path: str | Path, *, source=None) -> dict[str, WeightSet]:
    """Read a weight-set table (columns ``iCode, Weight`` and optionally ``set``) through ``read_table``.

    Every weight must be a finite number >= 0; a bad cell names the file, the line and the column.
    Without a ``set`` column the table is one set named after the file; other columns (COINr
    exports carry ``Level``) are ignored.
    """
    from ..data import read_table

    path = Path(path)
    fast = _read_clean_sets(path)
    if fast is not None:
        return fast
    df = read_table(path, what="weight-set", text_columns=("set",))
    cols = {str(c).strip(): c for c in df.columns}
    if not {"iCode", "Weight"} <= set(cols):
        raise InputError("a weight-set table needs columns iCode, Weight (and optionally set)", file=path)
    from ..tables import ROWS_ATTR, row_number, to_numbers

    src = df.attrs.get(ROWS_ATTR)  # the line of each row, as row_number gives it, read once
    rows = list(map(int, src)) if src is not None and len(src) == len(df) else \
        [row_number(df, i) for i in range(len(df))]
    try:
        weights = to_numbers(df, [cols["Weight"]], file=path, required=True, rows=rows)[cols["Weight"]].tolist()
    except InputError:  # the same refusal, worded as for every other table cell
        for i in range(len(df)):
            table_number(df, i, cols["Weight"], file=path, ge=0, what="weight")
        raise
    # columns read once (a column access copies the table's attrs), as numpy (iterating an arrow column is slow)
    codes = df[cols["iCode"]].to_numpy(dtype=object).tolist()
    if "set" in cols:
        sets = df[cols["set"]].to_numpy(dtype=object).tolist()
        sets = list(map(str.strip, sets)) if set(map(type, sets)) == {str} else [str(v).strip() for v in sets]
    else:
        sets = [path.stem] * len(df)
    fast = _clean_sets(weights, codes, sets, rows, str(path))
    if fast is not None:
        return fast
    out: dict[str, WeightSet] = {}
    for i, (w, code, name) in enumerate(zip(weights, codes, sets)):
        if w < 0:
            table_number(df, i, cols["Weight"], file=path, ge=0, what="weight")  # raises, naming line and column
        if is_blank(code):
            raise InputError("empty indicator code", file=path, row=rows[i], column="iCode")
        ws = out.get(name)
        if ws is None:
            ws = out[name] = WeightSet(file=str(path))
        code = str(code).strip()
        if code in ws:
            raise InputError(f"indicator '{code}' listed twice in set '{name}'", file=path, row=rows[i],
                             column="iCode")
        ws[code] = w
        ws.lines[code] = rows[i]
    if not out:
        raise InputError("weight-set table has no rows", file=path)
    return out



def _read_clean_sets(path: Path) -> dict[str, WeightSet] | None:
    """The weight sets of a clean CSV weight-set table, read without building a table; None otherwise.

    The file's bytes and text are taken with the checks of :func:`~analysis.tables.read_table` (its
    refusals of a missing, empty or wrongly encoded file are its own). The table is clean when the
    CSV reader's fast path would read it (``analysis.tables._clean_cells``: header on line 1 with
    distinct non-blank names, every record on one line with as many fields as the header, no blank
    row), it has columns ``iCode`` and ``Weight``, every ``iCode`` (and ``set``) cell is non-blank
    text, ``pd.to_numeric`` — the call the reader makes on a number column, cell by cell — reads the
    whole ``Weight`` column as finite int64 (below 2**53) or float64 numbers >= 0 (so no cell is
    empty or an NA marker: none of them is a finite number), and :func:`_clean_sets` groups the rows.
    Anything else returns None, and :func:`read_weight_sets` reads the table through ``read_table``,
    wording every refusal. ``tests/test_replay_speed_equivalence.py`` checks both give the same sets.
    """
    import pandas as pd

    from ..tables import _SUFFIXES, _check_file, _clean_cells, _decode, _strip_free

    if _SUFFIXES.get(path.suffix.lower()) != "csv":
        return None
    text = _decode(_check_file(path, "weight-set"), path)
    table = _clean_cells(text)
    if table is None:
        return None
    header, columns = table
    names = [h.strip() for h in header]
    if "iCode" not in names or "Weight" not in names:
        return None
    strip = (lambda col: col) if _strip_free(text) else (lambda col: list(map(str.strip, col)))
    codes = strip(columns[names.index("iCode")])
    cells = strip(columns[names.index("Weight")])
    if "set" in names:
        sets = strip(columns[names.index("set")])
        if not all(sets):
            return None
    else:
        sets = [path.stem] * len(codes)
    # each distinct cell parsed once: pd.to_numeric reads every cell on its own, and the dtype it
    # gives depends only on which cells occur (in the order of their first occurrence), not on repeats
    distinct = list(dict.fromkeys(cells))
    try:
        num = pd.to_numeric(np.array(distinct, dtype=object))
    except (ValueError, TypeError):
        return None
    if num.dtype == np.dtype("int64"):
        if not (np.abs(num) < 2 ** 53).all():
            return None
    elif num.dtype != np.dtype("float64") or not np.isfinite(num).all():
        return None
    weights = list(map(dict(zip(distinct, num.astype(np.float64).tolist())).__getitem__, cells))
    return _clean_sets(weights, codes, sets, range(2, len(codes) + 2), str(path), True)


def _clean_sets(weights: list[float], codes: list, sets: list[str], rows: list[int] | range,
                file: str, stripped: bool = False) -> dict[str, WeightSet] | None:
    """The weight sets of a clean table in one pass per set; None when a weight is negative, a code
    is blank or repeated within its set, or a set's rows are not together (the row-by-row reading of
    :func:`read_weight_sets` then words the refusal or groups the rows). ``stripped``: the codes are
    text without blanks around it already."""
    n = len(codes)
    if not n or min(weights) < 0:
        return None
    if not stripped:
        if set(map(type, codes)) != {str}:
            return None
        codes = list(map(str.strip, codes))
    if not all(codes):
        return None
    names = np.array(sets, dtype=object)
    starts = [0, *(np.flatnonzero(names[1:] != names[:-1]) + 1).tolist(), n]
    if len(set(sets)) != len(starts) - 1:
        return None
    out: dict[str, WeightSet] = {}
    new, fill = WeightSet.__new__, dict.update
    for a, b in zip(starts, starts[1:]):
        # WeightSet(zip(...), file=file, lines=dict(zip(...))), without the call of __init__ and its lines
        set_codes = codes[a:b]
        ws = new(WeightSet)
        fill(ws, zip(set_codes, weights[a:b]))
        if len(ws) != b - a:  # a code listed twice in the set
            return None
        ws.file = file
        ws._table = (codes, rows, a, b)  # its lines, made when asked for
        out[sets[a]] = ws
    return out
