"""Vectorised evaluation of many runs of an index.

Each run is resolved to (upstream choice, aggregation choice, weight vector). The upstream tables
(imputed → treated → normalised indicators) depend only on a few discrete choices, so each distinct
combination is computed once and cached; all runs that share it are aggregated together, level by
level, as batched array operations with the weights as a ``runs × nodes`` matrix. Excluding an
indicator is a zero weight (the weighted means renormalise over the others). Runs are evaluated in
fixed blocks by a backend (local threads or ``dask.distributed``, :mod:`.backend`) and reduced to
rank and level histograms per unit, so memory stays bounded at any number of units and runs.
"""

from __future__ import annotations

import copy
import functools
import itertools
import os
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._errors import InputError
from ..aggregate import aggregate_matrix, canonical, node_method
from ..data import Dataset, load_data
from ..framework import Framework, load_framework
from ..levels import Bands
from ..official import official_spec
from ..pipeline import build, build_cross_section, cross_sections, resolve_weights, select_columns
from ..schemas.spec import where_in_set
from ..schemas.uncertainty import check_output
from ..spec import Spec, load_spec
from .spec import Factor, load_ua_spec

__all__ = ["Engine", "NominalRun", "Runs", "UAResult", "rank_columns"]


@dataclass
class Runs:
    """Resolved runs: which upstream tables, which aggregation, which weights."""

    upstream: np.ndarray  # (R,) index into Engine.upstream_keys
    agg: np.ndarray  # (R,) index into Engine.agg_specs
    W: np.ndarray  # (R, n_nodes)
    design: pd.DataFrame  # human-readable design (one row per run)


@dataclass
class NominalRun:
    """The index built with the spec, as the engine reads it: the normalised indicators, the aggregates
    (the index last) and the levels of every unit — :func:`analysis.build`'s numbers and checks
    (:func:`analysis.pipeline.cross_sections`), without the summary tables the engine does not read."""

    framework: Framework
    normalised: pd.DataFrame
    aggregates: pd.DataFrame
    levels: pd.Series | None

    @property
    def index(self) -> pd.Series:
        return self.aggregates[self.framework.root]

    @classmethod
    def of(cls, fw: Framework, ds: Dataset, spec: Spec) -> NominalRun:
        """The nominal run of one cross-section ``ds`` (no year column)."""
        res = cross_sections(fw, spec, ds)[1][0][3]
        aggs = res[6]
        bands = Bands.from_spec(spec.get("levels"))
        levels = bands.assign(aggs[bands.on or fw.root]).rename("Level") if bands is not None else None
        return cls(fw, res[4], aggs, levels)


@dataclass
class UAResult:
    nominal: pd.DataFrame  # uCode × (Score, Rank[, Level])
    rank_stats: pd.DataFrame  # Nominal, Mean, Median, Q5, Q95 of ranks; score stats
    level_shares: pd.DataFrame | None
    scores: pd.DataFrame | None  # uCode × runs (index scores), if kept
    outputs: pd.DataFrame  # per run: mean_abs_rank_shift, index_mean
    design: pd.DataFrame
    timings: dict


class Engine:
    """Evaluate runs of an index fast.

    Parameters
    ----------
    framework, data, spec
        As for :func:`analysis.build` (the nominal build).
    ua : UASpec, dict or path
        The uncertain factors (:mod:`analysis.uncertainty.spec`).
    """

    def __init__(self, framework, data, spec=None, ua=None, *, year=None):
        self.fw = load_framework(framework)
        self.spec = load_spec(official_spec(self.fw) if spec is None else spec)  # as build: an official index's method
        given = self.spec
        nspec = self.spec.get("normalise") or {}
        ref_year = nspec.get("reference_year")
        if ref_year is not None:  # upstream tables are fitted on the reference year explicitly (see upstream)
            self.spec = load_spec({**self.spec.to_dict(),
                                   "normalise": {k: v for k, v in nspec.items() if k != "reference_year"}},
                                  source=self.spec.source)
        ds = data if isinstance(data, Dataset) else load_data(data, self.fw)
        self._ref: Dataset | None = None
        if ds.year is None:
            if year is not None:
                raise InputError(f"year {year}: the data have no year column (one cross-section)", file=ds.source)
            # one cross-section with a reference year: normalised on itself (the build would need the panel)
            self.nominal = NominalRun.of(self.fw, ds, self.spec)
        else:
            if year is None:
                raise InputError("uncertainty analysis runs on one cross-section: choose a year "
                                 f"({', '.join(map(str, ds.years))})", file=ds.source)
            from ..select import pick_year

            one = pick_year(ds, year)
            if ref_year is None:
                self.nominal = NominalRun.of(self.fw, one, self.spec)
            else:
                # the nominal is the published index: the panel built with the spec as given
                y = next(y for y in ds.years if str(y) == str(year))
                self.nominal = _one_year(build(self.fw, ds, given), y, one.values.index)  # refuses as build
                self._ref = pick_year(ds, ref_year)
            ds = one
        self.ds = ds
        self.ua = load_ua_spec(ua if ua is not None else {"factors": []})
        self.units = self.nominal.aggregates.index
        check_output(self.ua, self.units)  # rank:<uCode> names a unit of the data
        self.nodes = [c for c in self.fw.nodes if c != self.fw.root]
        self.node_ix = {c: i for i, c in enumerate(self.nodes)}
        w = resolve_weights(self.fw, self.spec)
        self.w_nom = (w if w.index.tolist() == self.nodes else w[self.nodes]).to_numpy(dtype=float)
        self.upstream_keys: list[dict] = []
        self.agg_specs: list[dict] = []
        self._cache: dict[int, np.ndarray] = {}
        self._current_norm = None
        self._check_factors()
        self.bands = Bands.from_spec(self.spec.get("levels"))

    # --- factors -------------------------------------------------------------------------
    def _check_factors(self):
        for f in self.ua.factors:
            if f.type == "weights":
                f.nodes = self._weight_nodes(f)
            if f.type == "exclude":
                for c in f.indicators:
                    if c not in self.fw.indicators:
                        raise InputError(f"factor '{f.name}' excludes unknown indicator '{c}'", file=self.ua.source)
            if f.type == "weight_set":
                for name, ws in f.sets.items():
                    if ws.keys() <= self.fw.nodes.keys():  # every node known: nothing to name
                        continue
                    for c in ws:
                        if c not in self.fw.nodes:
                            raise InputError(f"weight set '{name}' names unknown node '{c}'",
                                             **where_in_set(ws, c, self.ua.source))

    def _weight_nodes(self, f: Factor) -> list[str]:
        if f.nodes:
            bad = [c for c in f.nodes if c not in self.node_ix]
            if bad:
                raise InputError(f"factor '{f.name}' names unknown node(s) {bad}", file=self.ua.source)
            return list(f.nodes)
        lev = f.level
        if lev in (None, "all"):
            return list(self.nodes)
        levs = {int(x) for x in (lev if isinstance(lev, list) else [lev])}
        out = [c for c in self.nodes if self.fw.nodes[c].level in levs]
        if not out:
            raise InputError(f"factor '{f.name}': no weighted nodes at level(s) {sorted(levs)}", file=self.ua.source)
        return out

    def nominal_alternatives(self) -> dict[str, str | None]:
        """For each ``choice`` factor, the alternative that reproduces the spec's own step (None if none does).

        The nominal run is always the built index itself (``self.nominal``), never a factor's first
        alternative; this tells whether the nominal is also one of the design's alternatives.
        """
        out: dict[str, str | None] = {}
        for f in self.ua.factors:
            if f.type != "choice":
                continue
            own = canonical_step(self.spec.get(f.step) or {})
            out[f.name] = next((lab for lab, alt in f.alternatives.items()
                                if canonical_step(self._merge(f.step, alt)) == own), None)
        return out

    def dims(self) -> list[tuple[str, str]]:
        """Design dimensions: (factor name, dimension label) — one per node for weight factors."""
        out = []
        for f in self.ua.factors:
            if f.type == "weights":
                out += [(f.name, c) for c in f.nodes]
            else:
                out.append((f.name, f.name))
        return out

    def _key(self, lst: list, item) -> int:
        for i, x in enumerate(lst):
            if x == item:
                return i
        lst.append(item)
        return len(lst) - 1

    def _merge(self, step: str, alt: dict) -> dict:
        base = copy.deepcopy(self.spec.get(step) or {})
        base.update(copy.deepcopy(alt))
        return base

    def resolve(self, design: pd.DataFrame) -> Runs:
        """Turn a design table into runs.

        Columns: for ``choice``/``exclude``/``weight_set`` factors, the factor's ``column`` (default its
        name) holding an alternative label (a number ``k`` is read as the ``k``-th alternative, 1-based,
        as in COINr's ``idx_`` columns); for ``weights`` factors, one column ``<name>[<node>]`` per node
        holding a uniform draw in [0, 1], or ``<name>[<node>]*`` holding the multiplier itself.

        The design is resolved by groups, not row by row: each distinct cell value of a column is read
        once, weight sets are looked up as one matrix, and each distinct combination of discrete
        choices is merged into the spec once (in order of first appearance).
        """
        R = len(design)
        W = np.tile(self.w_nom, (R, 1))
        choices: list[tuple[Factor, np.ndarray]] = []
        for f in self.ua.factors:
            if f.type == "weights":
                U = np.column_stack([self._col(design, f"{f.name}[{c}]", f, c) for c in f.nodes])
                ix = [self.node_ix[c] for c in f.nodes]
                W[:, ix] = self._weights_from_u(f, U, W[:, ix])
                continue
            lab = self._label_index(design, f)
            if f.type == "choice":
                choices.append((f, lab))
            elif f.type == "exclude":
                for k, name in enumerate(f.labels):
                    if name != "none":
                        W[lab == k, self.node_ix[name]] = 0.0
            elif f.type == "weight_set":
                V = self._set_matrix(f)[lab]  # runs × nodes, NaN where the set leaves the weight as it is
                W = np.where(np.isnan(V), W, V)
        up = np.zeros(R, dtype=int)
        ag = np.zeros(R, dtype=int)
        if R:
            K = np.column_stack([lab for _, lab in choices]) if choices else np.zeros((R, 1), dtype=int)
            if np.prod([float(len(f.labels)) for f, _ in choices]) < 2.0 ** 62:
                key = np.zeros(R, dtype=np.int64)  # each combination as one number (mixed radix: label counts)
                for (f, _), lab in zip(choices, K.T):
                    key = key * len(f.labels) + lab
                _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
                combos = K[first]
            else:
                combos, first, inverse = np.unique(K, axis=0, return_index=True, return_inverse=True)
            inverse = np.asarray(inverse).reshape(-1)
            up_of = np.empty(len(combos), dtype=int)
            ag_of = np.empty(len(combos), dtype=int)
            for g in np.argsort(first, kind="stable"):  # first appearance order, as row by row
                up_choice: dict[str, dict] = {}
                agg_choice: dict = {}
                for (f, _), k in zip(choices, combos[g]):
                    alt = f.alternatives[f.labels[int(k)]]
                    if f.step == "aggregate":
                        agg_choice = {**agg_choice, **alt}
                    else:
                        up_choice[f.step] = {**up_choice.get(f.step, {}), **alt}
                key = {s: self._merge(s, up_choice.get(s, {})) for s in ("impute", "treat", "normalise")}
                up_of[g] = self._key(self.upstream_keys, key)
                ag_of[g] = self._key(self.agg_specs, self._merge("aggregate", agg_choice))
            up, ag = up_of[inverse], ag_of[inverse]
        ix = design.index
        plain = isinstance(ix, pd.RangeIndex) and ix.start == 0 and ix.step == 1 and ix.name is None
        return Runs(up, ag, W, design.copy(deep=False) if plain else design.reset_index(drop=True))

    def _set_matrix(self, f: Factor) -> np.ndarray:
        """Weight sets of a ``weight_set`` factor as one matrix (sets in label order × nodes; NaN: not set)."""
        M = np.full((len(f.labels), len(self.nodes)), np.nan)
        sets = [f.sets[name] for name in f.labels]
        keys0 = tuple(sets[0]) if sets else ()
        if sets and all(len(ws) == len(keys0) and tuple(ws) == keys0 for ws in sets):
            # every set lists the same nodes in one order (a table): all values read at once
            V = np.fromiter(itertools.chain.from_iterable(ws.values() for ws in sets), dtype=float,
                            count=len(sets) * len(keys0)).reshape(len(sets), len(keys0))
            pos = [(i, self.node_ix[c]) for i, c in enumerate(keys0) if c in self.node_ix]
            M[:, [j for _, j in pos]] = V[:, [i for i, _ in pos]]
            return M
        where: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # sets usually list the same nodes in one order
        for k, name in enumerate(f.labels):
            ws = f.sets[name]
            keys = tuple(ws)
            if keys not in where:
                pos = [(i, self.node_ix[c]) for i, c in enumerate(keys) if c in self.node_ix]
                where[keys] = (np.array([i for i, _ in pos], dtype=int), np.array([j for _, j in pos], dtype=int))
            i, j = where[keys]
            M[k, j] = np.fromiter(ws.values(), dtype=float, count=len(keys))[i]
        return M

    def _col(self, design, col, f, node):
        if col in design.columns:
            return design[col].to_numpy(dtype=float)
        if col + "*" in design.columns:  # multipliers given directly
            m = design[col + "*"].to_numpy(dtype=float)
            return (m - 1 + f.noise) / (2 * f.noise) if f.noise > 0 else np.full(len(design), 0.5)
        raise InputError(f"design has no column '{col}' for factor '{f.name}'")

    def _label_index(self, design, f: Factor) -> np.ndarray:
        """Position (in ``f.labels``) of each run's alternative: a label, or a 1-based number; each distinct
        cell value is read once."""
        col = f.column or f.name
        if col not in design.columns:
            raise InputError(f"design has no column '{col}' for factor '{f.name}'")
        labels = f.labels
        pos = {lab: i for i, lab in enumerate(labels)}
        cells = design[col]
        if cells.dtype == object or cells.dtype.kind in "fc":  # mixed cells: 1, 1.0 and True hash alike but
            # are not one label; floats: 0.0 and -0.0 hash alike but read "0.0" and "-0.0"
            values = cells.to_numpy(dtype=object)
            _, first, inv = np.unique(values.astype(str), return_index=True, return_inverse=True)
            uniq = values[first]
        else:  # typed cells (whole numbers, strings): each distinct value once
            inv, uniq = pd.factorize(cells, use_na_sentinel=False)
        inv = np.asarray(inv).reshape(-1)
        out = np.full(len(uniq), -1)
        for g, v in enumerate(uniq):
            s = str(v)
            if s in pos:
                out[g] = pos[s]
                continue
            try:  # a whole number k: the k-th alternative (1.5 is none, nor is True)
                x = float(v) if not isinstance(v, (bool, np.bool_)) else np.nan
                k = int(x) if x.is_integer() else None
            except (TypeError, ValueError):
                k = None
            if k is not None and str(k) in pos:
                out[g] = pos[str(k)]
            elif k is not None and 1 <= k <= len(labels):
                out[g] = k - 1
        if (out < 0).any():
            i = int(np.flatnonzero(out[inv] < 0)[0])  # the first bad row
            raise InputError(f"value {cells.to_numpy(dtype=object)[i]!r} is not an alternative of factor '{f.name}' "
                             f"({', '.join(labels[:8])}{'…' if len(labels) > 8 else ''})", row=i + 2, column=col)
        return out[inv]

    def _weights_from_u(self, f: Factor, U: np.ndarray, W0: np.ndarray) -> np.ndarray:
        if f.distribution == "uniform":
            return W0 * (1 + f.noise * (2 * U - 1))
        # Dirichlet around the nominal shares within each parent, scaled back to the parent's total
        out = np.empty_like(W0)
        parents = [self.fw.nodes[c].parent for c in f.nodes]
        for p in dict.fromkeys(parents):
            cols = [j for j, q in enumerate(parents) if q == p]
            w0 = W0[:, cols]
            tot = w0.sum(axis=1, keepdims=True)
            alpha = f.concentration * w0 / np.where(tot > 0, tot, 1)
            g = sps.gamma.ppf(np.clip(U[:, cols], 1e-12, 1 - 1e-12), np.maximum(alpha, 1e-9))
            out[:, cols] = g / g.sum(axis=1, keepdims=True) * tot
        return out

    # --- evaluation ----------------------------------------------------------------------
    def upstream(self, k: int) -> np.ndarray:
        """Normalised indicator matrix (units × indicators) of upstream choice ``k`` (cached)."""
        if k not in self._cache:
            key = self.upstream_keys[k]
            if self._ref is None and all(repr(v) == repr(self.spec.get(s) or {}) for s, v in key.items()):
                # the spec's own steps: the nominal build made this table on the same data already
                self._cache[k] = _matrix(self.nominal.normalised, self.fw.indicators)
                return self._cache[k]
            sp = load_spec({**self.spec.to_dict(), **key})
            fz = tr = None
            if self._ref is not None:  # as the panel build: treatment and normalisation fitted on the reference year
                r = build_cross_section(self._ref.values, self._ref.units, self.fw, sp, None, through="normalise")
                fz, tr = r[5], r[3]
            # the engine aggregates the normalised table itself (aggregate_runs): the build stops before
            norm = build_cross_section(self.ds.values, self.ds.units, self.fw, sp, None, fitted=fz, treatment=tr,
                                       through="normalise")[4]
            self._cache[k] = _matrix(norm, self.fw.indicators)
        return self._cache[k]

    def _linear(self, agg_spec: dict) -> str | None:
        """The common method if the whole tree can be collapsed to effective weights, else None."""
        methods = {node_method(agg_spec, self.fw, c) for c in self.fw.aggregates}
        if len(methods) != 1:
            return None
        method, min_share = methods.pop()
        return method if method in ("arithmetic", "geometric", "harmonic") else None

    def effective_weights(self, W: np.ndarray, top: str) -> tuple[list[str], np.ndarray]:
        """Each indicator's share of node ``top`` under every run's weights: (indicators, R × k)."""
        fw = self.fw
        shares = np.empty_like(W)
        for code in fw.aggregates:
            ix = [self.node_ix[c] for c in fw.children(code)]
            tot = W[:, ix].sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                shares[:, ix] = W[:, ix] / tot
        inds = fw.indicators_under(top)
        E = np.ones((W.shape[0], len(inds)))
        for j, c in enumerate(inds):
            node = c
            while node != top:
                E[:, j] *= shares[:, self.node_ix[node]]
                node = fw.nodes[node].parent
        return inds, E

    def _ref_hint(self, X: np.ndarray) -> str:
        """Why values fall below a positive range: the yardstick is the reference year's (as in the build)."""
        if self._ref is None:
            return ""
        return (f" ({int((X <= 0).sum())} normalised values of this year are at or below 0 because "
                f"normalise.reference_year fits the range on the reference year, as the built index does; "
                f"runs with normalisation {self._current_norm})")

    def aggregate_runs(self, Xn: np.ndarray, W: np.ndarray, agg_spec: dict, want: list[str] | None = None) -> dict:
        """Aggregate one upstream matrix under a batch of weight vectors; returns node → (n, R).

        With complete data and one arithmetic, geometric or harmonic mean throughout, every node is a
        fixed function of the indicators with effective weights (products of the shares along the path),
        so only the ``want`` nodes are computed, each with one matrix product. A run in which some
        node's children all have weight 0 (an exclusion that removes a node's only indicator) leaves
        that node missing and its parent renormalises over the other children, as
        :func:`analysis.aggregate.aggregate` does; such runs are aggregated level by level.
        """
        fw = self.fw
        lin = self._linear(agg_spec) if want else None
        if lin is not None and not np.isnan(Xn).any() and np.isfinite(W).all():
            ok = np.ones(W.shape[0], dtype=bool)  # runs in which every node has weighted children
            for code in fw.aggregates:
                ok &= W[:, [self.node_ix[c] for c in fw.children(code)]].sum(axis=1) > 0
            if not ok.all():  # those runs level by level (want=None), the others as below
                out = {top: np.empty((Xn.shape[0], W.shape[0])) for top in want}
                for part, sub in ((ok, want), (~ok, None)):
                    if part.any():
                        vals = self.aggregate_runs(Xn, W[part], agg_spec, want=sub)
                        for top in want:
                            out[top][:, part] = vals[top]
                return out
            col = {c: j for j, c in enumerate(fw.indicators)}
            out = {}
            for top in want:
                inds, E = self.effective_weights(W, top)
                X = Xn[:, [col[c] for c in inds]]
                if lin == "arithmetic":
                    out[top] = X @ E.T
                elif lin == "geometric":
                    if (X <= 0).any():
                        raise InputError("geometric mean over non-positive values: normalise to a range above 0"
                                         + self._ref_hint(X), node=top)
                    out[top] = np.exp(np.log(X) @ E.T)
                else:
                    if (X <= 0).any():
                        raise InputError("harmonic mean over non-positive values: normalise to a range above 0"
                                         + self._ref_hint(X), node=top)
                    out[top] = 1.0 / ((1.0 / X) @ E.T)
            return out
        vals: dict[str, np.ndarray] = {c: Xn[:, j] for j, c in enumerate(fw.indicators)}
        R = W.shape[0]
        flat = _FlatChildren(Xn)
        for code, wix, ch, method, min_share, cols in self._plan(agg_spec):
            Wc = W[:, wix]
            try:
                out = flat.mean(cols, Wc, method, min_share) if cols is not None else None
                vals[code] = out if out is not None else _batched([vals[c] for c in ch], Wc, method, min_share, R)
            except InputError as e:
                raise InputError(f"{e.message} (in runs with normalisation "
                                 f"{self._current_norm})", node=code) from None
        return vals

    def _plan(self, agg_spec: dict) -> list[tuple]:
        """Per aggregate, in the framework's order: (code, weight columns of its children, children, method,
        min_share, indicator columns when every child is an indicator, else None). Made once per
        aggregation spec."""
        key = repr(agg_spec)
        plans = self.__dict__.setdefault("_plans", {})
        if key not in plans:
            fw = self.fw
            col = {c: j for j, c in enumerate(fw.indicators)}
            out = []
            for code in fw.aggregates:
                ch = fw.children(code)
                method, min_share = node_method(agg_spec, fw, code)
                cols = np.array([col[c] for c in ch], dtype=np.intp) if all(c in col for c in ch) else None
                out.append((code, np.array([self.node_ix[c] for c in ch], dtype=np.intp), ch, method, min_share,
                            cols))
            plans[key] = out
        return plans[key]

    def block_scores(self, X: np.ndarray, W: np.ndarray, u: int, a: int):
        """Index scores, ranks (:func:`rank_int`: int32 ranks and the mask of missing scores) and level
        indices (units × runs) of runs with weights ``W`` on upstream matrix ``X`` (upstream choice ``u``)
        and aggregation ``a``.

        Runs of the block with the same weights (bit for bit) are the same run: each is evaluated once and
        its columns repeated (a design of discrete factors — weight sets and choices — repeats runs).
        """
        first, inv = _distinct_rows(W)
        if first is not None:
            S, (ri, nan), L = self.block_scores(X, W[first], u, a)
            def rep(A):
                return None if A is None else _repeat_columns(A, inv)

            return rep(S), (rep(ri), rep(nan)), rep(L)
        root = self.fw.root
        lev_on = (self.bands.on or root) if self.bands else None
        self._current_norm = self.upstream_keys[u]["normalise"].get("method")
        want = [root] + ([lev_on] if lev_on is not None and lev_on != root else [])
        vals = self.aggregate_runs(X, W, self.agg_specs[a], want=want)
        S = vals[root]
        return S, rank_int(S), (self.bands.index_of(vals[lev_on]) if self.bands else None)

    def kernel(self) -> Engine:
        """A light copy that evaluates blocks of runs (no data, nominal build or upstream tables): what a
        Dask worker receives."""
        k = object.__new__(Engine)
        k.__dict__.update({key: v for key, v in self.__dict__.items()
                           if key not in ("ds", "nominal", "_cache", "_ref", "units")})
        k._cache = {}
        k._ref = None if self._ref is None else True  # only tells _ref_hint that a reference year is used
        return k

    def evaluate(self, runs: Runs, *, keep_scores: bool = True, chunk: int = 4096, n_jobs: int | None = None,
                 progress: bool | None = None, backend: str = "local", scheduler: str | None = None,
                 rank_bins: int | None = None, client=None) -> UAResult:
        """Evaluate all runs; returns rank statistics, level shares, per-run outputs and scores.

        The runs are cut into a fixed list of tasks (:func:`~analysis.uncertainty.backend.plan_tasks`)
        whose compact summaries are combined into the statistics (:mod:`analysis.uncertainty.backend`):
        memory holds a few units × ``chunk`` blocks and the per-unit rank histogram, never units × runs
        (unless ``keep_scores``).

        Parameters
        ----------
        keep_scores : bool
            Keep every run's index scores (units × runs).
        chunk : int
            Most runs per task (also at most ``BLOCK_CELLS / units``).
        n_jobs : int, optional
            Threads of the local backend, or workers of a new Dask ``LocalCluster`` (default: 2 on
            large studies, else 1).
        progress : bool, optional
            Show a progress bar (default: when stderr is a terminal and not in CI).
        backend : {'local', 'dask'}
            ``dask`` sends the tasks to a ``dask.distributed`` cluster: a ``LocalCluster`` by default, the
            scheduler at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``), or ``client``. Results are identical
            to the local backend.
        rank_bins : int, optional
            Number of rank bins per unit; default one per rank up to
            :data:`~analysis.uncertainty.backend.EXACT_MAX_UNITS` units (exact quantiles), else
            :data:`~analysis.uncertainty.backend.DEFAULT_BINS` (quantiles within ``ceil(n / bins) − 1`` ranks).
        """
        import time

        from ..schemas.uncertainty import check_budget
        from .backend import Reducer, plan_tasks, rank_bin_width, run_block, run_dask, run_local

        t0 = time.perf_counter()
        n = len(self.units)
        R = len(runs.W)
        check_budget(n, self.ua, keep_scores, runs=R, n_nodes=len(self.nodes), rank_bins=rank_bins)  # before allocating
        nom_score = self.nominal.index.to_numpy(dtype=float)
        nom_rank = rank_columns(nom_score[:, None])[:, 0]
        n_lev = len(self.bands.labels) if self.bands else 0
        width = rank_bin_width(n, rank_bins)
        tasks = plan_tasks(runs.upstream, runs.agg, n, chunk)
        red = Reducer(n, R, len(tasks), width, n_lev, keep_scores,
                      dtype=np.float64 if n * R <= 60_000_000 else np.float32)
        for u in sorted({t.u for t in tasks}):
            self.upstream(u)  # fill the cache before work starts
        n_bins = red.hist.n_bins

        def args(t):
            return (t.no, t.u, t.a, t.idx, runs.W[t.idx], nom_rank, width, n_bins, n_lev, keep_scores)

        if n_jobs is None:  # threads pay off only on large batches
            n_jobs = min(2, os.cpu_count() or 1) if n * R > 5_000_000 else 1
        show = (sys.stderr.isatty() and not os.environ.get("CI")) if progress is None else progress
        from tqdm.auto import tqdm

        bar = tqdm(total=R, disable=not show, desc=f"runs ({backend})", unit="run")
        own = None
        try:
            if backend == "dask":
                if client is None:
                    try:
                        from .backend import dask_client

                        own = client = dask_client(scheduler, n_jobs if n_jobs > 1 else None)
                    except ImportError:
                        raise InputError("backend 'dask' needs dask.distributed: pip install 'dask[distributed]'"
                                         ) from None
                kern = self.kernel()
                results = run_dask(client, kern, {u: self._cache[u] for u in {t.u for t in tasks}}, tasks, args)
            elif backend != "local":
                raise InputError(f"unknown backend '{backend}' (use 'local' or 'dask')")
            else:
                results = run_local(lambda t: run_block(self, self._cache[t.u], *args(t)), tasks, n_jobs)
            for blk in results:
                red.add(blk)
                bar.update(len(blk.idx))
        finally:
            bar.close()
            if own is not None:
                cluster = own.cluster
                own.close()
                if cluster is not None:
                    cluster.close()
        red.finish()
        t_eval = time.perf_counter() - t0
        hist = red.hist
        avail = hist.available()  # runs in which each unit has a score (and a rank)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_rank = np.where(avail > 0, red.rank_sum / np.maximum(avail, 1), np.nan)
            score_mean = np.where(avail > 0, red.score_sum / np.maximum(avail, 1), np.nan)  # over those runs
        cols = {"Nominal": nom_rank, "Mean": mean_rank, "Median": hist.quantile(0.5), "Q5": hist.quantile(0.05),
                "Q95": hist.quantile(0.95), "ScoreNominal": nom_score, "ScoreMean": score_mean}
        scores = red.scores
        if scores is not None:
            if R == 0:
                q = np.full((3, n), np.nan)
            elif np.isnan(scores).any():
                q = np.nanquantile(scores.astype(float), [0.05, 0.5, 0.95], axis=1)
            else:
                q = np.quantile(np.asarray(scores, dtype=float), [0.05, 0.5, 0.95], axis=1)
            cols["ScoreQ5"], cols["ScoreMedian"], cols["ScoreQ95"] = q
        stats = _frame(cols, self.units)  # one table built at once (column by column costs a copy each)
        level_shares = None
        nominal = {"Score": nom_score, "Rank": nom_rank}
        if self.bands:
            level_shares = pd.DataFrame(red.level_counts / max(R, 1), index=self.units, columns=self.bands.labels)
            nominal["Level"] = self.nominal.levels
        nominal = pd.DataFrame(nominal, index=self.units)
        sc = None
        if scores is not None:
            sc = pd.DataFrame(scores, index=self.units, columns=run_labels(R).copy())  # own name, shared labels
        outputs = pd.DataFrame({"mean_abs_rank_shift": red.mars, "index_mean": red.imean})
        return UAResult(nominal, stats, level_shares, sc, outputs, runs.design,
                        {"evaluate": t_eval, "runs": R, "upstream_tables": len(self._cache), "tasks": len(tasks),
                         "backend": backend, "rank_bin_width": width,
                         "rank_quantiles": "exact" if width == 1 else f"binned, within {width - 1} ranks"})


@functools.lru_cache(maxsize=8)
def run_labels(R: int) -> pd.Index:
    """The column labels ``r_1`` … ``r_R`` of a study's scores (made once per size: an Index is immutable)."""
    return pd.Index([f"r_{i + 1}" for i in range(R)])


def _repeat_columns(A: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """``A[:, inv]`` in ``A``'s memory order (numpy's own indexing would turn a row-major block column-major,
    and sums over it would add in another order than over the block of every run)."""
    out = np.empty((A.shape[0], len(inv)), dtype=A.dtype,
                   order="F" if A.flags.f_contiguous and not A.flags.c_contiguous else "C")
    return np.take(A, inv, axis=1, out=out)


def _distinct_rows(W: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The first of each group of identical rows of ``W`` (equal bytes, in order of first appearance)
    and each row's position among them; (None, None) when every row is distinct."""
    R = W.shape[0]
    if R < 2 or W.shape[1] == 0:
        return None, None
    rows = np.ascontiguousarray(W).view(np.dtype((np.void, W.dtype.itemsize * W.shape[1]))).reshape(R)
    _, first, inv = np.unique(rows, return_index=True, return_inverse=True)
    if len(first) == R:
        return None, None
    order = np.argsort(first, kind="stable")  # groups in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[np.asarray(inv).reshape(-1)]


def _matrix(df: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """Columns ``codes`` of ``df`` as a float matrix (units × codes), without an intermediate table when
    they are all of ``df``'s columns in order."""
    if df.columns.tolist() == codes:
        return df.to_numpy(dtype=float)
    return select_columns(df, codes).to_numpy(dtype=float)


def _frame(cols: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    """A table of float columns (in the order given) on ``index``, built from one matrix."""
    return pd.DataFrame(np.column_stack([np.asarray(v, dtype=float) for v in cols.values()]), index=index,
                        columns=list(cols))


def canonical_step(step: dict) -> dict:
    """A step's mapping with numbers as floats and lists as tuples, for comparing two steps."""
    def norm(v):
        if isinstance(v, dict):
            return {str(k): norm(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return tuple(norm(x) for x in v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
        return v
    return norm(dict(step))


def _one_year(res, year, order: pd.Index):
    """The cross-section of ``year`` of a panel build, rows in ``order`` (uCode)."""
    from dataclasses import fields, replace

    lvl = res.year
    out = {}
    for fd in fields(res):
        v = getattr(res, fd.name)
        if isinstance(v, (pd.DataFrame, pd.Series)) and isinstance(v.index, pd.MultiIndex) and lvl in v.index.names:
            v = v.xs(year, level=lvl)
            if "uCode" == v.index.name:
                v = v.reindex(order)
            out[fd.name] = v
    fitted = res.fitted.get(year, res.fitted) if isinstance(res.fitted, dict) else res.fitted
    return replace(res, **out, fitted=fitted, year=None)


def rank_columns(S: np.ndarray) -> np.ndarray:
    """Rank each column, 1 = highest, ties at the minimum, NaN kept (as ``scipy.stats.rankdata(-S, "min")``).

    One sort per column; a value's rank is one plus the position of the first value equal to it in
    descending order (the "min" method for ties).
    """
    ri, nan = rank_int(S)
    r = ri.astype(float)
    if nan is not None:
        r[nan] = np.nan
    return r


def rank_int(S: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Ranks of each column as int32 (units × runs, a transposed view; missing scores ranked last), and the
    mask of missing scores (None when there are none). See :func:`rank_columns`."""
    S = np.asarray(S, dtype=float)
    n, c = S.shape
    nan = np.isnan(S)
    has_nan = bool(nan.any())
    key = np.empty((c, n))  # runs × units: each sort on contiguous memory
    np.negative(S.T, out=key)
    if has_nan:
        key[nan.T] = np.inf
    if n == 0 or c == 0:
        return np.zeros((n, c), dtype=np.int32), (nan if has_nan else None)
    order = np.argsort(key, axis=1)
    v = np.take_along_axis(key, order, axis=1)
    same = v[:, 1:] == v[:, :-1]  # ties: each takes the position of the first of its group
    start = np.broadcast_to(np.arange(1, n + 1, dtype=np.int32), (c, n))
    if same.any():
        start = np.where(np.concatenate([np.zeros((c, 1), dtype=bool), same], axis=1), 0, start).astype(np.int32)
        np.maximum.accumulate(start, axis=1, out=start)
    r = np.empty((c, n), dtype=np.int32)
    np.put_along_axis(r, order, start, axis=1)
    return r.T, (nan if has_nan else None)


class _FlatChildren:
    """The weighted means of nodes whose children are all indicators, over one upstream matrix ``X``.

    The same arithmetic as :func:`analysis.aggregate.arithmetic`, :func:`~analysis.aggregate.geometric`
    and :func:`~analysis.aggregate.harmonic` on the node's columns (the same matrix products, so the same
    numbers), with the missing-value mask and the logarithms or reciprocals taken once for all nodes.
    """

    def __init__(self, X: np.ndarray):
        self.X = X
        self.mask = ~np.isnan(X)
        self.gap = ~self.mask.all(axis=0)  # columns with a missing value
        self._t: dict[str, np.ndarray] = {}

    def _transformed(self, method: str) -> np.ndarray:
        """``X`` with missing values as 0 (arithmetic), ``log x`` (geometric) or ``1/x`` (harmonic)."""
        if method not in self._t:
            X, m = self.X, self.mask
            with np.errstate(invalid="ignore", divide="ignore"):
                if method == "arithmetic":
                    t = np.where(m, X, 0.0)
                elif method == "geometric":
                    t = np.where(m, np.log(np.where(m, X, 1.0)), 0.0)
                else:
                    t = np.where(m, 1.0 / np.where(m, X, 1.0), 0.0)
            self._t[method] = t
        return self._t[method]

    def mean(self, cols: np.ndarray, W: np.ndarray, method: str, min_share: float) -> np.ndarray | None:
        """(n, R) means of columns ``cols`` under weights ``W`` (R, k); None for another method or a
        non-positive value under a geometric or harmonic mean (the caller's general path says so)."""
        if method not in ("arithmetic", "geometric", "harmonic"):
            return None
        X = self.X[:, cols]
        if method == "arithmetic" and not self.gap[cols].any():
            tot = W.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out = (X @ W.T) / tot
            out[:, tot <= 0] = np.nan
            return out
        m = self.mask[:, cols]
        if method != "arithmetic" and np.any(X[m] <= 0):
            return None
        den = m.astype(float) @ W.T
        num = self._transformed(method)[:, cols] @ W.T
        with np.errstate(invalid="ignore", divide="ignore"):
            if method == "harmonic":
                out = np.divide(den, num, out=num)
            else:
                out = np.divide(num, den, out=num)
                if method == "geometric":
                    np.exp(out, out=out)
        empty = ~(den > 0)  # no weighted value: missing (as aggregate's where(den > 0, …))
        if empty.any():
            out[empty] = np.nan
        if min_share > 0:
            out[m.sum(axis=1) / m.shape[1] < min_share] = np.nan
        return out


def _batched(arrs: list[np.ndarray], W: np.ndarray, method: str, min_share: float, R: int) -> np.ndarray:
    """Aggregate children (each (n,) or (n, R)) with per-run weights W (R, k) → (n, R).

    Mazziotta–Pareto, AMPI and Copeland are computed by :mod:`analysis.aggregate` itself (one
    implementation); only the means have a batched path of their own here.
    """
    method = canonical(method)
    if all(a.ndim == 1 for a in arrs):
        return aggregate_matrix(np.column_stack(arrs), W, method, min_share)
    if method in ("mazziotta_pareto", "ampi", "copeland"):  # the one implementation, on per-run children
        X = np.stack([np.broadcast_to(a[:, None] if a.ndim == 1 else a, (a.shape[0], R)) for a in arrs], axis=1)
        return aggregate_matrix(X, W, method, min_share)
    n = arrs[0].shape[0]
    # complete children (and, for the geometric mean, all positive: one test says both)
    complete = all((a > 0).all() for a in arrs) if method == "geometric" else \
        method == "arithmetic" and not any(np.isnan(a).any() for a in arrs)
    if method == "geometric" and not complete and not any(np.isnan(a).any() for a in arrs):
        raise InputError("geometric mean over non-positive values: normalise to a range above 0")
    if complete:
        tot = W.sum(axis=1)
        acc = np.zeros((n, R))
        for j, a in enumerate(arrs):
            x = a[:, None] if a.ndim == 1 else a
            if method == "geometric":
                x = np.log(x)
            acc += x * W[:, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            acc /= tot
        if method == "geometric":
            np.exp(acc, out=acc)
        acc[:, tot <= 0] = np.nan
        return acc
    num = np.zeros((n, R))
    den = np.zeros((n, R))
    cnt = np.zeros((n, R))
    for j, a in enumerate(arrs):
        x = a[:, None] if a.ndim == 1 else a
        m = ~np.isnan(x)
        w = W[:, j][None, :]
        den += m * w
        cnt += m
        if method == "arithmetic":
            num += np.where(m, x, 0.0) * w
        elif method == "geometric":
            if np.any(x[m] <= 0):
                raise InputError("geometric mean over non-positive values: normalise to a range above 0")
            num += np.where(m, np.log(np.where(m, x, 1.0)), 0.0) * w
        else:
            if np.any(x[m] <= 0):
                raise InputError("harmonic mean over non-positive values: normalise to a range above 0")
            num += np.where(m, 1.0 / np.where(m, x, 1.0), 0.0) * w
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            out = num / den
        elif method == "geometric":
            out = np.exp(num / den)
        else:
            out = den / num
    out[den <= 0] = np.nan
    if min_share > 0:
        out[cnt / len(arrs) < min_share] = np.nan
    return out
