"""Tests written because mutants of ``analysis.uncertainty.backend`` (and the package's public API) survived.

Every expected value is computed here independently of the backend: rank quantiles with
``numpy.quantile`` (type 7, Hyndman & Fan 1996) on the ranks themselves, rank counts with plain
Python loops, the binned order statistic from its documented formula (the ``j``-th of a bin's ``c``
ranks at ``lo + (hi − lo)·(j + ½)/c``) written out per unit, task plans by grouping in a dict, and
per-run summaries with ``numpy.nanmean``. No Dask cluster is started (one started inside mutmut's
forked child hangs): the Dask functions are driven through stand-ins of ``Client``/``as_completed``.
"""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.uncertainty import backend as bk


# --- rank_bin_width ------------------------------------------------------------------------------------
def test_bin_width_with_max_bins():
    assert bk.rank_bin_width(10, max_bins=10) == 1 and bk.rank_bin_width(10, max_bins=1) == 10
    assert bk.rank_bin_width(0, max_bins=3) == 1  # never a zero width
    assert bk.rank_bin_width(7, max_bins=100) == 1
    with pytest.raises(ValueError, match="max_bins must be >= 1"):
        bk.rank_bin_width(10, max_bins=0)
    assert bk.rank_bin_width(5000) == 1 and bk.rank_bin_width(5001) == 6 and bk.rank_bin_width(6000) == 6


# --- histogram counts ----------------------------------------------------------------------------------
def _counts_by_loops(ranks: np.ndarray, n: int, width: int) -> np.ndarray:
    """Reference histogram: per unit, count of ranks in each bin of ``width``, last column = missing."""
    nb = math.ceil(n / width)
    out = np.zeros((ranks.shape[0], nb + 1), dtype=np.int64)
    for i, row in enumerate(ranks):
        for r in row:
            out[i, nb if np.isnan(r) else (int(r) - 1) // width] += 1
    return out


@pytest.mark.parametrize("width", [1, 3])
def test_counts_equal_loops_with_missing_ranks(width):
    rng = np.random.default_rng(5)
    n, R = 11, 23
    ranks = rng.integers(1, n + 1, (n, R)).astype(float)
    ranks[rng.random((n, R)) < 0.1] = np.nan
    h = bk.RankHistogram(n, width)
    assert h.n_bins == math.ceil(n / width) and h.counts.shape == (n, h.n_bins + 1)
    assert h.counts.dtype == np.uint32 and h.exact == (width == 1)
    h.add(h.bins_of(ranks))
    h.add(h.bins_of(ranks[:, :4]))  # counts accumulate
    want = _counts_by_loops(ranks, n, width) + _counts_by_loops(ranks[:, :4], n, width)
    np.testing.assert_array_equal(h.counts, want)
    np.testing.assert_array_equal(h.available(), (~np.isnan(ranks)).sum(axis=1) + (~np.isnan(ranks[:, :4])).sum(axis=1))


def test_bins_of_integer_ranks_with_a_missing_mask_and_float_ranks_with_both():
    h = bk.RankHistogram(10, 4)  # bins: 1-4, 5-8, 9-10; missing bin 3
    ri = np.array([[1, 4, 5], [8, 9, 10]], dtype=np.int32)
    miss = np.array([[False, True, False], [False, False, True]])
    b = h.bins_of(ri, miss)
    np.testing.assert_array_equal(b, [[0, 3, 1], [1, 2, 3]])
    assert b.dtype == np.uint16
    rf = np.array([[1.0, np.nan, 5.0], [8.0, 9.0, 10.0]])
    np.testing.assert_array_equal(h.bins_of(rf, miss), [[0, 3, 1], [1, 2, 3]])  # NaN or mask
    np.testing.assert_array_equal(h.bins_of(rf), [[0, 3, 1], [1, 2, 2]])
    np.testing.assert_array_equal(h.bins_of(ri), [[0, 0, 1], [1, 2, 2]])
    e = bk.RankHistogram(10, 1)
    np.testing.assert_array_equal(e.bins_of(ri, miss), [[0, 10, 4], [7, 8, 10]])


def test_bins_of_wide_histograms_use_32_bit_bins():
    h = bk.RankHistogram.__new__(bk.RankHistogram)
    h.n, h.width, h.n_bins = 70_000, 1, 70_000
    b = h.bins_of(np.array([[70_000.0, np.nan]]))
    assert b.dtype == np.uint32 and b.tolist() == [[69_999, 70_000]]


# --- quantiles -----------------------------------------------------------------------------------------
def _binned_type7(ranks: np.ndarray, n: int, width: int, p: float) -> np.ndarray:
    """Reference for binned quantiles: type 7 on order statistics placed by the documented rule."""
    out = np.full(ranks.shape[0], np.nan)
    for i, row in enumerate(ranks):
        x = np.sort(row[~np.isnan(row)])
        m = len(x)
        if m == 0:
            continue
        bins = ((x - 1) // width).astype(int)
        placed = np.empty(m)
        for b in np.unique(bins):
            pos = np.flatnonzero(bins == b)
            c = len(pos)
            lo, hi = b * width + 1.0, float(min((b + 1) * width, n))
            placed[pos] = lo + (hi - lo) * (np.arange(c) + 0.5) / c if width > 1 else lo
        h = (m - 1) * p
        k = math.floor(h)
        out[i] = placed[k] + (h - k) * (placed[min(k + 1, m - 1)] - placed[k])
    return out


@pytest.mark.parametrize("width", [2, 3, 4])
def test_binned_quantiles_follow_the_documented_placement(width):
    rng = np.random.default_rng(width)
    n, R = 14, 9  # 14 not a multiple of 3 or 4: a short last bin
    ranks = rng.integers(1, n + 1, (n, R)).astype(float)
    ranks[0, :] = n  # every rank in the short last bin
    ranks[1, :] = np.nan  # never ranked
    ranks[2, :3] = np.nan
    h = bk.RankHistogram(n, width)
    h.add(h.bins_of(ranks))
    assert h.max_error == width - 1
    for p in (0.0, 0.05, 0.3, 0.5, 0.95, 1.0):
        np.testing.assert_allclose(h.quantile(p), _binned_type7(ranks, n, width, p), rtol=0, atol=1e-12,
                                   equal_nan=True)
    lo = (n - 1) // width * width + 1
    assert lo < h.quantile(0.0)[0] < h.quantile(1.0)[0] < n  # spread over the short last bin [lo, n]


def test_binned_quantiles_of_a_unit_never_ranked_without_warnings():
    h = bk.RankHistogram(9, 3)
    h.add(h.bins_of(np.array([[1.0, 9.0]] + [[np.nan, np.nan]] + [[5.0, 5.0]] * 7)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = h.quantile(0.5)
    assert np.isnan(q[1]) and q[0] == (2.0 + 8.0) / 2 and q[2] == 5.0


def test_exact_quantiles_of_a_unit_with_one_run_and_of_p_one():
    h = bk.RankHistogram(4, 1)
    h.add(h.bins_of(np.array([[3.0], [1.0], [4.0], [2.0]])))
    h.add(h.bins_of(np.array([[np.nan], [2.0], [4.0], [1.0]])))
    for p in (0.0, 0.5, 1.0):
        np.testing.assert_array_equal(h.quantile(p), [3.0, 1 + p, 4.0, 1 + p])


def test_quantiles_above_5000_units_within_the_binned_bound():
    """6,000 units: ceil(6000/1000) = 6 ranks a bin, quantiles within 5 ranks of numpy's type 7; the
    histogram and the quantiles are computed in several blocks of units (4,190 and 4,194 a block)."""
    n, R = 6000, 12
    w = bk.rank_bin_width(n)
    assert w == 6
    rng = np.random.default_rng(11)
    centre = rng.permutation(n) + 1
    ranks = np.clip(centre[:, None] + rng.integers(-30, 31, (n, R)), 1, n).astype(float)
    ranks[-1, :] = np.nan
    ranks[-2, :5] = np.nan
    h = bk.RankHistogram(n, w)
    assert h._ub < n  # several blocks of units
    h.add(h.bins_of(ranks))
    assert h.counts[:, : h.n_bins].sum(axis=1).tolist() == (~np.isnan(ranks)).sum(axis=1).tolist()
    for p in (0.05, 0.5, 0.95):
        want = np.nanquantile(ranks[:-1], p, axis=1)
        got = h.quantile(p)
        assert np.isnan(got[-1])
        err = np.abs(got[:-1] - want)
        assert err.max() <= w - 1 and err.max() > 0
    # on the last units (second block of units) the documented placement holds exactly
    tail = slice(n - 40, n)
    np.testing.assert_allclose(h.quantile(0.5)[tail], _binned_type7(ranks[tail], n, w, 0.5), rtol=0, atol=1e-12,
                               equal_nan=True)


def test_exact_quantiles_over_several_blocks_of_units():
    """2,100 single-rank bins: 1,997 units a block, so the exact quantiles also span two blocks."""
    n, R = 2100, 5
    rng = np.random.default_rng(2)
    ranks = np.column_stack([rng.permutation(n) + 1 for _ in range(R)]).astype(float)
    h = bk.RankHistogram(n, 1)
    h.add(h.bins_of(ranks))
    for p in (0.25, 0.9):
        np.testing.assert_allclose(h.quantile(p), np.quantile(ranks, p, axis=1), rtol=1e-15, atol=0)


# --- the plan of tasks ---------------------------------------------------------------------------------
def _plan_by_dict(up, agg, size):
    groups: dict[tuple[int, int], list[int]] = {}
    for r, key in enumerate(zip(up.tolist(), agg.tolist())):
        groups.setdefault(key, []).append(r)
    out = []
    for key in sorted(groups):
        idx = groups[key]
        for s in range(0, len(idx), size):
            out.append((key, idx[s:s + size]))
    return out


def test_plan_groups_by_upstream_and_aggregation_in_order_and_chunks():
    rng = np.random.default_rng(4)
    up = rng.integers(0, 3, 50)
    agg = rng.integers(0, 4, 50)
    tasks = bk.plan_tasks(up, agg, 10, chunk=6)
    want = _plan_by_dict(up, agg, 6)
    assert [t.no for t in tasks] == list(range(len(want)))
    assert [((t.u, t.a), t.idx.tolist()) for t in tasks] == want
    # the chunk is cut further by the cells budget, and at least one run a task
    assert all(len(t.idx) == 1 for t in bk.plan_tasks(up, agg, bk.BLOCK_CELLS, chunk=6))
    assert all(len(t.idx) == 1 for t in bk.plan_tasks(up, agg, 10 * bk.BLOCK_CELLS, chunk=6))
    assert [len(t.idx) for t in bk.plan_tasks(np.zeros(9, int), np.zeros(9, int), 0, chunk=4)] == [4, 4, 1]
    assert [len(t.idx) for t in bk.plan_tasks(np.zeros(9, int), np.zeros(9, int), bk.BLOCK_CELLS // 3,
                                               chunk=100)] == [3, 3, 3]
    assert bk.plan_tasks(np.zeros(0, int), np.zeros(0, int), 10) == []


def test_plan_keeps_distinct_upstream_aggregation_pairs_apart():
    up = np.array([0, 1, 0, 1, 2, 0])
    agg = np.array([2, 0, 1, 2, 0, 2])  # pairs that a coarse key would merge
    tasks = bk.plan_tasks(up, agg, 5)
    assert [(t.u, t.a, t.idx.tolist()) for t in tasks] == [(0, 1, [2]), (0, 2, [0, 5]), (1, 0, [1]),
                                                            (1, 2, [3]), (2, 0, [4])]


# --- run_block and the reducer -------------------------------------------------------------------------
class _Kernel:
    """Stand-in for the engine's kernel: fixed scores, ranks and levels."""

    def __init__(self, S, ri, nan, L):
        self.out = (S, (ri, nan), L)
        self.calls = []

    def block_scores(self, X, W, u, a):
        self.calls.append((X, W, u, a))
        return self.out


def test_run_block_without_missing_scores():
    S = np.array([[3.0, 1.0, 2.0], [1.0, 2.0, 2.0], [2.0, 3.0, 0.5]])
    ri = np.array([[1, 3, 1], [3, 2, 1], [2, 1, 3]], dtype=np.int32)
    L = np.array([[0, -1, 1], [2, 0, -1], [1, 1, 0]])
    nom = np.array([1.0, 3.0, 2.0])
    k = _Kernel(S, ri, None, L)
    X, W = np.ones((3, 2)), np.ones((3, 4))
    b = bk.run_block(k, X, 7, 1, 2, np.array([4, 5, 6]), W, nom, 2, 2, 3, True)
    assert k.calls[0][2:] == (1, 2) and k.calls[0][0] is X and k.calls[0][1] is W
    assert b.no == 7 and b.idx.tolist() == [4, 5, 6]
    np.testing.assert_array_equal(b.bins, [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(b.levels, [[0, 3, 1], [2, 0, 3], [1, 1, 0]])
    assert b.levels.dtype == np.uint8
    np.testing.assert_array_equal(b.rank_sum, [5.0, 6.0, 6.0])
    np.testing.assert_allclose(b.score_sum, [6.0, 5.0, 5.5])
    np.testing.assert_allclose(b.mars, np.abs(ri - nom[:, None]).mean(axis=0))
    np.testing.assert_allclose(b.imean, S.mean(axis=0))
    assert b.scores is S
    assert bk.run_block(k, X, 7, 1, 2, np.array([4, 5, 6]), W, nom, 2, 2, 3, False).scores is None
    k2 = _Kernel(S, ri, None, None)
    assert bk.run_block(k2, X, 0, 0, 0, np.array([0, 1, 2]), W, nom, 1, 3, 3, False).levels is None


def test_run_block_with_missing_scores_equals_nanmean():
    S = np.array([[3.0, np.nan, np.nan], [1.0, 2.0, np.nan], [2.0, 3.0, np.nan]])
    ri = np.array([[1, 0, 0], [3, 2, 0], [2, 1, 0]], dtype=np.int32)
    nan = np.isnan(S)
    nom = np.array([1.0, 3.0, 2.0])
    b = bk.run_block(_Kernel(S, ri, nan, None), None, 0, 0, 0, np.arange(3), None, nom, 1, 3, 0, False)
    np.testing.assert_array_equal(b.bins, [[0, 3, 3], [2, 1, 3], [1, 0, 3]])
    np.testing.assert_array_equal(b.rank_sum, [1.0, 5.0, 3.0])
    np.testing.assert_allclose(b.score_sum, [3.0, 3.0, 5.0])
    rk = np.where(nan, np.nan, ri)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want_mars = np.nanmean(np.abs(rk - nom[:, None]), axis=0)
        want_imean = np.nanmean(S, axis=0)
    np.testing.assert_allclose(b.mars, want_mars, equal_nan=True)
    np.testing.assert_allclose(b.imean, want_imean, equal_nan=True)
    assert np.isnan(b.mars[2]) and np.isnan(b.imean[2])


def test_run_block_of_no_units():
    S = np.zeros((0, 2))
    b = bk.run_block(_Kernel(S, np.zeros((0, 2), np.int32), None, None), None, 0, 0, 0, np.arange(2), None,
                     np.zeros(0), 1, 1, 0, False)
    assert b.imean.shape == (2,) and np.isnan(b.imean).all()


def test_nanmean0_without_warnings():
    A = np.array([[1.0, np.nan, np.nan], [3.0, 4.0, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = bk._nanmean0(A)
    np.testing.assert_array_equal(got, [2.0, 4.0, np.nan])


def _blocks(n, R, chunk, rng, width, n_levels):
    ranks = np.column_stack([rng.permutation(n) + 1 for _ in range(R)]).astype(np.int32)
    S = rng.random((n, R))
    L = rng.integers(-1, n_levels, (n, R))
    h = bk.RankHistogram.__new__(bk.RankHistogram)
    h.n, h.width, h.n_bins = n, width, math.ceil(n / width)
    out = []
    for no, s in enumerate(range(0, R, chunk)):
        idx = np.arange(s, min(s + chunk, R))
        out.append(bk.Block(no, idx, h.bins_of(ranks[:, idx]), np.where(L[:, idx] < 0, n_levels, L[:, idx])
                            .astype(np.uint8), ranks[:, idx].sum(axis=1).astype(float), S[:, idx].sum(axis=1),
                            rng.random(len(idx)), rng.random(len(idx)), S[:, idx]))
    return ranks, S, L, out


@pytest.mark.parametrize("width", [1, 2])
def test_reducer_in_any_arrival_order_equals_counts_by_hand(width):
    rng = np.random.default_rng(8)
    n, R, n_levels = 7, 700, 3  # more runs than a flush (256): counted in several passes
    ranks, S, L, blocks = _blocks(n, R, 50, rng, width, n_levels)
    order = rng.permutation(len(blocks))
    red = bk.Reducer(n, R, len(blocks), width, n_levels, True)
    assert red.hist.width == width and red._flush_runs == 256
    for i in order:
        red.add(blocks[i])
    assert red.finish() is red
    np.testing.assert_array_equal(red.hist.counts, _counts_by_loops(ranks.astype(float), n, width))
    want_lev = np.stack([(L == k).sum(axis=1) for k in range(n_levels)], axis=1)
    np.testing.assert_array_equal(red.level_counts, want_lev)
    assert red.lev_counts[:, n_levels].tolist() == (L < 0).sum(axis=1).tolist()
    np.testing.assert_array_equal(red.rank_sum, ranks.sum(axis=1))
    # floating-point sums in task order, whatever the arrival order
    want = np.zeros(n)
    for b in blocks:
        want = want + b.score_sum
    np.testing.assert_array_equal(red.score_sum, want)
    np.testing.assert_array_equal(red.scores, S)
    np.testing.assert_array_equal(red.mars, np.concatenate([b.mars for b in blocks]))
    np.testing.assert_array_equal(red.imean, np.concatenate([b.imean for b in blocks]))


def test_reducer_without_scores_or_levels_and_a_missing_task():
    rng = np.random.default_rng(9)
    _, _, _, blocks = _blocks(5, 30, 10, rng, 1, 2)
    red = bk.Reducer(5, 30, 3, 1, 0, False, dtype=np.float32)
    assert red.scores is None and red.level_counts.shape == (5, 0)
    for b in (blocks[1], blocks[2]):
        b.levels = None
        red.add(b)
    assert red.hist.counts.sum() == 0  # buffered: fewer runs than a flush
    with pytest.raises(RuntimeError, match=r"blocks \[1, 2\] arrived without the tasks before them"):
        red.finish()
    assert red.hist.counts.sum() == 5 * 20
    assert np.isnan(red.mars[:10]).all() and not np.isnan(red.mars[10:]).any()
    big = bk.Reducer(3000, 10, 1, 1, 0, True, dtype=np.float32)
    assert big._flush_runs == 3000 and big.scores.dtype == np.float32 and big.scores.shape == (3000, 10)


# --- the local backend ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n_jobs", [0, 1, 2, 3])
def test_run_local_yields_every_task_once_in_order_with_bounded_lookahead(n_jobs):
    tasks = [bk.Task(i, 0, 0, np.array([i])) for i in range(11)]
    started: list[int] = []
    lock = threading.Lock()
    main = threading.get_ident()
    threads = set()

    def fn(t):
        with lock:
            started.append(t.no)
            threads.add(threading.get_ident())
        return t.no * 10

    seen = []
    for i, out in enumerate(bk.run_local(fn, tasks, n_jobs)):
        seen.append(out)
        with lock:
            assert len(started) <= max(2 * n_jobs, 1) + i + 1  # never more than 2·n_jobs tasks ahead
    assert seen == [10 * i for i in range(11)] and sorted(started) == list(range(11))
    if n_jobs <= 1:
        assert threads == {main}
    else:
        assert main not in threads


# --- the Dask backend, with stand-ins (no cluster) -------------------------------------------------------
class _Fut:
    def __init__(self, value):
        self.value, self.released = value, False

    def result(self):
        return self.value

    def release(self):
        self.released = True


class _AsCompleted:
    def __init__(self):
        self.q: list[_Fut] = []

    def add(self, f):
        self.q.append(f)

    def count(self):
        return len(self.q)

    def __iter__(self):
        while self.q:
            yield self.q.pop(0)


class _Client:
    def __init__(self, n_workers):
        self.n_workers = n_workers
        self.scattered: list[tuple[object, bool]] = []
        self.submitted: list[tuple] = []
        self.in_flight = self.max_in_flight = 0
        self.futs: list[_Fut] = []

    def scatter(self, obj, broadcast=False):
        self.scattered.append((obj, broadcast))
        return ("scattered", obj)

    def scheduler_info(self):
        return {"workers": {f"w{i}": {} for i in range(self.n_workers)}}

    def submit(self, fn, *args, pure=True):
        self.submitted.append((fn, pure))
        args = [a[1] if isinstance(a, tuple) and len(a) == 2 and a[0] == "scattered" else a for a in args]
        f = _Fut(fn(*args))
        self.futs.append(f)
        return f


@pytest.mark.parametrize("n_workers", [0, 1, 2])
def test_run_dask_scatters_once_submits_impure_tasks_in_a_window(monkeypatch, n_workers):
    dd = pytest.importorskip("dask.distributed")
    queues: list[_AsCompleted] = []

    def make():
        queues.append(_AsCompleted())
        return queues[-1]

    monkeypatch.setattr(dd, "as_completed", make)
    n = 3
    S = np.array([[1.0], [2.0], [3.0]])
    ri = np.array([[3], [2], [1]], dtype=np.int32)
    kern = _Kernel(S, ri, None, None)
    mats = {0: np.zeros((3, 1)), 1: np.ones((3, 1))}
    tasks = [bk.Task(i, i % 2, 0, np.array([i])) for i in range(10)]
    cl = _Client(n_workers)
    peak = []
    orig_add = _AsCompleted.add

    def add(self, f):
        orig_add(self, f)
        peak.append(len(self.q))

    monkeypatch.setattr(_AsCompleted, "add", add)
    args = lambda t: (t.no, t.u, t.a, t.idx, None, np.zeros(n), 1, n, 0, False)  # noqa: E731
    out = list(bk.run_dask(cl, kern, mats, tasks, args))
    assert sorted(b.no for b in out) == list(range(10)) and len(out) == 10
    assert [b.idx.tolist() for b in out] == [[i] for i in range(10)]
    assert cl.scattered[0] == (kern, True) and len(cl.scattered) == 3
    assert all(bc for _, bc in cl.scattered) and cl.scattered[1][0] is mats[0] and cl.scattered[2][0] is mats[1]
    assert all(fn is bk.run_block and pure is False for fn, pure in cl.submitted) and len(cl.submitted) == 10
    assert len(kern.calls) == 10 and all(c[0] is mats[t.u] for c, t in zip(kern.calls, tasks))
    assert max(peak) == 3 * max(n_workers, 1)
    assert all(f.released for f in cl.futs)


def test_dask_client_arguments(monkeypatch):
    dd = pytest.importorskip("dask.distributed")
    made = []

    class FakeCluster:
        def __init__(self, **kw):
            made.append(("cluster", kw))

    class FakeClient:
        def __init__(self, target):
            made.append(("client", target))

    monkeypatch.setattr(dd, "Client", FakeClient)
    monkeypatch.setattr(dd, "LocalCluster", FakeCluster)
    bk.dask_client("tcp://h:8786")
    assert made == [("client", "tcp://h:8786")]
    made.clear()
    bk.dask_client(None, 3, processes=True)
    assert made[0] == ("cluster", {"n_workers": 3, "threads_per_worker": 1, "processes": True,
                                   "dashboard_address": None})
    assert made[1][0] == "client" and isinstance(made[1][1], FakeCluster)
    made.clear()
    monkeypatch.setattr(bk.os, "cpu_count", lambda: 8)
    bk.dask_client()
    assert made[0] == ("cluster", {"n_workers": 2, "threads_per_worker": 1, "processes": False,
                                   "dashboard_address": None})
    made.clear()
    monkeypatch.setattr(bk.os, "cpu_count", lambda: None)
    bk.dask_client(None, 0)
    assert made[0][1]["n_workers"] == 1


# --- the public API: run_uncertainty, run_sensitivity, output_values, factor_columns, sobol_* -----------
def _api_case(n: int = 15, **ua):
    from .test_uncertainty_scale import SPEC, _toy

    fw, df = _toy(n=n)
    other = _toy(n=n, seed=4)[1]
    panel = pd.concat([df.assign(year=2024), other.assign(year=2025)], ignore_index=True)
    UA = {"N": 8, "seed": 3, "factors": [
        {"name": "w", "type": "weights", "level": 1, "noise": 0.4},
        {"name": "agg", "type": "choice", "step": "aggregate",
         "alternatives": {"a": "arithmetic", "g": "geometric"}}], **ua}
    return fw, df, panel, SPEC, UA


def _ranks_of(S: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, ties share the smallest rank (scipy's 'min')."""
    from scipy.stats import rankdata

    return np.column_stack([rankdata(-S[:, r], method="min") for r in range(S.shape[1])])


def test_run_uncertainty_draws_n_monte_carlo_runs_of_the_chosen_year():
    from analysis.uncertainty import Engine, replay, run_uncertainty, sample

    fw, df, panel, spec, ua = _api_case(design="sobol")  # run_uncertainty always draws plain Monte Carlo
    res = run_uncertainty(fw, panel, spec, ua, year=2024, chunk=3)
    assert res.scores is not None and res.scores.shape == (15, 8) and len(res.outputs) == 8
    eng = Engine(fw, df, spec, ua)  # the 2024 cross-section alone
    want = replay(fw, df, spec, ua, sample(eng, kind="mc"))
    np.testing.assert_array_equal(res.scores.to_numpy(), want.scores.to_numpy())
    other = run_uncertainty(fw, panel, spec, ua, year=2025)
    assert not np.array_equal(other.scores.to_numpy(), res.scores.to_numpy())
    assert run_uncertainty(fw, df, spec, ua, keep_scores=False).scores is None
    assert run_uncertainty(fw, df, spec, {**ua, "keep_scores": False}).scores is None
    assert run_uncertainty(fw, df, spec, {**ua, "keep_scores": False}, keep_scores=True).scores is not None


def test_output_values_of_a_unit_rank_and_of_a_column():
    from analysis import InputError
    from analysis.uncertainty import Engine, output_values, run_uncertainty

    fw, df, _, spec, ua = _api_case()
    eng = Engine(fw, df, spec, ua)
    res = run_uncertainty(fw, df, spec, ua)
    S = res.scores.to_numpy()
    np.testing.assert_array_equal(output_values(res, "rank:u0003", eng), _ranks_of(S)[3])
    np.testing.assert_array_equal(output_values(res, "index_mean", eng), res.outputs["index_mean"].to_numpy())
    np.testing.assert_allclose(output_values(res, "index_mean", eng), S.mean(axis=0), rtol=1e-12)
    with pytest.raises(InputError, match="output 'rank:u9999': unknown unit 'u9999'"):
        output_values(res, "rank:u9999", eng)
    with pytest.raises(InputError, match="unknown unit 'u0003'"):
        output_values(run_uncertainty(fw, df, spec, ua, keep_scores=False), "rank:u0003", eng)
    with pytest.raises(InputError, match=r"unknown output 'median' \(mean_abs_rank_shift, index_mean, rank:<uCode>\)"):
        output_values(res, "median", eng)


def test_factor_columns_of_a_design_of_multipliers():
    from analysis.uncertainty import Engine, factor_columns

    fw, df, _, spec, ua = _api_case()
    eng = Engine(fw, df, spec, ua)
    plain = [f"w[x{d}{i}]" for d in range(3) for i in range(3)]
    assert factor_columns(eng) == {"w": plain, "agg": ["agg"]}
    d = pd.DataFrame(columns=[c + "*" for c in plain[:4]] + plain[4:] + ["agg"])
    assert factor_columns(eng, d) == {"w": [c + "*" for c in plain[:4]] + plain[4:], "agg": ["agg"]}
    both = pd.DataFrame(columns=plain + [plain[0] + "*", "agg"])  # the plain name wins
    assert factor_columns(eng, both)["w"] == plain


def test_default_sobol_design_is_saltelli_radial_in_salibs_order():
    from analysis.uncertainty import Engine, sobol_design

    fw, df, _, spec, ua = _api_case(N=8)
    eng = Engine(fw, df, spec, ua)
    d, order, layout = sobol_design(eng)
    assert layout == "salib" and len(d) == 8 * 4 and order.tolist() == list(range(32))
    w = [c for c in d.columns if c.startswith("w[")]
    for s in range(0, 32, 4):  # rows A, AB_w, AB_agg, B
        A, ABw, ABa, B = (d.iloc[s + i] for i in range(4))
        assert list(ABw[w]) == list(B[w]) and ABw["agg"] == A["agg"]
        assert list(ABa[w]) == list(A[w]) and ABa["agg"] == B["agg"]
    assert any(list(d.iloc[s][w]) != list(d.iloc[s + 3][w]) for s in range(0, 32, 4))


def test_sobol_indices_name_the_factors_with_either_estimator_and_refuse_another():
    from analysis import InputError, InputWarning
    from analysis.uncertainty import Engine, run_sensitivity, sobol_design, sobol_indices

    fw, df, panel, spec, ua = _api_case(N=8, output="rank:u0002", keep_scores=False)
    eng = Engine(fw, df, spec, ua)
    d, order, _ = sobol_design(eng)
    res = eng.evaluate(eng.resolve(d), keep_scores=True)
    for est in ("coinr", "salib"):
        with pytest.warns(InputWarning, match="too small for stable Sobol' indices"):
            si, notes = sobol_indices(eng, res, order, estimator=est, num_resamples=20)
        assert list(si.index) == ["w", "agg"] and notes and "N = 8" in notes[0]
    with pytest.raises(InputError, match=r"unknown estimator 'saltelli' \(salib, coinr\)"):
        sobol_indices(eng, res, order, estimator="saltelli")
    # run_sensitivity: the same study on the chosen year, scores kept for a rank output, arguments passed on
    with pytest.warns(InputWarning):
        want, _ = sobol_indices(eng, res, order, estimator="coinr", num_resamples=20)
    with pytest.warns(InputWarning):
        si, res2 = run_sensitivity(fw, panel, spec, ua, estimator="coinr", num_resamples=20, year=2024, chunk=5)
    assert res2.scores is not None and res2.scores.shape == (15, 32)
    pd.testing.assert_frame_equal(si, want)
    with pytest.warns(InputWarning):
        si3, _ = run_sensitivity(fw, df, spec, ua, design=d.iloc[order], num_resamples=20)
    with pytest.warns(InputWarning):
        want3, _ = sobol_indices(eng, res, order, estimator="salib", num_resamples=20)
    pd.testing.assert_frame_equal(si3, want3)


def test_run_local_defaults_to_this_thread():
    main = threading.get_ident()
    where = []
    tasks = [bk.Task(i, 0, 0, None) for i in range(4)]
    out = list(bk.run_local(lambda t: where.append(threading.get_ident()) or t.no, tasks))
    assert out == [0, 1, 2, 3] and set(where) == {main}


def test_reducer_counts_once_a_flush_worth_of_runs_is_buffered():
    """Bins are buffered until max(256, bins) runs have come, then counted at once (and the rest at finish)."""
    n = 4
    ranks = np.tile(np.arange(1, n + 1)[:, None], (1, 600)).astype(np.int32)
    h = bk.RankHistogram(n, 1)

    def block(no, s, e):
        return bk.Block(no, np.arange(s, e), h.bins_of(ranks[:, s:e]), None, np.zeros(n), np.zeros(n),
                        np.zeros(e - s), np.zeros(e - s), None)

    red = bk.Reducer(n, 600, 5, 1, 0, False)
    red.add(block(0, 0, 255))
    assert red.hist.counts.sum() == 0  # 255 runs: still buffered
    red.add(block(1, 255, 256))  # exactly 256 runs buffered: counted now
    np.testing.assert_array_equal(red.hist.counts[:, :n], 256 * np.eye(n, dtype=int))
    red.add(block(2, 256, 511))  # the buffer starts again from 0: 255 runs buffered
    assert red.hist.counts.sum() == 256 * n
    red.add(block(3, 511, 512))
    assert red.hist.counts.sum() == 512 * n
    red.add(block(4, 512, 600))
    red.finish()
    np.testing.assert_array_equal(red.hist.counts[:, :n], 600 * np.eye(n, dtype=int))


def test_replay_of_a_year_passes_the_evaluation_options_on():
    from analysis.uncertainty import Engine, replay, sample

    fw, df, panel, spec, ua = _api_case()
    design = sample(Engine(fw, df, spec, ua))
    want = replay(fw, df, spec, ua, design)
    got = replay(fw, panel, spec, ua, design, year=2024)
    np.testing.assert_array_equal(got.scores.to_numpy(), want.scores.to_numpy())
    assert replay(fw, panel, spec, ua, design, year=2024, keep_scores=False).scores is None


def test_sample_checks_the_memory_of_the_runs_it_draws(monkeypatch):
    """The budget is checked for the N and the design kind asked for, not the spec's."""
    import analysis.schemas.uncertainty as su
    from analysis import InputError
    from analysis.uncertainty import Engine, sample

    fw, df, _, spec, ua = _api_case()  # N = 8, design mc
    eng = Engine(fw, df, spec, ua)
    need = su.check_budget(len(eng.units), eng.ua, False, design="mc", n_nodes=len(eng.nodes), available=1 << 60)
    monkeypatch.setattr(su, "available_memory", lambda: need)  # room for 8 Monte Carlo runs, no more
    assert len(sample(eng)) == 8 and len(sample(eng, kind="mc")) == 8
    with pytest.raises(InputError, match="key 'N': 32 runs"):
        sample(eng, kind="sobol")
    with pytest.raises(InputError, match="key 'N': 400 runs"):
        sample(eng, N=400)


def test_default_sobol_design_depends_on_the_seed_and_the_given_design_is_used():
    from analysis.uncertainty import Engine, run_sensitivity, sobol_design, sobol_indices

    fw, df, _, spec, ua = _api_case()
    d3, _, _ = sobol_design(Engine(fw, df, spec, ua))
    d0, _, _ = sobol_design(Engine(fw, df, spec, {**ua, "seed": 0}))
    d5, _, _ = sobol_design(Engine(fw, df, spec, {**ua, "seed": 5}))
    assert not d3.equals(d0) and not d3.equals(d5)
    eng = Engine(fw, df, spec, ua)
    res = eng.evaluate(eng.resolve(d5))
    with pytest.warns(UserWarning):
        want, _ = sobol_indices(eng, res, np.arange(len(d5)), num_resamples=20)
    with pytest.warns(UserWarning):
        si, _ = run_sensitivity(fw, df, spec, ua, design=d5, num_resamples=20)
    pd.testing.assert_frame_equal(si, want)
    # the documented default of 500 bootstrap resamples
    with pytest.warns(UserWarning):
        a, _ = sobol_indices(eng, res, np.arange(len(d5)))
    with pytest.warns(UserWarning):
        b, _ = sobol_indices(eng, res, np.arange(len(d5)), num_resamples=500)
    pd.testing.assert_frame_equal(a, b)


def test_missing_task_message_names_the_first_five_early_blocks():
    red = bk.Reducer(2, 8, 8, 1, 0, False)
    for no in range(1, 8):
        red.add(bk.Block(no, np.array([no]), np.zeros((2, 1), np.uint16), None, np.zeros(2), np.zeros(2),
                         np.zeros(1), np.zeros(1), None))
    with pytest.raises(RuntimeError, match=r"^blocks \[1, 2, 3, 4, 5\] arrived without"):
        red.finish()


def test_run_uncertainty_passes_evaluation_options_on():
    from analysis.uncertainty import run_uncertainty

    fw, df, _, spec, ua = _api_case()
    res = run_uncertainty(fw, df, spec, ua, rank_bins=3)  # 15 units in 3 bins of 5 ranks
    assert res.timings["rank_bin_width"] == 5


def test_output_values_of_a_unit_code_with_a_colon():
    from analysis.uncertainty import Engine, output_values, run_uncertainty

    fw, df, _, spec, ua = _api_case()
    df = df.assign(uCode=df["uCode"].where(df.index != 4, "KAB:04"))
    eng = Engine(fw, df, spec, ua)
    res = run_uncertainty(fw, df, spec, ua)
    np.testing.assert_array_equal(output_values(res, "rank:KAB:04", eng), _ranks_of(res.scores.to_numpy())[4])
