"""``maturasi scenario`` and ``maturasi path``."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from .._errors import InputError
from . import _notes
from ._args import add_force, listing, run_inputs, suggest

__all__ = ["register", "cmd_scenario", "cmd_path"]


def register(sub) -> None:
    """Add the scenario and path sub-commands."""
    s = sub.add_parser("scenario", help="what-if: apply a scenario file to a run and compare with its baseline "
                       "('scenario template' writes a scenario workbook to fill in Excel)")
    s.add_argument("action", nargs="?", choices=["template"], default=None,
                   help="'template': write a scenario workbook (one row per unit x indicator) for --units")
    s.add_argument("--run", required=True, help="output folder of 'maturasi build' (its manifest names the inputs)")
    s.add_argument("--scenario", default=None, help="scenario YAML/XLSX (not with 'template')")
    s.add_argument("--units", default=None, help="'template': comma-separated unit codes, e.g. 73.71,35.10")
    s.add_argument("--out", "-o", required=True, help="output folder (new, or an earlier output with --force); "
                   "with 'template' the .xlsx file to write")
    add_force(s)
    s.add_argument("--xlsx", action="store_true", help="also write results.xlsx (formatted workbook)")
    s.add_argument("--mode", choices=["frozen", "renormalise", "both"], default="frozen")
    s.add_argument("--year", default=None)
    s.set_defaults(func=cmd_scenario)
    p = sub.add_parser("path", help="least improvement that lifts a unit to a target level, score or rank")
    p.add_argument("--run", required=True)
    p.add_argument("--unit", required=True, help="unit code, e.g. 73.71")
    p.add_argument("--to", default="next", help="'next', a level label (e.g. L3), 'rank:N' or a score")
    p.add_argument("--indicators", default=None, help="comma-separated indicators allowed to move (default all)")
    p.add_argument("--upper", choices=["best", "range"], default="best",
                   help="limit per indicator: best observed value (default) or its valid range")
    p.add_argument("--costs", default=None, help="CSV/XLSX iCode,cost (cost per raw unit of improvement, >= 0)")
    p.add_argument("--out", "-o", default=None, help="new folder for path.csv and the equivalent scenario "
                   "(path_scenario.yaml), with a manifest")
    p.add_argument("--xlsx", action="store_true", help="with --out, also write results.xlsx (formatted workbook)")
    add_force(p)
    p.add_argument("--year", default=None)
    p.set_defaults(func=cmd_path)


def cmd_scenario(args: argparse.Namespace) -> int:
    import shutil

    import pandas as pd

    from ..manifest import atomic_dir, check_out, manifest, write_json
    from ..scenario import baseline_from_run, compare_modes, contributions, load_scenario, run_scenario

    if args.action == "template":
        return cmd_template(args)
    if args.scenario is None:
        raise InputError("scenario needs --scenario FILE (or 'maturasi scenario template' to write one)")
    if args.units is not None:
        raise InputError("--units belongs to 'maturasi scenario template'")
    inputs = [args.scenario, *run_inputs(args.run)]
    check_out(args.out, inputs=inputs, force=args.force)
    t0 = time.perf_counter()
    sc = load_scenario(args.scenario)
    b = baseline_from_run(args.run, args.year if args.year is not None else sc.year)
    modes = ["frozen", "renormalise"] if args.mode == "both" else [args.mode]
    out = Path(args.out)
    with atomic_dir(out, inputs=inputs, force=args.force) as tmp:
        first, tables = None, {}
        for mode in modes:
            r = run_scenario(b, sc, mode=mode)
            first = first or r
            tables["scenario" if len(modes) == 1 else _MODE_SHEETS[mode]] = r.table.reset_index()
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
        if args.xlsx:
            from ..workbook import about_baseline, write_workbook

            write_workbook(tmp / "results.xlsx", {**tables, "changed": first.changed}, framework=b.framework,
                           about=about_baseline(b, "scenario", args.run, Scenario=sc.name))
        m = manifest(command="scenario", inputs={"scenario": args.scenario, "run_manifest": Path(args.run) /
                                                 "manifest.json"}, seed=None,
                     timings={"total": time.perf_counter() - t0}, notes=_notes.recorded(),
                     outputs=listing(tmp),
                     extra={"scenario": sc.name, "modes": modes, "year": b.year})
        write_json(m, tmp / "manifest.json")
    t = first.table
    moved = t[t["changed"]]
    print(moved.drop(columns=["changed"]).head(20).to_string())
    print(f"{len(moved)} units changed; → {out}")
    return 0


_MODE_SHEETS = {"frozen": "Skenario beku - Frozen", "renormalise": "Skenario renormal - Renormalised"}


def cmd_template(args: argparse.Namespace) -> int:
    """``maturasi scenario template --run DIR --units 73.71,35.10 --out S.xlsx``."""
    from ..scenario import baseline_from_run
    from ..scenario_template import write_template

    if args.scenario is not None:
        raise InputError("'scenario template' writes a scenario; --scenario is not used")
    units = [u.strip() for u in (args.units or "").split(",") if u.strip()]
    if not units:
        raise InputError("'scenario template' needs --units, e.g. --units 73.71,35.10")
    out = Path(args.out)
    for p in run_inputs(args.run):
        if p and Path(p).resolve() == out.resolve():
            raise InputError("--out is an input of the run; choose a new file name", file=out)
    if Path(args.run).resolve() in out.resolve().parents:
        raise InputError("--out lies inside the run folder; write the template elsewhere", file=out)
    if not out.parent.resolve().is_dir():
        raise InputError(f"folder {out.parent} does not exist", file=out)
    b = baseline_from_run(args.run, args.year)
    write_template(b, units, out, force=args.force, run_name=Path(args.run).name)
    n = len(units) * len(b.framework.indicators)
    print(f"wrote scenario template: {len(units)} unit(s) x {len(b.framework.indicators)} indicators = {n} rows "
          f"→ {out}")
    return 0


def _target(text: str):
    """``--to``: a finite score, or the text ('next', a level, 'rank:N') for the library to read."""
    try:
        to = float(text)
    except ValueError:
        return text
    if not math.isfinite(to):
        raise InputError(f"--to {text}: a target score must be a finite number")
    return to


def _check_path_args(args: argparse.Namespace, b) -> list[str] | None:
    """Refuse an unknown ``--unit`` or ``--indicators`` entry (with a suggestion); the indicators to move."""
    units = [str(u) for u in b.raw.index]
    if args.unit not in units:
        raise InputError(f"--unit '{args.unit}': no such unit in the run{suggest(args.unit, units)}",
                         file=args.run)
    if args.indicators is None:
        return None
    inds = [s.strip() for s in args.indicators.split(",") if s.strip()]
    if not inds:
        raise InputError("--indicators names no indicator")
    known = list(b.framework.indicators)
    for c in inds:
        if c not in known:
            raise InputError(f"--indicators: unknown indicator '{c}'{suggest(c, known)}", file=args.run)
    return inds


def cmd_path(args: argparse.Namespace) -> int:
    import yaml

    from ..manifest import atomic_dir, check_out, manifest, write_json
    from ..scenario import baseline_from_run, path_to_target
    from ..schemas.tables import load_costs

    t0 = time.perf_counter()
    to = _target(args.to)
    inputs = [args.costs, *run_inputs(args.run)]
    if args.xlsx and not args.out:
        raise InputError("--xlsx needs --out (the folder to write results.xlsx into)")
    if args.out:
        check_out(args.out, inputs=inputs, force=args.force)
    b = baseline_from_run(args.run, args.year)
    inds = _check_path_args(args, b)
    costs = load_costs(args.costs, b.framework.indicators) if args.costs else None
    p = path_to_target(b, args.unit, to, indicators=inds, upper=args.upper, costs=costs)
    name = b.units["uName"].get(args.unit, args.unit) if "uName" in b.units.columns else args.unit
    print(f"{name} ({args.unit}): {p.baseline_score:.3f} → target {p.target:.3f}: {p.message}")
    mv = p.moves[p.moves["change"].abs() > 0]
    if len(mv):
        print(mv.to_string(float_format=lambda v: f"{v:.4g}"))
        print(f"total cost {p.total_cost:.4g}; score after the moves {p.achieved_score:.4f} ({p.method})")
    if args.out:
        with atomic_dir(args.out, inputs=inputs, force=args.force) as tmp:
            p.moves.to_csv(tmp / "path.csv", float_format="%.10g")
            if args.xlsx:
                from ..workbook import about_baseline, write_workbook

                write_workbook(tmp / "results.xlsx", {"path": p.moves.reset_index()}, framework=b.framework,
                               about=about_baseline(b, "path", args.run, Unit=f"{name} ({args.unit})",
                                                    Target=f"{p.target:.4f}", Result=p.message))
            (tmp / "path_scenario.yaml").write_text(yaml.safe_dump(p.as_scenario(), sort_keys=False),
                                                    encoding="utf-8")
            m = manifest(command="path", inputs={"costs": args.costs, "run_manifest": Path(args.run) / "manifest.json"},
                         timings={"total": time.perf_counter() - t0}, notes=_notes.recorded(), outputs=listing(tmp),
                         extra={"unit": args.unit, "to": args.to, "target": p.target, "reachable": p.reachable,
                                "indicators": inds, "upper": args.upper, "year": b.year})
            write_json(m, tmp / "manifest.json")
    return 0 if p.reachable else 3
