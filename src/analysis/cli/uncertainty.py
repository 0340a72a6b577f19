"""``maturasi uncertainty`` and ``maturasi sensitivity``."""

from __future__ import annotations

import argparse
import contextlib
import time

from .._errors import InputError
from . import _notes
from ._args import add_force, add_inputs, at_least, check_out, inputs_of

__all__ = ["register", "cmd_uncertainty", "cmd_sensitivity"]


def _common(q: argparse.ArgumentParser) -> None:
    add_inputs(q)
    q.add_argument("--ua", required=True, help="uncertainty spec (YAML)")
    q.add_argument("--out", "-o", required=True, help="output folder (new, or an earlier output with --force)")
    add_force(q)
    q.add_argument("--design", default=None, help="replay an explicit design table (CSV, one row per run)")
    q.add_argument("--year", default=None, help="year to analyse in panel data")
    q.add_argument("--N", type=int, default=None, help="override N of the uncertainty spec")
    q.add_argument("--no-scores", action="store_true", help="do not write per-run scores (large)")
    q.add_argument("--backend", choices=["local", "dask"], default="local",
                   help="local threads (default) or a dask.distributed cluster")
    q.add_argument("--scheduler", default=None, help="dask scheduler address (default: a LocalCluster)")


def register(sub) -> None:
    """Add the uncertainty and sensitivity sub-commands."""
    u = sub.add_parser("uncertainty", help="Monte Carlo uncertainty analysis (or replay a design)")
    _common(u)
    u.set_defaults(func=cmd_uncertainty)
    s = sub.add_parser("sensitivity", help="Sobol' sensitivity indices of the uncertain factors")
    _common(s)
    s.add_argument("--estimator", choices=["salib", "coinr"], default="salib")
    s.set_defaults(func=cmd_sensitivity)


def _engine(args: argparse.Namespace):
    from ..data import load_data
    from ..framework import load_framework
    from ..select import pick_year
    from ..uncertainty.engine import Engine
    from ..uncertainty.spec import load_ua_spec

    fw = load_framework(args.framework)
    ds = load_data(args.data, fw)
    if ds.year is not None:
        if args.year is None:
            raise InputError(f"panel data: choose a year with --year ({', '.join(map(str, ds.years))})",
                             file=args.data)
        pick_year(ds, args.year)  # refuses a year not in the data, naming the file
    elif args.year is not None:
        raise InputError(f"--year {args.year}: the data have no year column (one cross-section)", file=args.data)
    ua = load_ua_spec(args.ua)
    if args.N is not None:
        ua.N = args.N
    # the panel is kept: with normalise.reference_year the nominal is the published index of that year
    return Engine(fw, ds, args.spec, ua, year=args.year if ds.year is not None else None)


def _inputs(args: argparse.Namespace) -> dict:
    return inputs_of(args, "ua", "design")


def _prepare(args: argparse.Namespace) -> None:
    """Checks that need no data: option values and the output folder."""
    at_least(args.N, 1, "--N")
    if args.scheduler and args.backend != "dask":
        raise InputError("--scheduler needs --backend dask")
    check_out(args, _inputs(args))


@contextlib.contextmanager
def _flags_named(args: argparse.Namespace):
    """Name ``--N`` (not the spec's key) when a refusal of N is about the value given on the command line,
    and ``--scheduler`` when the dask scheduler cannot be reached."""
    try:
        yield
    except OSError as e:
        if args.backend != "dask" or getattr(e, "filename", None):
            raise
        raise InputError(f"--scheduler {args.scheduler or '(a LocalCluster)'}: cannot use the dask scheduler: "
                         f"{' '.join(str(e).split())}") from None
    except InputError as e:
        if args.N is None or not e.message.startswith("key 'N'"):
            raise
        rest = e.message.removeprefix("key 'N'")
        raise InputError(f"--N {args.N}{rest}") from None


def _budget(eng, keep_scores: bool, *, design: str, runs: int | None = None) -> None:
    """Refuse a study that would not fit in memory, before allocating it."""
    from ..schemas.uncertainty import check_budget

    check_budget(len(eng.units), eng.ua, keep_scores, design=design, n_nodes=len(eng.nodes), runs=runs)


def _nominal_info(eng) -> dict:
    """What the nominal (reference of rank shifts) is: the built index, and which alternatives reproduce it."""
    return {"is": "the index built with the spec", "alternatives": eng.nominal_alternatives()}


def _write(args, res, eng, extra_tables=None, figs=None, command="uncertainty", info=None) -> None:
    from ..manifest import atomic_dir, manifest, write_json
    from ..uncertainty.figures import rank_intervals

    with atomic_dir(args.out, inputs=_inputs(args), force=args.force) as tmp:
        names = eng.ds.units["uName"] if "uName" in eng.ds.units else None
        stats = res.rank_stats.copy()
        if names is not None:
            stats.insert(0, "uName", names)
        stats.to_csv(tmp / "rank_stats.csv", float_format="%.17g")
        files = ["rank_stats.csv", "design.csv", "run_outputs.csv"]
        res.design.to_csv(tmp / "design.csv", index_label="run")
        res.outputs.to_csv(tmp / "run_outputs.csv", index_label="run", float_format="%.17g")
        if res.level_shares is not None:
            res.level_shares.to_csv(tmp / "level_shares.csv", float_format="%.6g")
            files.append("level_shares.csv")
        if res.scores is not None and not args.no_scores:
            res.scores.to_csv(tmp / "run_scores.csv", float_format="%.17g")
            files.append("run_scores.csv")
        for name, df in (extra_tables or {}).items():
            df.to_csv(tmp / name, float_format="%.6g")
            files.append(name)
        fig = rank_intervals(res.rank_stats, names)
        fig.savefig(tmp / "rank_intervals.png", dpi=130)
        files.append("rank_intervals.png")
        for name, f in (figs or {}).items():
            f.savefig(tmp / name, dpi=130)
            files.append(name)
        notes = [eng.spec.get("note")] if eng.spec.get("note") else []
        m = manifest(command=command, inputs=_inputs(args), spec=eng.spec.to_dict(), seed=eng.ua.seed,
                     timings=res.timings, outputs=files, notes=notes + _notes.recorded(),
                     extra={"ua_spec": eng.ua.raw, "runs": int(len(res.outputs)),
                            "nominal": _nominal_info(eng), **(info or {})})
        write_json(m, tmp / "manifest.json")


def cmd_uncertainty(args: argparse.Namespace) -> int:
    from ..schemas.uncertainty import load_design
    from ..uncertainty import sample

    _prepare(args)
    t0 = time.perf_counter()
    eng = _engine(args)
    with _flags_named(args):
        design = load_design(args.design, eng.ua) if args.design else sample(eng, kind="mc")  # memory checked there
        res = eng.evaluate(eng.resolve(design), keep_scores=not args.no_scores, backend=args.backend,
                           scheduler=args.scheduler)
    res.timings["wall"] = time.perf_counter() - t0
    _write(args, res, eng)
    print(f"{len(design)} runs in {res.timings['evaluate']:.3f} s "
          f"({res.timings['upstream_tables']} upstream tables) → {args.out}")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from ..uncertainty import sobol_design, sobol_indices
    from ..uncertainty.figures import sobol_bars

    _prepare(args)
    t0 = time.perf_counter()
    eng = _engine(args)
    if not eng.dims():
        raise InputError("no uncertain factors in the uncertainty spec", file=args.ua)
    keep = eng.ua.output.startswith("rank:") or not args.no_scores  # a rank output needs every run's scores
    with _flags_named(args):
        if args.design:  # replay: SALib's row order or COINr's block layout, refused otherwise
            design, order, layout = sobol_design(eng, args.design)
            _budget(eng, keep, design="sobol", runs=len(design))
        else:
            _budget(eng, keep, design="sobol")  # before the Sobol' design is drawn
            design, order, layout = sobol_design(eng)
        res = eng.evaluate(eng.resolve(design), keep_scores=keep, backend=args.backend, scheduler=args.scheduler)
    si, _ = sobol_indices(eng, res, order, estimator=args.estimator)  # small-N warnings -> notes
    res.timings["wall"] = time.perf_counter() - t0
    G = len(si)
    info = {"design_layout": layout, "base_points": int(len(order) // (G + 2)), "estimator": args.estimator}
    _write(args, res, eng, {"sobol.csv": si}, {"sobol.png": sobol_bars(si)}, command="sensitivity", info=info)
    print(si.round(3).to_string())
    print(f"{len(design)} runs in {res.timings['evaluate']:.3f} s → {args.out}")
    return 0
