"""Uncertainty and sensitivity analysis of an index: Monte Carlo, Sobol' indices, replay of designs.

>>> from analysis.uncertainty import run_uncertainty            # doctest: +SKIP
>>> res = run_uncertainty("kominfo_gm100sc", "data/demo/smartcity_2025.csv",
...                       "data/demo/spec.yaml", "data/demo/ua.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import gc
from dataclasses import replace

import numpy as np
import pandas as pd

from .engine import Engine, Runs, UAResult
from .sensitivity import (
    design_blocks,
    labelled_design,
    problem,
    salib_order,
    sobol_coinr,
    sobol_salib,
    stability_notes,
    unit_design,
)
from .spec import Factor, UASpec, load_ua_spec

__all__ = ["Engine", "Runs", "UAResult", "UASpec", "Factor", "load_ua_spec", "run_uncertainty",
           "run_sensitivity", "replay", "sample", "output_values", "sobol_design", "sobol_indices", "gc_paused"]


def sample(engine: Engine, N: int | None = None, kind: str | None = None, seed: int | None = None) -> pd.DataFrame:
    """A labelled design for ``engine``'s factors (Monte Carlo or Sobol')."""
    from ..schemas.uncertainty import check_budget

    ua = engine.ua if N is None else replace(engine.ua, N=N)
    check_budget(len(engine.units), ua, False, design=kind or ua.design, n_nodes=len(engine.nodes))
    dims = engine.dims()
    U = unit_design(dims, N or ua.N, kind or ua.design, ua.seed if seed is None else seed)
    return labelled_design(U, dims, ua.factors)


def run_uncertainty(framework, data, spec, ua, *, keep_scores: bool | None = None, year=None, **kw) -> UAResult:
    """Monte Carlo uncertainty analysis: sample N runs and evaluate them (``year``: of panel data)."""
    eng = Engine(framework, data, spec, ua, year=year)
    design = sample(eng, kind="mc")
    keep = eng.ua.keep_scores if keep_scores is None else keep_scores
    return eng.evaluate(eng.resolve(design), keep_scores=keep, **kw)


def replay(framework, data, spec, ua, design: pd.DataFrame | str, *, year=None, **kw) -> UAResult:
    """Evaluate exactly the runs of an explicit design table (one row per run).

    A path is read and checked by :func:`analysis.schemas.uncertainty.load_design` (every cell a
    known alternative or a finite weight; COINr design exports are accepted).
    """
    from ..schemas.uncertainty import load_design

    with gc_paused():
        eng = Engine(framework, data, spec, ua, year=year)
        if not isinstance(design, pd.DataFrame):
            design = load_design(design, eng.ua)
        return eng.evaluate(eng.resolve(design), **kw)


@contextlib.contextmanager
def gc_paused():
    """The cyclic garbage collector paused for a short call, and restored as it was.

    Reading the tables allocates some ten thousand small containers that live for the whole read (the
    CSV records, the weight sets); every 700 allocations a collection walks and promotes them, and now
    and then a full collection walks every object of the process (pandas, numpy, the framework): work
    that frees nothing, since the call's garbage is acyclic and goes by reference counting. Cycles
    made meanwhile, if any, are collected at the next collection after the call.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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


def factor_columns(engine: Engine, design: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Each factor's design columns (``name[node]``, or ``name[node]*`` when the design holds multipliers)."""
    out: dict[str, list[str]] = {}
    for f in engine.ua.factors:
        if f.type == "weights":
            cols = [f"{f.name}[{c}]" for c in f.nodes]
            if design is not None:
                cols = [c if c in design.columns or c + "*" not in design.columns else c + "*" for c in cols]
            out[f.name] = cols
        else:
            out[f.name] = [f.column or f.name]
    return out


def sobol_design(engine: Engine, design: pd.DataFrame | str | None = None) -> tuple[pd.DataFrame, np.ndarray, str]:
    """The runs of a Sobol' study and where its A, B and AB_i runs are.

    Parameters
    ----------
    engine : Engine
    design : DataFrame or path, optional
        A design to replay, in SALib's row order or COINr's block layout
        (:func:`~analysis.uncertainty.sensitivity.design_blocks`); a path is read by
        :func:`analysis.schemas.uncertainty.load_design`. Default: a new Saltelli design of ``N``
        base points (``engine.ua.N``, ``engine.ua.seed``).

    Returns
    -------
    design : DataFrame
        One row per run, in the order to evaluate.
    order : ndarray of int
        Positions of the runs in SALib's order (``Y[order]`` for the estimators).
    layout : {"salib", "coinr"}
    """
    dims = engine.dims()
    if design is None:
        d = labelled_design(unit_design(dims, engine.ua.N, "sobol", engine.ua.seed), dims, engine.ua.factors)
        return d, np.arange(len(d)), "salib"
    file = None
    if not isinstance(design, pd.DataFrame):
        from ..schemas.uncertainty import load_design

        file = str(design)
        design = load_design(design, engine.ua)
    order, layout = design_blocks(design, factor_columns(engine, design), file=file)
    return design, order, layout


def sobol_indices(engine: Engine, res: UAResult, order: np.ndarray, *, estimator: str = "salib",
                  num_resamples: int = 500) -> tuple[pd.DataFrame, list[str]]:
    """First- and total-order indices of each factor for the spec's output, and stability notes.

    The notes (:func:`~analysis.uncertainty.sensitivity.stability_notes`) are also raised as
    :class:`~analysis.InputWarning` s.
    """
    import warnings

    from .._errors import InputWarning

    dims = engine.dims()
    names = list(dict.fromkeys(g for g, _ in dims))
    Y = salib_order(output_values(res, engine.ua.output, engine), order)
    if estimator == "coinr":
        si = sobol_coinr(Y, len(names), names, num_resamples=num_resamples, seed=engine.ua.seed)
    elif estimator == "salib":
        si = sobol_salib(problem(dims), Y, num_resamples=num_resamples, seed=engine.ua.seed)
    else:
        from .._errors import InputError

        raise InputError(f"unknown estimator '{estimator}' (salib, coinr)")
    notes = stability_notes(si, len(Y) // (len(names) + 2))
    for msg in notes:
        warnings.warn(msg, InputWarning, stacklevel=2)
    return si, notes


def run_sensitivity(framework, data, spec, ua, *, estimator: str = "salib", num_resamples: int = 500,
                    design: pd.DataFrame | str | None = None, year=None, **kw) -> tuple[pd.DataFrame, UAResult]:
    """Sobol' first- and total-order indices of each factor for the spec's scalar output.

    ``design`` replays a Sobol' design (SALib's row order or COINr's block layout, see
    :func:`sobol_design`) instead of drawing one. Returns the indices table (one row per factor)
    and the underlying run results; an :class:`~analysis.InputWarning` says when ``N`` is too small
    for stable indices.
    """
    eng = Engine(framework, data, spec, ua, year=year)
    runs, order, _ = sobol_design(eng, design)
    keep = eng.ua.output.startswith("rank:") or eng.ua.keep_scores
    res = eng.evaluate(eng.resolve(runs), keep_scores=keep, **kw)
    si, _ = sobol_indices(eng, res, order, estimator=estimator, num_resamples=num_resamples)
    return si, res
