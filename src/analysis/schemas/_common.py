"""Shared pieces of the input schemas: strict models, number types, one-line errors.

Every schema is a pydantic v2 model built on :class:`Schema` (unknown keys are errors). A
:class:`pydantic.ValidationError` becomes ONE :class:`~analysis._errors.InputError` line through
:func:`validate`, naming the file and the key path::

    spec.yaml: key 'treat.winmax': must be a whole number, got 'x'
    ua.yaml: key 'factors.w_dims.nosie': unknown key (did you mean 'noise'?)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, TypeVar

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from .._errors import InputError

__all__ = ["Schema", "Int", "Number", "NonNegative", "Positive", "Share", "Text", "validate", "input_error",
           "suggest", "key_path", "finite_number", "check_number", "table_number", "table_line", "is_blank"]

M = TypeVar("M", bound=BaseModel)


def _plain(v: Any) -> Any:
    """numpy scalars → Python scalars; booleans stay booleans (and are refused by the number types)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


#: a whole number (not a boolean, not 3.0, not "3")
Int = Annotated[int, BeforeValidator(_plain), Strict()]
#: a finite number (int or float; not a boolean, not a string, not inf/nan)
Number = Annotated[float, BeforeValidator(_plain), Strict(), Field(allow_inf_nan=False)]
NonNegative = Annotated[float, BeforeValidator(_plain), Strict(), Field(allow_inf_nan=False, ge=0)]
Positive = Annotated[float, BeforeValidator(_plain), Strict(), Field(allow_inf_nan=False, gt=0)]
#: a share in [0, 1]
Share = Annotated[float, BeforeValidator(_plain), Strict(), Field(allow_inf_nan=False, ge=0, le=1)]
#: text (a YAML number where text is expected is refused, so codes such as 35.10 are not mangled)
Text = Annotated[str, Strict()]


def suggest(word: str, known: Sequence[str] | set[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known word, or ``""``."""
    close = difflib.get_close_matches(str(word), sorted(map(str, known)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Schema(BaseModel):
    """Base of every input schema: unknown keys are errors with a suggestion; nothing is coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, arbitrary_types_allowed=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise PydanticCustomError("mapping_needed", "must be a mapping (key: value)")
        known = set()
        for name, f in cls.model_fields.items():
            known.add(name)
            if f.alias:
                known.add(f.alias)
        for k in data:
            if not isinstance(k, str):
                raise PydanticCustomError("unknown_key", "a key must be text (YAML reads yes/no/on/off, true/false "
                                          "and numbers otherwise: quote it)", {"key": str(k), "hint": ""})
            if k not in known:
                raise PydanticCustomError("unknown_key", "unknown key{hint}", {"key": k, "hint": suggest(k, known)})
        return data


def finite_number(v: Any) -> bool:
    """Is ``v`` a real, finite number (not a boolean, not a string)?"""
    v = _plain(v)
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_number(v: Any, *, ge: float | None = None, gt: float | None = None) -> str | None:
    """``None`` when ``v`` is a finite number within the bounds, else what is wrong (for table cells)."""
    if not finite_number(v):
        return "must be a finite number"
    if ge is not None and v < ge:
        return f"must be >= {ge:g}"
    if gt is not None and v <= gt:
        return f"must be > {gt:g}"
    return None


# --- formatting a ValidationError as one line -----------------------------------------------------------
_TYPE_WORDS = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "string_type": "text", "bool_type": "true or false",
    "bool_parsing": "true or false", "dict_type": "a mapping", "list_type": "a list", "tuple_type": "a list",
    "none_required": "empty (null)", "mapping_needed": "a mapping (key: value)", "model_type": "a mapping",
    "literal_error": None,
}
_TAG_WORDS = ("str", "int", "float", "bool", "none", "dict", "list", "tuple")


def _is_tag(part: Any) -> bool:
    """Is this loc element a pydantic union-member tag rather than a user key?"""
    if not isinstance(part, str):
        return False
    return ("[" in part and "]" in part) or part in _TAG_WORDS or part in _model_names()


def _model_names(cls: type = None) -> set[str]:
    cls = cls or Schema
    out = {cls.__name__}
    for sub in cls.__subclasses__():
        out |= _model_names(sub)
    return out


def key_path(loc: Sequence[Any], data: Any = None) -> str:
    """``('factors', 2, 'noise')`` → ``factors.w_dims.noise`` (a list item by its name, else ``[3]``, 1-based)."""
    parts: list[str] = []
    cur = data
    for p in loc:
        if isinstance(p, int) and not isinstance(p, bool) and not isinstance(cur, Mapping):
            item = cur[p] if isinstance(cur, list) and 0 <= p < len(cur) else None
            name = item.get("name", item.get("code")) if isinstance(item, Mapping) else None
            if name is not None and isinstance(name, (str, int)):
                parts.append(str(name))
            elif parts:
                parts[-1] += f"[{p + 1}]"
            else:
                parts.append(f"[{p + 1}]")
            cur = item
        else:
            parts.append(str(p))
            cur = cur.get(p) if isinstance(cur, Mapping) else None
    return ".".join(parts)


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def _message(err: dict) -> str:
    t, ctx = err["type"], err.get("ctx") or {}
    if t == "unknown_key":
        return err["msg"] if "must be text" in err["msg"] else f"unknown key{ctx.get('hint', '')}"
    if t == "extra_forbidden":
        return "unknown key"
    if t == "missing":
        return "is required"
    if t == "finite_number":
        return f"must be a finite number, got {_short(err.get('input'))}"
    if t in ("greater_than", "greater_than_equal", "less_than", "less_than_equal") and not finite_number(
            err.get("input")):
        return f"must be a finite number, got {_short(err.get('input'))}"
    if t in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[t]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound}, got {_short(err.get('input'))}"
    if t == "literal_error":
        return f"must be one of {ctx.get('expected', '')}, got {_short(err.get('input'))}"
    if t == "too_short":
        n = ctx.get("min_length", 1)
        return "must not be empty" if n == 1 else f"must have at least {n} items"
    if t == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    if t in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[t]}, got {_short(err.get('input'))}"
    if t == "value_error":
        return str(ctx.get("error", err["msg"]))
    msg = err["msg"]
    if t not in ("mapping_needed",) and "input" in err and not isinstance(err.get("input"), (dict, list)):
        msg += f", got {_short(err['input'])}"
    return msg[0].lower() + msg[1:] if msg else msg


def _word(e: dict) -> str | None:
    """What a type error says the value must be (``a number``, ``one of 'a', 'b'``), else ``None``."""
    if e["type"] == "literal_error":
        return f"one of {(e.get('ctx') or {}).get('expected', '')}"
    return _TYPE_WORDS.get(e["type"])


def _best(errors: list[dict]) -> tuple[tuple, str]:
    """The most telling error: the deepest one; type errors of several union members are joined with 'or'."""
    cleaned = []
    for e in errors:
        loc = tuple(p for p in e["loc"] if not _is_tag(p))
        if e["type"] == "unknown_key":
            loc = loc + (e["ctx"]["key"],)
        cleaned.append((loc, e))
    depth = max(len(loc) for loc, _ in cleaned)
    deepest = [(loc, e) for loc, e in cleaned if len(loc) == depth]
    loc = deepest[0][0]
    same = [e for lc, e in deepest if lc == loc]
    if len(same) > 1:
        same = [e for e in same if e["type"] != "none_required"] or same
        specific = [e for e in same if e["type"] not in _TYPE_WORDS]
        if specific:  # the value has a right type but a wrong value: say what is wrong with it
            return loc, _message(specific[0])
    words = [_word(e) for e in same]
    if len(same) > 1 and all(words):
        got = _short(same[0].get("input"))
        return loc, f"must be {' or '.join(dict.fromkeys(words))}, got {got}"
    return loc, _message(same[0])


def input_error(err: ValidationError, file: Any = None, *, data: Any = None, prefix: Sequence[Any] = ()) -> InputError:
    """One :class:`InputError` line for a pydantic ``ValidationError`` (the most telling of its errors)."""
    loc, msg = _best(err.errors(include_url=False))
    loc = tuple(prefix) + loc
    msg = " ".join(str(msg).split())  # one line
    if not loc:
        return InputError(msg, file=file)
    return InputError(f"key '{key_path(loc, data)}': {msg}", file=file)


def validate(model: type[M], data: Any, *, file: Any = None, prefix: Sequence[Any] = (), root: Any = None) -> M:
    """Validate ``data`` with ``model``; a failure is one :class:`InputError` naming ``file`` and the key.

    ``prefix`` is the key path of ``data`` inside the whole document ``root`` (for nested checks).
    """
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise input_error(e, file, data=data if root is None else root, prefix=prefix) from None


# --- table cells -----------------------------------------------------------------------------------------
def is_blank(v: Any) -> bool:
    """An empty cell: None, NaN or whitespace."""
    if v is None:
        return True
    if isinstance(v, float) and v != v:
        return True
    return isinstance(v, str) and not v.strip()


def table_number(df, i: int, column: str, *, file: Any, ge: float | None = None, what: str = "value",
                 required: bool = True) -> float:
    """Cell ``(i, column)`` of a table from :func:`analysis.data.read_table` as a finite float.

    A missing cell (when ``required``), text, a boolean, ``inf`` or a value below ``ge`` is one
    :class:`InputError` naming ``file``, the line (or Excel row) and the column.
    """
    from ..tables import parse_number, row_number

    v = df[column].iloc[i]
    try:
        x = parse_number(v, required=required)
    except ValueError as e:
        raise InputError(f"{what}: {e}", file=file, row=row_number(df, i), column=str(column)) from None
    if ge is not None and x < ge:
        raise InputError(f"{what} must be >= {ge:g}, got {x:g}", file=file, row=row_number(df, i),
                         column=str(column))
    return x


def table_line(df, i: int) -> int:
    """The line (CSV, header = 1) or Excel row of positional row ``i`` of a table from ``read_table``."""
    from ..tables import row_number

    return row_number(df, i)
