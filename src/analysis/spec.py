"""The build specification: one ``Spec`` says how to go from raw data to an index.

A spec is a YAML file or a dict with these keys (all optional)::

    denominate: {Flights: Population}          # or 'framework' to use the framework's denominators
    impute:    {method: none|mean|median|group_mean|group_median|iterative, by: <group column>}
    treat:     {method: none|winsorise, skew: 2, kurt: 3.5, winmax: 5, fallback: log,
                overrides: {iCode: none | {winmax: 3}}}
    normalise: {method: minmax|zscore|rank|prank|goalposts|target|ordinal|none, range: [0, 100],
                mean: 0, sd: 1, reference_year: 2024, overrides: {iCode: goalposts}}
    weights:   framework | equal | <name of a set in weight_sets>
    weight_sets: {expert: {Node: weight, …}}   # or a path to a CSV (set, iCode, Weight)
    aggregate: {method: arithmetic|geometric|harmonic|mazziotta_pareto|ampi|copeland,
                by_level: {3: geometric}, by_node: {ENV: geometric}, min_share: 0.0}
    levels:    {bands: [...], labels: [...], labels_id: [...], on: Index}
    seed: 0
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import InputError
from ._yaml import read_yaml
from .schemas.spec import check_spec_dict, read_weight_sets

__all__ = ["Spec", "load_spec", "DEFAULT_SPEC"]

DEFAULT_SPEC: dict[str, Any] = {
    "denominate": None,
    "impute": {"method": "none"},
    "treat": {"method": "none"},
    "normalise": {"method": "minmax", "range": [0, 100]},
    "weights": "framework",
    "weight_sets": {},
    "aggregate": {"method": "arithmetic"},
    "levels": None,
    "seed": 0,
}
@dataclass
class Spec:
    """A validated build specification (see module docstring for the keys)."""

    data: dict = field(default_factory=lambda: copy.deepcopy(DEFAULT_SPEC))
    source: str | None = None

    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)

    def to_dict(self) -> dict:
        return copy.deepcopy(self.data)

    def replace(self, **changes) -> Spec:
        """A copy with top-level keys replaced (dict values are merged one level deep)."""
        d = self.to_dict()
        for k, v in changes.items():
            if isinstance(v, dict) and isinstance(d.get(k), dict):
                d[k] = {**d[k], **v}
            else:
                d[k] = v
        return load_spec(d, source=self.source)

    def weight_set(self, name: str) -> dict:
        sets = self.data.get("weight_sets") or {}
        if name not in sets:
            raise InputError(f"unknown weight set '{name}' (known: {', '.join(sets) or 'none'})", file=self.source)
        return sets[name]


def load_spec(spec: str | Path | dict | Spec | None = None, *, source: str | None = None) -> Spec:
    """Read and validate a spec from YAML, a dict, or ``None`` (defaults).

    The raw mapping is checked by :class:`analysis.schemas.spec.SpecModel`: unknown keys (with a
    suggestion), types and ranges are errors naming the spec file and the key path.
    """
    if isinstance(spec, Spec):
        return spec
    if spec is None:
        raw: dict = {}
    elif isinstance(spec, dict):
        raw = copy.deepcopy(spec)
    else:
        raw = read_yaml(spec, "spec")
        source = str(spec)
    if not isinstance(raw, dict):
        raise InputError("a spec must be a mapping", file=source)
    for k in ("impute", "treat", "normalise", "aggregate"):
        if isinstance(raw.get(k), str):
            raw[k] = {"method": raw[k]}
    lv = raw.get("levels")
    if isinstance(lv, dict) and True in lv and "on" not in lv:  # YAML 1.1 reads a plain key `on` as true
        raw["levels"] = {("on" if k is True else k): v for k, v in lv.items()}
    if isinstance(raw.get("weight_sets"), Path):
        raw["weight_sets"] = str(raw["weight_sets"])
    check_spec_dict(raw, source)
    d = copy.deepcopy(DEFAULT_SPEC)
    d.update(raw)
    ws = d.get("weight_sets") or {}
    if isinstance(ws, (str, Path)):
        p = Path(ws)
        if not p.is_absolute() and source:
            p = Path(source).parent / p
        if not p.is_file():
            raise InputError(f"key 'weight_sets': table not found: {ws}", file=source)
        ws = read_weight_sets(p)
    d["weight_sets"] = ws
    w = d["weights"]
    if isinstance(w, str) and w not in ("framework", "equal") and w not in ws:
        raise InputError(f"key 'weights': unknown weight set '{w}' (known: framework, equal"
                         f"{', ' + ', '.join(ws) if ws else ''})", file=source)
    return Spec(d, source)
