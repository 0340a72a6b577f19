"""Indicator frameworks: the hierarchy index → dimensions → … → indicators.

A framework is read from a YAML file (nested ``tree`` or flat ``nodes`` list) or from a
COINr-style metadata table (``iMeta``: ``Level, iCode, iName, Direction, Weight, Parent, Type``).
Levels follow COINr: indicators are level 1 and each aggregate sits one level above its
highest child, so ``by_level`` options mean the same thing here as in COINr.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ._errors import InputError
from ._yaml import read_yaml

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


def _num(value: Any, what: str, file, node) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and value.strip().upper() in {"", "NA", "NAN"}:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, got {value!r}", file=file, node=node) from None


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
        Free metadata (title, nama, description, sources, unit columns).
    source_file : str, optional
        File the framework was read from (used in error messages).
    """

    def __init__(self, nodes: Iterable[Node], name: str = "framework", meta: dict | None = None,
                 source_file: str | None = None):
        self.name = name
        self.meta = dict(meta or {})
        self.source_file = source_file
        nodes = list(nodes)
        f = source_file
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
                if n.weight < 0:
                    raise InputError(f"negative weight {n.weight}", file=f, node=n.code)
            if n.is_indicator:
                if n.direction not in (1, -1):
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
            if ch and sum(self.nodes[c].weight for c in ch) <= 0:
                raise InputError("weights of the children sum to zero", file=f, node=code)

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
        return pd.Series({c: n.weight for c, n in self.nodes.items() if n.parent is not None}, dtype=float)

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

def _node_from_dict(d: dict, parent: str | None, file, is_indicator: bool | None = None) -> Node:
    if not isinstance(d, dict):
        raise InputError(f"a node must be a mapping, got {d!r}", file=file)
    code = _str(d.get("code"))
    if code is None:
        raise InputError(f"node without a 'code' (name: {d.get('name')!r})", file=file)
    if is_indicator is None:
        if "children" in d:
            is_indicator = False
        else:
            t = str(d.get("type", "")).lower()
            is_indicator = t != "aggregate"
    weight = d.get("weight")
    if parent is not None:
        if weight is None:
            raise InputError("missing weight", file=file, node=code)
        weight = _num(weight, "weight", file, code)
        if weight is None:
            raise InputError("missing weight", file=file, node=code)
    else:
        weight = 1.0 if weight is None else _num(weight, "weight", file, code)
    direction = 1
    if is_indicator:
        if "direction" not in d:
            raise InputError("indicator without a 'direction' (+1 or -1)", file=file, node=code)
        direction = d["direction"]
        try:
            if float(direction) in (1.0, -1.0):
                direction = int(float(direction))
        except (TypeError, ValueError):
            pass
    level = d.get("level")
    return Node(
        code=code, parent=parent, weight=weight, is_indicator=bool(is_indicator),
        name=str(d.get("name") or code), nama=str(d.get("nama") or d.get("name") or code),
        level=None if level is None else int(level), direction=direction, unit=_str(d.get("unit")),
        goal_min=_num(d.get("min"), "min", file, code), goal_max=_num(d.get("max"), "max", file, code),
        target=_num(d.get("target"), "target", file, code), transform=_str(d.get("transform")),
        denominator=_str(d.get("denominator")), source=_str(d.get("source")),
        extra={k: v for k, v in d.items() if k not in _INDICATOR_KEYS | {
            "code", "name", "nama", "weight", "children", "parent", "type", "level"}},
    )


def _read_yaml(path: Path) -> Framework:
    doc = read_yaml(path, "framework file")
    if not doc:
        raise InputError("a framework file must be a mapping with 'tree' or 'nodes'", file=path)
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
            parent = _str(d.get("parent")) if isinstance(d, dict) else None
            t = str(d.get("type", "indicator" if "direction" in d else "aggregate")).lower()
            nodes.append(_node_from_dict(d, parent, path, is_indicator=(t == "indicator")))
    else:
        raise InputError("a framework file needs a 'tree' or a 'nodes' key", file=path)
    meta = {k: v for k, v in doc.items() if k not in ("tree", "nodes")}
    return Framework(nodes, name=str(doc.get("name", path.stem)), meta=meta, source_file=str(path))


def _read_table(path: Path) -> Framework:
    if path.suffix.lower() in (".xlsx", ".xls"):
        df = pd.read_excel(path, sheet_name=0)
    else:
        df = pd.read_csv(path, keep_default_na=True)
    need = ["Level", "iCode", "iName", "Direction", "Weight", "Parent", "Type"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(f"metadata table lacks columns: {', '.join(missing)}", file=path)
    nodes = []
    unit_cols: dict[str, list[str]] = {}
    for i, r in df.iterrows():
        line = i + 2
        code = _str(r["iCode"])
        typ = _str(r["Type"])
        if code is None:
            raise InputError("empty iCode", file=path, row=line, column="iCode")
        if typ not in ("Indicator", "Aggregate"):
            unit_cols.setdefault(typ or "Other", []).append(code)
            continue
        is_ind = typ == "Indicator"
        parent = _str(r["Parent"])
        w = r["Weight"]
        weight = None if pd.isna(w) else _num(w, "Weight", path, code)
        if parent is not None and weight is None:
            raise InputError("missing weight", file=path, row=line, node=code)
        direction = 1
        if is_ind:
            d = r["Direction"]
            if pd.isna(d):
                raise InputError("missing Direction", file=path, row=line, node=code)
            try:
                direction = int(float(d)) if float(d) in (1.0, -1.0) else d
            except (TypeError, ValueError):
                direction = d
        get = lambda col, r=r: r[col] if col in df.columns else None
        nodes.append(Node(
            code=code, parent=parent, weight=1.0 if weight is None else weight, is_indicator=is_ind,
            name=_str(r["iName"]) or code, nama=_str(get("iNama")) or _str(r["iName"]) or code,
            level=None if pd.isna(r["Level"]) else int(r["Level"]), direction=direction,
            unit=_str(get("Unit")), goal_min=_num(get("GoalMin"), "GoalMin", path, code),
            goal_max=_num(get("GoalMax"), "GoalMax", path, code),
            target=_num(get("Target"), "Target", path, code), transform=_str(get("Transform")),
            denominator=_str(get("Denominator")), source=_str(get("Source")),
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
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(path)
    if path.suffix.lower() in (".csv", ".xlsx", ".xls"):
        return _read_table(path)
    raise InputError("unknown framework format (use .yaml, .csv or .xlsx)", file=path)


def framework_page(fw: Framework, spec_path: str | None = None) -> str:
    """A methodology page (Markdown) for a framework: purpose, method, sources, caveats, tree, indicators."""
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
    out += ["## Structure and weights / Struktur dan bobot", "", "```", fw.tree(), "```", "",
            "## Indicators / Indikator", "",
            "| code | name | nama | unit | direction | parent | source |", "|---|---|---|---|---|---|---|"]
    for c in fw.indicators:
        n = fw.nodes[c]
        out.append(f"| {c} | {n.name} | {n.nama} | {n.unit or ''} | {'+' if n.direction > 0 else '−'} | {n.parent} | "
                   f"{n.source or ''} |")
    out.append("")
    out.append("*Generated from the framework file by `analysis.framework.framework_page`; edit the YAML, not this "
               "page.*")
    return "\n".join(out) + "\n"
