"""What-if scenarios on a built index, and the least improvement that reaches a target level.

A scenario changes raw indicator values of some units and recomputes the index. By default the
baseline's treatment (Winsorisation caps, log parameters) and normalisation (min, max, mean, sd,
goalposts…) are **frozen**, and cells that the baseline imputed keep their imputed values, so that
improving one city does not silently move every other city's scores. ``mode="renormalise"`` refits
them on the changed data instead (the difference is reported by :func:`compare_modes`).

Scenario file (YAML)::

    name: banyuwangi-health
    year: 2025                       # for panels (default: the last year)
    interventions:
      - units: ["35.10"]              # unit codes, or
        # group: {province: Jawa Timur}   any unit column (province, island, type, cluster…)
        indicators: [LIV_HEALTH, LIV_WATER]
        change: "+20%"                 # "+5", "-3", "=80", "+20%", or
        # change: {to: median}         median | mean | best | p75 | p90 | goalpost | cluster_best
    bounds: {LIV_WATER: [0, 100]}      # optional valid ranges (percentages default to 0–100)

The same interventions can come from an XLSX sheet with columns ``units`` (comma-separated) or
``group_column``/``group_value``, ``indicators`` (comma-separated) and ``change``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError
from .levels import Bands, rank_desc, reach
from .pipeline import build_cross_section
from .select import year_slice

__all__ = ["Intervention", "Scenario", "load_scenario", "Baseline", "ScenarioResult", "run_scenario",
           "compare_scenarios", "contributions", "PathResult", "path_to_target", "valid_range"]

_CHANGE = re.compile(r"^\s*(?P<op>[+\-=])?\s*(?P<neg>-)?(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?)"
                     r"\s*(?P<pct>%)?\s*$")
TARGETS = ("median", "mean", "best", "p75", "p90", "goalpost", "cluster_best")


@dataclass
class Intervention:
    units: list[str] | None
    group: dict | None
    indicators: list[str]
    kind: str            # absolute | relative | value | to
    amount: float | str
    line: int | None = None
    #: where the intervention was written: ``{"file", "row", "columns": {part: header}}`` for a sheet
    #: (``row`` is the sheet row, header = row 1) or ``{"file", "key", "keys": {part: key}}`` for YAML/dicts
    origin: dict | None = None

    @property
    def label(self) -> str:
        """How messages name this intervention: ``row 3`` (sheet) or ``interventions[2]`` (YAML)."""
        o = self.origin or {}
        if o.get("row") is not None:
            return f"row {o['row']}"
        return o.get("key") or f"intervention {self.line}"

    def error(self, message: str, part: str | None = None, file=None) -> InputError:
        """An :class:`InputError` naming the file and the cell (sheet row and column) or key of ``part``.

        Parameters
        ----------
        message : str
            What is wrong (with the bad value).
        part : str, optional
            ``units``, ``group``, ``indicators`` or ``change``.
        file : str, optional
            The scenario file when the origin does not name one.
        """
        o = self.origin or {}
        file = o.get("file") or file
        if o.get("row") is not None:
            return InputError(message, file=file, row=o["row"], column=(o.get("columns") or {}).get(part))
        key = o.get("key") or f"interventions[{self.line}]"
        if part:
            key += "." + (o.get("keys") or {}).get(part, part)
        return InputError(f"key '{key}': {message}", file=file)


@dataclass
class Scenario:
    name: str
    interventions: list[Intervention]
    year: object = None
    bounds: dict = field(default_factory=dict)
    source: str | None = None


def _parse_change(ch, fail) -> tuple[str, float | str]:
    """``(kind, amount)`` of a change; ``fail(message)`` gives the error to raise."""
    if isinstance(ch, dict):
        if "to" in ch:
            if ch["to"] not in TARGETS and not isinstance(ch["to"], (int, float)):
                raise fail(f"unknown reference '{ch['to']}' (use {', '.join(TARGETS)})")
            return ("value", float(ch["to"])) if isinstance(ch["to"], (int, float)) else ("to", ch["to"])
        for k in ("absolute", "relative", "value"):
            if k in ch:
                return k, float(ch[k])
        raise fail("change must be one of absolute, relative, value, to")
    if isinstance(ch, (int, float)) and not isinstance(ch, bool):
        return "absolute", float(ch)
    s = str(ch).strip()
    if s.lower() in TARGETS:
        return "to", s.lower()
    m = _CHANGE.match(s)
    if not m:
        raise fail(f"cannot read change '{ch}' (use +5, -3, =80, +20% or {{to: median}})")
    num = float(m["num"])
    if m["neg"] and m["op"] != "=":
        raise fail(f"cannot read change '{ch}' (a sign goes before the number: +5, -3, =-2)")
    if m["op"] == "=":
        num = -num if m["neg"] else num
        if m["pct"]:
            raise fail(f"'{ch}': a target value cannot be a percentage change")
        return "value", num
    sign = -1.0 if m["op"] == "-" else 1.0
    return ("relative", sign * num / 100) if m["pct"] else ("absolute", sign * num)


def _as_list(v) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [x.strip() for x in v.split(",") if x.strip()]
    return [str(x) for x in v]


def load_scenario(source) -> Scenario:
    """Read a scenario from YAML/XLSX, a dict, or return a Scenario unchanged.

    The mapping is checked by :class:`analysis.schemas.scenario.ScenarioModel` (unknown keys with a
    suggestion, finite numbers, one of ``units``/``group``, a readable ``change``); unit codes are
    kept as written (``35.10`` stays ``"35.10"``). Every intervention remembers where it was written
    (sheet row and column, or YAML key) so that later checks against the baseline name that cell.
    A scenario without interventions is refused.
    """
    from .schemas.scenario import ORIGINS, check_scenario_dict, read_scenario_file

    if isinstance(source, Scenario):
        return source
    src = None
    if isinstance(source, dict):
        doc = source
    else:
        src = str(source)
        doc = dict(read_scenario_file(source))
    origins = doc.pop(ORIGINS, None) if ORIGINS in doc else None
    check_scenario_dict(doc, src)
    items = doc.get("interventions") or []
    if not items and src is not None:   # a file that changes nothing is a mistake; {} in code is the baseline
        raise InputError("the scenario has no interventions (add at least one: units or group, indicators, "
                         "change)", file=src)
    out = [_intervention(it, i, src, origins[i] if origins else None) for i, it in enumerate(items)]
    bounds = {str(k): (float(v[0]), float(v[1])) for k, v in (doc.get("bounds") or {}).items()}
    return Scenario(str(doc.get("name", "scenario")), out, doc.get("year"), bounds, src)


def _intervention(it: dict, i: int, src: str | None, origin: dict | None) -> Intervention:
    """One checked intervention mapping as an :class:`Intervention` that knows where it was written."""
    if origin is None:
        keys = {"units": "unit" if "unit" in it else "units",
                "indicators": "indicator" if "indicator" in it else "indicators"}
        origin = {"file": src, "key": f"interventions[{i + 1}]", "keys": keys}
    else:
        origin = {"file": src, **origin}
    units = _as_list(it.get("units", it.get("unit")))
    group = it.get("group")
    probe = Intervention(None, None, [], "absolute", 0.0, i + 1, origin)
    if bool(units) == bool(group):
        raise probe.error("give either 'units' or 'group' in each intervention", "units")
    inds = _as_list(it.get("indicators", it.get("indicator")))
    if not inds:
        raise probe.error("intervention names no indicator", "indicators")
    kind, amount = _parse_change(it["change"], lambda m: probe.error(m, "change"))
    return Intervention(units or None, group, inds, kind, amount, i + 1, origin)


def _unknown(kind: str, code: str, known) -> str:
    """``unknown <kind> 'code'`` with a suggestion, or a hint when codes were separated by ';'."""
    from .schemas import suggest

    known = [str(k) for k in known]
    if ";" in code:
        return (f"unknown {kind} '{code}': separate several codes with commas (e.g. "
                f"'{', '.join(p.strip() for p in code.split(';') if p.strip())}')")
    return f"unknown {kind} '{code}'{suggest(code, known)}"


def _pair(first: Intervention, second: Intervention) -> str:
    """``rows 2 and 4`` (sheet) or ``interventions 1 and 3`` (YAML, dicts)."""
    rows = [(i.origin or {}).get("row") for i in (first, second)]
    if None not in rows:
        return f"rows {rows[0]} and {rows[1]}"
    return f"interventions {first.line} and {second.line}"


def check_references(it: Intervention, indicators, units: pd.DataFrame, file=None) -> None:
    """Refuse an intervention naming an unknown indicator, unit or unit column, naming its cell or key."""
    for c in it.indicators:
        if c not in indicators:
            raise it.error(_unknown("indicator", c, indicators), "indicators", file)
    known = {str(u) for u in units.index}
    for u in it.units or []:
        if str(u) not in known:
            raise it.error(_unknown("unit", str(u), sorted(known)), "units", file)
    for gcol in (it.group or {}):
        if gcol not in units.columns:
            raise it.error(f"group column '{gcol}' is not among the unit descriptors "
                           f"({', '.join(map(str, units.columns))})", "group", file)


def valid_range(node, observed: np.ndarray, bounds: dict | None = None) -> tuple[float, float]:
    """Valid range of an indicator: explicit bounds; else a range written in its unit ("score 1-5",
    "ratio 0-1"); goalposts for capability scales; 0–100 for percentages; non-negative when every
    observed value is; otherwise unbounded."""
    if bounds and node.code in bounds:
        return bounds[node.code]
    unit = (node.unit or "").lower()
    m = re.search(r"(-?\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)", unit)
    if m and ("score" in unit or "ratio" in unit or "level" in unit or "scale" in unit or "skala" in unit):
        return float(m.group(1)), float(m.group(2))
    if node.goal_min is not None and node.goal_max is not None and ("level" in unit or "scale" in unit
                                                                   or "skala" in unit):
        return float(node.goal_min), float(node.goal_max)
    if "%" in unit or "percent" in unit or "persen" in unit:
        return 0.0, 100.0
    ok = observed[~np.isnan(observed)]
    if ok.size and ok.min() >= 0:
        return 0.0, np.inf
    return -np.inf, np.inf


class Baseline:
    """One cross-section of a built index with everything needed to recompute it frozen.

    Parameters
    ----------
    result : Result
    year : optional
        For panels (default: the last year).
    """

    def __init__(self, result, year=None):
        self.result = result
        fw = self.framework = result.framework
        self.spec = result.spec
        self.weights = result.weights
        self.year = None
        if result.year is not None:
            years = list(dict.fromkeys(result.raw.index.get_level_values(result.year)))
            self.year = years[-1] if year is None else next((y for y in years if str(y) == str(year)), None)
            if self.year is None:
                raise InputError(f"year {year} is not in the baseline (years: {years})")
        sl = (lambda df: year_slice(df, result, self.year)) if result.year is not None else (lambda df: df)
        self.raw = sl(result.raw)[fw.indicators].astype(float)
        self.imputed = sl(result.imputed)[fw.indicators]
        self.aggregates = sl(result.aggregates)
        self.normalised = sl(result.normalised)[fw.indicators]
        # what the baseline's MPI standardisation / AMPI goalposts were fitted on: the reference year, else itself
        self.agg_reference = self.normalised
        ref_year = (self.spec.get("normalise") or {}).get("reference_year")
        if ref_year is not None and result.year is not None:
            y_ref = next((y for y in years if str(y) == str(ref_year)), None)
            if y_ref is not None:
                self.agg_reference = year_slice(result.normalised, result, y_ref)[fw.indicators]
        u = result.units
        self.units = year_slice(u, result, self.year) if result.year is not None and isinstance(
            u.index, pd.MultiIndex) else u
        self.fitted = result.fitted.get(self.year, result.fitted) if result.year is not None else result.fitted
        tr = result.treatment
        if result.year is not None and isinstance(tr.index, pd.MultiIndex):
            tr = tr.xs(self.year, level=0)
        self.treatment = tr
        den = self.spec.get("denominate")
        self._denominated = set(fw.indicators) if den else set()
        # the denominator columns (population, area…) the spec divides by: frozen at the baseline's values
        d = getattr(result, "denominators", None)
        if d is not None and result.year is not None and isinstance(d.index, pd.MultiIndex):
            d = year_slice(d, result, self.year)
        self.denominators = d if d is not None and len(d.columns) else None
        self.bands = Bands.from_spec(self.spec.get("levels"))
        self.ranks = pd.Series(rank_desc(self.aggregates[fw.root].to_numpy()), index=self.aggregates.index)

    # --- recomputation -----------------------------------------------------------------------
    def frozen_inputs(self, values: pd.DataFrame) -> pd.DataFrame:
        """Cells missing in the raw data take the baseline's imputed values (frozen imputation)."""
        v = values.copy()
        fill = [c for c in v.columns if c in self.imputed.columns and c not in self._denominated]
        v[fill] = v[fill].where(v[fill].notna(), self.imputed[fill].reindex(v.index))
        return v

    def with_denominators(self, values: pd.DataFrame, codes=None) -> pd.DataFrame:
        """``values`` with the baseline's denominator columns of ``codes`` (default: its index) added."""
        if self.denominators is None:
            return values
        codes = values.index if codes is None else codes
        d = self.denominators.reindex(codes).set_axis(values.index)
        return pd.concat([values, d[[c for c in d.columns if c not in values.columns]]], axis=1)

    def recompute(self, values: pd.DataFrame, mode: str = "frozen") -> tuple[pd.DataFrame, pd.DataFrame]:
        """(normalised, aggregates) for changed raw values."""
        units = self.units.reindex(values.index)
        values = self.with_denominators(values)
        if mode == "frozen":
            v = self.frozen_inputs(values)
            out = build_cross_section(v, units, self.framework, self.spec, self.weights, fitted=self.fitted,
                                      treatment=self.treatment, agg_reference=self.agg_reference)
        elif mode == "renormalise":
            nspec = self.spec.get("normalise") or {}
            ref_year = nspec.get("reference_year")
            if ref_year is not None and str(ref_year) != str(self.year):
                # the yardstick is another year's data, which the scenario does not change
                out = build_cross_section(values, units, self.framework, self.spec, self.weights, fitted=self.fitted,
                                          treatment=self.treatment, agg_reference=self.agg_reference)
            else:
                out = build_cross_section(values, units, self.framework, self.spec, self.weights)
        else:
            raise InputError(f"unknown scenario mode '{mode}' (use frozen or renormalise)")
        return out[4], out[6]

    def score_row(self, code: str, row: pd.Series) -> pd.Series:
        """Frozen aggregates (every level) for one unit with raw values ``row``."""
        out = self._aggregate_rows(code, row[self.framework.indicators].to_numpy(float)[None, :]).iloc[0]
        return out.rename(code)

    def score_rows(self, code: str, rows: np.ndarray) -> np.ndarray:
        """Frozen index scores of unit ``code`` for many candidate raw rows at once.

        Under frozen treatment, normalisation and imputation every row is scored independently of
        the others, so ``k`` candidates cost one vectorised recomputation instead of ``k``.

        Parameters
        ----------
        code : str
            The unit (its descriptors are used for grouped steps).
        rows : ndarray, shape (k, n_indicators)
            Raw values in the order of ``framework.indicators``; missing cells take the baseline's
            imputed values.
        """
        return self._aggregate_rows(code, rows)[self.framework.root].to_numpy(float)

    def _aggregate_rows(self, code: str, rows: np.ndarray) -> pd.DataFrame:
        rows = np.atleast_2d(np.asarray(rows, dtype=float))
        idx = pd.Index([f"{code}#{j}" for j in range(len(rows))])
        v = pd.DataFrame(rows, columns=self.framework.indicators, index=idx)
        fill = [c for c in v.columns if c not in self._denominated]
        imp = self.imputed.loc[code, fill].to_numpy(float)
        v[fill] = np.where(np.isnan(v[fill].to_numpy(float)), imp, v[fill].to_numpy(float))
        units = pd.DataFrame(np.repeat(self.units.loc[[code]].to_numpy(), len(rows), axis=0),
                             columns=self.units.columns, index=idx).astype(self.units.dtypes.to_dict())
        v = self.with_denominators(v, [code] * len(rows))
        out = build_cross_section(v, units, self.framework, self.spec, self.weights, fitted=self.fitted,
                                  treatment=self.treatment, agg_reference=self.agg_reference)
        return out[6]

    def rank_of(self, code: str, score: float) -> int:
        """Rank the unit would have with ``score`` while every other unit keeps its baseline score
        (what a frozen scenario changing only this unit gives)."""
        others = self.aggregates[self.framework.root].drop(code).to_numpy(float)
        return int(rank_desc(np.append(others, score))[-1])

    def level_of(self, score: float):
        return None if self.bands is None else self.bands.assign(np.array([score]))[0]


@dataclass
class ScenarioResult:
    """Baseline against scenario for every unit."""

    name: str
    mode: str
    table: pd.DataFrame          # per unit: baseline/scenario score, rank, level and deltas
    deltas: pd.DataFrame         # units × aggregates: scenario − baseline
    values: pd.DataFrame         # changed raw values (units × indicators)
    changed: pd.DataFrame        # long list of changed cells: uCode, iCode, before, after
    normalised: pd.DataFrame
    aggregates: pd.DataFrame

    def unit(self, code: str) -> pd.Series:
        return self.table.loc[code]


def _targets(b: Baseline, code: str, ref: str, units: list[str], group_col: str | None) -> dict[str, float]:
    node = b.framework.nodes[code]
    x = b.raw[code]
    d = node.direction
    if ref == "median":
        return dict.fromkeys(units, float(x.median()))
    if ref == "mean":
        return dict.fromkeys(units, float(x.mean()))
    if ref in ("p75", "p90"):
        q = int(ref[1:]) / 100
        return dict.fromkeys(units, float(x.quantile(q if d == 1 else 1 - q)))
    if ref == "best":
        return dict.fromkeys(units, float(x.max() if d == 1 else x.min()))
    if ref == "goalpost":
        g = node.goal_max if d == 1 else node.goal_min
        if g is None:
            raise InputError(f"indicator '{code}' has no goalpost in the framework", column=code)
        return dict.fromkeys(units, float(g))
    if ref == "cluster_best":
        col = group_col or "cluster"
        if col not in b.units.columns:
            raise InputError(f"'cluster_best' needs a '{col}' column among the unit descriptors")
        g = b.units[col]
        best = x.groupby(g).max() if d == 1 else x.groupby(g).min()
        return {u: float(best[g[u]]) for u in units}
    raise InputError(f"unknown reference '{ref}'")


def apply_interventions(b: Baseline, sc: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Changed raw values and the list of changed cells; validates units, indicators, ranges, conflicts."""
    fw = b.framework
    vals = b.raw.copy()
    touched: dict[tuple[str, str], Intervention] = {}
    rows = []
    for it in sc.interventions:
        check_references(it, fw.indicators, b.units.reindex(vals.index), sc.source)
        if it.units:
            units = it.units
            gcol = None
        else:
            (gcol, gval), = it.group.items()
            units = list(b.units.index[b.units[gcol].astype(str) == str(gval)])
            if not units:
                raise it.error(f"no unit has {gcol} = {gval}", "group", sc.source)
        for c in it.indicators:
            node = fw.nodes[c]
            lo, hi = valid_range(node, b.raw[c].to_numpy(float), sc.bounds)
            tgt = _targets(b, c, it.amount, units, gcol) if it.kind == "to" else None
            for u in units:
                key = (u, c)
                if key in touched:
                    raise it.error(f"{_pair(touched[key], it)} both change {c} of {u}", "indicators", sc.source)
                touched[key] = it
                x0 = vals.at[u, c]
                base = b.imputed.at[u, c] if np.isnan(x0) else x0
                if it.kind == "absolute":
                    x1 = base + it.amount
                elif it.kind == "relative":
                    x1 = base * (1 + it.amount)
                elif it.kind == "value":
                    x1 = it.amount
                else:
                    x1 = tgt[u]
                    # "to a reference" never worsens a unit already beyond it
                    if node.direction * (x1 - base) < 0:
                        x1 = base
                if np.isnan(x1):
                    raise it.error(f"{c} of {u} is missing and was not imputed; use an absolute value (=…)",
                                   "change", sc.source)
                if x1 < lo - 1e-9 or x1 > hi + 1e-9:
                    raise it.error(f"{c} of {u} would become {x1:g}, outside its valid range [{lo:g}, {hi:g}]",
                                   "change", sc.source)
                vals.at[u, c] = x1
                rows.append({"uCode": u, "iCode": c, "before": x0, "after": x1, "intervention": it.line})
    ch = pd.DataFrame(rows, columns=["uCode", "iCode", "before", "after", "intervention"])
    same = (ch["before"] == ch["after"]) | (ch["before"].isna() & ch["after"].isna())
    return vals, ch[~same].reset_index(drop=True)


def run_scenario(baseline, scenario, *, mode: str = "frozen", year=None) -> ScenarioResult:
    """Apply a scenario and compare with the baseline.

    Parameters
    ----------
    baseline : Baseline or Result
    scenario : Scenario, dict or path
    mode : {"frozen", "renormalise"}
    """
    from .schemas.scenario import check_scenario_year

    b = baseline if isinstance(baseline, Baseline) else Baseline(baseline, year if year is not None else
                                                                   load_scenario(scenario).year)
    sc = load_scenario(scenario)
    check_scenario_year(sc, b)
    vals, changed = apply_interventions(b, sc)
    if changed.empty and mode == "frozen":
        norm, aggs = b.normalised.copy(), b.aggregates.copy()
    else:
        norm, aggs = b.recompute(vals, mode)
    root = b.framework.root
    rk = pd.Series(rank_desc(aggs[root].to_numpy()), index=aggs.index)
    t = pd.DataFrame({"baseline_score": b.aggregates[root], "scenario_score": aggs[root]})
    t["delta_score"] = t["scenario_score"] - t["baseline_score"]
    t["baseline_rank"] = b.ranks
    t["scenario_rank"] = rk
    t["delta_rank"] = t["baseline_rank"] - t["scenario_rank"]      # positive = moved up
    if b.bands is not None:
        t["baseline_level"] = b.bands.assign(t["baseline_score"].to_numpy())
        t["scenario_level"] = b.bands.assign(t["scenario_score"].to_numpy())
        t["level_changed"] = t["baseline_level"] != t["scenario_level"]
    if "uName" in b.units.columns:
        t.insert(0, "uName", b.units["uName"].reindex(t.index))
    t["changed"] = t.index.isin(set(changed["uCode"]))
    return ScenarioResult(sc.name, mode, t, aggs - b.aggregates, vals, changed, norm, aggs)


def compare_scenarios(baseline, scenarios: dict, *, units: list[str] | None = None, mode: str = "frozen"
                      ) -> pd.DataFrame:
    """Several scenarios side by side: score, rank and level per unit and scenario (long table)."""
    b = baseline if isinstance(baseline, Baseline) else Baseline(baseline)
    frames = []
    for name, sc in scenarios.items():
        r = run_scenario(b, sc, mode=mode)
        t = r.table if units is None else r.table.loc[units]
        frames.append(t.assign(scenario=name))
    return pd.concat(frames).reset_index(names="uCode")


def compare_modes(baseline, scenario) -> pd.DataFrame:
    """Frozen against re-normalised results of one scenario, per unit."""
    b = baseline if isinstance(baseline, Baseline) else Baseline(baseline)
    f = run_scenario(b, scenario, mode="frozen").table
    r = run_scenario(b, scenario, mode="renormalise").table
    return pd.DataFrame({"frozen_score": f["scenario_score"], "renormalised_score": r["scenario_score"],
                         "frozen_rank": f["scenario_rank"], "renormalised_rank": r["scenario_rank"],
                         "score_difference": r["scenario_score"] - f["scenario_score"]})


def contributions(baseline, result: ScenarioResult, unit: str) -> pd.Series:
    """How much each changed indicator contributed to a unit's index change (frozen).

    Changes are applied one indicator at a time in the order listed, and each indicator is credited
    with the index change it adds; the contributions sum exactly to the total change. Under
    arithmetic aggregation the credit equals the indicator's effective weight × its normalised change
    and does not depend on the order.
    """
    b = baseline if isinstance(baseline, Baseline) else Baseline(baseline)
    ch = result.changed[result.changed["uCode"] == unit]
    if ch.empty:
        return pd.Series(dtype=float, name=unit)
    fw = b.framework
    # the unit's raw row after the first k changes, k = 1…n, scored in one batch
    rows = np.repeat(b.raw.loc[[unit], fw.indicators].to_numpy(float), len(ch), axis=0)
    for k, (_, c) in enumerate(ch.iterrows()):
        rows[k:, fw.indicators.index(c["iCode"])] = c["after"]
    steps = np.diff(np.concatenate([[float(b.aggregates.at[unit, fw.root])], b.score_rows(unit, rows)]))
    out: dict[str, float] = {}
    for step, code in zip(steps, ch["iCode"]):
        out[code] = out.get(code, 0.0) + float(step)
    return pd.Series(out, name=unit, dtype=float)


# --- path to the next level --------------------------------------------------------------------
@dataclass
class PathResult:
    """Least improvement for one unit to reach a target score."""

    unit: str
    target: float
    baseline_score: float
    achieved_score: float
    reachable: bool
    moves: pd.DataFrame          # per indicator: current, new value, change, cost, normalised change
    total_cost: float
    method: str
    message: str

    def as_scenario(self) -> dict:
        """The moves as a scenario dict (``=value`` changes) for :func:`run_scenario`."""
        its = [{"units": [self.unit], "indicators": [c], "change": f"={float(r['new'])!r}"}
               for c, r in self.moves.iterrows() if abs(r["change"]) > 0]
        return {"name": f"path-{self.unit}", "interventions": its}


def _target_score(b: Baseline, unit: str, to, current: float | None = None) -> float:
    root = b.framework.root
    if isinstance(to, (int, float)) and not isinstance(to, bool):
        return float(to)
    s = str(to)
    if s.lower() == "next":
        if b.bands is None:
            raise InputError("'next' needs maturity bands in the spec")
        cur = float(b.aggregates.at[unit, root]) if current is None else float(current)
        edges = [e for e in b.bands.bands if e > reach(cur)]
        if not edges:
            raise InputError(f"{unit} is already in the top level")
        return float(edges[0])
    if s.lower().startswith("rank:"):
        try:
            r = int(s.split(":", 1)[1].strip())
        except ValueError:
            raise InputError(f"cannot read target '{to}': after 'rank:' comes a whole number, e.g. rank:10") from None
        sc = b.aggregates[root].sort_values(ascending=False)
        others = sc.drop(unit, errors="ignore")
        if r < 1 or r > len(sc):
            raise InputError(f"rank {r} is outside 1–{len(sc)}")
        return float(others.iloc[r - 1]) + 1e-9 if r - 1 < len(others) else float(sc.min())
    if b.bands is not None:
        labels = [str(x) for x in b.bands.labels]
        short = [lab.split()[0] for lab in labels]
        ids = [str(x) for x in (b.bands.names_id or [])]
        for i, names in enumerate(zip(labels, short, ids + [""] * len(labels))):
            if s in names and s:
                if i == 0:
                    return -np.inf
                return float(b.bands.bands[i - 1])
    raise InputError(f"cannot read target '{to}' (a score, 'next', 'rank:N' or a level label such as L3)")


def path_to_target(baseline, unit: str, to="next", *, indicators: list[str] | None = None,
                   upper: str | dict = "best", costs: dict | None = None, bounds: dict | None = None,
                   start: dict | pd.Series | None = None, tol: float = 1e-7) -> PathResult:
    """Least-cost improvement of one unit's indicators that lifts its index to a target.

    Parameters
    ----------
    baseline : Baseline or Result
    unit : str
    to : "next", a level label (``"L3"``), ``"rank:N"`` or a score
    indicators : list, optional
        Indicators that may move (default: all).
    upper : "best", "range" or dict
        How far each indicator may move: the best observed value (default), its valid range (the best
        observed value where the range is unbounded on the side of improvement), or explicit limits
        ``{iCode: value}``. A move never goes past the baseline's frozen Winsorisation
        boundary on the side of improvement (the clip value): beyond it the treated value, and so the
        index, does not change.
    costs : dict, optional
        Cost per raw unit of improvement per indicator (indicators not named cannot move).
    bounds : dict, optional
        Valid ranges ``{iCode: (lo, hi)}`` (see :func:`valid_range`).
    start : dict or Series, optional
        Raw values to start from instead of the baseline's (e.g. a scenario already applied, as in
        the dashboard); indicators not given keep their baseline values. ``"next"`` then means the
        level above the one ``start`` reaches.
    tol : float
        Margin added to the score constraint (the solvers aim at ``target + tol``, at most at the best
        reachable score). It does not decide whether the target is reached (see Notes).

    Returns
    -------
    PathResult
        ``achieved_score`` is always the frozen recomputation (:meth:`Baseline.score_rows`) of the
        proposed raw values; ``moves`` has per indicator the current and new raw value, the change,
        its cost and the exact change of the normalised score.

    Notes
    -----
    **Cost.** A move of :math:`|\\Delta x_i|` raw units costs :math:`k_i |\\Delta x_i|`, with
    :math:`k_i` the user's cost per raw unit (``costs``, ``--costs``) or, by default,
    :math:`1/(\\max x_i - \\min x_i)` over the baseline's observed raw values: a move across the whole
    observed range costs 1. Costs are in raw units, so normalised points past a clip value (which the
    index never receives) are never counted, and moves stop at the clip value anyway.

    **Reachability.** One rule decides in every branch (:func:`_reaches`): the target is reachable
    when the best reachable score :math:`s^*` (every movable indicator at its limit; the index does
    not decrease along any move) satisfies :math:`s^* + \\varepsilon \\max(1, |s^*|) \\ge T`, with
    :math:`\\varepsilon` = :data:`analysis.levels.EDGE_RTOL` = 1e-9, a tolerance relative to the
    score scale and the one by which scores reach band edges (:func:`analysis.levels.reach`). The
    same rule says whether the starting score already reaches the target (no move) and accepts a
    computed move. A target above :math:`s^*` but within the tolerance gets the
    least-cost move to :math:`s^*`.

    **Method.** Each indicator's raw value passes the frozen treatment and normalisation exactly. The
    ``method`` says how the result was obtained:

    ``lp``
        Exact: every level aggregates arithmetically and, within the allowed box, every movable
        indicator's raw → normalised map is affine (minmax, zscore, ordinal, none; goalposts or a
        capped target without their cap inside the box; no log transform, no Winsorisation boundary
        inside the box). The index is then linear in the moves and HiGHS solves the linear program.
    ``lp-piecewise``
        Exact: arithmetic aggregation, but some indicator's map has breakpoints inside the box (a clip
        value on the other side, a goalpost, a capped target). Between breakpoints the map is affine,
        the gains at the breakpoints are computed by the frozen recomputation, and a mixed-integer
        program over the segments (segments filled in order) gives the exact optimum.
    ``slsqp``
        Not exact: geometric, harmonic, MPI… aggregation, a log treatment, rank normalisation or
        denomination. SLSQP minimises the cost subject to the recomputed score, starting (arithmetic
        aggregation) from the piecewise-linear optimum with each non-linear map sampled at 12 steps,
        else from the LP of the average slopes; the result is a local optimum (the global one for
        concave means of linearly normalised indicators) and is re-scored.
    """
    from scipy.optimize import linprog, minimize

    b = baseline if isinstance(baseline, Baseline) else Baseline(baseline)
    fw = b.framework
    root = fw.root
    if unit not in b.raw.index:
        raise InputError(f"unknown unit '{unit}'")
    x0 = b.frozen_inputs(b.raw.loc[[unit]]).iloc[0].astype(float)
    s0 = float(b.aggregates.at[unit, root])
    if start is not None:
        for c, v in dict(start).items():
            if c not in fw.indicators:
                raise InputError(f"unknown indicator '{c}' in the starting values", column=c)
            x0[c] = float(v)
        s0 = float(b.score_rows(unit, x0.to_numpy(float)[None, :])[0])
    T = _target_score(b, unit, to, current=s0)
    inds = list(indicators or fw.indicators)
    for c in inds:
        if c not in fw.indicators:
            raise InputError(f"unknown indicator '{c}'", column=c)
    dirs = np.array([fw.nodes[c].direction for c in inds], dtype=float)
    cost = _costs(b, inds, costs)
    # how far each indicator may move (raw, in its direction of improvement), capped at the clip value
    lims = np.array([_move_limit(b, c, int(dirs[j]), upper, bounds) for j, c in enumerate(inds)])
    with np.errstate(invalid="ignore"):
        cap = np.where(np.isfinite(x0[inds].to_numpy(float)), np.maximum(0.0, (lims - x0[inds].to_numpy(float)) * dirs),
                       0.0)
    cap = np.where(np.isfinite(cap), cap, 0.0)
    if _reaches(s0, T):   # the same rule as every verdict below: a level edge within rounding is reached
        moves = _moves(b, inds, x0, dirs, np.zeros(len(inds)), cap, lims, cost)
        return PathResult(unit, T, s0, s0, True, moves, 0.0, "none", "already at or above the target")

    pos = np.array([fw.indicators.index(c) for c in inds])
    base_row = x0[fw.indicators].to_numpy(float)

    def rows(D):
        R = np.repeat(base_row[None, :], len(D), axis=0)
        R[:, pos] += dirs * np.asarray(D, dtype=float)
        ends = np.asarray(D, dtype=float) >= cap * (1 - 1e-12)   # relative: raw units may be tiny
        R[:, pos] = np.where(ends & (cap > 0), lims, R[:, pos])   # a full move lands exactly on its limit
        return R

    def scores(D):
        """Index scores for a batch of moves D (k × len(inds)), in one recomputation."""
        return b.score_rows(unit, rows(D))

    def score(d):
        """The score of the raw values that ``_moves`` reports for move ``d`` (a move below rounding is none)."""
        return float(scores(_snap(np.asarray(d, dtype=float), cap)[None, :])[0])

    need = T - s0
    # the one reachability verdict of every branch: the best reachable score (every indicator at its
    # limit; the index is monotone in each move) reaches the target up to EDGE_RTOL (see _reaches)
    best = score(cap)
    reachable = _reaches(best, T)
    start_d = None   # a piecewise-linear solution to start SLSQP from, when the index is additive
    if _linear_aggregation(b):
        kinks, exact = _breakpoints(b, inds, x0, dirs, cap)
        segs = _segments(scores, s0, kinks)
        if segs is not None:
            method = "lp" if all(len(k) == 2 for k in kinks) else "lp-piecewise"
            if exact and not reachable:
                moves = _moves(b, inds, x0, dirs, cap, cap, lims, cost)
                return PathResult(unit, T, s0, best, False, moves, float(cost @ cap), method,
                                  f"unreachable: moving every indicator to its limit gives {best:.4g} < "
                                  f"target {T:.4g}")
            d, ok = _solve_segments(segs, cost, need + tol, len(inds))
            if not ok:   # a target on the edge of the box is reached without the margin
                d, ok = _solve_segments(segs, cost, need, len(inds))
            if not ok and reachable:   # above the most the segments give, by less than the tolerance: that most
                top = sum(L * max(sl, 0.0) for _, L, sl in segs)
                d, ok = _solve_segments(segs, cost, top, len(inds))
                if not ok:
                    d, ok = cap.copy(), True
            if exact:
                achieved = score(d)
                if _reaches(achieved, T):
                    moves = _moves(b, inds, x0, dirs, d, cap, lims, cost)
                    return PathResult(unit, T, s0, achieved, True, moves, float(cost @ d), method, "target reached")
            if ok:
                start_d = d
    # non-linear: SLSQP on the recomputed score, from the piecewise-linear solution (sampled maps) when the
    # index is additive, else from the LP of the average slopes over the box
    if not reachable:
        moves = _moves(b, inds, x0, dirs, cap, cap, lims, cost)
        return PathResult(unit, T, s0, best, False, moves, float(cost @ cap), "slsqp",
                          f"unreachable within the limits: the best reachable score is {best:.4g} < target {T:.4g}")

    def grad(d):
        # forward differences, all in one batch (the index is piecewise smooth in each indicator)
        h = np.maximum(1e-6 * np.maximum(cap, 1.0), 1e-9)
        d = np.asarray(d, dtype=float)
        step = np.where(d + h <= cap, h, -h)
        D = np.repeat(d[None, :], len(inds) + 1, axis=0)
        D[np.arange(1, len(inds) + 1), np.arange(len(inds))] += step
        s = scores(D)
        return (s[1:] - s[0]) / step

    if start_d is not None:
        d = np.clip(start_d, 0, cap)
    else:
        full = scores(np.diag(cap)) - s0
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(cap > 0, full / cap, 0.0)
        box = list(zip(np.zeros(len(inds)), cap))
        res = linprog(cost, A_ub=-slope[None, :], b_ub=[-(need + tol)], bounds=box, method="highs")
        d = np.clip(res.x, 0, cap) if res.status == 0 else cap.copy()
    # SLSQP on the fraction of each box used (u = d / cap), with the objective on the scale of the score
    # gain, so that indicators in very different raw units are equally well conditioned
    span = np.where(cap > 0, cap, 1.0)
    kk = cost * cap * (best - s0) / max(float(cost @ cap), 1e-300)
    goal = min(T + tol, best)   # a target within the margin of the best: aim at the best (else infeasible)
    cons = {"type": "ineq", "fun": lambda u: score(np.clip(u, 0, 1) * cap) - goal,
            "jac": lambda u: grad(u * cap) * cap}
    r = minimize(lambda u: float(kk @ u), d / span, jac=lambda u: kk, bounds=[(0.0, 1.0)] * len(inds),
                 constraints=[cons], method="SLSQP", options={"maxiter": 500, "ftol": 1e-10})
    cand = np.clip(r.x, 0, 1) * cap
    d = _better_of((cand, score(cand), float(cost @ cand)), (d, score(d), float(cost @ d)), cap, T)
    moves = _moves(b, inds, x0, dirs, d, cap, lims, cost)
    return PathResult(unit, T, s0, score(d), True, moves, float(cost @ d), "slsqp",
                      "target reached (local optimum, not exact)")


def _better_of(found: tuple[np.ndarray, float, float], start: tuple[np.ndarray, float, float],
               cap: np.ndarray, target: float) -> np.ndarray:
    """The move to report after a local search: the one it found, its start, or the full move.

    Parameters
    ----------
    found, start : tuple of (move, score, cost)
        The move SLSQP returned and the move it started from, each with the index score it gives
        and its cost.
    cap : ndarray
        The full move (every indicator to its limit); it reaches the target whenever this is called.
    target : float
        The target score; a move reaches it when :func:`_reaches` says so.

    Returns
    -------
    ndarray
        ``found`` when it reaches the target and either costs less than ``start`` or ``start`` misses
        the target; else ``start`` when it reaches the target; else a copy of ``cap``. A local optimiser
        may end on an infeasible point or on one dearer than its start (Nocedal & Wright, *Numerical
        Optimization*, 2nd ed., 2006, ch. 18: SQP converges only locally), so its result is accepted
        only when it is feasible and no worse.
    """
    found_ok = _reaches(found[1], target)
    start_ok = _reaches(start[1], target)
    if found_ok and (found[2] < start[2] or not start_ok):
        return found[0]
    if start_ok:
        return start[0]
    return cap.copy()   # reaches the target: the caller checked _reaches(score(cap), target)


def _reaches(score: float, target: float) -> bool:
    """Whether an index score reaches a target score: the one rule of :func:`path_to_target`.

    ``score`` reaches ``target`` when ``score + EDGE_RTOL * max(1, |score|) >= target``, with
    :data:`analysis.levels.EDGE_RTOL` = 1e-9: a tolerance relative to the scale of the scores
    (absolute below 1), the same by which a score reaches a band edge (:func:`analysis.levels.reach`),
    so that a path to the next level is called reached exactly when the level it gives is that level.
    It only absorbs floating-point rounding of the recomputed index (nested weighted means land a few
    ulps off an exact value), not a solver's slack.

    Every branch of :func:`path_to_target` (the linear and piecewise-linear programs and SLSQP) decides
    with this rule, on the same best reachable score (every indicator at its limit), so the verdict
    does not depend on the branch.

    Parameters
    ----------
    score : float
        An index score (the frozen recomputation of a move).
    target : float
        The target score.

    Returns
    -------
    bool
    """
    return bool(reach(score) >= target)


def _costs(b: Baseline, inds: list[str], costs: dict | None) -> np.ndarray:
    """Cost per raw unit: the user's, else one over the indicator's observed raw range."""
    if costs:
        unknown = [c for c in costs if c not in inds]
        if unknown:
            raise InputError(f"cost given for '{unknown[0]}', which is not among the movable indicators")
        cost = np.array([float(costs.get(c, np.inf)) for c in inds])
    else:
        rng = np.array([float(np.nanmax(b.raw[c]) - np.nanmin(b.raw[c])) if b.raw[c].notna().any() else np.nan
                        for c in inds])
        cost = np.where(np.isfinite(rng) & (rng > 0), 1.0 / np.where(rng > 0, rng, 1.0), 1.0)
    return np.where(np.isfinite(cost), cost, 1e12)


def _treatment_record(b: Baseline, code: str) -> dict:
    tr = b.treatment
    if not isinstance(tr, pd.DataFrame) or code not in tr.index or not len(tr.columns):
        return {}
    return tr.loc[code].to_dict()


def _clips(b: Baseline, code: str) -> tuple[float | None, float | None]:
    """The frozen clip values (low, high) that the baseline's treatment applies to ``code``."""
    from .treat import winsorised_sides

    rec = _treatment_record(b, code)
    if not rec or rec.get("fallback") == "log":
        return None, None
    sides = winsorised_sides(rec)

    def val(k):
        v = rec.get(k)
        return float(v) if v is not None and np.isfinite(float(v)) else None
    return (val("clip_lo") if "winlo" in sides else None), (val("clip_hi") if "winhi" in sides else None)


def _move_limit(b: Baseline, code: str, direction: int, upper, bounds) -> float:
    """The furthest raw value ``code`` may reach: ``upper``'s limit, then no further than the clip value
    on the side of improvement (past the Winsorisation boundary the index gains nothing).

    ``upper="range"`` on a side where the valid range is unbounded gives the best observed value (a
    move to infinity is no plan; an infinite limit used to leave the indicator unable to move at all)."""
    node = b.framework.nodes[code]
    lo, hi = valid_range(node, b.raw[code].to_numpy(float), bounds)
    if isinstance(upper, dict) and code in upper:
        lim = float(upper[code])
    else:
        lim = hi if direction > 0 else lo
        if upper != "range" or not np.isfinite(lim):   # the best observed value, inside the valid range
            lim = float(np.nanmax(b.raw[code]) if direction > 0 else np.nanmin(b.raw[code]))
            lim = min(lim, hi) if direction > 0 else max(lim, lo)
    if code not in b._denominated:
        clo, chi = _clips(b, code)
        if direction > 0 and chi is not None:
            lim = min(lim, chi)
        if direction < 0 and clo is not None:
            lim = max(lim, clo)
    return lim


def _linear_aggregation(b: Baseline) -> bool:
    """Whether every aggregate of the framework is an arithmetic mean of its children."""
    from .aggregate import node_method

    spec = b.spec.get("aggregate") or {}
    leaves = set(b.framework.indicators)
    return all(node_method(spec, b.framework, c)[0] == "arithmetic" for c in b.framework.nodes if c not in leaves)


def _breakpoints(b: Baseline, inds, x0, dirs, cap, samples: int = 12) -> tuple[list[np.ndarray], bool]:
    """Per movable indicator, the move distances ``0 < … < cap`` between which its raw → normalised map
    is affine: the clip values, goalposts and a capped target that lie inside the box.

    Returns the points and whether they are exact. A map that is not piecewise affine (log treatment or
    transform, ranks, denomination) gets ``samples`` evenly spaced points instead, and the flag is False:
    the piecewise-linear problem is then only an approximation (a starting point for SLSQP)."""
    out, exact = [], True
    for j, c in enumerate(inds):
        if cap[j] <= 0:
            out.append(np.array([0.0, 0.0]))
            continue
        pts = [0.0, float(cap[j])]
        f = b.fitted[c]
        m = f["method"]
        if (c in b._denominated or _treatment_record(b, c).get("fallback") == "log" or m in ("rank", "prank")
                or (m == "goalposts" and f.get("transform") == "log")):
            exact = False
            pts += list(np.linspace(0.0, float(cap[j]), samples + 1)[1:-1])
        raw = [v for v in _clips(b, c) if v is not None]
        if m == "goalposts":
            raw += [f["min"], f["max"]]
        if m == "target" and f.get("cap", False):
            raw.append(f["target"] * f["direction"])
        for v in raw:
            t = (v - x0[c]) * dirs[j]
            if 0 < t < cap[j]:
                pts.append(float(t))
        out.append(np.unique(pts))
    return out, exact


def _segments(scores, s0: float, kinks: list[np.ndarray]):
    """Gain of the index per raw unit on every segment, from one recomputation at the breakpoints.

    Returns a list of ``(indicator position, length, slope)`` or ``None`` when the index is not additive
    over the indicators at the box's corner (then it is not linear and the caller falls back)."""
    n = len(kinks)
    D = []
    for j, pts in enumerate(kinks):
        for p in pts[1:]:
            row = np.zeros(n)
            row[j] = p
            D.append(row)
    corner = np.array([pts[-1] for pts in kinks])
    s = scores(np.vstack(D + [corner])) if D else np.array([s0])
    segs, k = [], 0
    full = 0.0
    for j, pts in enumerate(kinks):
        prev = s0
        for a, z in zip(pts[:-1], pts[1:]):
            if z > a:
                segs.append((j, float(z - a), float((s[k] - prev) / (z - a))))
            prev = s[k]
            k += 1
        full += prev - s0
    if abs((s[-1] - s0) - full) > 1e-8 * max(1.0, abs(s0)):
        return None
    return segs


def _solve_segments(segs, cost: np.ndarray, need: float, n: int) -> tuple[np.ndarray, bool]:
    """Least cost of segment moves whose gains reach ``need``; segments of an indicator fill in order.

    A mixed-integer program (HiGHS) with the incremental formulation: segment ``k + 1`` of an indicator
    may be used only when segment ``k`` is full. Exact on the breakpoints; without breakpoints it is the
    plain linear program. A ``need`` equal to the most the segments can give (up to rounding) is
    reachable."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    if not segs or sum(L * max(sl, 0.0) for _, L, sl in segs) < need - 1e-12 * max(1.0, abs(need)):
        return np.zeros(n), False
    m = len(segs)
    links = [(a, a + 1) for a in range(m - 1) if segs[a][0] == segs[a + 1][0]]
    nb = len(links)
    c = np.concatenate([[cost[j] for j, _, _ in segs], np.zeros(nb)])
    A = [np.concatenate([[sl for _, _, sl in segs], np.zeros(nb)])]
    lo, hi = [need], [np.inf]
    for q, (a, a1) in enumerate(links):
        r1 = np.zeros(m + nb)          # d_a − L_a·y ≥ 0: segment a full when y = 1
        r1[a], r1[m + q] = 1.0, -segs[a][1]
        r2 = np.zeros(m + nb)          # d_{a+1} − L_{a+1}·y ≤ 0: the next one only then
        r2[a1], r2[m + q] = 1.0, -segs[a1][1]
        A += [r1, r2]
        lo += [0.0, -np.inf]
        hi += [np.inf, 0.0]
    ub = np.concatenate([[L for _, L, _ in segs], np.ones(nb)])
    res = milp(c, constraints=LinearConstraint(np.array(A), lo, hi), bounds=Bounds(np.zeros(m + nb), ub),
               integrality=np.concatenate([np.zeros(m), np.ones(nb)]))
    if res.status != 0 or res.x is None:
        return np.zeros(n), False
    d = np.zeros(n)
    for (j, L, _), v in zip(segs, res.x[:m]):
        d[j] += min(max(v, 0.0), L)
    return d, True


def _normalised_change(b: Baseline, code: str, old: float, new: float) -> float:
    """Exact change of ``code``'s normalised score (frozen treatment, then normalisation)."""
    from .normalise import apply as napply
    from .treat import apply_treatment

    if code in b._denominated:
        return np.nan
    v = np.array([old, new], dtype=float)
    rec = _treatment_record(b, code)
    if rec:
        v = apply_treatment(v, rec)
    y = napply(v, b.fitted[code])
    return float(y[1] - y[0])


def _snap(d: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Moves ``d`` inside their box ``[0, cap]``; a move below 1e-12 raw units (1e-12 of ``cap`` when the
    cap is below 1, so that indicators measured in tiny units keep their moves) is taken as none."""
    return np.where(np.abs(d) < 1e-12 * np.minimum(cap, 1.0), 0.0, np.clip(d, 0.0, cap))


def _moves(b: Baseline, inds, x0, dirs, d, cap, lims, cost) -> pd.DataFrame:
    d = _snap(d, cap)
    cur = x0[inds].to_numpy(float)
    new = np.where((d >= cap * (1 - 1e-12)) & (cap > 0), lims, cur + dirs * d)
    norm = [_normalised_change(b, c, cur[j], new[j]) if d[j] > 0 else 0.0 for j, c in enumerate(inds)]
    m = pd.DataFrame({"current": cur, "new": new, "change": new - cur, "cost": cost * d,
                      "normalised_change": norm}, index=pd.Index(inds, name="iCode"))
    return m.sort_values("cost", ascending=False)


def baseline_from_run(run_dir, year=None) -> Baseline:
    """Rebuild the baseline of a ``maturasi build`` (or ``maturasi run``) output folder.

    The inputs named in its ``manifest.json`` are located (absolute path first) and their SHA-256
    checked, so a scenario always starts from exactly the data and spec of that run.
    """
    import json

    from .manifest import sha256
    from .pipeline import build

    run_dir = Path(run_dir)
    mf = run_dir / "manifest.json"
    if not mf.exists():
        raise InputError("not a run folder (no manifest.json)", file=run_dir)
    try:
        m = json.loads(mf.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("manifest.json is not UTF-8 text; not a Maturasi run", file=mf) from None
    except ValueError as e:
        raise InputError(f"manifest.json is not valid JSON ({e.msg}, line {e.lineno}); not a Maturasi run",
                         file=mf) from None
    if not isinstance(m, dict) or m.get("tool") not in (None, "maturasi"):
        raise InputError("manifest.json is not a Maturasi manifest", file=mf)
    if not isinstance(m.get("inputs") or {}, dict):
        raise InputError("manifest.json: 'inputs' is not a mapping", file=mf)
    if m.get("status") == "failed":
        raise InputError("this run failed; its tables are not a baseline", file=mf)
    ins = m.get("inputs") or {}
    paths = {}
    for k in ("framework", "data", "spec"):
        e = ins.get(k)
        if e is None:
            paths[k] = None
            continue
        if not isinstance(e, dict) or not e.get("path"):
            raise InputError(f"manifest.json: input '{k}' names no path", file=mf)
        if e.get("builtin"):
            paths[k] = e["path"]
            continue
        cand = [Path(e.get("abspath", "")), Path(e["path"]), run_dir / e["path"]]
        p = next((c for c in cand if str(c) and c.is_file()), None)
        if p is None:
            raise InputError(f"input '{k}' of the run is not found at {e['path']}", file=mf)
        if sha256(p) != e.get("sha256"):
            raise InputError(f"input '{k}' ({p}) has changed since the run (SHA-256 differs)", file=mf)
        paths[k] = p
    res = build(paths["framework"], paths["data"], paths["spec"])
    return Baseline(res, year if year is not None else m.get("year"))
