"""``maturasi weights`` and ``maturasi audit`` sub-commands."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

__all__ = ["register"]


def _common(q):
    q.add_argument("--framework", "-f", required=True, help="framework YAML/CSV/XLSX or built-in name")
    q.add_argument("--data", "-d", required=True, help="data table")
    q.add_argument("--spec", "-s", default=None, help="build spec (YAML)")
    q.add_argument("--out", "-o", required=True, help="output folder")
    q.add_argument("--year", default=None, help="year to analyse in panel data (default: last)")


def register(sub) -> None:
    w = sub.add_parser("weights", help="derive weight sets (AHP, budget, PCA, entropy, CRITIC, BoD, optimised) "
                                       "and compare the index under each")
    _common(w)
    w.add_argument("--methods", default="equal,entropy,critic,pca,optimised,bod",
                   help="comma-separated: equal, framework, entropy, critic, pca, pca_pc1, optimised, bod")
    w.add_argument("--ahp", default=None, help="pairwise comparison matrices (YAML/CSV/XLSX)")
    w.add_argument("--budget", default=None, help="budget allocation table (CSV/XLSX)")
    w.add_argument("--bod-lower", type=float, default=None, help="lower bound on each indicator's share (BoD)")
    w.add_argument("--bod-upper", type=float, default=None, help="upper bound on each indicator's share (BoD)")
    w.set_defaults(func=cmd_weights)
    a = sub.add_parser("audit", help="statistical audit: correlations, alpha, importance, availability, LOO")
    _common(a)
    a.add_argument("--n-boot", type=int, default=200, help="bootstrap resamples for correlation-ratio intervals")
    a.add_argument("--seed", type=int, default=None)
    a.set_defaults(func=cmd_audit)


def _inputs(args) -> dict:
    d = {"framework": args.framework, "data": args.data, "spec": args.spec}
    for k in ("ahp", "budget"):
        if getattr(args, k, None):
            d[k] = getattr(args, k)
    return d


def _names(res, year):
    from .audit import units_of

    u = units_of(res, year)
    return u["uName"] if "uName" in u.columns else None


def cmd_weights(args) -> int:
    from .manifest import atomic_dir, manifest, write_json
    from .pipeline import build
    from .report import steps

    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    out = Path(args.out)
    with atomic_dir(out) as tmp:
        summ = steps.weighting(res, tmp, methods=methods, ahp=args.ahp, budget=args.budget, bod_lower=args.bod_lower,
                               bod_upper=args.bod_upper, year=args.year, names=_names(res, args.year))
        m = manifest(command="weights", inputs=_inputs(args), spec=res.spec.to_dict(), seed=res.spec.get("seed"),
                     timings={"total": time.perf_counter() - t0}, outputs=_listing(tmp),
                     extra={"methods": methods, "year": args.year})
        write_json(m, tmp / "manifest.json")
    print(pd.DataFrame(summ["summary"]).set_index("set").round(3).to_string())
    print(f"→ {out}")
    return 0


def _listing(tmp: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()) + ["manifest.json"]


def cmd_audit(args) -> int:
    from .manifest import atomic_dir, manifest, write_json
    from .pipeline import build
    from .report import steps

    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    seed = args.seed if args.seed is not None else int(res.spec.get("seed") or 0)
    out = Path(args.out)
    with atomic_dir(out) as tmp:
        summ = steps.data_audit(res, tmp, year=args.year, n_boot=args.n_boot, seed=seed)
        m = manifest(command="audit", inputs=_inputs(args), spec=res.spec.to_dict(), seed=seed,
                     timings={"total": time.perf_counter() - t0}, notes=summ["flags"], outputs=_listing(tmp),
                     extra={"year": args.year, "n_boot": args.n_boot})
        write_json(m, tmp / "manifest.json")
    for n in summ["flags"][:20]:
        print(f"flag: {n}")
    print(f"audit → {out}")
    return 0


def register_cluster(sub) -> None:
    c = sub.add_parser("cluster", help="typologies of units: k selection, stability, profiles, peer ranks, maps")
    _common(c)
    c.add_argument("--on", choices=["dimensions", "indicators", "pca"], default="dimensions")
    c.add_argument("--method", choices=["kmeans", "ward", "gmm", "hdbscan"], default="kmeans")
    c.add_argument("--k", type=int, default=None, help="number of clusters (default: chosen by --choose)")
    c.add_argument("--k-range", default="2-8", help="k values to compare, e.g. 2-8")
    c.add_argument("--choose", default="silhouette", choices=["silhouette", "gap", "ch", "db", "bic"])
    c.add_argument("--scale", choices=["standard", "minmax", "none"], default="standard")
    c.add_argument("--n-boot", type=int, default=100)
    c.add_argument("--seed", type=int, default=None)
    c.add_argument("--boundaries", default=None, help="GeoJSON or shapefile of unit boundaries (optional)")
    c.add_argument("--boundary-code", default=None,
                   help="boundary property with the units' own codes (default: crosswalk by name and province)")
    c.set_defaults(func=cmd_cluster)


def cmd_cluster(args) -> int:
    from .cluster import typology
    from .manifest import atomic_dir, manifest, write_json
    from .pipeline import build
    from .report import steps

    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    seed = args.seed if args.seed is not None else int(res.spec.get("seed") or 0)
    a, _, b = args.k_range.partition("-")
    ks = range(int(a), int(b or a) + 1)
    ty = typology(res, on=args.on, method=args.method, k=args.k, ks=ks, scale=args.scale, choose=args.choose,
                  n_boot=args.n_boot, seed=seed, year=args.year)
    out = Path(args.out)
    with atomic_dir(out) as tmp:
        t, f, _ = steps.folders(tmp)
        notes = steps.write_typology(ty, res, t, f, boundaries=args.boundaries, boundary_code=args.boundary_code,
                                     year=args.year)
        inputs = _inputs(args)
        if args.boundaries:
            inputs["boundaries"] = args.boundaries
        m = manifest(command="cluster", inputs=inputs, spec=res.spec.to_dict(), seed=seed,
                     timings={"total": time.perf_counter() - t0}, notes=notes,
                     outputs=_listing(tmp), extra={"method": args.method, "on": args.on, "k": ty.k})
        write_json(m, tmp / "manifest.json")
    for n in notes:
        print(n)
    print(f"{ty.k} clusters → {out}")
    return 0


def register_scenario(sub) -> None:
    s = sub.add_parser("scenario", help="what-if: apply a scenario file to a run and compare with its baseline")
    s.add_argument("--run", required=True, help="output folder of 'maturasi build' (its manifest names the inputs)")
    s.add_argument("--scenario", required=True, help="scenario YAML/XLSX")
    s.add_argument("--out", "-o", required=True)
    s.add_argument("--mode", choices=["frozen", "renormalise", "both"], default="frozen")
    s.add_argument("--year", default=None)
    s.set_defaults(func=cmd_scenario)
    p = sub.add_parser("path", help="least improvement that lifts a unit to a target level, score or rank")
    p.add_argument("--run", required=True)
    p.add_argument("--unit", required=True, help="unit code, e.g. 73.71")
    p.add_argument("--to", default="next", help="'next', a level (M3), 'rank:N' or a score")
    p.add_argument("--indicators", default=None, help="comma-separated indicators allowed to move (default all)")
    p.add_argument("--upper", choices=["best", "range"], default="best",
                   help="limit per indicator: best observed value (default) or its valid range")
    p.add_argument("--costs", default=None, help="CSV iCode,cost (cost per raw unit of improvement)")
    p.add_argument("--out", "-o", default=None, help="folder for path.csv and the equivalent scenario.yaml")
    p.add_argument("--year", default=None)
    p.set_defaults(func=cmd_path)
    d = sub.add_parser("dashboard", help="planner dashboard in the browser (what-if sliders, rank, level, path)")
    d.add_argument("--runs", default="reports", help="folder holding baseline runs (default: reports)")
    d.add_argument("--run", default=None, help="run folder to open first")
    d.add_argument("--unit", default=None, help="unit code to open first, e.g. 73.71")
    d.add_argument("--lang", choices=["en", "id"], default="en")
    d.add_argument("--port", type=int, default=5006)
    d.add_argument("--address", default="127.0.0.1")
    d.add_argument("--show", action="store_true", help="open a browser tab")
    d.set_defaults(func=cmd_dashboard)


def cmd_scenario(args) -> int:
    import shutil

    from .manifest import atomic_dir, manifest, write_json
    from .scenario import baseline_from_run, compare_modes, contributions, load_scenario, run_scenario

    t0 = time.perf_counter()
    sc = load_scenario(args.scenario)
    b = baseline_from_run(args.run, args.year if args.year is not None else sc.year)
    modes = ["frozen", "renormalise"] if args.mode == "both" else [args.mode]
    out = Path(args.out)
    with atomic_dir(out) as tmp:
        first = None
        for mode in modes:
            r = run_scenario(b, sc, mode=mode)
            first = first or r
            r.table.to_csv(tmp / f"scenario_{mode}.csv", float_format="%.10g")
            r.deltas.to_csv(tmp / f"deltas_{mode}.csv", float_format="%.10g")
        first.changed.to_csv(tmp / "changed_cells.csv", index=False, float_format="%.10g")
        if args.mode == "both":
            compare_modes(b, sc).to_csv(tmp / "frozen_vs_renormalised.csv", float_format="%.10g")
        units = sorted(set(first.changed["uCode"]))
        if units and len(units) <= 50:
            contrib = pd.concat({u: contributions(b, first, u) for u in units}, names=["uCode", "iCode"])
            contrib.rename("contribution").to_csv(tmp / "contributions.csv", float_format="%.10g")
        if Path(args.scenario).suffix.lower() in (".yaml", ".yml"):
            shutil.copyfile(args.scenario, tmp / "scenario.yaml")
        m = manifest(command="scenario", inputs={"scenario": args.scenario, "run_manifest": Path(args.run) /
                                                 "manifest.json"}, seed=None,
                     timings={"total": time.perf_counter() - t0},
                     outputs=sorted(p.name for p in tmp.iterdir()) + ["manifest.json"],
                     extra={"scenario": sc.name, "modes": modes, "year": b.year})
        write_json(m, tmp / "manifest.json")
    t = first.table
    moved = t[t["changed"]]
    print(moved.drop(columns=["changed"]).head(20).to_string())
    print(f"{len(moved)} units changed; → {out}")
    return 0


def cmd_path(args) -> int:
    import yaml

    from .scenario import baseline_from_run, path_to_target

    b = baseline_from_run(args.run, args.year)
    costs = None
    if args.costs:
        c = pd.read_csv(args.costs)
        costs = dict(zip(c.iloc[:, 0].astype(str), c.iloc[:, 1].astype(float)))
    inds = [s.strip() for s in args.indicators.split(",")] if args.indicators else None
    to = args.to
    try:
        to = float(to)
    except ValueError:
        pass
    p = path_to_target(b, args.unit, to, indicators=inds, upper=args.upper, costs=costs)
    name = b.units["uName"].get(args.unit, args.unit) if "uName" in b.units.columns else args.unit
    print(f"{name} ({args.unit}): {p.baseline_score:.3f} → target {p.target:.3f}: {p.message}")
    mv = p.moves[p.moves["change"].abs() > 0]
    if len(mv):
        print(mv.to_string(float_format=lambda v: f"{v:.4g}"))
        print(f"total cost {p.total_cost:.4g}; score after the moves {p.achieved_score:.4f} ({p.method})")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        p.moves.to_csv(out / "path.csv", float_format="%.10g")
        (out / "path_scenario.yaml").write_text(yaml.safe_dump(p.as_scenario(), sort_keys=False), encoding="utf-8")
    return 0 if p.reachable else 3


def register_run(sub) -> None:
    r = sub.add_parser("run", help="run the notebook pipeline (papermill) for a config: tables, figures, report")
    r.add_argument("config", help="run config (YAML)")
    r.add_argument("--out", "-o", default=None, help="run folder (default reports/<name>)")
    r.add_argument("-p", "--parameter", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config parameter (repeatable)")
    r.add_argument("--dry-run", action="store_true", help="validate the config and inputs only")
    r.add_argument("--no-progress", action="store_true")
    r.set_defaults(func=cmd_run)


def cmd_run(args) -> int:
    from .report.runner import parse_overrides, run, summary_line

    m = run(args.config, args.out, overrides=parse_overrides(args.parameter), dry_run=args.dry_run,
            progress=False if args.no_progress else None)
    if m["status"] == "dry-run":
        return 0
    print(summary_line(m))
    if m["status"] != "ok":
        return 2 if (m.get("failure") or {}).get("error") == "InputError" else 1
    return 0


def cmd_dashboard(args) -> int:
    """Serve ``notebooks/dashboard.ipynb`` (the function behind it when the notebook is not there)."""
    import os

    import panel as pn

    from ._errors import InputError
    from .dashboard.app import build_app
    from .dashboard.model import find_runs
    from .report.runner import NOTEBOOK_DIR

    runs = Path(args.runs).resolve()
    run = None if args.run is None else str(Path(args.run).resolve())
    if run is None and find_runs(runs).empty:
        raise InputError(f"no baseline runs under {runs}; build one first "
                         "(e.g. make demo, or maturasi build … --out reports/NAME)", file=runs)
    os.environ.update({"MATURASI_RUNS": str(runs), "MATURASI_LANG": args.lang})
    for k, v in (("MATURASI_RUN", run), ("MATURASI_UNIT", args.unit)):
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    nb = NOTEBOOK_DIR / "dashboard.ipynb"
    target = str(nb) if nb.is_file() else (lambda: build_app(str(runs), run, args.unit, args.lang))
    print(f"Maturasi dashboard on http://{args.address}:{args.port}/ (Ctrl-C to stop)", flush=True)
    pn.serve({"/": target}, port=args.port, address=args.address, show=args.show, title="Maturasi",
             websocket_origin=[f"{args.address}:{args.port}", f"localhost:{args.port}"], threaded=False)
    return 0
