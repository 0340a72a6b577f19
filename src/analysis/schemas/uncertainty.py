"""Schema of the uncertainty spec (``ua.yaml``), its memory budget, and design tables.

* :class:`UAModel` / :class:`FactorModel`: keys, types and ranges of the spec (see
  :mod:`analysis.uncertainty.spec` for the format); a ``choice`` alternative is checked against
  the schema of its build step.
* :func:`check_budget`: the memory a study would need (per-run scores, the rank histogram, the
  design and the weight matrix), estimated before anything is allocated.
* :func:`load_design`: a design table for ``maturasi uncertainty --design``; every column must be
  a factor's column, every cell a known alternative or a finite weight draw.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, Field, model_validator

from .._errors import InputError
from ._common import Int, NonNegative, Positive, Schema, Text, suggest, table_line, table_number, validate
from .spec import AggregateStep, ImputeStep, NormaliseStep, TreatStep

__all__ = ["UAModel", "FactorModel", "check_ua_dict", "check_budget", "available_memory", "estimate_bytes",
           "load_design", "check_output", "FACTOR_TYPES", "STEPS", "OUTPUTS"]

FACTOR_TYPES = ("weights", "choice", "exclude", "weight_set")
STEPS = ("normalise", "aggregate", "impute", "treat")
OUTPUTS = ("mean_abs_rank_shift", "index_mean")
_STEP_MODELS = {"normalise": NormaliseStep, "aggregate": AggregateStep, "impute": ImputeStep, "treat": TreatStep}


def _output(v: str) -> str:
    if v in OUTPUTS or (v.startswith("rank:") and v[5:].strip()):
        return v
    raise ValueError(f"unknown output {v!r} (use {', '.join(OUTPUTS)} or rank:<uCode>)")


Code = Text | Int
Noise = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False, strict=True)]  # 0: a fixed-weight control


class FactorModel(Schema):
    """One uncertain factor (one group of the Sobol' analysis)."""

    name: Code
    type: Literal[FACTOR_TYPES]
    column: Text | None = None
    level: Int | Text | list[Code] | None = None
    nodes: Annotated[list[Code], Field(min_length=1)] | None = None
    noise: Noise = 0.25
    distribution: Literal["uniform", "dirichlet"] = "uniform"
    concentration: Positive = 50.0
    step: Literal[STEPS] | None = None
    alternatives: dict[Code, Text | dict[Text, Any] | None] | None = None
    indicators: Annotated[list[Code], Field(min_length=1)] | None = None
    sets: Annotated[dict[Code, dict[Text, NonNegative]], Field(min_length=1)] | None = None
    file: Text | None = None

    @model_validator(mode="after")
    def _needs(self):
        t = self.type
        if t == "choice":
            if self.step is None:
                raise ValueError(f"a choice factor needs 'step' (one of {', '.join(STEPS)})")
            if not self.alternatives:
                raise ValueError("a choice factor needs a non-empty mapping 'alternatives'")
        if t == "exclude" and not self.indicators:
            raise ValueError("an exclude factor needs a non-empty list 'indicators'")
        if t == "weight_set" and not self.sets and not self.file:
            raise ValueError("a weight_set factor needs 'sets' or 'file'")
        return self


class UAModel(Schema):
    """The uncertainty spec."""

    N: Annotated[Int, Field(ge=1)] = 1000
    seed: Annotated[Int, Field(ge=0)] = 0
    design: Literal["mc", "sobol"] = "mc"
    output: Annotated[Text, AfterValidator(_output)] = "mean_abs_rank_shift"
    factors: list[FactorModel] = []
    keep_scores: Annotated[bool, Field(strict=True)] = True
    name: Code | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _unique(self):
        seen = set()
        for f in self.factors:
            if str(f.name) in seen:
                raise ValueError(f"key 'factors': factor name '{f.name}' is used twice")
            seen.add(str(f.name))
        return self


def check_ua_dict(raw: dict, source=None) -> UAModel:
    """Validate a raw uncertainty spec; each ``choice`` alternative is checked against its step's schema."""
    m = validate(UAModel, raw, file=source)
    for i, f in enumerate(m.factors):
        if f.type != "choice":
            continue
        for label, alt in (f.alternatives or {}).items():
            alt = {"method": alt} if isinstance(alt, str) else (alt or {})
            validate(_STEP_MODELS[f.step], alt, file=source, prefix=("factors", i, "alternatives", label), root=raw)
    return m


def check_output(ua, units) -> None:
    """An ``output: rank:<uCode>`` must name a unit of the data (InputError naming the ua file and key)."""
    out = str(getattr(ua, "output", ""))
    if out.startswith("rank:"):
        code = out.split(":", 1)[1].strip()
        known = [str(u) for u in units]
        if code not in known:
            raise InputError(f"key 'output': unknown unit '{code}'{suggest(code, known)}",
                             file=getattr(ua, "source", None))


# --- memory budget -------------------------------------------------------------------------------------
def available_memory() -> int:
    """Bytes of memory available now (psutil when installed, else the OS page counts)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    for name in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            return int(os.sysconf(name) * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            continue
    return 1 << 62  # unknown: do not refuse


def n_runs(ua, design: str | None = None) -> int:
    """Runs of a study: N for Monte Carlo, N·(groups + 2) for a Sobol' design."""
    design = design or ua.design
    return int(ua.N) * (len(ua.factors) + 2) if design == "sobol" else int(ua.N)


def estimate_bytes(n_units: int, runs: int, keep_scores: bool, *, n_nodes: int = 0, n_dims: int = 0,
                   rank_bins: int | None = None) -> int:
    """Memory a study of ``runs`` runs over ``n_units`` units needs, in bytes (as the engine allocates).

    Per-run scores (units × runs; float32 above 60 million cells), the per-unit rank histogram
    (units × (bins + 1) uint32, see :mod:`analysis.uncertainty.backend`), the blocks in flight (a
    few units × block arrays of float64), the design and the weight matrix (runs × (dims + nodes)
    float64) and a few per-run outputs.
    """
    from ..uncertainty.backend import BLOCK_CELLS, rank_bin_width

    item = 8 if n_units * runs <= 60_000_000 else 4
    scores = n_units * runs * item if keep_scores else 0
    bins = math.ceil(n_units / rank_bin_width(n_units, rank_bins)) if n_units else 0
    hist = n_units * (bins + 1) * 4
    blocks = 2 * 8 * 8 * min(BLOCK_CELLS, n_units * max(runs, 1))  # 2 blocks in work × ~8 float64 arrays
    design = runs * (n_dims + n_nodes + 8) * 8
    return int(scores + hist + blocks + design)


def check_budget(n_units: int, ua, keep_scores: bool, *, design: str | None = None, n_nodes: int = 0,
                 runs: int | None = None, available: int | None = None, rank_bins: int | None = None) -> int:
    """Refuse a study whose arrays would not fit in memory, before allocating them.

    Parameters
    ----------
    n_units : int
        Units of the cross-section.
    ua : UASpec
        The uncertainty spec (its ``N``, ``design``, factors and ``source``).
    keep_scores : bool
        Whether every run's scores are kept (units × runs).
    design : {"mc", "sobol"}, optional
        Overrides ``ua.design`` (sensitivity runs always use Sobol').
    n_nodes : int
        Weighted nodes of the framework (columns of the weight matrix).
    runs : int, optional
        The number of runs when known (a replayed design); default from ``N`` and the design.
    available : int, optional
        Bytes available (default: :func:`available_memory`).
    rank_bins : int, optional
        Rank bins per unit (default as the engine's).

    Returns
    -------
    int
        The estimated bytes.

    Raises
    ------
    InputError
        Naming the uncertainty spec and key ``N``, with the estimate and the memory available.
    """
    runs = n_runs(ua, design) if runs is None else int(runs)
    dims = sum(max(1, len(f.nodes or [])) if f.type == "weights" else 1 for f in ua.factors)
    need = estimate_bytes(n_units, runs, keep_scores, n_nodes=n_nodes, n_dims=dims, rank_bins=rank_bins)
    avail = available_memory() if available is None else int(available)
    if need > avail:
        gib = 1 << 30
        hint = "; lower N or drop per-run scores (--no-scores)" if keep_scores else "; lower N"
        raise InputError(f"key 'N': {runs} runs (N = {ua.N}) over {n_units} units would need about "
                         f"{need / gib:.2f} GiB of memory, but {avail / gib:.2f} GiB are available{hint}",
                         file=getattr(ua, "source", None))
    return need


# --- design tables -------------------------------------------------------------------------------------
def _design_columns(ua) -> dict[str, tuple[Any, str | None]]:
    """Every column a design may hold: ``{column: (factor, node or None)}``."""
    cols: dict[str, tuple[Any, str | None]] = {}
    for f in ua.factors:
        if f.type == "weights":
            for node in f.nodes or []:
                cols[f"{f.name}[{node}]"] = (f, str(node))
                cols[f"{f.name}[{node}]*"] = (f, str(node))
        else:
            cols[f.column or f.name] = (f, None)
    return cols


def _label_ok(v: Any, labels: list[str]) -> bool:
    if str(v) in labels:
        return True
    try:
        k = float(v)
    except (TypeError, ValueError):
        return False
    if not math.isfinite(k) or k != int(k):
        return False
    return str(int(k)) in labels or 1 <= int(k) <= len(labels)


#: bookkeeping columns of a design exported by COINr (``get_sensitivity``): run number, draws, outputs
_COINR_COLUMNS = re.compile(r"^(?:rep|block|regen_failed|u_.+|idx_.+|target_.+)$")
_RUN_COLUMNS = ("run", "rep")


def load_design(path: str | Path, ua, *, extra: str = "error") -> pd.DataFrame:
    """Read and check a design table (CSV/XLSX, one row per run) for ``ua``'s factors.

    Parameters
    ----------
    path : path
        The design file (e.g. the ``design.csv`` of an earlier run).
    ua : UASpec
        The uncertainty spec. For ``weights`` factors the nodes must be known (they are once an
        :class:`~analysis.uncertainty.engine.Engine` has been built: pass ``engine.ua``).
    extra : {"error", "ignore"}
        A column that belongs to no factor is an error (with a suggestion), or is kept unchecked.
        Either way the run number (``run``, or COINr's ``rep``) becomes the index, and the
        bookkeeping columns of a COINr design (``block``, ``u_*``, ``idx_*``, ``target_*``,
        ``regen_failed``) that no factor claims are kept unchecked.

    Returns
    -------
    DataFrame
        One row per run, columns as in the file.

    Raises
    ------
    InputError
        Naming the design file and, for a bad cell, its line (the header is line 1) and column: an
        unknown column (with a suggestion), a factor without its column, an unknown alternative,
        or a weight that is not a finite number (a draw outside [0, 1], a negative multiplier).
    """
    from ..data import read_table

    path = Path(path)
    cols = _design_columns(ua)
    labels = [c for c, (f, node) in cols.items() if node is None]
    fast = _load_clean_design(path, ua, cols, labels, extra)
    if fast is not None:
        return fast
    df = read_table(path, what="design", text_columns=labels)
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise InputError("design table has no runs", file=path)
    for c in df.columns:
        if c not in cols and c not in _RUN_COLUMNS and not _COINR_COLUMNS.match(c) and extra == "error":
            raise InputError(f"column '{c}' is not a column of any factor{suggest(c, list(cols))}", file=path,
                             column=c)
    for f in ua.factors:
        if f.type == "weights":
            for node in f.nodes or []:
                if f"{f.name}[{node}]" not in df.columns and f"{f.name}[{node}]*" not in df.columns:
                    raise InputError(f"no column '{f.name}[{node}]' for factor '{f.name}'", file=path)
        elif (f.column or f.name) not in df.columns:
            raise InputError(f"no column '{f.column or f.name}' for factor '{f.name}'", file=path)
    out = df.copy()
    for c in df.columns:
        if c not in cols:
            continue
        f, node = cols[c]
        if node is None:
            _check_labels(df, c, f, path)
        else:
            out[c] = _check_weights(df, c, path)
    run_col = next((c for c in _RUN_COLUMNS if c in out.columns and c not in cols), None)
    if run_col is not None:
        out = out.set_index(run_col)
    return out


def _load_clean_design(path: Path, ua, cols: dict, labels: list[str], extra: str) -> pd.DataFrame | None:
    """:func:`load_design` of a clean CSV design whose factors are all chosen by label (no ``weights``
    factor), built as one table from the reader's typed columns (``analysis.tables._read_clean_columns``)
    instead of a table, its copy and its re-indexed copy; None for any other file, and for a design
    :func:`load_design` refuses — it then reads the file and words the refusal.
    ``tests/test_replay_speed_equivalence.py`` checks both give the same table."""
    from .. import tables

    if any(f.type == "weights" for f in ua.factors):
        return None
    table = tables._read_clean_columns(path, "design", labels)
    if table is None:
        return None
    names, columns = table  # distinct stripped names, at least one row
    by_name = dict(zip(names, columns))
    for c in names:
        if c not in cols and c not in _RUN_COLUMNS and not _COINR_COLUMNS.match(c) and extra == "error":
            return None
    for f in ua.factors:
        c = f.column or f.name
        if c not in by_name or not isinstance(by_name[c], list) or not _labels_ok(by_name[c], f.labels):
            return None
    run_col = next((c for c in _RUN_COLUMNS if c in by_name and c not in cols), None)
    if run_col is not None and not isinstance(by_name[run_col], np.ndarray):
        return None
    index = pd.RangeIndex(len(columns[0])) if run_col is None else _run_index(by_name[run_col], run_col)
    kept = [c for c in names if c != run_col]
    out = pd.DataFrame(dict(zip(kept, tables.column_arrays([by_name[c] for c in kept]))), index=index)
    out.attrs[tables.ROWS_ATTR] = tables.SourceRows(range(2, len(index) + 2))
    return out


def _run_index(runs: np.ndarray, name: str) -> pd.Index:
    """The index ``DataFrame.set_index(name)`` makes of a run-number column: a ``RangeIndex`` when the
    whole numbers are evenly spaced (pandas 3 does so; none for a single run), else an ``Index``."""
    if runs.dtype.kind in "iu":
        if len(runs) == 0:
            return pd.RangeIndex(0, 0, 1, name=name)
        if len(runs) > 1:
            step = int(runs[1]) - int(runs[0])
            if step != 0 and (np.diff(runs) == step).all():
                return pd.RangeIndex(int(runs[0]), int(runs[-1]) + step, step, name=name)
    return pd.Index(runs, name=name)


def _labels_ok(values: list, labels: list[str]) -> bool:
    """Every value is one of ``labels`` (or its number): a design repeats few labels over many runs, so
    each distinct value is checked once (1, 1.0 and True are one dict key but not one label, hence the
    type in the key)."""
    if set(map(type, values)) == {str}:  # text only: the distinct texts are the distinct (type, value) keys
        known = set(labels)  # (the same answers as the list: the labels are distinct)
        return all(v in known or _label_ok(v, labels) for v in dict.fromkeys(values))
    return all(_label_ok(v, labels) for _, v in dict.fromkeys(zip(map(type, values), values)))


def _check_labels(df: pd.DataFrame, col: str, f, path: Path) -> None:
    values = df[col].tolist()
    # a bad value is refused at its first row
    if _labels_ok(values, f.labels):
        return
    verdict: dict[tuple[type, Any], bool] = {}
    for i, v in enumerate(values):
        key = (type(v), v)  # 1, 1.0 and True are one dict key but not one label
        ok = verdict.get(key)
        if ok is None:
            ok = verdict[key] = _label_ok(v, f.labels)
        if not ok:
            shown = ", ".join(f.labels[:8]) + ("…" if len(f.labels) > 8 else "")
            raise InputError(f"{v!r} is not an alternative of factor '{f.name}' ({shown})", file=path,
                             row=table_line(df, i), column=col)


def _check_weights(df: pd.DataFrame, col: str, path: Path) -> list[float]:
    """A weight column as floats: draws in [0, 1], or multipliers (``*`` columns) >= 0 (vectorised;
    the first bad cell is refused naming its line and column)."""
    from ..tables import to_numbers

    try:
        x = to_numbers(df, [col], file=path, required=True)[col].to_numpy()
    except InputError:  # refused as every table cell is, at the first bad cell
        for i in range(len(df)):
            table_number(df, i, col, file=path, what="weight")
        raise
    bad = (x < 0) if col.endswith("*") else ~((x >= 0) & (x <= 1))
    for i in np.flatnonzero(bad)[:1]:
        v = table_number(df, int(i), col, file=path, what="weight")
        if col.endswith("*"):
            raise InputError(f"weight multiplier must be >= 0, got {v:g}", file=path, row=table_line(df, int(i)),
                             column=col)
        raise InputError(f"a uniform draw must be in [0, 1], got {v:g} (a multiplier goes in '{col}*')",
                         file=path, row=table_line(df, int(i)), column=col)
    return x.tolist()
