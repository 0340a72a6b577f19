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

from .._errors import InputError
from .._yaml import read_yaml
from ..schemas.spec import read_weight_sets
from ..schemas.uncertainty import FACTOR_TYPES, STEPS, check_ua_dict

__all__ = ["Factor", "UASpec", "load_ua_spec"]

_TYPES = FACTOR_TYPES
_STEPS = STEPS


@dataclass
class Factor:
    """One uncertain input of the analysis.

    For ``type: weights``: ``distribution: uniform`` draws each weight as ``w (1 + u)``, ``u`` uniform
    on ``[-noise, noise]``; ``distribution: dirichlet`` draws the shares of the children of each parent
    from a Dirichlet distribution with parameters ``concentration × nominal share`` (so the mean
    share is the nominal share, the variance of a share ``s`` is ``s (1 - s) / (concentration + 1)``,
    and the parent's total weight is kept).
    """

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


def load_ua_spec(src: str | Path | dict | UASpec) -> UASpec:
    """Read and validate an uncertainty spec (see module docstring).

    The mapping is checked by :class:`analysis.schemas.uncertainty.UAModel`: unknown keys (with a
    suggestion), ``N >= 1``, ``noise`` in [0, 1), ``concentration > 0``, known types, steps and
    outputs, unique factor names, and each ``choice`` alternative against its step's schema. The
    memory ``N`` needs is checked once the units are known (:func:`~analysis.schemas.uncertainty.check_budget`).
    """
    if isinstance(src, UASpec):
        return src
    source = None
    if isinstance(src, dict):
        raw = copy.deepcopy(src)
    else:
        raw = read_yaml(src, "uncertainty spec")  # refuses a document that is not a mapping
        source = str(src)
    m = check_ua_dict(raw, source)
    facs = []
    for i, f in enumerate(m.factors):
        fac = Factor(name=str(f.name), type=f.type, column=f.column, level=raw["factors"][i].get("level"),
                     nodes=None if f.nodes is None else [str(x) for x in f.nodes], noise=float(f.noise),
                     distribution=f.distribution, concentration=float(f.concentration), step=f.step,
                     alternatives={str(k): ({"method": v} if isinstance(v, str) else dict(v or {}))
                                   for k, v in (f.alternatives or {}).items()},
                     indicators=[str(x) for x in f.indicators or []])
        if f.type == "weight_set":
            if f.sets:
                fac.sets = {str(k): {str(c): float(w) for c, w in v.items()} for k, v in f.sets.items()}
            else:
                p = Path(f.file)
                if not p.is_absolute() and source:
                    p = Path(source).parent / p
                if not p.is_file():
                    raise InputError(f"key 'factors.{fac.name}.file': weight-set table not found: {f.file}",
                                     file=source)
                fac.sets = read_weight_sets(p)
        facs.append(fac)
    return UASpec(factors=facs, N=m.N, seed=m.seed, design=m.design, output=m.output, keep_scores=m.keep_scores,
                  source=source, raw=raw)
