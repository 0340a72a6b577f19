"""The pipeline: framework + data + spec → every intermediate table, scores, ranks and levels.

Steps run in the order of the method (OECD/JRC Handbook, 2008): denominate → impute → treat →
normalise → weight → aggregate → rank → levels. Each step is a pure function from its own module;
:func:`build` composes them and returns a :class:`Result` that keeps every table and the spec.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError
from .aggregate import aggregate, node_method
from .data import Dataset, load_data
from .denominate import denominate
from .framework import Framework, load_framework
from .impute import impute
from .levels import Bands, percentiles, ranks
from .normalise import indicator_params, normalise, target_notes
from .official import official_spec
from .schemas.spec import where_in_set
from .spec import Spec, load_spec
from .treat import treat, treat_frozen
from .units import unit_label

__all__ = ["Result", "build", "build_cross_section", "cross_sections", "resolve_weights", "check_spec",
           "check_ranges", "select_columns"]


@dataclass
class Result:
    """Everything a build produced.

    Tables are indexed by ``uCode`` (or ``(uCode, year)`` for a panel).
    """

    framework: Framework
    spec: Spec
    raw: pd.DataFrame
    denominated: pd.DataFrame
    imputed: pd.DataFrame
    treated: pd.DataFrame
    normalised: pd.DataFrame
    aggregates: pd.DataFrame
    ranks: pd.DataFrame
    percentiles: pd.DataFrame
    levels: pd.Series | None
    units: pd.DataFrame
    weights: pd.Series
    treatment: pd.DataFrame
    fitted: dict
    year: str | None = None
    timings: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    source: str | None = None
    #: The data's numeric columns that are not indicators (the denominators ``denominate`` divides
    #: by), per unit (and year); kept so that a scenario can recompute a denominated indicator.
    denominators: pd.DataFrame | None = None

    @property
    def scores(self) -> pd.DataFrame:
        """Aggregates at every level, the index last."""
        return self.aggregates

    @property
    def index(self) -> pd.Series:
        return self.aggregates[self.framework.root]

    def table(self) -> pd.DataFrame:
        """One tidy results table: names, groups, ASCN membership, index, rank, level, aggregates.

        ``ascn_pilot`` is the year the unit joined the ASEAN Smart Cities Network (empty otherwise;
        :func:`analysis.select.with_ascn`), present when the units have Kemendagri codes.
        """
        from .select import with_ascn

        root = self.framework.root
        out = with_ascn(self.units)
        out[root] = self.aggregates[root]
        out["Rank"] = self.ranks[root]
        if self.levels is not None:
            out["Level"] = self.levels
        for c in self.aggregates.columns:
            if c != root:
                out[c] = self.aggregates[c]
        return out


def resolve_weights(framework: Framework, spec: Spec | dict) -> pd.Series:
    """The weight of every node within its parent, as the spec asks."""
    spec = load_spec(spec)
    w = spec["weights"]
    base = framework.weights()
    if w == "framework":
        return base
    if w == "equal":
        return pd.Series(1.0, index=base.index)
    given = spec.weight_set(w) if isinstance(w, str) else w
    out = base.copy()
    for code, val in given.items():
        if code not in out.index:
            if code == framework.root:
                continue
            raise InputError(f"weight set '{w if isinstance(w, str) else 'inline'}' names unknown node '{code}'",
                             **where_in_set(given, code, spec.source))
        val = float(val)
        if val < 0 or np.isnan(val):
            raise InputError(f"weight {val} is negative or missing", file=spec.source, node=code)
        out[code] = val
    for code in framework.aggregates:
        ch = framework.children(code)
        if out[ch].sum() <= 0:
            raise InputError("weights of the children sum to zero", file=spec.source, node=code)
    return out


def check_spec(framework: Framework, spec: Spec, units: pd.DataFrame | None = None) -> None:
    """Cross-check a spec against a framework (and the unit columns): unknown codes are errors."""
    src = spec.source
    inds = set(framework.indicators)
    for step in ("treat", "normalise", "impute"):
        for code in ((spec.get(step) or {}).get("overrides") or {}):
            if code not in inds:
                raise InputError(f"'{step}.overrides' names unknown indicator '{code}'", file=src, column=code)
    den = spec.get("denominate")
    if isinstance(den, dict):
        for code in den:
            if code not in inds:
                raise InputError(f"'denominate' names unknown indicator '{code}'", file=src, column=code)
    agg = spec.get("aggregate") or {}
    for code in (agg.get("by_node") or {}):
        if code not in framework.nodes or framework.nodes[code].is_indicator:
            raise InputError(f"'aggregate.by_node' names '{code}', which is not an aggregate", file=src, node=code)
    for lev in (agg.get("by_level") or {}):
        if int(lev) not in framework.levels:
            raise InputError(f"'aggregate.by_level' names level {lev}; aggregate levels are {framework.levels}",
                             file=src)
    for code in framework.aggregates:
        node_method(agg, framework, code)
    lv = spec.get("levels")
    if lv:
        b = Bands.from_spec(lv)
        if b.on and b.on not in framework.nodes:
            raise InputError(f"'levels.on' names unknown node '{b.on}'", file=src)
    imp = spec.get("impute") or {}
    if imp.get("method", "none").startswith("group") and units is not None:
        by = imp.get("by")
        if not by:
            raise InputError(f"imputation '{imp['method']}' needs 'by' (a group column)", file=src)
        if by not in units.columns:
            raise InputError(f"imputation group column '{by}' is not in the data", file=src, column=by)
    for code in framework.indicators:
        indicator_params(spec.get("normalise") or {}, code)
    resolve_weights(framework, spec)


def select_columns(df: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """``df[codes]``, read as a slice when ``codes`` are ``df``'s leading columns in order (the usual layout of
    a data table: indicators first), which costs a fraction of a lookup by labels."""
    k = len(codes)
    if 0 < k <= df.shape[1] and df.columns.is_unique and df.columns.tolist()[:k] == codes:
        return df.iloc[:, :k]
    return df[codes]


def build_cross_section(values, units, framework, spec, weights, fitted=None, reference=None, treatment=None,
                        agg_reference=None, *, through: str = "aggregate"):
    """Denominate → impute → treat → normalise → aggregate one cross-section (one year).

    The step :func:`build` runs for each year, and that scenarios and the uncertainty engine re-run on
    changed values or settings.

    Parameters
    ----------
    values, units : DataFrame
        Indicator values and unit descriptors, indexed by uCode.
    framework : Framework
    spec : Spec
    weights : Series
        Weight of every node (:func:`resolve_weights`).
    fitted : dict, optional
        Frozen normaliser parameters.
    reference : DataFrame, optional
        Values the normaliser is fitted on instead of ``values``.
    treatment : DataFrame, optional
        Frozen outlier treatment (caps) to apply instead of treating afresh.
    agg_reference : DataFrame, optional
        Normalised indicators that the Mazziotta–Pareto standardisation and the AMPI goalposts are
        fitted on (baseline or reference year; :func:`analysis.aggregate.aggregate`'s ``reference``).
    through : {'aggregate', 'normalise'}
        The last step run: ``'normalise'`` stops before aggregation (aggregates ``None``; ``weights``
        unused), for callers that aggregate the normalised table themselves (the uncertainty engine).

    Returns
    -------
    tuple
        ``(denominated, imputed, treated, treatment details, normalised, fitted parameters, aggregates,
        timings)``.
    """
    t = {}
    t0 = time.perf_counter()
    den = spec.get("denominate")
    pairs = {}
    if den == "framework":
        pairs = {c: framework.nodes[c].denominator for c in framework.indicators if framework.nodes[c].denominator}
    elif isinstance(den, dict):
        pairs = dict(den)
    denom = denominate(values, pairs) if pairs else values
    inds = framework.indicators
    denom = select_columns(denom, inds)
    t["denominate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    imp = dict(spec.get("impute") or {"method": "none"})
    groups = units[imp["by"]] if imp.get("by") else None
    imputed = impute(denom, imp.get("method", "none"), groups=groups, seed=int(spec.get("seed") or 0),
                     max_iter=int(imp.get("max_iter", 10)))
    t["impute"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    tr = dict(spec.get("treat") or {"method": "none"})
    method = tr.pop("method", "none")
    if treatment is not None and len(treatment.columns):
        treated, details = treat_frozen(imputed, treatment), treatment
    elif method == "none" and not tr.get("overrides"):
        treated, details = imputed, pd.DataFrame(index=pd.Index(inds, name="iCode"))
    else:
        treated, details = treat(imputed, method, **tr)
    t["treat"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    norm, fits = normalise(treated, framework, spec.get("normalise") or {}, reference=reference, fitted=fitted)
    t["normalise"] = time.perf_counter() - t0
    if through == "normalise":
        return denom, imputed, treated, details, norm, fits, None, t

    t0 = time.perf_counter()
    aggs = aggregate(norm, framework, spec.get("aggregate") or {}, weights, reference=agg_reference)
    t["aggregate"] = time.perf_counter() - t0
    return denom, imputed, treated, details, norm, fits, aggs, t


def check_ranges(framework: Framework, values: pd.DataFrame, source=None, *, whole: bool = False) -> None:
    """Refuse a value outside its indicator's ``[min, max]`` (spec ``strict_range: true``), and with
    ``whole`` a value that is not a whole number (spec ``whole_scores: true``).

    An official method scores every indicator on a fixed scale (SPBE capability levels 1-5, IDM
    scores 0-5, whole numbers); a value off it is a data error, not something to normalise away.
    """
    for c in framework.indicators:
        if c not in values.columns:
            continue
        n = framework.nodes[c]
        x = values[c].to_numpy(dtype=float)
        if whole:
            frac = np.flatnonzero(~np.isnan(x) & (x != np.round(x)))
            if frac.size:
                i = int(frac[0])
                raise InputError(f"unit {unit_label(values.index[i])}: {x[i]:g} is not a whole score of {c} "
                                 f"({n.name}); the official method scores whole numbers ({frac.size} value(s) "
                                 "not whole)", file=source, column=c)
        if n.goal_min is None and n.goal_max is None:
            continue
        lo = -np.inf if n.goal_min is None else float(n.goal_min)
        hi = np.inf if n.goal_max is None else float(n.goal_max)
        bad = np.flatnonzero(~np.isnan(x) & ((x < lo) | (x > hi)))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"unit {unit_label(values.index[i])}: {x[i]:g} is outside the scale [{lo:g}, {hi:g}] "
                             f"of {c} "
                             f"({n.name}); the official method needs every value on it ({bad.size} value(s) "
                             "outside)", file=source, column=c)


def cross_sections(fw: Framework, sp: Spec, ds: Dataset, *, fitted: dict | None = None
                   ) -> tuple[pd.Series, list, dict, dict]:
    """The checks and the cross-section builds of :func:`build` (every year of a panel, on the reference
    year's yardstick when the spec names one), without the result's summary tables (ranks, percentiles,
    notes), which :func:`build` adds and the uncertainty engine's nominal run does not read.

    Returns
    -------
    tuple
        ``(weights, [(year, values, units, build_cross_section(...)), …], {year: fitted}, timings)``;
        an input error is refused naming the data file when it names no file of its own.
    """
    src = ds.source
    try:
        check_spec(fw, sp, ds.units)
        if sp.get("strict_range") or sp.get("whole_scores"):
            check_ranges(fw, ds.values, src, whole=bool(sp.get("whole_scores")))
        weights = resolve_weights(fw, sp)
        timings: dict[str, float] = {}
        nspec = sp.get("normalise") or {}
        ref_year = nspec.get("reference_year")
        if ds.year is None:
            if ref_year is not None:
                raise InputError("'normalise.reference_year' needs panel data (a year column)", file=sp.source)
            parts = [(None, ds.values, ds.units)]
        else:
            parts = [(y, d.values, d.units) for y in ds.years for d in [ds.for_year(y)]]
            if ref_year is not None and ref_year not in ds.years and str(ref_year) not in map(str, ds.years):
                raise InputError(f"reference year {ref_year} is not in the data (years: {ds.years})",
                                 file=sp.source)
        ref_fits = ref_treat = ref_norm = None
        if ref_year is not None:
            # one yardstick for all years: treatment and normalisation fitted on the reference year
            y_ref = next(y for y in ds.years if str(y) == str(ref_year))
            d = ds.for_year(y_ref)
            ref = build_cross_section(d.values, d.units, fw, sp, weights)
            ref_fits, ref_treat, ref_norm = ref[5], ref[3], ref[4]
        outs = []
        all_fits = {}
        for y, vals, units in parts:
            fz = ref_fits
            if fitted is not None:
                fz = fitted.get(y, fitted) if y is not None and y in fitted else fitted
            res = build_cross_section(vals, units, fw, sp, weights, fitted=fz, treatment=ref_treat,
                                      agg_reference=ref_norm)
            for k, v in res[7].items():
                timings[k] = timings.get(k, 0.0) + v
            outs.append((y, vals, units, res))
            all_fits[y] = res[5]
    except InputError as e:
        if e.file is None:
            raise InputError(e.message, file=src, row=e.row, column=e.column, node=e.node) from None
        raise
    return weights, outs, all_fits, timings


def build(framework: str | Path | Framework, data: str | Path | pd.DataFrame | Dataset,
          spec: str | Path | dict | Spec | None = None, *, fitted: dict | None = None) -> Result:
    """Build the index.

    Parameters
    ----------
    framework : path, built-in name or Framework
    data : path, DataFrame or Dataset
        Unit × indicator table (wide or long, see :mod:`analysis.data`).
    spec : path, dict or Spec, optional
        Build specification (:mod:`analysis.spec`); defaults to the official method of a built-in
        official framework (:func:`analysis.official.official_spec`: IDM, SPBE, GM100SC evaluation),
        otherwise to min-max [0, 100] and the weighted arithmetic mean with the framework's weights.
    fitted : dict, optional
        Frozen normaliser parameters (``{iCode: params}``, or ``{year: {iCode: params}}`` for a panel),
        e.g. a baseline's ``Result.fitted``, so that scenarios do not move other units' scores.

    Returns
    -------
    Result
    """
    t_start = time.perf_counter()
    fw = load_framework(framework)
    sp = load_spec(official_spec(fw) if spec is None else spec)  # a built-in official index: its own method
    ds = data if isinstance(data, Dataset) else load_data(data, fw)
    src = ds.source
    weights, outs, all_fits, timings = cross_sections(fw, sp, ds, fitted=fitted)
    def cat(i):
        frames = [o[3][i] for o in outs]
        if ds.year is None:
            return frames[0]
        return pd.concat(frames, keys=[o[0] for o in outs], names=[ds.year]).reorder_levels(
            ["uCode", ds.year])

    raw = select_columns(ds.values, fw.indicators)
    denominated, imputed, treated = cat(0), cat(1), cat(2)
    normalised, aggregates = cat(4), cat(6)
    if ds.year is None:
        treatment = outs[0][3][3]
        fits = all_fits[None]
    else:
        treatment = pd.concat([o[3][3] for o in outs], keys=[o[0] for o in outs], names=[ds.year])
        fits = all_fits
        aggregates = aggregates.reindex(ds.values.index)
        normalised = normalised.reindex(ds.values.index)
        denominated, imputed, treated = (x.reindex(ds.values.index) for x in (denominated, imputed, treated))
    t0 = time.perf_counter()
    by = None if ds.year is None else aggregates.index.get_level_values(ds.year)
    rk = ranks(aggregates, by)
    pc = aggregates.groupby(by).transform(lambda s: s.rank(method="max", pct=True) * 100) if by is not None \
        else percentiles(aggregates)
    bands = Bands.from_spec(sp.get("levels"))
    lv = None
    if bands is not None:
        on = bands.on or fw.root
        lv = bands.assign(aggregates[on]).rename("Level")
    timings["rank_levels"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    warns = list(ds.notes) + target_notes(fits)
    miss = raw.isna().mean()
    for c in miss.index[miss > 0.35]:
        warns.append(f"indicator '{c}' is missing for {miss[c]:.0%} of units")
    no_index = aggregates.index[aggregates[fw.root].isna().to_numpy()]
    if len(no_index):
        first = no_index[0]
        gaps = [c for c in fw.indicators if np.isnan(float(imputed.loc[first, c]))] if first in imputed.index else []
        warns.append(f"{len(no_index)} unit(s) have no index (too few indicators for the spec's min_share"
                     f"{'; the official method needs every indicator' if sp.get('strict_range') else ''}): "
                     f"first {unit_label(first)}, missing {', '.join(gaps[:5]) or 'indicators'}")
    return Result(framework=fw, spec=sp, raw=raw, denominated=denominated, imputed=imputed, treated=treated,
                  normalised=normalised, aggregates=aggregates, ranks=rk, percentiles=pc, levels=lv,
                  units=ds.units, weights=weights, treatment=treatment, fitted=fits, year=ds.year,
                  timings=timings, warnings=warns, source=src,
                  denominators=_other_columns(ds.values, fw.indicators))


def _other_columns(df: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """The columns of ``df`` that are not ``codes`` (a slice when ``codes`` lead)."""
    k = len(codes)
    if k <= df.shape[1] and df.columns.is_unique and df.columns.tolist()[:k] == codes:
        return df.iloc[:, k:]
    drop = set(codes)
    return df[[c for c in df.columns if c not in drop]]
