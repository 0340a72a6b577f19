"""Indicator frameworks: the hierarchy index → dimensions → … → indicators.

A framework is read from a YAML file (nested ``tree`` or flat ``nodes`` list) or from a
COINr-style metadata table (``iMeta``: ``Level, iCode, iName, Direction, Weight, Parent, Type``).
Levels follow COINr: indicators are level 1 and each aggregate sits one level above its
highest child, so ``by_level`` options mean the same thing here as in COINr.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import InputError
from ._yaml import read_yaml
from .tables import parse_number, read_table, row_number
from .units import describe_kinds, parse_applies_to

__all__ = ["Node", "Framework", "load_framework", "builtin_frameworks", "FRAMEWORK_DIR"]

FRAMEWORK_DIR = Path(__file__).resolve().parents[2] / "methodology" / "frameworks"

_INDICATOR_KEYS = {"direction", "unit", "min", "max", "target", "transform", "denominator", "source"}


@dataclass(frozen=True)
class Node:
    """One node of a framework (an indicator or an aggregate)."""

    code: str
    parent: str | None
    weight: float
    is_indicator: bool
    name: str = ""
    nama: str = ""
    level: int | None = None
    direction: int = 1
    unit: str | None = None
    goal_min: float | None = None
    goal_max: float | None = None
    target: float | None = None
    transform: str | None = None
    denominator: str | None = None
    source: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


_NODE_KEYS = _INDICATOR_KEYS | {"code", "name", "nama", "weight", "children", "parent", "type", "level",
                                 "description", "notes"}
_TOP_KEYS = {"name", "title", "nama", "description", "sources", "caveats", "methodology", "notes", "version",
             "unit_columns", "tree", "nodes", "applies_to", "code_columns"}
_TABLE_TYPES = {"indicator": "Indicator", "aggregate": "Aggregate", "group": "Group",
                "denominator": "Denominator", "other": "Other"}


def _is_real(value: Any) -> bool:
    """A real number that is not a boolean (YAML ``yes`` is a boolean, not 1)."""
    if type(value) is float or type(value) is int:  # the common case, without the abstract class check
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _num(value: Any, what: str, file, node) -> float | None:
    """A finite number from a YAML framework (None when absent); strings and booleans are refused."""
    if value is None:
        return None
    if not _is_real(value):
        kind = "a boolean" if isinstance(value, bool) else "text" if isinstance(value, str) else type(value).__name__
        raise InputError(f"{what} must be a number, got {kind} ({value!r})", file=file, node=node)
    x = float(value)
    if not math.isfinite(x):
        raise InputError(f"{what} must be a finite number, got {value!r}", file=file, node=node)
    return x


def _unknown_keys(keys: Iterable, allowed: set[str], file, node=None, where: str = "") -> None:
    """Refuse keys that are not in ``allowed``, suggesting the closest known one."""
    for k in keys:
        if k in allowed:
            continue
        close = difflib.get_close_matches(str(k), sorted(allowed), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(allowed))})"
        raise InputError(f"unknown key '{k}'{where}{hint}", file=file, node=node)


def _str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    s = str(value).strip()
    return None if s in {"", "NA"} else s


class Framework:
    """An immutable, validated indicator hierarchy.

    Parameters
    ----------
    nodes : iterable of Node
        The nodes, in reading order; exactly one has no parent (the index).
    name : str
        Short name of the framework.
    meta : dict, optional
        Free metadata (title, nama, description, sources, unit columns, ``applies_to``).
    source_file : str, optional
        File the framework was read from (used in error messages).

    Attributes
    ----------
    applies_to : tuple of str
        Kinds of unit the framework applies to (:func:`analysis.units.parse_applies_to` of
        ``meta["applies_to"]``; default kabupaten and kota). Data units of another kind are refused
        by :func:`analysis.load_data`.
    """

    def __init__(self, nodes: Iterable[Node], name: str = "framework", meta: dict | None = None,
                 source_file: str | None = None):
        self.name = name
        self.meta = dict(meta or {})
        self.source_file = source_file
        nodes = list(nodes)
        f = source_file
        self.applies_to: tuple[str, ...] = parse_applies_to(self.meta.get("applies_to"), file=f)
        self.nodes: dict[str, Node] = {}
        for n in nodes:
            if not n.code:
                raise InputError("a node has an empty code", file=f)
            if n.code in self.nodes:
                raise InputError("duplicate node code", file=f, node=n.code)
            self.nodes[n.code] = n
        children: dict[str, list[str]] = {c: [] for c in self.nodes}
        roots = []
        for n in nodes:
            if n.parent is None:
                roots.append(n.code)
                continue
            if n.parent not in self.nodes:
                raise InputError(f"unknown parent '{n.parent}'", file=f, node=n.code)
            if self.nodes[n.parent].is_indicator:
                raise InputError(f"parent '{n.parent}' is an indicator, not an aggregate", file=f, node=n.code)
            children[n.parent].append(n.code)
        # cycles: walk up from every node
        for code in self.nodes:
            seen = {code}
            p = self.nodes[code].parent
            while p is not None:
                if p in seen:
                    raise InputError(f"cycle in the hierarchy through '{p}'", file=f, node=code)
                seen.add(p)
                p = self.nodes[p].parent
        if len(roots) != 1:
            if not roots:
                raise InputError("no top node (every node has a parent)", file=f)
            raise InputError(f"more than one top node: {', '.join(roots)}", file=f)
        for n in nodes:
            if not n.is_indicator and not children[n.code]:
                raise InputError("aggregate node has no children", file=f, node=n.code)
            if n.parent is not None:
                if n.weight is None or (isinstance(n.weight, float) and math.isnan(n.weight)):
                    raise InputError("missing weight", file=f, node=n.code)
                if not _is_real(n.weight):
                    raise InputError(f"weight must be a number, got {n.weight!r}", file=f, node=n.code)
                if not math.isfinite(n.weight):
                    raise InputError(f"weight must be a finite number, got {n.weight}", file=f, node=n.code)
                if n.weight < 0:
                    raise InputError(f"negative weight {n.weight}", file=f, node=n.code)
            for what, v in (("min", n.goal_min), ("max", n.goal_max), ("target", n.target)):
                if v is not None and not (_is_real(v) and math.isfinite(v)):
                    raise InputError(f"{what} must be a finite number, got {v!r}", file=f, node=n.code)
            if n.is_indicator:
                if n.level is not None and n.level != 1:
                    raise InputError(f"indicators are level 1 (as in COINr), got level {n.level}", file=f,
                                     node=n.code)
                if isinstance(n.direction, bool) or n.direction not in (1, -1):
                    raise InputError(f"direction must be 1 or -1, got {n.direction!r}", file=f, node=n.code)
                if n.goal_min is not None and n.goal_max is not None and n.goal_min >= n.goal_max:
                    raise InputError(f"goalposts need min < max, got min={n.goal_min}, max={n.goal_max}",
                                     file=f, node=n.code)
                if n.transform not in (None, "log", "none"):
                    raise InputError(f"unknown transform '{n.transform}' (use 'log')", file=f, node=n.code)
        self.root = roots[0]
        self._children = children
        # levels: indicators 1, aggregates 1 + max(child level) unless given explicitly
        computed: dict[str, int] = {}

        def lev(code: str) -> int:
            if code not in computed:
                node = self.nodes[code]
                computed[code] = 1 if node.is_indicator else 1 + max(lev(c) for c in children[code])
            return computed[code]

        for code in self.nodes:
            lev(code)
        for code, node in list(self.nodes.items()):
            if node.level is None:
                self.nodes[code] = replace(node, level=computed[code])
        for code, node in self.nodes.items():
            if not node.is_indicator:
                for c in children[code]:
                    if self.nodes[c].level >= node.level:
                        raise InputError(f"level {node.level} is not above its child '{c}' "
                                         f"(level {self.nodes[c].level})", file=f, node=code)
        order = {c: i for i, c in enumerate(self.nodes)}
        self.indicators: list[str] = [c for c, n in self.nodes.items() if n.is_indicator]
        self.aggregates: list[str] = sorted((c for c, n in self.nodes.items() if not n.is_indicator),
                                            key=lambda c: (self.nodes[c].level, order[c]))
        for code, ch in children.items():
            total = sum(self.nodes[c].weight for c in ch) if ch else 1.0
            if total <= 0:
                raise InputError("weights of the children sum to zero", file=f, node=code)
            if not math.isfinite(total):
                raise InputError("weights of the children are too large (their sum overflows); use smaller "
                                 "weights", file=f, node=code)

    # --- structure -------------------------------------------------------------------------
    def children(self, code: str) -> list[str]:
        """Codes of the direct children of ``code`` in reading order."""
        return list(self._children[code])

    def indicators_under(self, code: str) -> list[str]:
        """All indicators below ``code`` (or ``[code]`` for an indicator)."""
        if self.nodes[code].is_indicator:
            return [code]
        out = []
        for c in self._children[code]:
            out.extend(self.indicators_under(c))
        return out

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, …, up to the index."""
        out = []
        p = self.nodes[code].parent
        while p is not None:
            out.append(p)
            p = self.nodes[p].parent
        return out

    @property
    def levels(self) -> list[int]:
        """Aggregate levels, bottom-up."""
        return sorted({self.nodes[c].level for c in self.aggregates})

    def at_level(self, level: int) -> list[str]:
        return [c for c in self.nodes if self.nodes[c].level == level]

    def weights(self) -> pd.Series:
        """Nominal weight of every non-root node (relative within its parent)."""
        nodes = [(c, n.weight) for c, n in self.nodes.items() if n.parent is not None]
        if not nodes:
            return pd.Series({}, dtype=float)
        codes = [c for c, _ in nodes]
        idx = self.__dict__.get("_weight_index")  # the labels made once (an Index is immutable; no value is kept)
        if idx is None or idx.tolist() != codes:
            idx = self.__dict__["_weight_index"] = pd.Index(codes)
        return pd.Series(np.array([w for _, w in nodes], dtype=float), index=idx.copy())  # its own name attribute

    def effective_weights(self, weights: pd.Series | None = None) -> pd.Series:
        """Each indicator's share of the index under arithmetic aggregation (product of shares)."""
        w = self.weights() if weights is None else weights
        out = {}
        for ind in self.indicators:
            share, node = 1.0, ind
            while self.nodes[node].parent is not None:
                par = self.nodes[node].parent
                sib = self._children[par]
                share *= w[node] / sum(w[s] for s in sib)
                node = par
            out[ind] = share
        return pd.Series(out)

    def with_weights(self, weights: dict | pd.Series) -> Framework:
        """A copy with some weights replaced (unknown codes are an error)."""
        weights = dict(weights)
        for c in weights:
            if c not in self.nodes or self.nodes[c].parent is None:
                raise InputError(f"weight given for unknown node '{c}'", node=c)
        nodes = [replace(n, weight=float(weights.get(n.code, n.weight))) for n in self.nodes.values()]
        return Framework(nodes, self.name, self.meta, self.source_file)

    def without(self, codes: Iterable[str]) -> Framework:
        """A copy without the given indicators (aggregates left empty are dropped too)."""
        drop = set(codes)
        nodes = list(self.nodes.values())
        while True:
            keep = [n for n in nodes if n.code not in drop]
            parents = {n.parent for n in keep}
            empty = {n.code for n in keep if not n.is_indicator and n.code not in parents}
            if not empty:
                break
            drop |= empty
            nodes = keep
        return Framework(keep, self.name, self.meta, self.source_file)

    def to_frame(self) -> pd.DataFrame:
        """COINr-style metadata table (``iMeta``)."""
        rows = []
        for n in self.nodes.values():
            rows.append({
                "Level": n.level, "iCode": n.code, "iName": n.name, "iNama": n.nama,
                "Direction": n.direction if n.is_indicator else None,
                "Weight": n.weight if n.parent is not None else None,
                "Parent": n.parent, "Type": "Indicator" if n.is_indicator else "Aggregate",
                "Unit": n.unit, "Target": n.target, "Denominator": n.denominator,
                "GoalMin": n.goal_min, "GoalMax": n.goal_max, "Transform": n.transform, "Source": n.source,
            })
        return pd.DataFrame(rows)

    def tree(self, show_weights: bool = True) -> str:
        """Text drawing of the hierarchy with normalised weights."""
        lines: list[str] = []

        def walk(code: str, prefix: str, depth: int):
            n = self.nodes[code]
            label = f"{code}  {n.name}" + (f" / {n.nama}" if n.nama and n.nama != n.name else "")
            if show_weights and n.parent is not None:
                sib = self._children[n.parent]
                share = n.weight / sum(self.nodes[s].weight for s in sib)
                label += f"  [w={n.weight:g}, {share:.1%}]"
            if n.is_indicator:
                label += f"  ({'+' if n.direction == 1 else '-'})"
            lines.append(prefix + label)
            for c in self._children[code]:
                walk(c, prefix + "  ", depth + 1)

        walk(self.root, "", 0)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"Framework({self.name!r}: {len(self.indicators)} indicators, "
                f"{len(self.aggregates)} aggregates, levels {self.levels})")


# --- readers ---------------------------------------------------------------------------------

def _code(value: Any, file, where: str = "") -> str | None:
    """A node code as text; a YAML number that would lose digits (``1.10`` → 1.1) is refused."""
    if isinstance(value, bool):
        raise InputError(f"code must be text, got a boolean ({value}){where}", file=file)
    if isinstance(value, float):
        raise InputError(f"code {value!r} was read as a number; quote it ('{value}'){where}", file=file)
    return _str(value)


def _node_type(value: Any, file, code: str) -> str | None:
    if value is None:
        return None
    t = str(value).strip().lower()
    if t not in ("indicator", "aggregate"):
        raise InputError(f"unknown type {value!r} (use indicator or aggregate)", file=file, node=code)
    return t


def _direction(value: Any, file, code: str) -> int:
    if _is_real(value) and float(value) in (1.0, -1.0):
        return int(value)
    raise InputError(f"direction must be 1 or -1, got {value!r}", file=file, node=code)


def _level(value: Any, file, code: str) -> int | None:
    if value is None:
        return None
    if _is_real(value) and math.isfinite(value) and float(value).is_integer() and value >= 1:
        return int(value)
    raise InputError(f"level must be a whole number of at least 1, got {value!r}", file=file, node=code)


def _node_from_dict(d: dict, parent: str | None, file, is_indicator: bool | None = None) -> Node:
    if not isinstance(d, dict):
        raise InputError(f"a node must be a mapping, got {d!r}", file=file)
    code = _code(d.get("code"), file, f" (name: {d.get('name')!r})")
    if code is None:
        raise InputError(f"node without a 'code' (name: {d.get('name')!r})", file=file)
    _unknown_keys(d, _NODE_KEYS, file, node=code)
    typ = _node_type(d.get("type"), file, code)
    if "children" in d and typ == "indicator":
        raise InputError("a node with 'children' cannot have type indicator", file=file, node=code)
    if is_indicator is None:
        is_indicator = "children" not in d and typ != "aggregate"
    weight = d.get("weight")
    if parent is not None:
        weight = _num(weight, "weight", file, code)
        if weight is None:
            raise InputError("missing weight", file=file, node=code)
    else:
        weight = 1.0 if weight is None else _num(weight, "weight", file, code)
    direction = 1
    if is_indicator:
        if "direction" not in d:
            raise InputError("indicator without a 'direction' (+1 or -1)", file=file, node=code)
        direction = _direction(d["direction"], file, code)
    return Node(
        code=code, parent=parent, weight=weight, is_indicator=bool(is_indicator),
        name=str(d.get("name") or code), nama=str(d.get("nama") or d.get("name") or code),
        level=_level(d.get("level"), file, code), direction=direction, unit=_str(d.get("unit")),
        goal_min=_num(d.get("min"), "min", file, code), goal_max=_num(d.get("max"), "max", file, code),
        target=_num(d.get("target"), "target", file, code), transform=_str(d.get("transform")),
        denominator=_str(d.get("denominator")), source=_str(d.get("source")),
        extra={k: v for k, v in d.items() if k in ("description", "notes")},
    )


def _read_yaml(path: Path) -> Framework:
    doc = read_yaml(path, "framework file")
    if not doc:
        raise InputError("a framework file must be a mapping with 'tree' or 'nodes'", file=path)
    _unknown_keys(doc, _TOP_KEYS, path, where=" at the top of the framework file")
    if "tree" in doc and "nodes" in doc:
        raise InputError("a framework file has either 'tree' or 'nodes', not both", file=path)
    nodes: list[Node] = []
    if "tree" in doc:
        def walk(d, parent):
            node = _node_from_dict(d, parent, path)
            nodes.append(node)
            ch = d.get("children")
            if ch is not None:
                if not isinstance(ch, list):
                    raise InputError("'children' must be a list", file=path, node=node.code)
                for c in ch:
                    walk(c, node.code)
        walk(doc["tree"], None)
    elif "nodes" in doc:
        raw = doc["nodes"]
        if not isinstance(raw, list):
            raise InputError("'nodes' must be a list", file=path)
        for d in raw:
            if not isinstance(d, dict):
                raise InputError(f"a node must be a mapping, got {d!r}", file=path)
            parent = _code(d.get("parent"), path, f" (parent of {d.get('code')!r})")
            t = _node_type(d.get("type"), path, str(d.get("code")))
            t = t or ("indicator" if "direction" in d else "aggregate")
            nodes.append(_node_from_dict(d, parent, path, is_indicator=(t == "indicator")))
    else:
        raise InputError("a framework file needs a 'tree' or a 'nodes' key", file=path)
    meta = {k: v for k, v in doc.items() if k not in ("tree", "nodes")}
    return Framework(nodes, name=str(doc.get("name", path.stem)), meta=meta, source_file=str(path))


_TABLE_TEXT = ("iName", "iNama", "Type", "Unit", "Transform", "Denominator", "Source")
_TABLE_NUMBERS = ("Weight", "Direction", "Level", "GoalMin", "GoalMax", "Target")


def _table_columns(path: Path) -> tuple[list, list[list], list[int]]:
    """The header, the columns (as Python values, as ``DataFrame.to_dict("records")`` gives them) and the
    line of each row of a metadata table from :func:`~analysis.tables.read_table`; a clean CSV's typed
    columns are taken without building the table (``analysis.tables._read_clean_columns``: the same
    cells, typed by the same reader)."""
    from . import tables

    clean = tables._read_clean_columns(path, "framework", _TABLE_TEXT)
    if clean is not None:
        header, cols = clean
        columns = [c if isinstance(c, list) else [v.item() if isinstance(v, np.generic) else v for v in c.tolist()]
                   for c in cols]
        return header, columns, list(range(2, len(columns[0]) + 2))
    df = read_table(path, what="framework", text_columns=_TABLE_TEXT)
    rows = df.attrs.get("source_rows")
    columns = [[v.item() if isinstance(v, np.generic) else v for v in df.iloc[:, j].tolist()]
               for j in range(df.shape[1])]  # numpy scalars (object columns) as Python values, as to_dict
    return list(df.columns), columns, [row_number(df, i, rows) for i in range(len(df))]


def _read_table(path: Path) -> Framework:
    header, columns, lines = _table_columns(path)
    by_lower: dict[str, str] = {}
    for c in header:  # one column per name: 'Weight' and 'weight' both would leave one of them unread
        if str(c).lower() in by_lower:
            raise InputError(f"columns '{by_lower[str(c).lower()]}' and '{c}' are the same column (names are read "
                             "without regard to case): keep one", file=path, column=str(c))
        by_lower[str(c).lower()] = c
    need = ["Level", "iCode", "iName", "Direction", "Weight", "Parent", "Type"]
    missing = [c for c in need if c.lower() not in by_lower]
    if missing:
        raise InputError(f"metadata table lacks columns: {', '.join(missing)}", file=path)
    rename = {by_lower[c.lower()]: c for c in need + ["iNama", "Unit", "Target", "Denominator", "GoalMin", "GoalMax",
                                                      "Transform", "Source"] if c.lower() in by_lower}
    # the rows as records under the canonical names (as df.rename(...).to_dict("records"), read column-wise)
    names = [rename.get(c, c) for c in header]
    records = [dict(zip(names, vals)) for vals in zip(*columns)]
    # a column of numbers (finite or NaN) read at once: parse_number gives float(v), NaN for NaN, never refuses
    numbers = {name: [None if v != v else float(v) for v in vals] for name, vals in zip(names, columns)
               if name in _TABLE_NUMBERS and set(map(type, vals)) <= {int, float} and not any(map(math.isinf, vals))}
    nodes = []
    unit_cols: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    for i, (r, line) in enumerate(zip(records, lines)):

        def num(col: str, required: bool = False, r=r, line=line, i=i) -> float | None:
            if not required and col in numbers:
                return numbers[col][i]
            try:
                x = parse_number(r.get(col), required=required)
            except ValueError as e:
                raise InputError(str(e), file=path, row=line, column=col) from None
            return None if math.isnan(x) else x

        code = _str(r["iCode"])
        if code is None:
            raise InputError("empty iCode", file=path, row=line, column="iCode")
        if code in first_line:
            raise InputError(f"duplicated iCode '{code}' (first on row {first_line[code]})", file=path,
                             row=line, column="iCode")
        first_line[code] = line
        raw_type = _str(r["Type"])
        typ = _TABLE_TYPES.get((raw_type or "").strip().lower())
        if typ is None:
            raise InputError(f"unknown Type {raw_type!r} for '{code}' (use Indicator or Aggregate; Group, "
                             "Denominator or Other for unit columns)", file=path, row=line, column="Type")
        if typ not in ("Indicator", "Aggregate"):
            unit_cols.setdefault(typ, []).append(code)
            continue
        is_ind = typ == "Indicator"
        parent = _str(r["Parent"])
        weight = num("Weight")
        if weight is not None and weight < 0:
            raise InputError(f"negative weight {weight}", file=path, row=line, column="Weight")
        if parent is not None and weight is None:
            raise InputError(f"missing weight for '{code}'", file=path, row=line, column="Weight")
        direction = 1
        if is_ind:
            d = num("Direction")
            if d is None:
                raise InputError(f"missing Direction for '{code}'", file=path, row=line, column="Direction")
            if d not in (1.0, -1.0):
                raise InputError(f"Direction must be 1 or -1, got {r['Direction']!r}", file=path, row=line,
                                 column="Direction")
            direction = int(d)
        level = num("Level")
        if level is not None and not (level.is_integer() and level >= 1):
            raise InputError(f"Level must be a whole number of at least 1, got {r['Level']!r}", file=path,
                             row=line, column="Level")
        nodes.append(Node(
            code=code, parent=parent, weight=1.0 if weight is None else weight, is_indicator=is_ind,
            name=_str(r["iName"]) or code, nama=_str(r.get("iNama")) or _str(r["iName"]) or code,
            level=None if level is None else int(level), direction=direction,
            unit=_str(r.get("Unit")), goal_min=num("GoalMin"), goal_max=num("GoalMax"),
            target=num("Target"), transform=_str(r.get("Transform")),
            denominator=_str(r.get("Denominator")), source=_str(r.get("Source")),
        ))
    meta = {"unit_columns": unit_cols}
    return Framework(nodes, name=path.stem, meta=meta, source_file=str(path))


def builtin_frameworks() -> dict[str, Path]:
    """Built-in frameworks shipped in ``methodology/frameworks``: name → path."""
    if not FRAMEWORK_DIR.is_dir():
        return {}
    return {p.stem: p for p in sorted(FRAMEWORK_DIR.glob("*.yaml"))}


def load_framework(source: str | Path | Framework) -> Framework:
    """Read a framework from a YAML file, a COINr metadata table, or a built-in name.

    Parameters
    ----------
    source : str, Path or Framework
        Path to ``.yaml``/``.yml``, ``.csv`` or ``.xlsx``; or the name of a built-in framework
        (see :func:`builtin_frameworks`).

    Returns
    -------
    Framework

    Raises
    ------
    InputError
        For any structural problem, naming the file and the node.
    """
    if isinstance(source, Framework):
        return source
    path = Path(source)
    if not path.exists():
        builtins = builtin_frameworks()
        if str(source) in builtins:
            path = builtins[str(source)]
        else:
            raise InputError(f"framework file not found (built-in names: {', '.join(builtins) or 'none'})",
                             file=source)
    if path.is_dir():
        raise InputError("is a folder, not a framework file", file=path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(path)
    if path.suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet"):
        return _read_table(path)
    raise InputError("unknown framework format (use .yaml, .csv or .xlsx)", file=path)


def framework_page(fw: Framework, spec_path: str | None = None) -> str:
    """A methodology page (Markdown) for a framework: purpose, method, sources, caveats, notes, the units it
    applies to, tree, and every node with its source (indicators, then the index and aggregates)."""
    m = fw.meta
    out = [f"# {m.get('title', fw.name)}", ""]
    if m.get("nama"):
        out += [f"*{m['nama']}*", ""]
    out += [f"Built-in name: `{fw.name}` — `maturasi frameworks show {fw.name}` prints the tree.", ""]
    if m.get("description"):
        out += ["## Method / Metode", "", str(m["description"]).strip(), ""]
    if spec_path:
        out += [f"Build spec: `{spec_path}`.", ""]
    out += ["## Sources / Sumber", ""] + [f"- {s}" for s in (m.get("sources") or ["(none given)"])] + [""]
    if m.get("caveats"):
        out += ["## Caveats / Catatan", "", str(m["caveats"]).strip(), ""]
    if m.get("notes"):
        out += ["## Notes / Keterangan", "", str(m["notes"]).strip(), ""]
    out += [f"Applies to / Berlaku untuk: {describe_kinds(fw.applies_to)}.", ""]
    out += ["## Structure and weights / Struktur dan bobot", "", "```", fw.tree(), "```", "",
            "## Indicators / Indikator", "",
            "| code | name | nama | unit | direction | parent | source |", "|---|---|---|---|---|---|---|"]
    for c in fw.indicators:
        n = fw.nodes[c]
        out.append(f"| {c} | {n.name} | {n.nama} | {n.unit or ''} | {'+' if n.direction > 0 else '−'} | {n.parent} | "
                   f"{n.source or ''} |")
    # every node's source, not only the indicators' (issue 17): the index and the aggregates, top down
    out += ["", "## Index and aggregates / Indeks dan agregat", "",
            "| code | level | name | nama | weight | parent | source |", "|---|---|---|---|---|---|---|"]
    for c in sorted(fw.aggregates, key=lambda a: -fw.nodes[a].level):
        n = fw.nodes[c]
        weight = "" if n.parent is None else f"{n.weight:g}"
        out.append(f"| {c} | {n.level} | {n.name} | {n.nama} | {weight} | {n.parent or ''} | {n.source or ''} |")
    out += ["", "A source that contains \"kit's own\" marks this kit's own inference or proposal; every other source "
            "names the published document the node is taken from. / *Sumber yang memuat \"kit's own\" menandai "
            "inferensi kit ini; sumber lain menyebut dokumen resmi asalnya.*", ""]
    out.append("*Generated from the framework file by `analysis.framework.framework_page`; edit the YAML, not this "
               "page.*")
    return "\n".join(out) + "\n"
