"""``maturasi rollup``: a run's unit scores rolled up to kecamatan, kab/kota or province."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from . import _notes
from ._args import add_force, listing, run_inputs

__all__ = ["register", "cmd_rollup", "add_rollup_options", "rollup_tables", "LEVELS"]

#: Values of ``--to`` / ``--rollup``.
LEVELS = ("provinsi", "kabkota", "kecamatan")


def add_rollup_options(q: argparse.ArgumentParser, *, flag: str = "--to", required: bool = True) -> None:
    """``--to LEVEL`` (or ``--rollup LEVEL``) and ``--weight COLUMN``."""
    q.add_argument(flag, required=required, choices=LEVELS, metavar="LEVEL",
                   help="parent level: provinsi, kabkota or kecamatan (from the unit codes)")
    q.add_argument("--weight" if flag == "--to" else "--rollup-weight", default=None, metavar="COLUMN",
                   help="data column with each unit's population (e.g. population, penduduk) for the "
                        "population-weighted mean; without it only unweighted means")


def register(sub) -> None:
    """Add the rollup sub-command."""
    r = sub.add_parser("rollup", help="roll a run's unit scores up to provinces (or kab/kota, kecamatan): "
                                      "unweighted and population-weighted means, counts")
    r.add_argument("--run", required=True, help="output folder of 'maturasi build' (its manifest names the inputs)")
    add_rollup_options(r)
    r.add_argument("--out", "-o", required=True, help="output folder (new, or an earlier output with --force)")
    add_force(r)
    r.set_defaults(func=cmd_rollup)


def rollup_tables(result, to: str, weight: str | None) -> dict:
    """``{"rollup_<to>": flat table}`` for :func:`analysis.io.write_result`'s ``extra_tables``."""
    from ..rollup import rollup

    return {f"rollup_{to}": rollup(result, to, weight=weight).reset_index()}


def cmd_rollup(args: argparse.Namespace) -> int:
    from ..manifest import atomic_dir, check_out, manifest, write_json
    from ..scenario import baseline_from_run

    inputs = run_inputs(args.run)
    check_out(args.out, inputs=inputs, force=args.force)
    t0 = time.perf_counter()
    res = baseline_from_run(args.run).result
    tables = rollup_tables(res, args.to, args.weight)
    out = Path(args.out)
    with atomic_dir(out, inputs=inputs, force=args.force) as tmp:
        for key, table in tables.items():
            table.to_csv(tmp / f"{key}.csv", index=False, float_format="%.17g")
        m = manifest(command="rollup", inputs={"run_manifest": Path(args.run) / "manifest.json"}, seed=None,
                     timings={"total": time.perf_counter() - t0}, notes=_notes.recorded(), outputs=listing(tmp),
                     extra={"framework": res.framework.name, "to": args.to, "weight": args.weight,
                            "definition": "analysis.rollup.rollup: unweighted mean over the units of each parent "
                                          "with a value; weighted mean with the weight column as weights"})
        write_json(m, tmp / "manifest.json")
    t = next(iter(tables.values()))
    n_parents = t["uCode"].nunique()
    print(f"rolled up {res.aggregates.shape[0]} rows of {res.framework.name} to {n_parents} {args.to} "
          f"({'unweighted and weighted by ' + args.weight if args.weight else 'unweighted'}) → {out}")
    return 0
