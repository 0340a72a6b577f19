"""Village scale: Monte Carlo uncertainty of the Indeks Desa Membangun over 83,764 villages.

Synthetic data of the real size: 83,764 desa × the 50 IDM indicator scores (built-in framework
``idm``, its official method ``methodology/specs/idm.yaml``). Each synthetic village is a real
village's score profile drawn with replacement from the published IDM of 2021–2023
(``../shared/data/indonesia/idm/idm_desa_2021_2024.csv``; 2024 is left out for its IKS_31 copy
quirk). Without that file every indicator score is drawn independently from Binomial(5, p_j) with
p_j evenly spaced from 0.35 to 0.85 over the 50 indicators (a documented stand-in: scores 0–5,
indicator means from 1.75 to 4.25, statuses spread over all five bands). Desa codes are
``<real kab/kota code>.<kecamatan 010…>.<desa 2001…>`` (10 digits) over the 514 kab/kota of
``data/reference/regencies.csv`` (real prefixes, synthetic kecamatan and desa numbers).

The study: ``--runs`` Monte Carlo runs (default 10,000) of weight noise (every weight × (1 + U(−0.25,
0.25)), 53 nodes) plus one discrete choice (normalisation: the official goalposts 0–5 or min-max
on the data), with rank quantiles (median, 5th, 95th) and status shares per village, no per-run
scores kept. It runs with the local backend, then with Dask (``LocalCluster``, or ``--scheduler``),
checks that both give identical tables, and prints times, peak memory (``ru_maxrss`` of the
process and ``tracemalloc``'s peak of each phase) and ratios against a baseline run in the same
process: the bare work floor (one matrix product and one ``numpy.argsort`` per run, nothing
else). ``--scale 0.1`` runs a tenth of the units and runs. Not a test.

    nice .venv/bin/python benchmarks/bench_village.py [--scale 1] [--runs 10000] [--backends local,dask]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.framework import load_framework
from analysis.official import official_spec
from analysis.uncertainty import Engine, sample

ROOT = Path(__file__).resolve().parents[1]
IDM = ROOT.parent / "shared" / "data" / "indonesia" / "idm" / "idm_desa_2021_2024.csv"
N_VILLAGES = 83_764


def village_codes(n: int) -> list[str]:
    """``n`` distinct 10-digit desa codes on the real kab/kota prefixes of ``data/reference/regencies.csv``."""
    kab = pd.read_csv(ROOT / "data" / "reference" / "regencies.csv", dtype=str)
    col = next(c for c in kab.columns if "code" in c.lower())
    prefixes = sorted(kab[col].str.replace(".", "", regex=False).str.strip())
    per = -(-n // len(prefixes))
    out = []
    for i in range(n):
        p, k = prefixes[i % len(prefixes)], i // len(prefixes)
        kec, desa = 10 + 10 * (k // 40), 2001 + k % 40
        out.append(f"{p[:2]}.{p[2:4]}.{kec:03d}.{desa:04d}")
    assert per * len(prefixes) >= n
    return out


def village_data(n: int, indicators: list[str], seed: int = 20261129) -> tuple[pd.DataFrame, str]:
    """``n`` synthetic villages: real IDM score profiles resampled, or the Binomial stand-in."""
    rng = np.random.default_rng(seed)
    if IDM.exists():
        real = pd.read_csv(IDM, usecols=["tahun", *indicators])
        real = real[real["tahun"] < 2024][indicators].dropna()
        X = real.to_numpy(dtype=float)[rng.integers(0, len(real), n)]
        source = f"resampled from {len(real):,} published village-years 2021–2023 ({IDM.name})"
    else:
        p = np.linspace(0.35, 0.85, len(indicators))
        X = rng.binomial(5, p, (n, len(indicators))).astype(float)
        source = "fallback: Binomial(5, p_j), p_j from 0.35 to 0.85 (shared IDM file not found)"
    df = pd.DataFrame(X, columns=indicators)
    df.insert(0, "uCode", village_codes(n))
    return df, source


def ua_spec(runs: int) -> dict:
    return {"N": runs, "seed": 29, "keep_scores": False, "factors": [
        {"name": "w", "type": "weights", "level": "all", "noise": 0.25},
        {"name": "norm", "type": "choice", "step": "normalise",
         "alternatives": {"official": {"method": "goalposts", "min": 0, "max": 5, "range": [0, 1]},
                          "minmax": {"method": "minmax", "range": [0, 1]}}}]}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn):
    tracemalloc.reset_peak()
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t, tracemalloc.get_traced_memory()[1] / 2 ** 20


def floor(eng: Engine, runs, chunk: int) -> float:
    """The bare work: per run one matrix product (units × indicators @ effective weights) and one argsort."""
    X = eng.upstream(0)
    _, E = eng.effective_weights(runs.W, eng.fw.root)
    t = time.perf_counter()
    for s in range(0, len(E), chunk):
        S = X @ E[s:s + chunk].T
        np.argsort(-S.T, axis=1)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the real size (units and runs)")
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--backends", default="local,dask")
    ap.add_argument("--scheduler", default=None, help="a Dask scheduler address (default: a LocalCluster)")
    ap.add_argument("--jobs", type=int, default=2, help="threads (local) / workers (dask)")
    ap.add_argument("--no-progress", action="store_true")
    a = ap.parse_args()
    n = max(10, int(round(N_VILLAGES * a.scale)))
    R = max(10, int(round(a.runs * a.scale)))
    tracemalloc.start()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} cores")
    fw = load_framework("idm")
    (df, source), t_data, _ = timed(lambda: village_data(n, fw.indicators))
    print(f"data: {n:,} villages × {len(fw.indicators)} indicator scores, {source} ({t_data:.1f} s)")
    eng, t_eng, m_eng = timed(lambda: Engine(fw, df, official_spec(fw), ua_spec(R)))
    runs = eng.resolve(sample(eng))
    print(f"engine: nominal build and design of {R:,} runs in {t_eng:.1f} s (peak {m_eng:.0f} MiB traced)")
    show = not a.no_progress
    results = {}
    times = {}
    for backend in a.backends.split(","):
        res, t, m = timed(lambda b=backend: eng.evaluate(runs, keep_scores=False, backend=b, scheduler=a.scheduler,
                                                         n_jobs=a.jobs, progress=show))
        results[backend], times[backend] = res, t
        print(f"{backend:>6}: {R:,} runs × {n:,} villages in {t:.1f} s ({t / R * 1e3:.2f} ms/run), "
              f"{res.timings['tasks']} tasks, rank quantiles {res.timings['rank_quantiles']}; "
              f"peak traced {m:.0f} MiB, process peak RSS {rss_mb():.0f} MiB")
    t_floor = floor(eng, runs, max(1, (1 << 23) // n))
    print(f"baseline (matrix product + argsort per run, one thread): {t_floor:.1f} s")
    for b, t in times.items():
        print(f"  {b}: ×{t / t_floor:.2f} of the baseline")
    if "local" in times and "dask" in times:
        print(f"  dask / local: ×{times['dask'] / times['local']:.2f}")
        lo, di = results["local"], results["dask"]
        pd.testing.assert_frame_equal(lo.rank_stats, di.rank_stats, check_exact=True)
        pd.testing.assert_frame_equal(lo.level_shares, di.level_shares, check_exact=True)
        pd.testing.assert_frame_equal(lo.outputs, di.outputs, check_exact=True)
        print("  local and dask tables identical (rank statistics, status shares, per-run outputs)")
    res = next(iter(results.values()))
    st, sh = res.rank_stats, res.level_shares
    width = (st["Q95"] - st["Q5"])
    print(f"rank interval Q5–Q95: median width {width.median():.0f} ranks; villages whose status changes in "
          f"some run: {(sh.max(axis=1) < 1).mean():.1%}; mean status shares: "
          + ", ".join(f"{c} {v:.1%}" for c, v in sh.mean().items()))
    if n <= 20_000:  # the binned quantiles against the exact ones from every run's scores
        ex = eng.evaluate(runs, keep_scores=True, rank_bins=n, backend="local", n_jobs=a.jobs)
        bi = eng.evaluate(runs, keep_scores=False, rank_bins=1000, backend="local", n_jobs=a.jobs)
        err = (bi.rank_stats[["Median", "Q5", "Q95"]] - ex.rank_stats[["Median", "Q5", "Q95"]]).abs()
        w = bi.timings["rank_bin_width"]
        print(f"binned (1,000 bins, width {w}) vs exact quantiles: max error {err.to_numpy().max():.2f} ranks "
              f"(bound {w - 1}), mean {err.to_numpy().mean():.3f}")
    print(f"process peak RSS {rss_mb():.0f} MiB; load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
