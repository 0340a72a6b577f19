"""Analytic Hierarchy Process (Saaty 1977, 1980).

A pairwise comparison matrix ``A`` on Saaty's 1–9 scale holds ``a_ij`` ≈ ``w_i / w_j`` with
``a_ji = 1 / a_ij``. Priorities are the principal right eigenvector (Saaty) or the normalised row
geometric means (Crawford & Williams 1985). Consistency: ``CI = (λ_max − n) / (n − 1)`` and
``CR = CI / RI(n)`` with Saaty's random index; ``CR > 0.10`` calls for a revision of the judgements.

Group decisions (Forman & Peniwati 1998): aggregation of individual judgements (AIJ, element-wise
weighted geometric mean of the matrices, which stays reciprocal) or of individual priorities (AIP,
weighted geometric or arithmetic mean of the priority vectors).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError, InputWarning
from .._yaml import read_yaml
from ..framework import Framework
from ._common import normalise_within

__all__ = ["RANDOM_INDEX", "AHPResult", "check_matrix", "priorities", "consistency", "ahp", "ahp_group",
           "ahp_weights", "read_ahp", "consistent_matrix"]

#: Saaty's random consistency index RI(n) (Saaty 1980 for n ≤ 10; Saaty 2012 for 11–15).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
                11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}


@dataclass
class AHPResult:
    """Priorities and consistency of one comparison matrix.

    Attributes
    ----------
    weights : Series
        Priority vector (sums to 1), indexed by label.
    lambda_max : float
        Principal eigenvalue (computed with the returned priorities: mean of ``(A w)_i / w_i``;
        equals the eigenvalue exactly for the eigenvector method).
    ci, cr : float
        Consistency index and ratio (``cr`` is 0 for n ≤ 2).
    worst_pair : tuple or None
        The judgement ``(i, j)`` furthest from the consistent ``w_i / w_j`` (on a log scale).
    matrix : DataFrame
        The matrix used (the aggregated one for a group).
    method : str
    experts : dict
        For a group: each expert's own AHPResult.
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

    @property
    def consistent(self) -> bool:
        return self.cr <= 0.10


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
        The matrix with labels.
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
    P = M * M.T
    if np.abs(P - 1).max() > tol:
        i, j = np.unravel_index(np.argmax(np.abs(P - 1)), P.shape)
        i, j = min(i, j), max(i, j)
        raise InputError(f"matrix is not reciprocal: a[{labels[i]},{labels[j]}] = {M[i, j]:g} but "
                         f"a[{labels[j]},{labels[i]}] = {M[j, i]:g} (should be {1 / M[i, j]:g})", **where)
    scale_max = M.max()
    if scale_max > 9 + tol:
        warnings.warn(f"{where.get('node') or 'matrix'}: judgement {scale_max:g} is beyond Saaty's 1–9 scale",
                      InputWarning, stacklevel=2)
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
    if method in ("eigen", "eigenvector"):
        vals, vecs = np.linalg.eig(A)
        k = int(np.argmax(vals.real))
        v = np.abs(vecs[:, k].real)
        return v / v.sum()
    if method in ("geometric", "geometric_mean", "rgm"):
        g = np.exp(np.log(A).mean(axis=1))
        return g / g.sum()
    raise InputError(f"unknown AHP priority method '{method}' (use eigen or geometric)")


def consistency(A: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float, float]:
    """``(λ_max, CI, CR)`` of a comparison matrix.

    λ_max is the principal eigenvalue when ``w`` is None, else ``mean((A w)_i / w_i)``.
    """
    A = np.asarray(A, dtype=float)
    n = A.shape[0]
    if w is None:
        lam = float(np.max(np.linalg.eigvals(A).real))
    else:
        lam = float(np.mean((A @ w) / w))
    if n <= 2:
        return float(n), 0.0, 0.0
    ci = (lam - n) / (n - 1)
    ri = RANDOM_INDEX.get(n)
    if ri is None:
        raise InputError(f"no random index for a {n}×{n} matrix (Saaty's table covers n ≤ 15)")
    return lam, ci, ci / ri


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


def ahp(A, labels=None, *, method: str = "eigen", node: str | None = None, file=None,
        warn: bool = True) -> AHPResult:
    """Priorities and consistency of one pairwise comparison matrix.

    Parameters
    ----------
    A : array-like or DataFrame
    labels : list, optional
    method : {"eigen", "geometric"}
    node : str, optional
        Framework node (for messages).
    warn : bool
        Emit an :class:`InputWarning` when CR > 0.10, naming the node and the most inconsistent pair.
    """
    M = check_matrix(A, labels, where={"file": file, "node": node})
    lab = list(M.index)
    X = M.to_numpy()
    w = priorities(X, method)
    lam, ci, cr = consistency(X, None if method.startswith("eigen") else w)
    worst = _worst(X, w, lab)
    res = AHPResult(pd.Series(w, index=lab), lam, ci, cr, worst, M, method, node)
    if warn and cr > 0.10:
        i, j = worst
        warnings.warn(f"{'node ' + repr(node) if node else 'matrix'}: consistency ratio {cr:.3f} > 0.10; "
                      f"the most inconsistent judgement is {i} vs {j} (a = {M.loc[i, j]:g}, consistent value "
                      f"{w[lab.index(i)] / w[lab.index(j)]:.3g})", InputWarning, stacklevel=2)
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
        The group's priorities (for AIJ, with λ_max/CI/CR of the aggregated matrix; for AIP, the
        consistency fields are the expert-weighted mean of the individual CRs) and each expert's result.
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
        lam = float(ew @ np.array([indiv[k].lambda_max for k in names]))
        ci = float(ew @ np.array([indiv[k].ci for k in names]))
        cr = float(ew @ np.array([indiv[k].cr for k in names]))
        res = AHPResult(pd.Series(g, index=lab), lam, ci, cr, None, pd.DataFrame(np.nan, index=lab, columns=lab),
                        f"{method}/aip-{aip_mean}", node)
        if warn:
            for k in names:
                if indiv[k].cr > 0.10:
                    i, j = indiv[k].worst_pair
                    warnings.warn(f"node {node!r}, expert {k!r}: consistency ratio {indiv[k].cr:.3f} > 0.10; "
                                  f"the most inconsistent judgement is {i} vs {j}", InputWarning, stacklevel=2)
    else:
        raise InputError(f"unknown group aggregation '{aggregation}' (use aij or aip)", file=file, node=node)
    res.experts = indiv
    return res


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
    aggregation : {"aij", "aip"}
        For nodes judged by several experts.

    Returns
    -------
    weights : Series
        Full weight vector, normalised within parents (nodes not compared keep the framework's).
    results : dict
        Node → AHPResult (with CR and the most inconsistent pair).
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
