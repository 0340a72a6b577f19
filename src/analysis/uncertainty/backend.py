"""Where the runs of an uncertainty study are evaluated, and how their rank statistics are kept.

The runs are split into a fixed list of *tasks* before any work starts: runs are grouped by their
upstream table and aggregation (so a task needs one normalised matrix), and each group is cut into
blocks of at most ``chunk`` runs and at most :data:`BLOCK_CELLS` units × runs cells. The list
depends only on the design and the number of units — never on the backend or the number of
workers — and every task is a pure function of its runs' weights (the random draws are made
before, from the spec's seed). A task returns a compact summary (:class:`Block`): each unit's rank
*bin* in each run, the level index, per-unit partial sums and per-run outputs. The summaries are
combined by :class:`Reducer`: integer counts in any order, floating-point sums in task order. So
the local backend (threads) and the Dask backend (``dask.distributed``, a ``LocalCluster`` or a
cluster's scheduler) give identical results, bit for bit.

Rank quantiles come from a per-unit histogram of ranks (:class:`RankHistogram`), never from the
units × runs matrix: with ``n`` units the histogram has ``B`` bins of ``w`` consecutive ranks.
With ``n <=`` :data:`EXACT_MAX_UNITS` the bins are single ranks (``w = 1``) and the quantiles are
exact (R's type 7, as ``quantile()`` in R and COINr's rank statistics); above it there are at most
:data:`DEFAULT_BINS` bins and each quantile is within ``w − 1`` ranks of the exact one (see
:meth:`RankHistogram.quantile` and ``methodology/methods/uncertainty.md``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

__all__ = ["EXACT_MAX_UNITS", "DEFAULT_BINS", "BLOCK_CELLS", "rank_bin_width", "RankHistogram", "Task", "Block",
           "plan_tasks", "run_block", "Reducer", "run_local", "run_dask"]

#: up to this many units the rank histogram has one bin per rank: quantiles are exact
EXACT_MAX_UNITS = 5000
#: above :data:`EXACT_MAX_UNITS`, the number of rank bins (quantile error below n / DEFAULT_BINS ranks)
DEFAULT_BINS = 1000
#: a task holds at most this many units × runs cells per array (16 MiB of float64)
BLOCK_CELLS = 1 << 21


def rank_bin_width(n: int, max_bins: int | None = None) -> int:
    """Ranks per histogram bin for ``n`` units: 1 (exact) up to :data:`EXACT_MAX_UNITS` units,
    else ``ceil(n / DEFAULT_BINS)``; ``max_bins`` forces ``ceil(n / max_bins)``."""
    if max_bins is None:
        return 1 if n <= EXACT_MAX_UNITS else math.ceil(n / DEFAULT_BINS)
    if max_bins < 1:
        raise ValueError("max_bins must be >= 1")
    return max(1, math.ceil(n / max_bins))


class RankHistogram:
    """Per-unit histogram of ranks 1…n in bins of ``width`` ranks, plus one bin for a missing rank.

    Parameters
    ----------
    n : int
        Number of units (ranks run from 1 to n).
    width : int
        Ranks per bin (1: one bin per rank, exact quantiles).

    Notes
    -----
    Memory is ``n × (B + 1)`` 32-bit counts with ``B = ceil(n / width)``: 2.6 MB for 514 units
    exactly, 336 MB for 83,764 units in 1,000 bins (a units × units histogram would need 52 GiB).
    """

    def __init__(self, n: int, width: int = 1):
        self.n = int(n)
        self.width = int(width)
        self.n_bins = max(1, math.ceil(self.n / self.width))
        self.counts = np.zeros((self.n, self.n_bins + 1), dtype=np.uint32)
        self._ub = max(1, (1 << 22) // (self.n_bins + 1))  # units per bincount block

    @property
    def exact(self) -> bool:
        return self.width == 1

    @property
    def max_error(self) -> int:
        """Largest difference (in ranks) between a reported quantile and the exact one."""
        return self.width - 1

    def bins_of(self, ranks: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
        """Bin of each rank (units × runs) as small unsigned integers; a missing rank (NaN, or ``missing``
        for integer ranks) → the missing bin."""
        dt = np.uint16 if self.n_bins < 65535 else np.uint32
        ranks = np.asarray(ranks)
        if ranks.dtype.kind == "f":
            nan = np.isnan(ranks)
            missing = nan if missing is None else (missing | nan)
            ranks = np.where(nan, 1, ranks).astype(np.int64)
        b = ranks - 1
        if self.width > 1:
            b = b // self.width
        out = b.astype(dt)
        if missing is not None:
            out[missing] = self.n_bins
        return out

    def add(self, bins: np.ndarray) -> None:
        """Count the bins of a block of runs (units × runs, from :meth:`bins_of`)."""
        m = self.n_bins + 1
        for u0 in range(0, self.n, self._ub):
            blk = bins[u0:u0 + self._ub]
            k = blk.shape[0]
            flat = (np.arange(k, dtype=np.int64)[:, None] * m + blk).ravel()
            c = np.bincount(flat, minlength=k * m).reshape(k, m)
            np.add(self.counts[u0:u0 + k], c, out=self.counts[u0:u0 + k], casting="unsafe")

    def available(self) -> np.ndarray:
        """Runs in which each unit has a rank."""
        return self.counts[:, : self.n_bins].sum(axis=1, dtype=np.int64)

    def quantile(self, p: float) -> np.ndarray:
        """Quantile ``p`` of each unit's ranks (R type 7; NaN for a unit never ranked).

        Type 7 is ``x_(k) + f·(x_(k+1) − x_(k))`` with ``h = (m − 1)·p``, ``k = floor(h)``, ``f = h − k``
        over the ``m`` ranks (Hyndman & Fan 1996, definition 7; R's default). The histogram tells in
        which bin each order statistic ``x_(k)`` lies; with one rank per bin that is the rank itself
        (exact). With wider bins the ``j``-th of the bin's ``c`` ranks is placed at
        ``lo + (hi − lo)·(j + ½)/c`` (ranks spread evenly over the bin's range ``[lo, hi]``), so each
        order statistic, and the type-7 interpolation between two of them, is within ``w − 1`` ranks
        of the exact value.

        References
        ----------
        Hyndman, R. J. and Fan, Y. (1996). Sample quantiles in statistical packages. *The American
        Statistician* 50(4), 361–365.
        """
        B = self.n_bins
        out = np.full(self.n, np.nan)
        ub = max(1, (1 << 22) // B)
        for u0 in range(0, self.n, ub):
            C = self.counts[u0:u0 + ub, :B].astype(np.int64)
            cum = np.cumsum(C, axis=1)
            tot = cum[:, -1]
            h = (tot - 1) * p
            lo = np.floor(h).astype(np.int64)
            frac = h - lo
            x_lo = self._order_stat(C, cum, lo)
            x_hi = self._order_stat(C, cum, np.minimum(lo + 1, tot - 1))
            with np.errstate(invalid="ignore"):  # a unit never ranked (binned: 0/0 in its bin), NaN below
                q = x_lo + frac * (x_hi - x_lo)
            q[tot == 0] = np.nan
            out[u0:u0 + len(q)] = q
        return out

    def _order_stat(self, C: np.ndarray, cum: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The ``k``-th (0-based) smallest rank of each row."""
        B = self.n_bins
        b = np.minimum((cum <= k[:, None]).sum(axis=1), B - 1)
        rows = np.arange(len(k))
        lo = b * self.width + 1.0
        if self.width == 1:
            return lo
        c = C[rows, b]
        j = k - (cum[rows, b] - c)
        hi = np.minimum((b + 1) * self.width, self.n).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return lo + (hi - lo) * (j + 0.5) / c


@dataclass(frozen=True)
class Task:
    """One block of runs sharing an upstream table ``u`` and an aggregation ``a``; ``no`` its place in the plan."""

    no: int
    u: int
    a: int
    idx: np.ndarray


def plan_tasks(upstream: np.ndarray, agg: np.ndarray, n_units: int, chunk: int = 4096) -> list[Task]:
    """The fixed list of tasks: runs grouped by (upstream, aggregation), in blocks of at most ``chunk``
    runs and :data:`BLOCK_CELLS` cells. Depends only on the design and ``n_units``."""
    R = len(upstream)
    if R == 0:
        return []
    size = max(1, min(int(chunk), BLOCK_CELLS // max(n_units, 1)))
    combo = upstream.astype(np.int64) * (int(agg.max()) + 2) + agg
    order = np.argsort(combo, kind="stable")
    bounds = np.flatnonzero(np.diff(combo[order])) + 1
    out: list[Task] = []
    for idx in np.split(order, bounds):
        u, a = int(upstream[idx[0]]), int(agg[idx[0]])
        for s in range(0, len(idx), size):
            out.append(Task(len(out), u, a, idx[s:s + size]))
    return out


@dataclass
class Block:
    """What a task returns: compact per-unit summaries of its runs (never more than units × runs small ints)."""

    no: int
    idx: np.ndarray  # runs
    bins: np.ndarray  # units × runs rank bins (uint16/uint32)
    levels: np.ndarray | None  # units × runs level index (uint8; n_levels = missing)
    rank_sum: np.ndarray  # per unit, sum of its ranks (whole numbers)
    score_sum: np.ndarray  # per unit, sum of its scores (NaN as 0)
    mars: np.ndarray  # per run, mean absolute rank shift from the nominal
    imean: np.ndarray  # per run, mean index score
    scores: np.ndarray | None  # units × runs scores, when kept


def run_block(kernel, X: np.ndarray, no: int, u: int, a: int, idx: np.ndarray, W: np.ndarray,
              nom_rank: np.ndarray, width: int, n_bins: int, n_levels: int, keep: bool) -> Block:
    """Evaluate one task: index scores, ranks and levels of its runs, reduced to a :class:`Block`.

    ``kernel`` is an :class:`~analysis.uncertainty.engine.Engine` (or its light copy,
    :meth:`~analysis.uncertainty.engine.Engine.kernel`), ``X`` the upstream matrix ``u``.
    """
    S, (ri, nan), L = kernel.block_scores(X, W, u, a)
    hist = RankHistogram.__new__(RankHistogram)  # only for bins_of: no counts allocated
    hist.n, hist.width, hist.n_bins = S.shape[0], width, n_bins
    bins = hist.bins_of(ri, nan)
    lev = None
    if L is not None:
        lev = np.where(L < 0, n_levels, L).astype(np.uint8)
    if nan is None:
        rank_sum = ri.sum(axis=1, dtype=np.int64).astype(float)
        with np.errstate(invalid="ignore"):
            shift = np.abs(ri - nom_rank[:, None])
        return Block(no, idx, bins, lev, rank_sum, S.sum(axis=1), _nanmean0(shift), S.mean(axis=0) if S.size else
                     np.full(S.shape[1], np.nan), S if keep else None)
    rk = ri.astype(float)
    rk[nan] = np.nan
    return Block(no, idx, bins, lev, np.where(nan, 0.0, rk).sum(axis=1), np.nan_to_num(S).sum(axis=1),
                 _nanmean0(np.abs(rk - nom_rank[:, None])), _nanmean0(S), S if keep else None)


def _nanmean0(A: np.ndarray) -> np.ndarray:
    """``np.nanmean(A, axis=0)`` (the same arithmetic), NaN for an all-NaN column without a warning."""
    ok = ~np.isnan(A)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, A, 0.0).sum(axis=0) / ok.sum(axis=0)


class Reducer:
    """Combine :class:`Block` s into the study's statistics, identically whatever their arrival order.

    Integer counts (rank and level histograms) are added as blocks arrive — rank bins are buffered
    until about as many runs as there are bins have come, so that one counting pass costs no more
    than the data it counts. The floating-point per-unit sums are added strictly in task order (a
    block that arrives early waits for the ones before it). Call :meth:`finish` once all blocks are in.
    """

    def __init__(self, n: int, R: int, n_tasks: int, width: int, n_levels: int, keep_scores: bool,
                 dtype=np.float64):
        self.hist = RankHistogram(n, width)
        self.n_levels = n_levels
        self.lev_counts = np.zeros((n, max(n_levels, 1) + 1), dtype=np.int64)
        self.rank_sum = np.zeros(n)
        self.score_sum = np.zeros(n)
        self._next = 0
        self._early: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._buf: list[np.ndarray] = []
        self._buf_runs = 0
        self._flush_runs = max(256, self.hist.n_bins)
        self.mars = np.full(R, np.nan)
        self.imean = np.full(R, np.nan)
        self.scores = np.empty((n, R), dtype=dtype) if keep_scores else None

    def add(self, b: Block) -> None:
        self._buf.append(b.bins)
        self._buf_runs += b.bins.shape[1]
        if self._buf_runs >= self._flush_runs:
            self._flush()
        if b.levels is not None:
            n, m = b.levels.shape[0], self.n_levels + 1
            flat = (np.arange(n, dtype=np.int64)[:, None] * m + b.levels).ravel()
            self.lev_counts[:, :m] += np.bincount(flat, minlength=n * m).reshape(n, m)
        self._early[b.no] = (b.rank_sum, b.score_sum)
        while self._next in self._early:  # sums in task order
            rs, ss = self._early.pop(self._next)
            self.rank_sum += rs
            self.score_sum += ss
            self._next += 1
        self.mars[b.idx] = b.mars
        self.imean[b.idx] = b.imean
        if self.scores is not None and b.scores is not None:
            self.scores[:, b.idx] = b.scores

    def _flush(self) -> None:
        if self._buf:
            self.hist.add(self._buf[0] if len(self._buf) == 1 else np.concatenate(self._buf, axis=1))
        self._buf, self._buf_runs = [], 0

    def finish(self) -> Reducer:
        """Count the buffered bins; check that every task arrived."""
        self._flush()
        if self._early:
            raise RuntimeError(f"blocks {sorted(self._early)[:5]} arrived without the tasks before them")
        return self

    @property
    def level_counts(self) -> np.ndarray:
        return self.lev_counts[:, : self.n_levels]


# --- backends ----------------------------------------------------------------------------------------
def run_local(fn: Callable[[Task], Block], tasks: list[Task], n_jobs: int = 1) -> Iterator[Block]:
    """Evaluate ``tasks`` in this process, ``n_jobs`` threads, at most ``2·n_jobs`` tasks ahead (bounded memory)."""
    if n_jobs <= 1:
        yield from (fn(t) for t in tasks)
        return
    with ThreadPoolExecutor(n_jobs) as ex:
        pending = []
        it = iter(tasks)
        for t in it:
            pending.append(ex.submit(fn, t))
            if len(pending) >= 2 * n_jobs:
                break
        while pending:
            b = pending.pop(0).result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(ex.submit(fn, nxt))
            yield b


def dask_client(scheduler: str | None = None, n_workers: int | None = None, processes: bool = False):
    """A ``dask.distributed`` client: of the scheduler at ``scheduler`` (``tcp://host:8786``), or of a new
    ``LocalCluster`` with ``n_workers`` single-threaded workers (threads of this process unless ``processes``)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    n = n_workers or min(2, os.cpu_count() or 1)
    return Client(LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=None))


def run_dask(client, kernel, matrices: dict[int, np.ndarray], tasks: list[Task], args: Callable[[Task], tuple]
             ) -> Iterator[Block]:
    """Evaluate ``tasks`` on a Dask cluster; blocks are yielded as they complete.

    The kernel (framework, weights, aggregation specs: a few kB) and each upstream matrix are sent
    to every worker once (``scatter(broadcast=True)``); a task carries only its runs' weights.
    Submission is throttled to a few tasks per worker so that finished blocks never pile up.
    """
    from dask.distributed import as_completed

    k_fut = client.scatter(kernel, broadcast=True)
    x_fut = {u: client.scatter(X, broadcast=True) for u, X in matrices.items()}
    n_workers = max(1, len(client.scheduler_info().get("workers", {})) or 1)
    window = 3 * n_workers
    it: Iterable[Task] = iter(tasks)
    ac = as_completed()
    for t in it:
        ac.add(client.submit(run_block, k_fut, x_fut[t.u], *args(t), pure=False))
        if ac.count() >= window:
            break
    for fut in ac:
        b = fut.result()
        fut.release()
        nxt = next(it, None)
        if nxt is not None:
            ac.add(client.submit(run_block, k_fut, x_fut[nxt.u], *args(nxt), pure=False))
        yield b
