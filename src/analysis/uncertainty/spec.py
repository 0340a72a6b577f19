"""Uncertainty specification: the uncertain factors of an index and how to sample them.

YAML (or dict)::

    N: 1000                     # base sample size (Monte Carlo runs; Sobol: N·(factors + 2) runs)
    seed: 42
    design: mc | sobol          # plain Monte Carlo (uncertainty) or Saltelli/Sobol' design (sensitivity)
    output: mean_abs_rank_shift # or index_mean, or rank:<uCode>
    factors:
      - {name: w_dims, type: weights, level: 2, noise: 0.25}          # w·(1 + U(−f, f)) per node
      - {name: w_ind, type: weights, level: 1, distribution: dirichlet, concentration: 50}
      - {name: norm, type: choice, step: normalise, column: norm_f_n,
         alternatives: {minmax: {method: minmax, range: [1, 100]}, zscore: {method: zscore, mean: 10, sd: 2}}}
      - {name: agg, type: choice, step: aggregate, alternatives: {amean: arithmetic, gmean: geometric}}
      - {name: winmax, type: choice, step: treat, alternatives: {w1: {winmax: 1}, w5: {winmax: 5}}}
      - {name: drop, type: exclude, indicators: [a, b, c]}          # none, or one of these left out
      - {name: wset, type: weight_set, file: sets.csv, column: idx_Weights}  # named weight sets

A ``choice`` alternative is merged over the nominal step of the build spec (a string means
``{method: <string>}``). Each factor is one *group* of the Sobol' analysis.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._errors import InputError
from .._yaml import read_yaml

__all__ = ["Factor", "UASpec", "load_ua_spec"]

_TYPES = ("weights", "choice", "exclude", "weight_set")
_STEPS = ("normalise", "aggregate", "impute", "treat")


@dataclass
class Factor:
    name: str
    type: str
    column: str | None = None
    level: object = None
    nodes: list | None = None
    noise: float = 0.25
    distribution: str = "uniform"
    concentration: float = 50.0
    step: str | None = None
    alternatives: dict = field(default_factory=dict)
    indicators: list = field(default_factory=list)
    sets: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        if self.type == "choice":
            return list(self.alternatives)
        if self.type == "exclude":
            return ["none"] + list(self.indicators)
        if self.type == "weight_set":
            return list(self.sets)
        return []


@dataclass
class UASpec:
    factors: list[Factor]
    N: int = 1000
    seed: int = 0
    design: str = "mc"
    output: str = "mean_abs_rank_shift"
    keep_scores: bool = True
    source: str | None = None
    raw: dict = field(default_factory=dict)

    def factor(self, name: str) -> Factor:
        for f in self.factors:
            if f.name == name:
                return f
        raise InputError(f"unknown factor '{name}'", file=self.source)


def _read_sets(path: Path) -> dict:
    df = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_excel(path)
    if not {"set", "iCode", "Weight"} <= set(df.columns):
        raise InputError("a weight-set table needs columns set, iCode, Weight", file=path)
    return {str(k): dict(zip(g["iCode"].astype(str), g["Weight"].astype(float)))
            for k, g in df.groupby("set", sort=False)}


def load_ua_spec(src: str | Path | dict | UASpec) -> UASpec:
    """Read and validate an uncertainty spec (see module docstring)."""
    if isinstance(src, UASpec):
        return src
    source = None
    if isinstance(src, dict):
        raw = copy.deepcopy(src)
    else:
        raw = read_yaml(src, "uncertainty spec")
        source = str(src)
    known = {"N", "seed", "design", "output", "factors", "keep_scores", "name", "note"}
    bad = set(raw) - known
    if bad:
        raise InputError(f"unknown key(s) {', '.join(sorted(bad))} (known: {', '.join(sorted(known))})", file=source)
    facs = []
    names = set()
    for i, f in enumerate(raw.get("factors") or []):
        if not isinstance(f, dict) or "name" not in f or "type" not in f:
            raise InputError(f"factor {i + 1} needs a 'name' and a 'type'", file=source)
        name, typ = str(f["name"]), f["type"]
        if name in names:
            raise InputError(f"duplicate factor name '{name}'", file=source)
        names.add(name)
        if typ not in _TYPES:
            raise InputError(f"factor '{name}': unknown type '{typ}' (use {', '.join(_TYPES)})", file=source)
        fac = Factor(name=name, type=typ, column=f.get("column"), level=f.get("level"), nodes=f.get("nodes"),
                     noise=float(f.get("noise", 0.25)), distribution=f.get("distribution", "uniform"),
                     concentration=float(f.get("concentration", 50.0)), step=f.get("step"),
                     alternatives=dict(f.get("alternatives") or {}), indicators=list(f.get("indicators") or []))
        if typ == "choice":
            if fac.step not in _STEPS:
                raise InputError(f"factor '{name}': 'step' must be one of {', '.join(_STEPS)}", file=source)
            if not fac.alternatives:
                raise InputError(f"factor '{name}': no alternatives", file=source)
            fac.alternatives = {str(k): ({"method": v} if isinstance(v, str) else dict(v or {}))
                                for k, v in fac.alternatives.items()}
        if typ == "weights":
            if not 0 <= fac.noise < 1:
                raise InputError(f"factor '{name}': noise must be in [0, 1)", file=source)
            if fac.distribution not in ("uniform", "dirichlet"):
                raise InputError(f"factor '{name}': distribution must be uniform or dirichlet", file=source)
        if typ == "weight_set":
            sets = f.get("sets")
            if isinstance(sets, dict):
                fac.sets = {str(k): dict(v) for k, v in sets.items()}
            elif f.get("file"):
                p = Path(f["file"])
                if not p.is_absolute() and source:
                    p = Path(source).parent / p
                fac.sets = _read_sets(p)
            else:
                raise InputError(f"factor '{name}': give 'sets' or 'file'", file=source)
        facs.append(fac)
    design = raw.get("design", "mc")
    if design not in ("mc", "sobol"):
        raise InputError("design must be 'mc' or 'sobol'", file=source)
    return UASpec(factors=facs, N=int(raw.get("N", 1000)), seed=int(raw.get("seed", 0)), design=design,
                  output=str(raw.get("output", "mean_abs_rank_shift")), keep_scores=bool(raw.get("keep_scores", True)),
                  source=source, raw=raw)
