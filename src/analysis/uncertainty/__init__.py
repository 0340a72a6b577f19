"""Uncertainty and sensitivity analysis of an index: Monte Carlo, Sobol' indices, replay of designs.

>>> from analysis.uncertainty import run_uncertainty            # doctest: +SKIP
>>> res = run_uncertainty("kominfo_gm100sc", "data/demo/smartcity_2025.csv",
...                       "data/demo/spec.yaml", "data/demo/ua.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .engine import Engine, Runs, UAResult
from .sensitivity import labelled_design, problem, sobol_coinr, sobol_salib, unit_design
from .spec import Factor, UASpec, load_ua_spec

__all__ = ["Engine", "Runs", "UAResult", "UASpec", "Factor", "load_ua_spec", "run_uncertainty",
           "run_sensitivity", "replay", "sample", "output_values"]


def sample(engine: Engine, N: int | None = None, kind: str | None = None, seed: int | None = None) -> pd.DataFrame:
    """A labelled design for ``engine``'s factors (Monte Carlo or Sobol')."""
    from ..schemas.uncertainty import check_budget

    ua = engine.ua if N is None else replace(engine.ua, N=N)
    check_budget(len(engine.units), ua, False, design=kind or ua.design, n_nodes=len(engine.nodes))
    dims = engine.dims()
    U = unit_design(dims, N or ua.N, kind or ua.design, ua.seed if seed is None else seed)
    return labelled_design(U, dims, ua.factors)


def run_uncertainty(framework, data, spec, ua, *, keep_scores: bool | None = None, **kw) -> UAResult:
    """Monte Carlo uncertainty analysis: sample N runs and evaluate them."""
    eng = Engine(framework, data, spec, ua)
    design = sample(eng, kind="mc")
    keep = eng.ua.keep_scores if keep_scores is None else keep_scores
    return eng.evaluate(eng.resolve(design), keep_scores=keep, **kw)


def replay(framework, data, spec, ua, design: pd.DataFrame | str, **kw) -> UAResult:
    """Evaluate exactly the runs of an explicit design table (one row per run).

    A path is read and checked by :func:`analysis.schemas.uncertainty.load_design` (every cell a
    known alternative or a finite weight; COINr design exports are accepted).
    """
    from ..schemas.uncertainty import load_design

    eng = Engine(framework, data, spec, ua)
    if not isinstance(design, pd.DataFrame):
        design = load_design(design, eng.ua)
    return eng.evaluate(eng.resolve(design), **kw)


def output_values(res: UAResult, output: str, engine: Engine) -> np.ndarray:
    """The scalar output of every run named by a spec's ``output`` (a column of ``res.outputs`` or ``rank:<uCode>``)."""
    if output in res.outputs.columns:
        return res.outputs[output].to_numpy()
    if output.startswith("rank:"):
        code = output.split(":", 1)[1]
        if res.scores is None or code not in res.scores.index:
            from .._errors import InputError

            raise InputError(f"output '{output}': unknown unit '{code}'")
        from .engine import rank_columns

        return rank_columns(res.scores.to_numpy(dtype=float))[res.scores.index.get_loc(code)]
    from .._errors import InputError

    raise InputError(f"unknown output '{output}' (mean_abs_rank_shift, index_mean, rank:<uCode>)")


def run_sensitivity(framework, data, spec, ua, *, estimator: str = "salib", num_resamples: int = 500,
                    **kw) -> tuple[pd.DataFrame, UAResult]:
    """Sobol' first- and total-order indices of each factor for the spec's scalar output.

    Returns the indices table (one row per factor) and the underlying run results.
    """
    eng = Engine(framework, data, spec, ua)
    dims = eng.dims()
    U = unit_design(dims, eng.ua.N, "sobol", eng.ua.seed)
    design = labelled_design(U, dims, eng.ua.factors)
    keep = eng.ua.output.startswith("rank:") or eng.ua.keep_scores
    res = eng.evaluate(eng.resolve(design), keep_scores=keep, **kw)
    Y = output_values(res, eng.ua.output, eng)
    G = len(dict.fromkeys(g for g, _ in dims))
    if estimator == "coinr":
        names = list(dict.fromkeys(g for g, _ in dims))
        si = sobol_coinr(Y, G, names, num_resamples=num_resamples, seed=eng.ua.seed)
    else:
        si = sobol_salib(problem(dims), Y, num_resamples=num_resamples, seed=eng.ua.seed)
    return si, res
