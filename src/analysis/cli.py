"""Command line: ``maturasi build | validate | frameworks | demo …``.

Exit codes: 0 success, 2 bad input (one line naming file, row/column and problem), 1 internal error.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from ._errors import InputError

__all__ = ["main"]


def _inputs(args) -> dict:
    return {"framework": args.framework, "data": args.data, "spec": getattr(args, "spec", None)}


def cmd_build(args) -> int:
    from .io import write_result
    from .pipeline import build

    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    res.timings["wall"] = time.perf_counter() - t0
    out = write_result(res, args.out, inputs=_inputs(args))
    idx = res.index
    print(f"built {res.framework.name}: {idx.shape[0]} rows, {len(res.framework.indicators)} indicators, "
          f"{len(res.framework.aggregates)} aggregates in {res.timings['total']:.3f} s → {out}")
    for w in res.warnings:
        print(f"note: {w}", file=sys.stderr)
    return 0


def cmd_validate(args) -> int:
    from .data import load_data
    from .framework import load_framework
    from .pipeline import build, check_spec
    from .spec import load_spec

    fw = load_framework(args.framework)
    sp = load_spec(args.spec)
    ds = load_data(args.data, fw)
    try:
        check_spec(fw, sp, ds.units)
    except InputError as e:
        raise InputError(e.message, file=e.file or args.spec, row=e.row, column=e.column, node=e.node) from None
    build(fw, ds, sp)  # computability: constant indicators, non-positive values for geometric means…
    n = ds.values.shape[0]
    print(f"ok: framework {fw.name} ({len(fw.indicators)} indicators), data {n} rows"
          + (f", years {ds.years}" if ds.year else "") + ", spec valid")
    for note in ds.notes:
        print(f"note: {note}")
    return 0


def cmd_frameworks(args) -> int:
    from .framework import builtin_frameworks, load_framework

    fws = builtin_frameworks()
    if args.action == "page":
        from .framework import framework_page

        if not args.name:
            raise InputError("'frameworks page' needs a framework name")
        print(framework_page(load_framework(args.name)), end="")
        return 0
    if args.action == "show":
        if not args.name:
            raise InputError("'frameworks show' needs a framework name")
        fw = load_framework(args.name)
        title = fw.meta.get("title", fw.name)
        print(f"{fw.name}: {title}")
        if fw.meta.get("nama"):
            print(f"  ({fw.meta['nama']})")
        print(fw.tree())
        return 0
    for name, path in fws.items():
        fw = load_framework(path)
        print(f"{name:28s} {len(fw.indicators):3d} indicators  {fw.meta.get('title', '')}")
    return 0


def cmd_demo(args) -> int:
    from .demo import write_demo

    paths = write_demo(args.out, seed=args.seed)
    print("wrote synthetic demonstration data: " + ", ".join(str(p) for p in paths))
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="maturasi", description="Composite-indicator engine for smart-city maturity "
                                "indices (Indonesia's 514 kabupaten/kota).")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build an index and write its tables")
    for q in (b, sub.add_parser("validate", help="check framework, data and spec only")):
        q.add_argument("--framework", "-f", required=True, help="framework YAML/CSV/XLSX or built-in name")
        q.add_argument("--data", "-d", required=True, help="data table (CSV/XLSX, wide or long)")
        q.add_argument("--spec", "-s", default=None, help="build spec (YAML)")
    b.add_argument("--out", "-o", required=True, help="output folder")
    fr = sub.add_parser("frameworks", help="list built-in frameworks or show one")
    fr.add_argument("action", nargs="?", default="list", choices=["list", "show", "page"])
    fr.add_argument("name", nargs="?")
    d = sub.add_parser("demo-data", help="regenerate the synthetic demonstration data")
    d.add_argument("--out", default="data/demo")
    d.add_argument("--seed", type=int, default=20261123)
    _extend(sub)
    return p


def _extend(sub) -> None:
    """Sub-commands contributed by other modules (uncertainty, weighting…)."""
    try:
        from .uncertainty import cli as ua_cli
    except ImportError:  # pragma: no cover
        return
    ua_cli.register(sub)
    from . import commands

    commands.register(sub)
    commands.register_cluster(sub)
    commands.register_scenario(sub)
    commands.register_run(sub)


_COMMANDS = {"build": cmd_build, "validate": cmd_validate, "frameworks": cmd_frameworks, "demo-data": cmd_demo}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    fn = _COMMANDS.get(args.command) or getattr(args, "func", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            return fn(args)
    except InputError as e:
        print(f"maturasi: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
