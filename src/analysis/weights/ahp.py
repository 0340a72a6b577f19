"""Analytic Hierarchy Process (Saaty 1977, 1980).

A pairwise comparison matrix ``A`` on Saaty's 1–9 scale holds ``a_ij`` ≈ ``w_i / w_j`` with
``a_ji = 1 / a_ij``. Two prioritisation methods, each with its own consistency measure:

- **Eigenvector** (Saaty): priorities are the principal right eigenvector; consistency is
  ``CI = (λ_max − n) / (n − 1)`` and ``CR = CI / RI(n)`` with Saaty's random index RI; the
  judgements call for revision when ``CR > 0.10``. RI is published for ``n ≤ 10`` (table below);
  beyond that CR is not defined here (NaN, with a warning).
- **Row geometric mean** (RGMM; Crawford & Williams 1985): priorities are the normalised row
  geometric means; consistency is the geometric consistency index
  ``GCI = 2 / ((n − 1)(n − 2)) · Σ_{i<j} ln²(a_ij · w_j / w_i)`` (Crawford & Williams 1985;
  Aguarón & Moreno-Jiménez 2003) with the thresholds GCI ≤ 0.31 (n = 3), 0.35 (n = 4) and
  0.37 (n > 4).

Group decisions (Forman & Peniwati 1998): aggregation of individual judgements (AIJ, element-wise
weighted geometric mean of the matrices, which stays reciprocal) or of individual priorities (AIP,
weighted geometric or arithmetic mean of the priority vectors).

References
----------
Saaty T.L. (1980) *The Analytic Hierarchy Process*. McGraw-Hill. Saaty R.W. (1987) The analytic
hierarchy process — what it is and how it is used. *Mathematical Modelling* 9(3–5):161–176.
Crawford G., Williams C. (1985) A note on the analysis of subjective judgment matrices.
*Journal of Mathematical Psychology* 29(4):387–405.
Aguarón J., Moreno-Jiménez J.M. (2003) The geometric consistency index: approximated thresholds.
*European Journal of Operational Research* 147(1):137–145.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError, InputWarning
from .._yaml import read_yaml
from ..framework import Framework
from ._common import normalise_within

__all__ = ["RANDOM_INDEX", "CR_THRESHOLD", "GCI_THRESHOLDS", "AHPResult", "check_matrix", "priorities",
           "consistency", "gci", "gci_threshold", "ahp", "ahp_group", "ahp_weights", "read_ahp",
           "consistent_matrix", "consistency_line", "consistency_table"]

#: Saaty's random consistency index RI(n), n = 1..10 (Saaty 1980; R.W. Saaty 1987). Later
#: simulations (e.g. Alonso & Lamata 2006; Saaty & Tran 2007) give other values and extend the
#: table, but they are not the values CR is usually quoted with; CR is left undefined for n > 10.
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}

#: Saaty's limit on the consistency ratio.
CR_THRESHOLD = 0.10

#: Aguarón & Moreno-Jiménez (2003) thresholds of the geometric consistency index: n = 3, n = 4,
#: and every n > 4 (key ``5``).
GCI_THRESHOLDS = {3: 0.31, 4: 0.35, 5: 0.37}

_GEOMETRIC = ("geometric", "geometric_mean", "rgm", "rgmm")
_EIGEN = ("eigen", "eigenvector")


def _is_geometric(method: str) -> bool:
    return method.split("/")[0] in _GEOMETRIC


@dataclass
class AHPResult:
    """Priorities and consistency of one comparison matrix.

    Attributes
    ----------
    weights : Series
        Priority vector (sums to 1), indexed by label.
    lambda_max, ci, cr : float
        Eigenvector method: principal eigenvalue, ``CI`` and ``CR`` (``cr`` is 0 for n ≤ 2 and NaN
        for n > 10, where Saaty's RI is not published). NaN for the geometric-mean method.
    worst_pair : tuple or None
        The judgement ``(i, j)`` furthest from the consistent ``w_i / w_j`` (on a log scale).
    matrix : DataFrame
        The matrix used (the aggregated one for a group).
    method : str
    experts : dict
        For a group: each expert's own AHPResult.
    gci : float
        Geometric-mean method: the geometric consistency index; NaN for the eigenvector method.
    measure : {"CR", "GCI"}
        The consistency measure that belongs to ``method``.
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    worst_pair: tuple | None
    matrix: pd.DataFrame
    method: str
    node: str | None = None
    experts: dict = field(default_factory=dict)
    gci: float = math.nan
    measure: str = "CR"

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def index(self) -> float:
        """The value of :attr:`measure` (CR or GCI)."""
        return self.gci if self.measure == "GCI" else self.cr

    @property
    def threshold(self) -> float:
        """The published limit for :attr:`measure` at this ``n`` (NaN where none is defined)."""
        if self.measure == "GCI":
            return gci_threshold(self.n)
        return CR_THRESHOLD

    @property
    def consistent(self) -> bool | None:
        """``index <= threshold``; True for n ≤ 2 (always consistent); None when undefined."""
        if self.n <= 2:
            return True
        if math.isnan(self.index):
            return None
        return bool(self.index <= self.threshold)


def check_matrix(A, labels=None, *, tol: float = 1e-3, where: dict | None = None) -> pd.DataFrame:
    """Validate a pairwise comparison matrix: square, positive, unit diagonal, reciprocal.

    Parameters
    ----------
    A : array-like or DataFrame
    labels : list, optional
    tol : float
        Relative tolerance on ``a_ij · a_ji = 1`` (judgements like 1/3 written as 0.333 pass).
    where : dict
        ``file`` / ``node`` for the error message.

    Returns
    -------
    DataFrame
        The matrix with labels, its diagonal set to exactly 1 (a diagonal entry within ``tol`` of 1
        is a typing variant of the definition a_ii = 1, not a judgement).
    """
    where = where or {}
    if isinstance(A, pd.DataFrame):
        if labels is None:
            labels = list(A.index)
            if list(A.columns) != labels:
                raise InputError(f"matrix row labels {labels} differ from column labels {list(A.columns)}", **where)
        A = A.to_numpy()
    try:
        M = np.asarray(A, dtype=float)
    except (TypeError, ValueError):
        raise InputError("comparison matrix has a non-numeric entry", **where) from None
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise InputError(f"comparison matrix is not square (shape {M.shape})", **where)
    n = M.shape[0]
    labels = list(range(n)) if labels is None else list(labels)
    if len(labels) != n:
        raise InputError(f"{len(labels)} labels for a {n}×{n} matrix", **where)
    if len(set(labels)) != n:
        raise InputError("duplicated labels in the comparison matrix", **where)
    if not np.isfinite(M).all():
        i, j = np.argwhere(~np.isfinite(M))[0]
        raise InputError(f"entry ({labels[i]}, {labels[j]}) is missing or not finite", **where)
    if (M <= 0).any():
        i, j = np.argwhere(M <= 0)[0]
        raise InputError(f"entry ({labels[i]}, {labels[j]}) = {M[i, j]:g} is not positive", **where)
    if not np.allclose(np.diag(M), 1.0, rtol=0, atol=tol):
        i = int(np.argmax(np.abs(np.diag(M) - 1)))
        raise InputError(f"diagonal entry ({labels[i]}, {labels[i]}) = {M[i, i]:g}, not 1", **where)
    dev = np.abs(M * M.T - 1)
    np.fill_diagonal(dev, 0.0)          # the diagonal has its own check (a_ii² is not a reciprocity)
    if dev.max() > tol:
        i, j = np.unravel_index(np.argmax(dev), dev.shape)
        i, j = min(i, j), max(i, j)
        raise InputError(f"matrix is not reciprocal: a[{labels[i]},{labels[j]}] = {M[i, j]:g} but "
                         f"a[{labels[j]},{labels[i]}] = {M[j, i]:g} (should be {1 / M[i, j]:g})", **where)
    scale_max = M.max()
    if scale_max > 9 + tol:
        warnings.warn(f"{where.get('node') or 'matrix'}: judgement {scale_max:g} is beyond Saaty's 1–9 scale",
                      InputWarning, stacklevel=2)
    M = M.copy()                        # never the caller's array
    np.fill_diagonal(M, 1.0)            # a_ii = 1 by definition (Saaty 1980): a diagonal within tol is 1
    return pd.DataFrame(M, index=labels, columns=labels)


def priorities(A: np.ndarray, method: str = "eigen") -> np.ndarray:
    """Priority vector of a positive reciprocal matrix.

    Parameters
    ----------
    A : ndarray (n, n)
    method : {"eigen", "geometric"}
        Principal right eigenvector (Perron vector) or normalised row geometric means.
    """
    A = np.asarray(A, dtype=float)
    if method in _EIGEN:
        vals, vecs = np.linalg.eig(A)
        k = int(np.argmax(vals.real))
        v = np.abs(vecs[:, k].real)
        return v / v.sum()
    if method in _GEOMETRIC:
        g = np.exp(np.log(A).mean(axis=1))
        return g / g.sum()
    raise InputError(f"unknown AHP priority method '{method}' (use eigen or geometric)")


def consistency(A: np.ndarray) -> tuple[float, float, float]:
    """Saaty's ``(λ_max, CI, CR)`` of a comparison matrix (eigenvector method).

    ``λ_max`` is the principal eigenvalue, ``CI = (λ_max − n) / (n − 1)``, ``CR = CI / RI(n)``.
    For n ≤ 2 every reciprocal matrix is consistent (``(n, 0, 0)``); for n > 10 Saaty's RI is not
    published and CR is NaN.
    """
    A = np.asarray(A, dtype=float)
    n = A.shape[0]
    if n <= 2:
        return float(n), 0.0, 0.0
    lam = float(np.max(np.linalg.eigvals(A).real))
    ci = (lam - n) / (n - 1)
    ri = RANDOM_INDEX.get(n)
    return lam, ci, (ci / ri if ri else math.nan)


def gci(A: np.ndarray, w: np.ndarray | None = None) -> float:
    """Geometric consistency index (Crawford & Williams 1985; Aguarón & Moreno-Jiménez 2003).

    ``GCI = 2 / ((n − 1)(n − 2)) · Σ_{i<j} ln²(e_ij)`` with ``e_ij = a_ij · w_j / w_i`` and ``w`` the
    row-geometric-mean priorities (computed when not given). 0 for n ≤ 2 and for a consistent
    matrix.
    """
    A = np.asarray(A, dtype=float)
    n = A.shape[0]
    if n <= 2:
        return 0.0
    w = priorities(A, "geometric") if w is None else np.asarray(w, dtype=float)
    e = np.log(A * w[None, :] / w[:, None])
    iu = np.triu_indices(n, 1)
    return float(2.0 / ((n - 1) * (n - 2)) * np.sum(e[iu] ** 2))


def gci_threshold(n: int) -> float:
    """Aguarón & Moreno-Jiménez's GCI threshold: 0.31 (n = 3), 0.35 (n = 4), 0.37 (n > 4); NaN for n ≤ 2."""
    if n <= 2:
        return math.nan
    return GCI_THRESHOLDS[min(n, 5)]


def consistent_matrix(w) -> np.ndarray:
    """The perfectly consistent matrix ``a_ij = w_i / w_j``."""
    w = np.asarray(w, dtype=float)
    return w[:, None] / w[None, :]


def _worst(A: np.ndarray, w: np.ndarray, labels) -> tuple | None:
    n = A.shape[0]
    if n < 3:
        return None
    dev = np.abs(np.log(A * w[None, :] / w[:, None]))
    iu = np.triu_indices(n, 1)
    k = int(np.argmax(dev[iu]))
    i, j = iu[0][k], iu[1][k]
    return labels[i], labels[j]


def _measure_text(res: AHPResult) -> str:
    if res.measure == "GCI":
        return (f"geometric consistency index {res.gci:.3f} > {res.threshold:.2f} "
                f"(Aguarón & Moreno-Jiménez threshold for n = {res.n})")
    return f"consistency ratio {res.cr:.3f} > {CR_THRESHOLD:.2f}"


def _warn_consistency(res: AHPResult, who: str) -> None:
    """Warn when the judgements fail their method's consistency limit or CR is undefined."""
    if res.consistent is None and res.measure == "CR":
        warnings.warn(f"{who}: Saaty's random index is published for n ≤ 10 only, so the consistency "
                      f"ratio of a {res.n}×{res.n} matrix is not defined; use method 'geometric' (GCI, "
                      f"defined for every n) to check consistency", InputWarning, stacklevel=3)
    elif res.consistent is False:
        msg = f"{who}: {_measure_text(res)}"
        if res.worst_pair is not None:
            i, j = res.worst_pair
            lab = list(res.weights.index)
            w = res.weights.to_numpy()
            msg += (f"; the most inconsistent judgement is {i} vs {j} (a = {res.matrix.loc[i, j]:g}, "
                    f"consistent value {w[lab.index(i)] / w[lab.index(j)]:.3g})")
        warnings.warn(msg, InputWarning, stacklevel=3)


def ahp(A, labels=None, *, method: str = "eigen", node: str | None = None, file=None,
        warn: bool = True) -> AHPResult:
    """Priorities and consistency of one pairwise comparison matrix.

    Parameters
    ----------
    A : array-like or DataFrame
    labels : list, optional
    method : {"eigen", "geometric"}
        Eigenvector priorities with Saaty's CR, or row-geometric-mean priorities with the
        geometric consistency index (GCI).
    node : str, optional
        Framework node (for messages).
    warn : bool
        Emit an :class:`InputWarning` when the consistency measure exceeds its threshold
        (CR > 0.10; GCI > 0.31 / 0.35 / 0.37), naming the node and the most inconsistent pair, or
        when CR is undefined (n > 10).
    """
    M = check_matrix(A, labels, where={"file": file, "node": node})
    lab = list(M.index)
    X = M.to_numpy()
    w = priorities(X, method)
    if _is_geometric(method):
        lam = ci = cr = math.nan
        g, measure = gci(X, w), "GCI"
    else:
        lam, ci, cr = consistency(X)
        g, measure = math.nan, "CR"
    res = AHPResult(pd.Series(w, index=lab), lam, ci, cr, _worst(X, w, lab), M, method, node, gci=g,
                    measure=measure)
    if warn:
        _warn_consistency(res, f"node {node!r}" if node else "matrix")
    return res


def ahp_group(matrices: dict | list, labels=None, *, method: str = "eigen", aggregation: str = "aij",
              expert_weights: dict | list | None = None, aip_mean: str = "geometric", node: str | None = None,
              file=None, warn: bool = True) -> AHPResult:
    """Group AHP over several experts' matrices.

    Parameters
    ----------
    matrices : dict or list
        Expert → matrix (array or DataFrame).
    aggregation : {"aij", "aip"}
        Aggregate judgements (weighted geometric mean of matrices) or priorities.
    expert_weights : dict or list, optional
        Relative weight of each expert (default equal).
    aip_mean : {"geometric", "arithmetic"}
        Mean used for AIP.

    Returns
    -------
    AHPResult
        The group's priorities (for AIJ, with the consistency of the aggregated matrix; for AIP,
        the consistency fields — λ_max/CI/CR or GCI — are the expert-weighted means of the
        individual values) and each expert's result.
    """
    if isinstance(matrices, list):
        matrices = {f"expert{i + 1}": m for i, m in enumerate(matrices)}
    if not matrices:
        raise InputError("group AHP needs at least one matrix", file=file, node=node)
    names = list(matrices)
    if expert_weights is None:
        ew = np.ones(len(names))
    elif isinstance(expert_weights, dict):
        unknown = [k for k in expert_weights if k not in matrices]
        if unknown:
            raise InputError(f"weight given for unknown expert '{unknown[0]}'", file=file, node=node)
        ew = np.array([float(expert_weights.get(k, 0.0)) for k in names])
    else:
        ew = np.asarray(expert_weights, dtype=float)
    if len(ew) != len(names) or (ew < 0).any() or ew.sum() <= 0:
        raise InputError("expert weights must be non-negative, one per expert, not all zero", file=file, node=node)
    ew = ew / ew.sum()
    indiv = {}
    lab = None
    for k in names:
        r = ahp(matrices[k], labels, method=method, node=f"{node}/{k}" if node else k, file=file, warn=False)
        if lab is None:
            lab = list(r.matrix.index)
        elif list(r.matrix.index) != lab:
            raise InputError(f"expert '{k}' compares {list(r.matrix.index)}, others compare {lab}",
                             file=file, node=node)
        indiv[k] = r
    if aggregation == "aij":
        logs = sum(e * np.log(indiv[k].matrix.to_numpy()) for e, k in zip(ew, names))
        res = ahp(np.exp(logs), lab, method=method, node=node, file=file, warn=warn)
        res.method = f"{method}/aij"
    elif aggregation == "aip":
        W = np.array([indiv[k].weights.to_numpy() for k in names])
        if aip_mean == "geometric":
            g = np.exp(ew @ np.log(W))
        elif aip_mean == "arithmetic":
            g = ew @ W
        else:
            raise InputError(f"unknown AIP mean '{aip_mean}'")
        g = g / g.sum()

        def mean_of(attr: str) -> float:
            return float(ew @ np.array([getattr(indiv[k], attr) for k in names]))

        first = indiv[names[0]]
        res = AHPResult(pd.Series(g, index=lab), mean_of("lambda_max"), mean_of("ci"), mean_of("cr"), None,
                        pd.DataFrame(np.nan, index=lab, columns=lab), f"{method}/aip-{aip_mean}", node,
                        gci=mean_of("gci"), measure=first.measure)
        if warn:
            for k in names:
                _warn_consistency(indiv[k], f"node {node!r}, expert {k!r}")
    else:
        raise InputError(f"unknown group aggregation '{aggregation}' (use aij or aip)", file=file, node=node)
    res.experts = indiv
    return res


def consistency_line(res: AHPResult) -> str:
    """One line for a console or log: the node, its method's measure, value and threshold.

    ``GOV: CR 0.043 ≤ 0.10 (eigen; consistent)`` or ``GOV: GCI 0.412 > 0.37 (geometric; revise)``.
    """
    name = res.node or "matrix"
    if res.n <= 2:
        return f"{name}: {res.measure} 0 ({res.method}; consistent, n = {res.n})"
    if res.consistent is None:
        return f"{name}: {res.measure} not defined for n = {res.n} ({res.method})"
    op, verdict = ("≤", "consistent") if res.consistent else (">", "revise")
    return f"{name}: {res.measure} {res.index:.3f} {op} {res.threshold:.2f} ({res.method}; {verdict})"


def consistency_table(results: dict[str, AHPResult]) -> pd.DataFrame:
    """One row per compared node: method, consistency measure (CR or GCI), value, threshold, verdict.

    ``lambda_max`` / ``CI`` / ``CR`` are filled for the eigenvector method, ``GCI`` for the
    row-geometric-mean method; ``measure`` / ``value`` / ``threshold`` / ``consistent`` always refer
    to the measure that belongs to the node's method.
    """
    rows = [{"node": n, "method": r.method, "n": r.n, "measure": r.measure, "value": r.index,
             "threshold": r.threshold, "consistent": r.consistent, "lambda_max": r.lambda_max, "CI": r.ci,
             "CR": r.cr, "GCI": r.gci,
             "worst_pair": " vs ".join(map(str, r.worst_pair)) if r.worst_pair else ""}
            for n, r in results.items()]
    cols = ["node", "method", "n", "measure", "value", "threshold", "consistent", "lambda_max", "CI", "CR", "GCI",
            "worst_pair"]
    return pd.DataFrame(rows, columns=cols)


def read_ahp(path: str | Path) -> dict[str, dict]:
    """Read pairwise comparison matrices.

    Formats
    -------
    YAML::

        SCI:                       # the node whose children are compared
          labels: [GOV, ECO, LIV]
          matrix: [[1, 3, 5], [1/3, 1, 2], [1/5, 1/2, 1]]     # or
          experts: {ana: [[…]], budi: [[…]]}

    Entries may be numbers or fractions written as strings (``"1/3"``).
    CSV (long): columns ``node, row, col, value`` and optionally ``expert``; give either the full
    matrix or only the upper triangle (the rest is filled by reciprocity; the diagonal is 1).
    XLSX: one sheet per node (``NODE`` or ``NODE@expert``), a square table with labels in the
    first column and the header.

    Returns
    -------
    dict
        ``{node: {"labels": [...], "experts": {name: ndarray}}}``.
    """
    path = Path(path)
    suf = path.suffix.lower()
    if suf in (".yaml", ".yml"):
        out = _read_ahp_yaml(path)
    elif suf == ".csv":
        out = _read_ahp_csv(path)
    elif suf in (".xlsx", ".xlsm"):
        out = _read_ahp_xlsx(path)
    else:
        if not path.exists():
            raise InputError("file not found", file=path)
        raise InputError("unknown AHP format (use .yaml, .csv or .xlsx)", file=path)
    for node, ent in out.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InputWarning)
            for expert, M in ent["experts"].items():
                who = "" if expert == "matrix" else f"expert '{expert}': "
                try:
                    check_matrix(M, ent["labels"], where={"file": path, "node": node})
                except InputError as e:
                    raise InputError(who + e.message, file=path, node=node) from None
    return out


def _read_ahp_yaml(path: Path) -> dict[str, dict]:
    from ..schemas.ahp import check_ahp_yaml

    doc = read_yaml(path, "comparison file")
    nodes = check_ahp_yaml(doc, path)
    return {node: {"labels": [str(x) for x in m.labels],
                   "experts": {k: np.array(v, dtype=float) for k, v in m.matrices().items()},
                   "expert_weights": (None if m.expert_weights is None else
                                      {str(k): float(v) for k, v in m.expert_weights.items()}
                                      if isinstance(m.expert_weights, dict) else list(m.expert_weights))}
            for node, m in nodes.items()}


def _read_ahp_csv(path: Path) -> dict[str, dict]:
    """Long CSV ``node, row, col, value[, expert]``: full matrix or upper triangle, one line per judgement."""
    from ..data import read_table
    from ..schemas import suggest
    from ..schemas.ahp import AHP_CSV_COLUMNS, parse_judgement
    from ..schemas.tables import is_blank, table_line

    df = read_table(path, what="AHP comparison", text_columns=AHP_CSV_COLUMNS)
    cols = {str(c).strip().lower(): c for c in df.columns}
    need = {"node", "row", "col", "value"}
    if not need <= set(cols):
        raise InputError(f"AHP CSV needs columns {sorted(need)} (and optionally 'expert')", file=path)
    extra = [c for c in cols if c not in AHP_CSV_COLUMNS]
    if extra:
        raise InputError(f"unknown column '{cols[extra[0]]}'{suggest(extra[0], AHP_CSV_COLUMNS)}", file=path,
                         column=str(cols[extra[0]]))
    df = df.rename(columns={v: k for k, v in cols.items()})
    if "expert" not in df:
        df["expert"] = "matrix"
    lines = [table_line(df, i) for i in range(len(df))]
    df = df.assign(_line=lines)
    for c in ("node", "row", "col"):
        for i, v in enumerate(df[c].tolist()):
            if is_blank(v):
                raise InputError(f"empty '{c}'", file=path, row=lines[i], column=c)
    df["expert"] = [("matrix" if is_blank(e) else str(e).strip()) for e in df["expert"].tolist()]
    out: dict[str, dict] = {}
    for (node, expert), g in df.groupby(["node", "expert"], sort=False):
        labels: list[str] = []
        for r in list(g["row"]) + list(g["col"]):
            if r not in labels:
                labels.append(r)
        n = len(labels)
        M = np.full((n, n), np.nan)
        np.fill_diagonal(M, 1.0)
        seen: set[tuple[int, int]] = set()
        for _, r in g.iterrows():
            line = int(r["_line"])
            try:
                v = parse_judgement(r["value"])
            except ValueError as e:
                raise InputError(str(e), file=path, node=node, row=line, column="value") from None
            i, j = labels.index(r["row"]), labels.index(r["col"])
            if i == j and abs(v - 1) > 1e-9:
                raise InputError(f"diagonal entry ({r['row']}, {r['col']}) = {v:g}, not 1", file=path,
                                 row=line, node=node)
            if (i, j) in seen:
                raise InputError(f"entry ({r['row']}, {r['col']}) is given twice", file=path, row=line, node=node)
            seen.add((i, j))
            M[i, j] = v
        fill = np.isnan(M) & ~np.isnan(M.T)
        M[fill] = 1.0 / M.T[fill]
        ent = out.setdefault(str(node), {"labels": labels, "experts": {}, "expert_weights": None})
        if ent["labels"] != labels:
            if set(ent["labels"]) != set(labels):
                raise InputError(f"expert '{expert}' compares {labels}, others {ent['labels']}",
                                 file=path, node=node)
            idx = [labels.index(x) for x in ent["labels"]]
            M = M[np.ix_(idx, idx)]
        ent["experts"][str(expert)] = M
    if not out:
        raise InputError("AHP CSV has no judgements", file=path)
    return out


def _read_ahp_xlsx(path: Path) -> dict[str, dict]:
    """One sheet per node (``NODE`` or ``NODE@expert``): a square table, labels in the first column and header."""
    from ..schemas.ahp import parse_judgement
    from ..tables import read_table, sheet_names

    out: dict[str, dict] = {}
    for name in sheet_names(path, "AHP comparison"):
        df = read_table(path, what="AHP comparison", sheet=name)
        node, _, expert = str(name).partition("@")
        first = df.columns[0]
        labels = [str(x).strip() for x in df[first].tolist()]
        header = [str(c).strip() for c in df.columns[1:]]
        if header != labels:
            raise InputError(f"sheet '{name}': header {header} differs from row labels {labels}",
                             file=path, node=node)
        rows = []
        for i, row in enumerate(df[df.columns[1:]].itertuples(index=False)):
            vals = []
            for c, v in zip(header, row):
                try:
                    vals.append(parse_judgement(v))
                except ValueError as e:
                    raise InputError(f"sheet '{name}': {e}", file=path, node=node, row=i + 2, column=c) from None
            rows.append(vals)
        ent = out.setdefault(node, {"labels": labels, "experts": {}, "expert_weights": None})
        ent["experts"][expert or "matrix"] = np.array(rows, dtype=float)
    return out


def ahp_weights(framework: Framework, comparisons: dict | str | Path, *, method: str = "eigen",
                aggregation: str = "aij", warn: bool = True) -> tuple[pd.Series, dict[str, AHPResult]]:
    """AHP priorities for the children of each compared node.

    Parameters
    ----------
    framework : Framework
    comparisons : dict or path
        As returned by :func:`read_ahp` (or a path to read).
    method : {"eigen", "geometric"}
        Eigenvector priorities checked by Saaty's CR, or row-geometric-mean priorities checked by
        the geometric consistency index (GCI).
    aggregation : {"aij", "aip"}
        For nodes judged by several experts.

    Returns
    -------
    weights : Series
        Full weight vector, normalised within parents (nodes not compared keep the framework's).
    results : dict
        Node → AHPResult (with CR or GCI and the most inconsistent pair).
    """
    file = None
    if not isinstance(comparisons, dict):
        file = str(comparisons)
        comparisons = read_ahp(comparisons)
    w = framework.weights()
    results = {}
    for node, d in comparisons.items():
        if node not in framework.nodes or framework.nodes[node].is_indicator:
            raise InputError("comparisons given for a node that is not an aggregate of the framework",
                             file=file, node=node)
        ch = framework.children(node)
        labels = list(d["labels"])
        if sorted(labels) != sorted(ch):
            extra = [x for x in labels if x not in ch]
            miss = [x for x in ch if x not in labels]
            raise InputError(f"labels do not match the node's children: unknown {extra}, missing {miss}",
                             file=file, node=node)
        ex = d["experts"]
        if len(ex) == 1:
            r = ahp(next(iter(ex.values())), labels, method=method, node=node, file=file, warn=warn)
        else:
            r = ahp_group(ex, labels, method=method, aggregation=aggregation, expert_weights=d.get("expert_weights"),
                          node=node, file=file, warn=warn)
        results[node] = r
        for c in ch:
            w[c] = r.weights[c]
    return normalise_within(framework, w), results
