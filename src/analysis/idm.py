"""Indeks Desa Membangun (IDM): status, the ministry's value of an intervention, and the least path
of every village to its next status.

The IDM of the Ministry of Villages (Kemendesa PDTT) scores 50 indicators from 0 to 5 and averages
them in three sub-indices — social IKS (35 indicators), economic IKE (12), environmental IKL (3) —
each the mean score divided by 5; IDM is the mean of the three (Permendesa PDTT 2/2016; the built-in
framework ``idm`` and its official method ``methodology/specs/idm.yaml``). Status bands::

    Sangat Tertinggal ≤ 0.4907 < Tertinggal ≤ 0.5989 < Berkembang ≤ 0.7072 < Maju ≤ 0.8155 < Mandiri

One score point of an indicator in sub-index ``d`` with ``n_d`` indicators raises the IDM by
``1 / (3 · 5 · n_d)``: 1/525 in IKS, 1/180 in IKE, 1/45 in IKL. So ``6300 · IDM`` is the whole number
``12 · ΣIKS + 35 · ΣIKE + 140 · ΣIKL`` (sums of scores) and every question about reaching a status is
exact integer arithmetic, done here with :class:`fractions.Fraction` band edges.

* :func:`intervention_value` — the ministry's value of raising an indicator to 5,
  ``(5 − score) / (3 · 5 · n_d)`` (the ``nilai`` of its recommended activities).
* :func:`ministry_distance` — the ministry's own summary: target status, ``SKOR_MINIMAL`` (0.4908,
  0.5990, 0.7073, 0.8156) and ``PENAMBAHAN = SKOR_MINIMAL − IDM``.
* :func:`path_to_next_status` — for every village, the least number of score points that lifts it to
  the next status (scores only increase, whole numbers, each indicator capped at 5 and, by default,
  at the scores the ministry uses for it), which indicators, and the least IDM increase.

References
----------
Peraturan Menteri Desa, Pembangunan Daerah Tertinggal, dan Transmigrasi Nomor 2 Tahun 2016 tentang
Indeks Desa Membangun. Kemendesa PDTT, IDM open data (``idm.kemendesa.go.id/open/api/desa/rumusan``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from ._errors import InputError
from .framework import Framework, load_framework
from .units import unit_label

__all__ = ["STATUS", "STATUS_EN", "EDGES", "NEXT_MINIMUM", "PUBLISHED_SCORES", "status", "intervention_value",
           "ministry_distance", "Groups", "groups_of", "increments", "least_points", "greedy_points",
           "path_to_next_status", "read_published", "repair_from_subindex", "bottlenecks"]

#: The five statuses, lowest first, as the ministry writes them.
STATUS = ("Sangat Tertinggal", "Tertinggal", "Berkembang", "Maju", "Mandiri")
#: This kit's English renderings.
STATUS_EN = ("Very underdeveloped", "Underdeveloped", "Developing", "Advanced", "Independent")
#: Upper edge of every status but the last: status ``k`` is ``EDGES[k-1] < IDM ≤ EDGES[k]``.
EDGES = (Fraction("0.4907"), Fraction("0.5989"), Fraction("0.7072"), Fraction("0.8155"))
#: The ministry's ``SKOR_MINIMAL``: where it says each next status starts.
NEXT_MINIMUM = (0.4908, 0.5990, 0.7073, 0.8156)

# Scores that occur for each indicator in the ministry's published data (10,006 village-years of
# 2,567 villages, 2021-2024, idm.kemendesa.go.id open API): each indicator has its own scale in the
# regulation's scoring tables (e.g. 1 or 5 for "PAUD available"); every scale includes 5.
_SCALES = {
    (1, 2, 3, 4, 5): "IKS_01 IKS_05 IKS_06 IKS_07 IKS_08 IKS_09 IKS_10 IKS_27 IKS_28 IKS_34 IKS_35 "
                     "IKE_02 IKE_04 IKE_08",
    (0, 5): "IKS_02",
    (1, 5): "IKS_03 IKS_11 IKS_12 IKS_13 IKS_14 IKS_15 IKS_17 IKS_20 IKS_21 IKS_22 IKS_23 IKS_24 IKS_25 IKS_30 IKS_31",
    (0, 2, 3, 4, 5): "IKS_04 IKL_01",
    (0, 3, 5): "IKS_16 IKS_29 IKE_05 IKE_06 IKE_07",
    (0, 1, 2, 3, 4, 5): "IKS_18 IKS_19",
    (2, 3, 4, 5): "IKS_26",
    (0, 3, 4, 5): "IKS_32 IKL_02 IKL_03",
    (0, 1, 4, 5): "IKS_33",
    (1, 3, 5): "IKE_01 IKE_03 IKE_09 IKE_10 IKE_11",
    (1, 3, 4, 5): "IKE_12",
}
#: Allowed scores of each indicator: those the ministry's published scores use.
PUBLISHED_SCORES: dict[str, tuple[int, ...]] = dict(sorted(
    (code, scale) for scale, codes in _SCALES.items() for code in codes.split()))


def status(idm: np.ndarray | pd.Series | float) -> np.ndarray | pd.Series:
    """The ministry's status of IDM values (``IDM ≤ 0.4907`` Sangat Tertinggal … ``> 0.8155`` Mandiri).

    Examples
    --------
    >>> list(status(np.array([0.4907, 3092 / 6300, 0.8155, 0.9])))
    ['Sangat Tertinggal', 'Tertinggal', 'Maju', 'Mandiri']
    """
    x = np.asarray(idm, dtype=float)
    k = np.searchsorted(np.array([float(e) for e in EDGES]), x, side="left")  # IDM ≤ edge stays below
    out = np.where(np.isnan(x), None, np.array(STATUS, dtype=object)[np.minimum(k, 4)])
    if isinstance(idm, pd.Series):
        return pd.Series(out, index=idm.index, name="STATUS")
    return out if out.ndim else out.item()


def _status_index(labels: pd.Series) -> np.ndarray:
    pos = {s: i for i, s in enumerate(STATUS)}
    return labels.map(lambda s: pos.get(s, -1)).to_numpy()


def intervention_value(scores: pd.DataFrame, framework: Framework | str = "idm", *, top: float = 5.0) -> pd.DataFrame:
    """The ministry's value of raising each indicator to 5: ``(5 − score) / (3 · 5 · n_d)``.

    Parameters
    ----------
    scores : DataFrame
        Indicator scores (0–5), one row per village (any index), one column per indicator.
    framework : Framework or str
        The IDM framework (its sub-indices are the root's children).
    top : float
        The top score (5).

    Returns
    -------
    DataFrame
        Same shape: the IDM increase if that indicator alone were raised to ``top``. Summed over a
        sub-index's indicators it is that sub-index's distance to 1, divided by the number of
        sub-indices.

    Examples
    --------
    >>> fw = load_framework("idm")
    >>> s = pd.DataFrame({c: [5.0] for c in fw.indicators}).assign(IKL_02=[2.0], IKS_30=[1.0])
    >>> v = intervention_value(s, fw)
    >>> float(v.at[0, "IKL_02"]) == 3 / 45, float(v.at[0, "IKS_30"]) == 4 / 525
    (True, True)
    """
    fw = load_framework(framework)
    g = groups_of(fw)
    per_point = {c: float(g.point_value[k]) for k, members in enumerate(g.members) for c in members}
    cols = [c for c in fw.indicators if c in scores.columns]
    return (top - scores[cols]) * pd.Series(per_point)[cols]


def ministry_distance(idm: pd.Series) -> pd.DataFrame:
    """The ministry's summary columns from IDM values, as its open data print them.

    ``STATUS``, ``TARGET_STATUS`` (the next status; Mandiri for a Mandiri village), ``SKOR_MINIMAL``
    (where the target status starts: 0.4908, 0.5990, 0.7073, 0.8156; 0.8156 for Mandiri) and
    ``PENAMBAHAN = SKOR_MINIMAL − IDM`` (negative for a Mandiri village above 0.8156).

    Note that ``SKOR_MINIMAL`` is the band edge rounded up to four decimals: a village at IDM
    0.815556 (= 5138/6300) is already Mandiri (it is above 0.8155) though below 0.8156, so
    ``PENAMBAHAN`` is not always the increase a village needs; :func:`path_to_next_status` gives that.
    """
    st = status(idm)
    k = _status_index(st)
    nxt = np.minimum(k + 1, 4)
    smin = np.array(NEXT_MINIMUM)[np.minimum(k, 3)]
    return pd.DataFrame({"STATUS": st.to_numpy(), "TARGET_STATUS": np.array(STATUS, dtype=object)[nxt],
                         "SKOR_MINIMAL": smin, "PENAMBAHAN": smin - idm.to_numpy(dtype=float)}, index=idm.index)


# --- the least path ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Groups:
    """Sub-indices of a two-level equal-structure index as exact integers.

    Attributes
    ----------
    members : list of list of str
        Indicator codes of each sub-index (the root's children), in framework order.
    point_value : list of Fraction
        Index increase of one score point in each sub-index: ``w_d / (Σw · n_d · top)``.
    scale : int
        Least common denominator ``L`` of the point values (6300 for IDM).
    units : list of int
        ``L × point_value``: 12, 35, 140 for IKS, IKE, IKL.
    """

    members: list[list[str]]
    point_value: list[Fraction]
    scale: int
    units: list[int]


def groups_of(framework: Framework | str = "idm", *, top: int = 5) -> Groups:
    """Sub-indices and exact point values of an index built as the IDM is (scores/top, arithmetic means).

    Raises
    ------
    InputError
        When an indicator does not sit directly under a child of the root (the IDM has two levels).
    """
    fw = load_framework(framework)
    subs = fw.children(fw.root)
    wsum = sum(Fraction(str(fw.nodes[d].weight)) for d in subs)
    members, values = [], []
    for d in subs:
        ch = fw.children(d)
        if not ch or not all(fw.nodes[c].is_indicator for c in ch):
            raise InputError("the IDM path needs indicators directly under each sub-index", node=d)
        iw = [Fraction(str(fw.nodes[c].weight)) for c in ch]
        if len(set(iw)) != 1:
            raise InputError("the IDM path needs equal indicator weights within a sub-index", node=d)
        members.append(ch)
        values.append(Fraction(str(fw.nodes[d].weight)) / wsum / len(ch) / top)
    scale = math.lcm(*(v.denominator for v in values))
    return Groups(members, values, scale, [int(v * scale) for v in values])


def increments(score: int, allowed: Sequence[int] | None, top: int = 5) -> tuple[int, ...]:
    """Possible score increases of one indicator: to each allowed score above ``score`` (0 included).

    Examples
    --------
    >>> increments(1, (1, 5)), increments(2, None), increments(0, (0, 3, 5))
    ((0, 4), (0, 1, 2, 3), (0, 3, 5))
    """
    ok = range(top + 1) if allowed is None else allowed
    return tuple(sorted({0} | {int(a) - score for a in ok if score < a <= top}))


def greedy_points(caps: Sequence[int], units: Sequence[int], need: int) -> tuple[list[int], int] | None:
    """Least score points when every point can be taken on its own: highest value per point first.

    Parameters
    ----------
    caps : sequence of int
        Points available in each sub-index (``Σ (5 − score)`` over its indicators).
    units : sequence of int
        Integer value of one point in each sub-index (12, 35, 140 for IDM).
    need : int
        Integer increase required (``ceil(L · edge) − L · IDM``).

    Returns
    -------
    (points per sub-index, total) or None when even all points are not enough.

    Notes
    -----
    Optimality. When each indicator may rise one point at a time, any multiset of points is
    feasible, and every point of sub-index ``d`` is worth the same ``units[d]``. With ``k`` points
    the largest reachable increase is the sum of the ``k`` largest point values available — an
    exchange argument: a solution using a point of lower value while a higher-valued one is unused
    can swap them without losing value. The greedy order reaches that maximum for every ``k``, so
    the first ``k`` at which it covers ``need`` is the least number of points. For the IDM the
    premise holds by construction: every indicator of a sub-index has the same weight, so each of
    its points is worth ``1/(15 · n_d)`` of IDM (12, 35 or 140 in units of 1/6300).

    It fails when points come in lumps. Example: a village needs 36/6300; its only IKL indicator
    below 5 may go from 0 to 5 only (a lump of 5 points worth 700/6300), while two IKE points are
    worth 70/6300. Value per point puts IKL first and spends 5 points; 2 IKE points suffice.
    :func:`least_points` solves the lumped case exactly and agrees with this function when nothing
    is lumped (tests/test_idm.py, against brute force and on 300 random villages).
    """
    pts = [0] * len(caps)
    got = 0
    for d in sorted(range(len(caps)), key=lambda i: -units[i]):
        if got >= need:
            break
        take = min(caps[d], -(-(need - got) // units[d]))
        pts[d], got = take, got + take * units[d]
    if got < need:
        return None
    return pts, sum(pts)


def _group_tables(options: list[list[tuple[int, ...]]]) -> tuple[np.ndarray, np.ndarray]:
    """Subset sums of one sub-index for many villages at once.

    ``options[i][v]`` are the increments of indicator ``i`` for village ``v``. Returns ``touched``
    (villages × (cap + 1)): the fewest indicators raised to gain exactly ``p`` points (a large number
    where ``p`` cannot be reached), and ``choice`` (indicators × villages × (cap + 1)): the increment
    of indicator ``i`` in that fewest-indicator solution (read back by :func:`_read_back`).
    """
    n_ind, n_v = len(options), len(options[0])
    cap = sum(max(max(o) for o in opts) for opts in options)
    big = np.iinfo(np.int32).max // 4
    best = np.full((n_v, cap + 1), big, dtype=np.int32)
    best[:, 0] = 0
    choice = np.zeros((n_ind, n_v, cap + 1), dtype=np.int8)
    for i, opts in enumerate(options):
        new = best.copy()  # increment 0
        kinds = sorted({x for o in opts for x in o if x > 0})
        for x in kinds:
            has = np.array([x in o for o in opts])[:, None]
            cand = np.full_like(best, big)
            cand[:, x:] = best[:, :-x] + 1
            better = has & (cand < new)
            new = np.where(better, cand, new)
            choice[i] = np.where(better, x, choice[i])
        best = new
    return best, choice


def _read_back(choice: np.ndarray, v: int, p: int) -> list[int]:
    """Increments of every indicator of a sub-index that gain ``p`` points (village ``v``)."""
    out = [0] * choice.shape[0]
    for i in range(choice.shape[0] - 1, -1, -1):
        x = int(choice[i, v, p])
        out[i] = x
        p -= x
    return out


def least_points(scores: np.ndarray, groups: Groups, need: np.ndarray,
                 allowed: Mapping[str, Sequence[int]] | None = None, *, top: int = 5) -> pd.DataFrame:
    """Exact least-points and least-increase solutions for many villages.

    The problem: choose whole-number score increases ``k_i ≥ 0`` (each to an allowed score ≤ ``top``)
    minimising ``Σ k_i`` subject to ``Σ_d units[d] · Σ_{i ∈ d} k_i ≥ need``. Only the points per
    sub-index ``p_d`` matter for the constraint, so it is a knapsack with one item value per
    sub-index: first, for each sub-index, the reachable totals ``p_d`` (subset sums of the
    indicators' increments, with the fewest indicators raised) by dynamic programming over its
    indicators; then every combination of the reachable totals of all sub-indices but the largest,
    with the least reachable total of the largest one that covers the rest. That enumeration is
    exhaustive, so the result is optimal (for IDM: ≤ 61 × 16 combinations).

    Parameters
    ----------
    scores : ndarray of int
        Villages × indicators, columns in the order of ``groups.members`` flattened.
    groups : Groups
    need : ndarray of int
        Integer increase each village needs (≤ 0: none, already there).
    allowed : mapping, optional
        Allowed scores per indicator; missing indicators (or ``None``) allow every whole score.

    Returns
    -------
    DataFrame
        One row per village: ``points`` (least total), ``gain`` (integer increase of that solution,
        the least among least-points solutions), ``moves`` (list of ``(indicator, from, to)``), and the
        same for the least increase: ``least_gain``, ``least_gain_points``, ``least_gain_moves``;
        ``reachable``.
    """
    n_v = scores.shape[0]
    tables, col = [], 0
    for members in groups.members:
        opts = []
        for j, c in enumerate(members):
            al = None if allowed is None else allowed.get(c)
            opts.append([increments(int(s), al, top) for s in scores[:, col + j]])
        tables.append(_group_tables(opts))
        col += len(members)
    big = np.iinfo(np.int32).max // 4
    units = groups.units
    last = int(np.argmax([t[0].shape[1] for t in tables]))  # the sub-index with the most points
    others = [d for d in range(len(tables)) if d != last]
    # next_reach[v, q]: least reachable total ≥ q of the last sub-index (big when none)
    t_last = tables[last][0]
    reach = t_last < big
    cap_last = t_last.shape[1] - 1
    idx = np.where(reach, np.arange(cap_last + 1), big)
    next_reach = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
    next_reach = np.concatenate([next_reach, np.full((n_v, 1), big)], axis=1)
    rows = np.arange(n_v)
    need = np.asarray(need, dtype=np.int64)
    inf = np.iinfo(np.int64).max
    span_t = scores.shape[1] + 1                                   # indicators touched ≤ their number
    span_p = top * scores.shape[1] + 1                              # points ≤ top · indicators
    span_g = max(units) * span_p + 1                                # gain ≤ units · points
    best_key = np.full(n_v, inf, dtype=np.int64)   # (points, gain, touched)
    best_gkey = np.full(n_v, inf, dtype=np.int64)  # (gain, points, touched)
    best_p = np.zeros((n_v, len(tables)), dtype=np.int64)
    best_gp = np.zeros((n_v, len(tables)), dtype=np.int64)
    for combo in itertools.product(*(range(tables[d][0].shape[1]) for d in others)):
        ok = np.ones(n_v, dtype=bool)
        touched = np.zeros(n_v, dtype=np.int64)
        got = 0
        for d, p in zip(others, combo):
            t = tables[d][0][:, p]
            ok &= t < big
            touched += np.where(t < big, t, 0)
            got += units[d] * p
        if not ok.any():
            continue
        rest = np.maximum(need - got, 0)
        q = np.minimum(-(-rest // units[last]), cap_last + 1)
        p_last = next_reach[rows, q]
        ok &= p_last < big
        p_last = np.where(ok, p_last, 0)
        touched += np.where(ok, t_last[rows, p_last], 0)
        points = p_last + sum(combo)
        gain = got + units[last] * p_last
        key = (points * span_g + gain) * span_t + touched    # lexicographic (points, gain, touched)
        gkey = (gain * span_p + points) * span_t + touched   # lexicographic (gain, points, touched)
        for keyarr, store, k in ((best_key, best_p, key), (best_gkey, best_gp, gkey)):
            win = ok & (k < keyarr)
            keyarr[win] = k[win]
            for j, d in enumerate(others):
                store[win, d] = combo[j]
            store[win, last] = p_last[win]

    def moves(v: int, plan: np.ndarray) -> list[tuple[str, int, int]]:
        out, col = [], 0
        for d, members in enumerate(groups.members):
            inc = _read_back(tables[d][1], v, int(plan[d]))
            for j, x in enumerate(inc):
                if x:
                    s = int(scores[v, col + j])
                    out.append((members[j], s, s + x))
            col += len(members)
        return out

    reachable = best_key < inf
    u = np.array(units)
    res = {"reachable": reachable, "points": np.where(reachable, best_p.sum(axis=1), -1),
           "gain": np.where(reachable, best_p @ u, -1),
           "least_gain": np.where(reachable, best_gp @ u, -1),
           "least_gain_points": np.where(reachable, best_gp.sum(axis=1), -1)}
    res["moves"] = [moves(v, best_p[v]) if reachable[v] else None for v in range(n_v)]
    res["least_gain_moves"] = [moves(v, best_gp[v]) if reachable[v] else None for v in range(n_v)]
    return pd.DataFrame(res)


def _as_scores(raw: pd.DataFrame, codes: list[str], top: int) -> np.ndarray:
    """Indicator scores as whole numbers 0…top; anything else is one line naming unit and indicator."""
    x = raw[codes].to_numpy(dtype=float)
    bad = np.isnan(x) | (x < 0) | (x > top) | (x != np.round(x))
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        what = "no score" if np.isnan(x[r, c]) else f"{x[r, c]:g}"
        raise InputError(f"IDM scores are whole numbers from 0 to {top}; unit {unit_label(raw.index[r])} has {what}",
                         column=codes[c])
    return x.astype(np.int64)


def _fmt(moves: list[tuple[str, int, int]] | None) -> str:
    return "" if not moves else "; ".join(f"{c} {a}→{b}" for c, a, b in moves)


def path_to_next_status(scores: pd.DataFrame, framework: Framework | str = "idm", *,
                        allowed: Mapping[str, Sequence[int]] | str | None = "published",
                        top: int = 5) -> pd.DataFrame:
    """The least path of every village to its next IDM status, in the ministry's terms.

    Parameters
    ----------
    scores : DataFrame
        Indicator scores (whole numbers 0–5), one row per village (or village-year), one column per
        indicator of ``framework``.
    framework : Framework or str
        The IDM framework.
    allowed : "published", mapping or None
        Allowed scores of each indicator: ``"published"`` — those the ministry's published data use
        (:data:`PUBLISHED_SCORES`); a mapping; or None — every whole score up to 5. A village's own
        score is always allowed.
    top : int
        The top score (5).

    Returns
    -------
    DataFrame
        Indexed like ``scores``: ``IDM`` (from the scores), ``STATUS``, ``NEXT_STATUS``;
        ``SKOR_MINIMAL``, ``PENAMBAHAN`` (the ministry's distance, :func:`ministry_distance`);
        ``points`` (least number of score points to the next status), ``idm_gain`` (the IDM increase
        of that solution), ``moves`` (which indicators, ``IKL_02 3→5; …``), ``idm_after``;
        ``least_idm_gain`` (the least IDM increase that reaches the next status),
        ``least_gain_points``, ``least_gain_moves``. A Mandiri village has no next status (empty path).

    Examples
    --------
    A village scoring 3 everywhere (IDM 0.6, Berkembang) needs 676/6300 more to pass 0.7072; one
    IKL point is worth 140/6300, so 5 IKL points (700/6300) are the least:

    >>> fw = load_framework("idm")
    >>> s = pd.DataFrame({c: [3] for c in fw.indicators})   # IDM 0.6, Berkembang
    >>> p = path_to_next_status(s, fw, allowed=None).iloc[0]
    >>> p["STATUS"], p["NEXT_STATUS"], int(p["points"]), p["moves"]
    ('Berkembang', 'Maju', 5, 'IKL_01 3→5; IKL_02 3→5; IKL_03 3→4')
    """
    fw = load_framework(framework)
    g = groups_of(fw, top=top)
    codes = [c for m in g.members for c in m]
    missing = [c for c in codes if c not in scores.columns]
    if missing:
        raise InputError(f"indicator(s) of '{fw.name}' missing from the scores: {', '.join(missing[:5])}",
                         column=missing[0])
    allowed_map = PUBLISHED_SCORES if isinstance(allowed, str) and allowed == "published" else allowed
    if isinstance(allowed_map, str):
        raise InputError(f"unknown allowed-score set '{allowed}' (use 'published' or every score)")
    x = _as_scores(scores, codes, top)
    units = np.repeat(g.units, [len(m) for m in g.members])
    m = x @ units                                     # L · IDM, exact
    idm = m / g.scale
    # status k: the number of edges below IDM; for a whole number m, m > L·edge ⇔ m > ⌊L·edge⌋
    floors = np.array([math.floor(e * g.scale) for e in EDGES], dtype=np.int64)
    k = np.searchsorted(floors, m, side="left")
    need = np.where(k < 4, floors[np.minimum(k, 3)] + 1 - m, 0)   # least whole m' above the edge, − m
    step = 4096  # villages per block: the subset-sum tables are villages × indicators × points (int8)
    sol = pd.concat([least_points(x[i:i + step], g, need[i:i + step], allowed_map, top=top)
                     for i in range(0, max(len(x), 1), step)], ignore_index=True)
    todo = k < 4
    sol.loc[~todo, ["points", "gain", "least_gain", "least_gain_points"]] = -1
    idm_s = pd.Series(idm, index=scores.index)
    md = ministry_distance(idm_s)
    out = pd.DataFrame({"IDM": idm, "STATUS": np.array(STATUS, dtype=object)[k],
                        "NEXT_STATUS": np.where(todo, np.array(STATUS, dtype=object)[np.minimum(k + 1, 4)], None),
                        "SKOR_MINIMAL": md["SKOR_MINIMAL"].to_numpy(), "PENAMBAHAN": md["PENAMBAHAN"].to_numpy()},
                       index=scores.index)
    ok = todo & sol["reachable"].to_numpy()
    out["points"] = pd.array(np.where(ok, sol["points"], pd.NA), dtype="Int64")
    out["idm_gain"] = np.where(ok, sol["gain"] / g.scale, np.nan)
    out["idm_after"] = out["IDM"] + out["idm_gain"]
    out["moves"] = [_fmt(mv) if o else "" for mv, o in zip(sol["moves"], ok)]
    out["least_idm_gain"] = np.where(ok, sol["least_gain"] / g.scale, np.nan)
    out["least_gain_points"] = pd.array(np.where(ok, sol["least_gain_points"], pd.NA), dtype="Int64")
    out["least_gain_moves"] = [_fmt(mv) if o else "" for mv, o in zip(sol["least_gain_moves"], ok)]
    return out


# --- the ministry's open-data table ---------------------------------------------------------------

#: Columns of the ministry's open-data export and the kit's names for them.
PUBLISHED_COLUMNS = {"kode_desa": "uCode", "nama_desa": "uName"}


def read_published(path) -> pd.DataFrame:
    """The ministry's IDM table (one row per ``tahun`` and ``kode_desa``) in the kit's data layout.

    ``kode_desa`` becomes ``uCode`` in dotted Kemendagri form (``1101022001`` → ``11.01.02.2001``),
    ``nama_desa`` becomes ``uName``; the year column ``tahun``, the region columns, the 50 scores
    and the published ``IKS`` … ``PENAMBAHAN`` are kept as they are.
    """
    from .tables import read_table
    from .units import normalise_codes

    df = read_table(path, what="data")
    missing = [c for c in PUBLISHED_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"not the ministry's IDM table: no column {missing[0]!r}", file=path)
    df = df.rename(columns=PUBLISHED_COLUMNS)
    df["uCode"] = normalise_codes(df["uCode"].astype(str))
    return df


def repair_from_subindex(df: pd.DataFrame, code: str, subindex: str, framework: Framework | str = "idm", *,
                         top: int = 5, year=None, year_column: str = "tahun") -> pd.DataFrame:
    """Restore one indicator from the published sub-index: ``x = x_shown − (Σ shown − top · n · sub)``.

    When one indicator's shown scores are wrong but the published sub-index was computed from the
    true ones (the IDM 2024 export shows IKS_31 as a copy of IKS_30), the difference between the
    sum of the shown scores and ``top · n · sub`` is exactly that indicator's error.

    Parameters
    ----------
    df : DataFrame
        Scores and the published sub-index column ``subindex``.
    code, subindex : str
        The indicator to restore and its sub-index.
    year : optional
        Restore only the rows of this year (``year_column``).

    Returns
    -------
    DataFrame
        A copy with ``code`` restored (whole numbers). Rows whose restored score would leave 0…top
        are refused.
    """
    fw = load_framework(framework)
    members = fw.children(subindex)
    if code not in members:
        raise InputError(f"{code} is not an indicator of {subindex}", node=code)
    out = df.copy()
    rows = np.ones(len(out), dtype=bool) if year is None else (out[year_column] == year).to_numpy()
    off = out.loc[rows, members].sum(axis=1) - top * len(members) * out.loc[rows, subindex]
    fixed = (out.loc[rows, code] - off).round()
    if ((fixed < 0) | (fixed > top)).any():
        raise InputError(f"restoring {code} from {subindex} gives scores outside 0-{top}: the error is not in {code}",
                         column=code)
    out[code] = out[code].astype(float)
    out.loc[rows, code] = fixed
    return out


def bottlenecks(path: pd.DataFrame, framework: Framework | str = "idm", *, column: str = "moves") -> pd.DataFrame:
    """How often each indicator is on a village's least path to its next status.

    Parameters
    ----------
    path : DataFrame
        :func:`path_to_next_status` output.
    column : str
        ``moves`` (least points) or ``least_gain_moves`` (least IDM increase).

    Returns
    -------
    DataFrame
        One row per indicator on some path: ``villages`` (number of paths that raise it), ``share``
        (of the villages below Mandiri), ``points`` (score points it contributes in total), and the
        ministry's and the kit's names; most frequent first.
    """
    fw = load_framework(framework)
    todo = path[column].astype(str).str.len() > 0
    count: dict[str, int] = {}
    pts: dict[str, int] = {}
    for mv in path.loc[todo, column]:
        for m in mv.split("; "):
            c, ab = m.split(" ")
            a, b = ab.split("→")
            count[c] = count.get(c, 0) + 1
            pts[c] = pts.get(c, 0) + int(b) - int(a)
    out = pd.DataFrame({"villages": pd.Series(count, dtype=int), "points": pd.Series(pts, dtype=int)})
    out["share"] = out["villages"] / max(int(todo.sum()), 1)
    out["nama"] = [fw.nodes[c].nama for c in out.index]
    out["name"] = [fw.nodes[c].name for c in out.index]
    out.index.name = "iCode"
    return out.sort_values(["villages", "points"], ascending=False)
