"""Weights optimised so that components have target importances (Becker et al. 2017, linear version).

Nominal weights do not set how much a component drives its aggregate; correlations do. This
finds weights for a group of components (the children of a node, or every node at one level as in
COINr's ``get_opt_weights``) so that their importances, normalised to sum to 1, match the targets
(equal by default). Importance is measured by

- ``"r2"``: squared Pearson correlation with the comparator (the linear correlation ratio),
- ``"r"``: Pearson correlation (what COINr's ``get_opt_weights`` balances),
- ``"eta2"``: the correlation ratio with a smoothing spline (:mod:`analysis.audit.importance`).

The objective is the sum of squared differences between normalised importances and targets,
minimised by trust-region least squares (:func:`scipy.optimize.least_squares`) over log-weights,
which keeps weights positive; tolerances are tight (1e-12), unlike COINr's default Nelder–Mead
with ``reltol = 0.1``. Several starts (the targets, the current weights, equal weights) guard
against local minima; the best is returned with the achieved importances.

Targets are not always reachable with non-negative weights: a component that correlates strongly
with its siblings keeps a large importance even at weight zero, and the optimum then drives one or
more weights to ~0. The result says so: ``reachable`` is False when an achieved importance misses
its target by more than ``reach_tol``, ``zero_weights`` lists the weights below 1e-6 of the largest
in their parent, and ``notes`` (also an :class:`~analysis.InputWarning`) gives the achieved
importances.

Weights are shares within the parent: the weights an aggregate uses are its children's weights
normalised to sum to 1 (COINr's weighted mean ``a_amean`` divides by the group's weight sum, and so
does :func:`analysis.aggregate.aggregate`), so only the ratios among siblings change an aggregate. The
optimised weights are therefore parametrised, and reported, as within-parent shares, one simplex per
parent: for ``node`` that is the node's children; for ``level`` it is each parent's children at
that level. COINr's ``get_opt_weights`` rescales the whole level to sum 1 instead (its
``OptWeight``), a scale that no aggregate sees. A lower bound ``min_weight`` (like the lower share
bounds of benefit of the doubt) keeps every component in the index: each optimised component's
share of its parent stays ``≥ min_weight``, and the optimum is searched over those shares.
Siblings outside the optimised group (a parent whose children sit at different levels) keep their
shares; the optimised children split the rest.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from .._errors import InputError, InputWarning
from ..aggregate import aggregate, aggregate_matrix, node_method
from ..audit.importance import correlation_ratio
from ..select import cross_section
from ._common import normalise_within

__all__ = ["OptimisedWeights", "optimise_weights"]


@dataclass
class OptimisedWeights:
    """Result of :func:`optimise_weights`.

    Attributes
    ----------
    weights : Series
        Full weight vector (normalised within parents) with the optimised group.
    table : DataFrame
        Per optimised code: parent, comparator, target, achieved (normalised importances), raw
        importance, and the initial weight, optimised weight and lower bound, all three as shares
        of the parent (the weights the aggregation uses; they equal :attr:`weights`). For ``level``
        these are not COINr's ``OptWeight`` (the level's weights rescaled to sum 1): that scale
        changes no aggregate, and a lower bound on it bounds no component's share of its parent.
    objective : float
        Sum of squared differences at the optimum.
    success : bool
    nfev : int
    reachable : bool
        Every achieved importance is within ``reach_tol`` of its target.
    zero_weights : list of str
        Codes whose optimised weight is below 1e-6 of the largest weight among their optimised
        siblings.
    notes : list of str
        Plain-language account of an unreachable target, zero weights and binding lower bounds.
    """

    weights: pd.Series
    table: pd.DataFrame
    objective: float
    success: bool
    nfev: int
    reachable: bool = True
    zero_weights: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def max_error(self) -> float:
        return float((self.table["achieved"] - self.table["target"]).abs().max())


def _measure(x, y, measure):
    """Importance of component ``x`` for aggregate ``y`` over the units where both are known.

    Pairwise complete observations, as COINr's ``get_corr`` (``cor(..., use =
    "pairwise.complete.obs")``): aggregates are means over the available children, so a component
    may be missing where its parent is not.
    """
    if measure in ("r", "r2"):
        ok = ~(np.isnan(x) | np.isnan(y))
        if ok.sum() < 3:   # two points always correlate ±1: no information
            return float("nan")
        with np.errstate(invalid="ignore", divide="ignore"):
            r = float(np.corrcoef(x[ok], y[ok])[0, 1])
        return r if measure == "r" else r ** 2
    if measure == "eta2":
        return correlation_ratio(x, y, "spline")
    raise InputError(f"unknown importance measure '{measure}' (use r2, r or eta2)")


def optimise_weights(result, *, node: str | None = None, level: int | None = None, target=None,
                     measure: str = "r2", against: str | None = None, dset: str = "normalised", year=None,
                     tol: float = 1e-12, max_nfev: int = 2000, min_weight: float | dict | None = None,
                     reach_tol: float = 1e-3) -> OptimisedWeights:
    """Find weights that give a group of components the target importances.

    Parameters
    ----------
    result : Result
        A built index (its normalised data, aggregation spec and weights are used).
    node : str, optional
        Optimise the weights of this node's children (compared with the node, or with the index if
        ``against="index"``).
    level : int, optional
        Optimise the weights of every node at this level, each compared with the index (COINr's
        ``get_opt_weights``). Give exactly one of ``node`` and ``level``.
    target : dict, Series, list or None
        Relative target importances (normalised to sum 1); default equal.
    measure : {"r2", "r", "eta2"}
    against : {"parent", "index"}, optional
        Default ``"parent"`` for ``node`` and ``"index"`` for ``level``.
    tol : float
        ``ftol``/``xtol``/``gtol`` of the least-squares solver.
    min_weight : float or dict, optional
        Lower bound on each optimised weight as a share of its parent (the children of every
        aggregate sum to 1), also with ``level``; a dict gives it per code (others 0). Within each
        parent the bounds of the optimised children must sum to less than the share they hold (1
        unless some siblings are outside the level); otherwise :class:`~analysis.InputError` names
        the parent and the codes.
    reach_tol : float
        Largest acceptable gap between an achieved (normalised) importance and its target.

    Returns
    -------
    OptimisedWeights

    References
    ----------
    Becker, W., Saisana, M., Paruolo, P. & Vandecasteele, I. (2017). Weights and importance in
    composite indicators: closing the gap. *Ecological Indicators* 80, 12–22.
    doi:10.1016/j.ecolind.2017.03.056 (linear version, as COINr's ``get_opt_weights``).
    OECD/JRC (2008). *Handbook on Constructing Composite Indicators*, §6 (weights are relative
    within an aggregation group).
    """
    fw = result.framework
    if (node is None) == (level is None):
        raise InputError("give exactly one of 'node' and 'level'")
    if node is not None:
        if node not in fw.nodes or fw.nodes[node].is_indicator:
            raise InputError("not an aggregate of the framework", node=node)
        codes = fw.children(node)
        against = against or "parent"
    else:
        codes = [c for c in fw.at_level(level) if fw.nodes[c].parent is not None]
        if not codes:
            raise InputError(f"no weighted nodes at level {level}; levels are 1–{max(fw.levels)}")
        against = against or "index"
    if against not in ("parent", "index"):
        raise InputError(f"unknown 'against' {against!r} (use parent or index)")
    comp = [fw.nodes[c].parent if against == "parent" else fw.root for c in codes]
    k = len(codes)
    if target is None:
        t = np.full(k, 1.0 / k)
    else:
        if isinstance(target, dict | pd.Series):
            ts = pd.Series(target, dtype=float)
            unknown = [c for c in ts.index if c not in codes]
            if unknown:
                raise InputError(f"target given for '{unknown[0]}', which is not being optimised", node=unknown[0])
            missing = [c for c in codes if c not in ts.index]
            if missing:
                raise InputError(f"no target for '{missing[0]}'", node=missing[0])
            t = ts.reindex(codes).to_numpy(float)
        else:
            t = np.asarray(target, dtype=float)
            if len(t) != k:
                raise InputError(f"{len(t)} targets for {k} components")
        if (t < 0).any() or t.sum() <= 0:
            raise InputError("targets must be non-negative and not all zero")
        t = t / t.sum()

    T = cross_section(result, dset, year, aggregates=False)
    agg_spec = result.spec.get("aggregate") or {}
    base = normalise_within(fw, result.weights)
    w_init = base[codes].to_numpy(float)
    lower_inds = T[fw.indicators]
    # Only the parents of the optimised codes and their ancestors change with the weights: keep the
    # other columns of the base aggregation and recompute those, bottom-up, as aggregate() does.
    cols = {c: lower_inds[c].to_numpy(float) for c in fw.indicators}
    cols |= {c: v.to_numpy(float) for c, v in aggregate(lower_inds, fw, agg_spec, base).items()}
    changed = {a for c in codes for a in fw.ancestors(c)}
    redo = [(a, fw.children(a), *node_method(agg_spec, fw, a)) for a in fw.aggregates if a in changed]
    base_w = base.to_dict()
    pos = {c: i for i, c in enumerate(codes)}

    def evaluate(wv):
        full = dict(cols)
        for a, ch, method, ms in redo:
            X = np.column_stack([full[c] for c in ch])
            w = np.array([wv[pos[c]] if c in pos else base_w[c] for c in ch], dtype=float)
            try:
                full[a] = aggregate_matrix(X, w, method, ms)
            except InputError as e:
                raise InputError(e.message, node=a) from None
        imp = np.array([_measure(full[c], full[p], measure) for c, p in zip(codes, comp)])
        if not np.isfinite(imp).all():
            c = codes[int(np.flatnonzero(~np.isfinite(imp))[0])]
            raise InputError(f"the importance of '{c}' is undefined: fewer than 3 units have both it and "
                             f"'{comp[codes.index(c)]}', or one of them is constant over those units", node=c)
        return imp

    lb = _lower_bounds(min_weight, codes)
    # one simplex per parent: the optimised children of a parent share what their siblings outside
    # the group leave (all of it unless the parent has children at other levels)
    parents = [fw.nodes[c].parent for c in codes]
    groups = {p: [pos[c] for c in codes if fw.nodes[c].parent == p] for p in dict.fromkeys(parents)}
    budget = np.array([1.0 - sum(base[c] for c in fw.children(p) if c not in pos) for p in groups])
    _check_bounds(lb, groups, budget, codes)
    gix = [np.array(ix) for ix in groups.values()]
    free = [b - lb[ix].sum() for ix, b in zip(gix, budget)]

    def weights_of(theta):
        w = lb.copy()
        for ix, f in zip(gix, free):
            e = np.exp(theta[ix] - theta[ix].max())
            w[ix] += f * e / e.sum()
        return w

    def resid(theta):
        imp = evaluate(weights_of(theta))
        s = imp.sum()
        return imp / s - t if s != 0 else np.full(k, 1.0)

    def within(v):
        """``v`` rescaled to each parent's budget (a start as shares of the parents)."""
        out = np.array(v, dtype=float)
        for ix, b in zip(gix, budget):
            out[ix] = b * out[ix] / out[ix].sum() if out[ix].sum() > 0 else b / len(ix)
        return out

    best = None
    nfev = 0
    starts = [within(t), w_init, within(np.ones(k))]
    for s0 in starts:
        th0 = np.log(np.maximum(s0 - lb, 1e-6))
        r = least_squares(resid, th0, method="trf", xtol=tol, ftol=tol, gtol=tol, max_nfev=max_nfev, x_scale=1.0)
        nfev += r.nfev
        if best is None or r.cost < best.cost:
            best = r
        if best.cost * 2 < 1e-16:
            break
    wopt = weights_of(best.x)
    imp = evaluate(wopt)
    out_w = base.copy()
    out_w[codes] = wopt
    out_w = normalise_within(fw, out_w)
    achieved = imp / imp.sum()
    table = pd.DataFrame({"parent": parents, "against": comp, "target": t, "achieved": achieved,
                          measure: imp, "initial_weight": w_init, "weight": wopt, "lower": lb}, index=codes)
    table.index.name = "code"
    obj = float(((achieved - t) ** 2).sum())
    reachable, zero, notes = _diagnose(table, reach_tol, node if node is not None else f"level {level}")
    for msg in notes:
        if "at the lower bound" not in msg:     # a binding bound is what the user asked for
            warnings.warn(msg, InputWarning, stacklevel=2)
    return OptimisedWeights(out_w, table, obj, bool(best.success), nfev, reachable, zero, notes)


def _lower_bounds(min_weight, codes: list[str]) -> np.ndarray:
    """Lower weight bounds (shares of the parent) per optimised code; zeros when not given."""
    k = len(codes)
    if min_weight is None:
        return np.zeros(k)
    if isinstance(min_weight, dict | pd.Series):
        given = min_weight if isinstance(min_weight, dict) else min_weight.to_dict()
        if isinstance(min_weight, pd.Series) and not min_weight.index.is_unique:
            c = str(min_weight.index[min_weight.index.duplicated()][0])
            raise InputError(f"lower weight bound for '{c}' is given twice", node=c)
        unknown = [c for c in given if c not in codes]
        if unknown:
            raise InputError(f"lower weight bound for '{unknown[0]}', which is not being optimised", node=unknown[0])
        lb = np.zeros(k)  # a code not named has no bound
        for c, v in given.items():
            lb[codes.index(c)] = _bound(v, c)
    else:
        lb = np.full(k, _bound(min_weight, None))
    return lb


def _bound(v, code: str | None) -> float:
    """One lower bound as a float: a finite number >= 0 (a missing value is refused, not read as 0)."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        x = float("nan")
    if not np.isfinite(x) or x < 0:
        raise InputError("lower weight bounds must be finite numbers >= 0", node=code)
    return x


def _check_bounds(lb: np.ndarray, groups: dict[str, list[int]], budget: np.ndarray, codes: list[str]) -> None:
    """Refuse bounds that a parent's optimised children cannot all meet, or that fix their shares.

    The children of a parent share ``budget`` (1, less what its siblings outside the group hold):
    their bounds must sum to less, with a margin of 1e-12 for rounding (ten bounds of 0.1).
    """
    for (parent, ix), b in zip(groups.items(), budget):
        s = float(lb[ix].sum())
        if s == 0 or s < b - 1e-12:
            continue
        names = ", ".join(codes[i] for i in ix)
        held = "" if b == 1 else f", the share of '{parent}' its other children leave"
        use = f"use less than {b / len(ix):g} each"
        if s > b + 1e-12:
            raise InputError(f"lower weight bounds for the children of '{parent}' ({names}) sum to {s:g} > "
                             f"{b:g}{held}: their shares of '{parent}' cannot all reach them ({use})", node=parent)
        raise InputError(f"lower weight bounds for the children of '{parent}' ({names}) sum to {s:g}{held}: "
                         f"no freedom left to optimise ({use})", node=parent)


def _diagnose(table: pd.DataFrame, reach_tol: float, where: str) -> tuple[bool, list[str], list[str]]:
    """Is the target reached, which weights vanished, which bounds bind; notes in plain words."""
    gap = (table["achieved"] - table["target"]).abs()
    reachable = bool(gap.max() <= reach_tol)
    w, lb = table["weight"], table["lower"]
    top = w.groupby(table["parent"]).transform("max") if "parent" in table else w.max()
    zero = [str(c) for c in w.index[(w < 1e-6 * top) & (lb == 0)]]
    at_lower = [str(c) for c in w.index[(lb > 0) & (w - lb <= 1e-6)]]
    notes = []
    if not reachable:
        ach = ", ".join(f"{c} {a:.3f} (target {tg:.3f})" for c, a, tg in
                        zip(table.index, table["achieved"], table["target"]))
        bound = "the lower weight bounds" if (lb > 0).any() else "non-negative weights"
        notes.append(f"optimised weights for {where}: the target importances are unreachable with {bound} "
                     f"(largest gap {gap.max():.3f}); achieved {ach}")
    if zero:
        notes.append(f"optimised weights for {where}: the weight of {', '.join(zero)} is ~0 (below 1e-6 of the "
                     f"largest), so it no longer counts in the index; set a lower bound (min_weight) to keep it")
    if at_lower:
        notes.append(f"optimised weights for {where}: {', '.join(at_lower)} at the lower bound "
                     f"{', '.join(f'{v:g}' for v in lb[at_lower])}")
    return reachable, zero, notes
