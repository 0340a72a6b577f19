"""``maturasi scenario`` and ``maturasi path``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

__all__ = ["register", "cmd_scenario", "cmd_path"]


def register(sub) -> None:
    """Add the scenario and path sub-commands."""
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


def cmd_scenario(args: argparse.Namespace) -> int:
    import shutil

    import pandas as pd

    from ..manifest import atomic_dir, manifest, write_json
    from ..scenario import baseline_from_run, compare_modes, contributions, load_scenario, run_scenario

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


def cmd_path(args: argparse.Namespace) -> int:
    import pandas as pd
    import yaml

    from ..scenario import baseline_from_run, path_to_target

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
