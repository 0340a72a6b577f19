"""Benchmark: the notebook pipeline of ``make demo`` (``maturasi run configs/demo.yaml``), notebook by notebook.

Each notebook is executed with papermill, as ``maturasi run`` does, into one scratch run folder;
the report rendering (``report.html``, ``report.pdf``, ``profiles.html``) is timed as its own line.
For every notebook the script prints the wall time and the CPU time of its kernel process (the
kernel is a child process: ``getrusage(RUSAGE_CHILDREN)`` before and after), so a run on a busy
machine still says what the work costs; the load average is printed before and after.

``--steps`` times the package functions behind notebooks 01, 02 and 04 in this process instead
(``analysis.report.steps``: wall and CPU time), the clustering's gap statistic and bootstrap
stability on their own, and the audit's correlation-ratio intervals against the reference
implementation kept in the same process (``analysis.audit.importance(engine="reference")``, one
spline fit per permutation and resample): the CPU ratio and the largest difference of the results.

``--compare A B`` compares the tables of two run folders (``maturasi run`` outputs, e.g. before and
after a change, same config and seed): every Parquet table exactly, and the notebooks' summaries.

Run: ``python benchmarks/bench_pipeline.py [--config configs/demo.yaml] [--steps | --compare A B]``.
Not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def notebooks(config: Path, only: list[str] | None) -> None:
    import papermill as pm

    from analysis.report.render import write_reports
    from analysis.report.runner import NOTEBOOK_DIR, NOTEBOOKS, check_parameters, load_config

    cfg, cfg_path = load_config(config)
    nbs = only or cfg.get("notebooks") or NOTEBOOKS
    plan = check_parameters({k: v for k, v in cfg.items() if k not in ("notebooks", "name")}, nbs, source=cfg_path)
    print(f"load average before: {_load()}  ({os.cpu_count()} CPUs)")
    print(f"{'notebook':30s} {'wall s':>8s} {'CPU s':>8s}")
    tot_w = tot_c = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        run = Path(tmp) / "run"
        (run / "notebooks").mkdir(parents=True)
        for nb in nbs:
            params = dict(plan[nb]) | {"run_dir": str(run)}
            w0, c0, s0 = time.perf_counter(), _children_cpu(), time.process_time()
            pm.execute_notebook(str(NOTEBOOK_DIR / f"{nb}.ipynb"), str(run / "notebooks" / f"{nb}.ipynb"),
                                parameters=params, cwd=str(run), progress_bar=False, log_output=False)
            w = time.perf_counter() - w0
            c = _children_cpu() - c0 + time.process_time() - s0
            tot_w, tot_c = tot_w + w, tot_c + c
            print(f"{nb:30s} {w:8.1f} {c:8.1f}", flush=True)
        if "99_report" in nbs:
            w0, s0 = time.perf_counter(), time.process_time()
            write_reports(run, cfg)
            w, c = time.perf_counter() - w0, time.process_time() - s0
            tot_w, tot_c = tot_w + w, tot_c + c
            print(f"{'report (html, pdf)':30s} {w:8.1f} {c:8.1f}")
    print(f"{'total':30s} {tot_w:8.1f} {tot_c:8.1f}")
    print(f"load average after: {_load()}")


def _timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, out


def steps(config: Path) -> None:
    import numpy as np

    from analysis import build
    from analysis.audit import importance, units_of
    from analysis.cluster import features, fit_labels, select_k, stability
    from analysis.report import steps as S
    from analysis.report.runner import load_config

    cfg, _ = load_config(config)
    year, seed = cfg.get("year"), int(cfg.get("seed") or 0)
    res = build(cfg["framework"], cfg["data"], cfg.get("spec"))
    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory(prefix="bench-steps-") as tmp:
        calls = {
            "01 data_audit": lambda: S.data_audit(res, tmp, year=year, n_boot=int(cfg.get("n_boot", 100)), seed=seed),
            "02 weighting": lambda: S.weighting(res, tmp, methods=cfg.get("weight_methods"), year=year,
                                                names=units_of(res, year).get("uName")),
            "04 clustering": lambda: S.clustering(res, tmp, on=cfg.get("cluster_on", "dimensions"),
                                                  method=cfg.get("cluster_method", "kmeans"),
                                                  n_boot=int(cfg.get("cluster_n_boot", 50)), seed=seed, year=year),
        }
        print(f"{'step (in process)':36s} {'wall s':>8s} {'CPU s':>8s}")
        for name, fn in calls.items():
            w, c, _ = _timed(fn)
            print(f"{name:36s} {w:8.1f} {c:8.1f}", flush=True)

    def versus(name, fast, ref, diff):
        wf, cf, a = _timed(fast)
        wr, cr, b = _timed(ref)
        print(f"{name:36s} new {wf:6.1f} s wall {cf:6.1f} s CPU | reference {wr:6.1f} s wall {cr:6.1f} s CPU | "
              f"CPU ×{cr / max(cf, 1e-9):4.1f}  max |Δ| {diff(a, b):.1e}", flush=True)

    n_boot = int(cfg.get("n_boot", 100))
    versus(f"importance, {n_boot} bootstraps",
            lambda: importance(res, n_boot=n_boot, seed=seed, year=year),
            lambda: importance(res, n_boot=n_boot, seed=seed, year=year, engine="reference"),
            lambda a, b: float(np.nanmax(np.abs(a.select_dtypes("number") - b.select_dtypes("number")).to_numpy())))
    X = features(res, cfg.get("cluster_on", "dimensions"), year=year)
    w, c, sel = _timed(lambda: select_k(X, range(2, 9), seed=seed))
    print(f"{'select_k (k = 1…9, 20 references)':36s} {w:8.1f} {c:8.1f}")
    lab = fit_labels(X, sel.k, seed=seed)
    nb = int(cfg.get("cluster_n_boot", 50))
    w, c, _ = _timed(lambda: stability(X, lab, sel.k, n_boot=nb, seed=seed))
    print(f"{f'stability ({nb} bootstraps)':36s} {w:8.1f} {c:8.1f}")
    print(f"load average after: {_load()}")


def compare(a: Path, b: Path) -> int:
    """Print the tables and summaries that differ between run folders ``a`` and ``b``; returns their number."""
    import numpy as np
    import pandas as pd

    bad = 0
    files = sorted((a / "tables").glob("*.parquet"))
    for f in files:
        g = b / "tables" / f.name
        if not g.exists():
            print(f"only in {a}: {f.name}")
            bad += 1
            continue
        x, y = pd.read_parquet(f), pd.read_parquet(g)
        if x.equals(y):
            continue
        bad += 1
        num = [c for c in x.select_dtypes("number").columns if c in y]
        d = np.nanmax(np.abs(x[num].to_numpy(float) - y[num].to_numpy(float))) if num and x.shape == y.shape else "-"
        print(f"differs: {f.name} (largest numeric difference {d})")
    for f in sorted((a / "state").glob("*.json")):
        g = b / "state" / f.name
        if not g.exists() or f.read_text(encoding="utf-8") != g.read_text(encoding="utf-8"):
            print(f"differs: state/{f.name}")
            bad += 1
    print(f"{len(files)} tables compared, {bad} tables or summaries differ")
    return bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", type=Path, default=ROOT / "configs" / "demo.yaml")
    p.add_argument("--notebooks", nargs="*", help="only these notebooks (default: the config's)")
    p.add_argument("--steps", action="store_true", help="time the step functions in process, with baselines")
    p.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="compare the tables of two run folders")
    a = p.parse_args(argv)
    if a.compare:
        return 1 if compare(*a.compare) else 0
    if a.steps:
        steps(a.config)
    else:
        notebooks(a.config, a.notebooks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
