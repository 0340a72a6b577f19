"""Replay overhead: COINr's ASEM uncertainty study (1,000 runs) from files to results.

The design is COINr's own ``get_sensitivity(SA_type = "UA")`` design of the ASEM example
(``../shared/data/asem/ua_replay/simple_UA_N100_design.csv``: a weight set out of 100, a
normaliser, an aggregator per run) stacked ten times into 1,000 runs, written to a temporary
folder. The library call timed is ``analysis.uncertainty.replay(iMeta, iData, spec, ua, design)``:
reading the framework, the data, the 100 weight sets (6,000 rows) and the design, the nominal build,
resolving the design and evaluating the 1,000 runs. Printed: the best of ``--repeat`` calls in CPU
time of the process (the machine is shared: wall-clock time counts the waits for a core), each phase
with the CSV reader's fast path and with the checked cell-by-cell reader alone (the in-process
baseline of the reader), and the ratio against an in-process baseline of the resolution — the same
study with the design resolved row by row (one merged copy of the spec per run and a weight set
looked up per run, the old path, reproduced here) — and against COINr's reported 24.6 s for 1,000
runs. The phases are timed one by one with the cyclic garbage collector paused, as ``replay`` pauses
it for its call (see ``analysis.uncertainty.gc_paused``), so that they add up to the whole call:
framework (iMeta), data (iData), UA spec (the spec and its weight-set table), nominal build (the
engine given the loaded framework, data and UA spec), design (read and checked), resolve, evaluate
(the upstream tables — the spec's own is the nominal build's — and the 1,000 runs). On a machine
shared with other jobs (load average printed) CPU times are inflated too (cores and caches shared):
compare numbers taken at the same load. Needs ../shared/data/asem (skipped otherwise). Not a test.

    nice .venv/bin/python benchmarks/bench_replay.py [--repeat 25]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import tables
from analysis.data import load_data
from analysis.framework import load_framework
from analysis.schemas import spec as spec_schema
from analysis.schemas.uncertainty import load_design
from analysis.uncertainty import Engine, Runs, gc_paused, replay
from analysis.uncertainty import engine as engine_mod
from analysis.uncertainty.spec import load_ua_spec

ASEM = Path(__file__).resolve().parents[2] / "shared" / "data" / "asem"
UA = ASEM / "ua_replay"
SPEC = {"normalise": {"method": "minmax", "range": [1, 100]}}
COINR_S = 24.6  # COINr 1.1.14, 1,000 UA runs of ASEM (reported)


def ua() -> dict:
    return {"factors": [
        {"name": "Weights", "type": "weight_set", "file": str(UA / "simple_noisy_weights_seed42_100sets.csv"),
         "column": "idx_Weights"},
        {"name": "Normalisation", "type": "choice", "step": "normalise", "column": "norm_f_n",
         "alternatives": {"n_minmax": {"method": "minmax", "range": [1, 100]},
                          "n_zscore": {"method": "zscore", "mean": 10, "sd": 2}}},
        {"name": "Aggregation", "type": "choice", "step": "aggregate", "column": "f_ag",
         "alternatives": {"a_amean": "arithmetic", "a_gmean": "geometric"}}]}


def row_by_row(eng: Engine, design: pd.DataFrame) -> Runs:
    """The old resolution: per run, labels read one by one, the weight set applied node by node, and the
    spec's steps deep-copied and merged, then looked up among the distinct ones by comparison."""
    R = len(design)
    W = np.tile(eng.w_nom, (R, 1))
    up_choice = {s: [None] * R for s in ("impute", "treat", "normalise")}
    agg_choice: list = [None] * R
    for f in eng.ua.factors:
        labels = [f.labels[k] for k in eng._label_index(design, f)]
        if f.type == "choice":
            for r, lab in enumerate(labels):
                alt = f.alternatives[lab]
                if f.step == "aggregate":
                    agg_choice[r] = {**(agg_choice[r] or {}), **alt}
                else:
                    up_choice[f.step][r] = {**(up_choice[f.step][r] or {}), **alt}
        elif f.type == "weight_set":
            for r, lab in enumerate(labels):
                for c, v in f.sets[lab].items():
                    if c in eng.node_ix:
                        W[r, eng.node_ix[c]] = float(v)

    def merge(step, alt):
        base = copy.deepcopy(eng.spec.get(step) or {})
        base.update(copy.deepcopy(alt))
        return base

    up = np.empty(R, dtype=int)
    ag = np.empty(R, dtype=int)
    for r in range(R):
        key = {s: merge(s, up_choice[s][r] or {}) for s in ("impute", "treat", "normalise")}
        up[r] = eng._key(eng.upstream_keys, key)
        ag[r] = eng._key(eng.agg_specs, merge("aggregate", agg_choice[r] or {}))
    return Runs(up, ag, W, design.reset_index(drop=True))


TIMES: dict[int, list[float]] = {}  # every timed call of best(), by function, for the median


def best(fn, k: int) -> tuple[float, object]:
    """The best of ``k`` calls after three warm-up calls: CPU time of this process (wall-clock time on a
    loaded machine counts the time spent waiting for a core; the CPU time does not) and the result."""
    for _ in range(3):
        out = fn()
    ts = TIMES.setdefault(id(fn), [])
    for _ in range(k):
        t = time.process_time()
        out = fn()
        ts.append(time.process_time() - t)
    return min(ts[-k:]), out


def best_wall(fn, k: int) -> float:
    fn()
    ts = []
    for _ in range(k):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return min(ts)


@contextlib.contextmanager
def checked_reader():
    """Every CSV read by the checked cell-by-cell reader (the reader before its fast paths: the clean
    table, and the weight sets read without a table)."""
    saved, saved_sets, saved_cols = tables._read_clean_csv, spec_schema._read_clean_sets, tables._clean_columns
    tables._read_clean_csv = lambda text, text_columns: None
    tables._clean_columns = lambda text, text_columns: None  # the typed columns read without a table
    spec_schema._read_clean_sets = lambda path: None
    try:
        yield
    finally:
        tables._read_clean_csv, spec_schema._read_clean_sets, tables._clean_columns = saved, saved_sets, saved_cols


@contextlib.contextmanager
def every_run_evaluated():
    """Each run evaluated even when an identical one is in its block (the engine shares repeated runs:
    the 1,000-run design is COINr's 100 runs ten times)."""
    saved = engine_mod._distinct_rows
    engine_mod._distinct_rows = lambda W: (None, None)
    try:
        yield
    finally:
        engine_mod._distinct_rows = saved


def phases(meta: Path, data: Path, path: Path, k: int) -> dict:
    t = {}
    call = lambda: replay(meta, data, SPEC, ua(), path)  # noqa: E731
    t["all"], res = best(call, k)
    t["median"] = float(np.median(TIMES[id(call)][-k:]))
    t["wall"] = best_wall(lambda: replay(meta, data, SPEC, ua(), path), k)
    ref = pd.read_csv(UA / "simple_UA_N100_Scores.csv").set_index("uCode")
    np.testing.assert_allclose(res.scores.loc[ref.index].iloc[:, :100].to_numpy(),
                               ref.drop(columns="Nominal").to_numpy(), rtol=0, atol=1e-9)
    with gc_paused():
        t["framework"], fw = best(lambda: load_framework(meta), k)
        t["data"], ds = best(lambda: load_data(data, fw), k)
        t["UA spec (100 sets)"], uas = best(lambda: load_ua_spec(ua()), k)
        t["nominal build"], eng = best(lambda: Engine(fw, ds, SPEC, uas), k)
        t["design"], design = best(lambda: load_design(path, eng.ua), k)
        t["resolve"], runs = best(lambda: eng.resolve(design), k)

        def evaluate():
            eng._cache.clear()  # the upstream tables are made in the call, as in replay
            return eng.evaluate(runs)

        t["evaluate"], _ = best(evaluate, k)
        t["row by row"], old = best(lambda: row_by_row(eng, design), k)
    np.testing.assert_array_equal(old.W, runs.W)
    np.testing.assert_array_equal(old.upstream, runs.upstream)
    np.testing.assert_array_equal(old.agg, runs.agg)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=25)
    a = ap.parse_args()
    if not ASEM.exists():
        print("ASEM data not found: skipped")
        return
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; times are the best of "
          f"{a.repeat} calls in CPU time of this process (wall-clock for the whole call in brackets)")
    with tempfile.TemporaryDirectory() as tmp:
        d = pd.read_csv(UA / "simple_UA_N100_design.csv")
        big = pd.concat([d] * 10, ignore_index=True)
        big["rep"] = np.arange(1, len(big) + 1)
        path = Path(tmp) / "asem_ua_1000.csv"
        big.to_csv(path, index=False)
        meta, data = ASEM / "ASEM_iMeta.csv", ASEM / "ASEM_iData.csv"
        new = phases(meta, data, path, a.repeat)
        with checked_reader():
            old = phases(meta, data, path, a.repeat)
        with every_run_evaluated():
            t_all_runs, _ = best(lambda: replay(meta, data, SPEC, ua(), path), a.repeat)

    ms = 1e3
    print(f"replay of COINr's ASEM UA design, 1,000 runs, from files: {new['all'] * ms:.1f} ms "
          f"[{new['wall'] * ms:.1f} ms] (COINr {COINR_S} s: ×{COINR_S / new['all']:,.0f}; target 25 ms); "
          f"median of the {a.repeat} calls {new['median'] * ms:.1f} ms")
    print(f"  with the checked CSV reader for every file: {old['all'] * ms:.1f} ms [{old['wall'] * ms:.1f} ms]")
    print(f"  {'part':<22}{'checked reader':>16}{'fast path':>12}")
    parts = ("framework", "data", "UA spec (100 sets)", "nominal build", "design", "resolve", "evaluate")
    for part in parts:
        print(f"  {part:<22}{old[part] * ms:>13.1f} ms{new[part] * ms:>9.1f} ms")
    print(f"  {'sum of the parts':<22}{sum(old[p] for p in parts) * ms:>13.1f} ms"
          f"{sum(new[p] for p in parts) * ms:>9.1f} ms")
    print(f"  resolve by groups {new['resolve'] * ms:.2f} ms vs row by row {new['row by row'] * ms:.2f} ms "
          f"(×{new['row by row'] / new['resolve']:.0f})")
    print(f"  with every run evaluated (the design's repeated runs not shared): {t_all_runs * ms:.1f} ms")
    t_base = new["all"] - new["resolve"] + new["row by row"]
    print(f"  the whole call with row-by-row resolution: {t_base * ms:.1f} ms → ×{t_base / new['all']:.2f}")


if __name__ == "__main__":
    main()
