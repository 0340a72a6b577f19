"""``maturasi build | validate | frameworks | demo-data``."""

from __future__ import annotations

import argparse
import sys
import time

from .._errors import InputError
from . import _notes
from ._args import add_force, add_inputs, check_out, inputs_of
from .rollup import add_rollup_options, rollup_tables

__all__ = ["register", "cmd_build", "cmd_validate", "cmd_frameworks", "cmd_demo"]


def register(sub) -> None:
    """Add the build, validate, frameworks and demo-data sub-commands."""
    b = sub.add_parser("build", help="build an index and write its tables")
    add_inputs(b)
    b.add_argument("--out", "-o", required=True, help="output folder (new, or an earlier output with --force)")
    b.add_argument("--xlsx", action="store_true",
                   help="also write results.xlsx (formatted workbook, Bahasa Indonesia / English headers)")
    add_rollup_options(b, flag="--rollup", required=False)  # rollup_<LEVEL>.csv (analysis.rollup)
    add_force(b)
    b.set_defaults(func=cmd_build)
    v = sub.add_parser("validate", help="check framework, data and spec only")
    add_inputs(v)
    v.set_defaults(func=cmd_validate)
    fr = sub.add_parser("frameworks", help="list built-in frameworks or show one")
    fr.add_argument("action", nargs="?", default="list", choices=["list", "show", "page"])
    fr.add_argument("name", nargs="?")
    fr.set_defaults(func=cmd_frameworks)
    d = sub.add_parser("demo-data", help="regenerate the synthetic demonstration data")
    d.add_argument("--out", default="data/demo")
    d.add_argument("--seed", type=int, default=20261123)
    d.add_argument("--force", action="store_true", help="replace demo files whose content differs")
    d.set_defaults(func=cmd_demo)


def _official_spec(args: argparse.Namespace) -> str | None:
    """Without ``--spec``: a built-in official framework (IDM, SPBE, GM100SC evaluation) is built with its
    official method (:func:`analysis.official.official_spec`, set as ``args.spec``). Another built-in
    framework is built with the kit's defaults, and a note (returned) says that this is no official method."""
    if args.spec is not None:
        return None
    from ..framework import load_framework
    from ..official import is_builtin, official_spec

    fw = load_framework(args.framework)
    spec = official_spec(fw)
    if spec is not None:
        args.spec = str(spec)
        return None
    if is_builtin(fw):
        return (f"framework '{fw.name}' has no official method and no --spec was given: built with the kit's "
                "defaults (min-max 0-100, weighted arithmetic means, no levels); name a build spec with --spec")
    return None


def cmd_build(args: argparse.Namespace) -> int:
    from ..io import write_result
    from ..pipeline import build

    default_note = _official_spec(args)
    if args.rollup_weight and not args.rollup:
        raise InputError("--rollup-weight needs --rollup LEVEL (provinsi, kabkota or kecamatan)")
    check_out(args, inputs_of(args))
    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    res.timings["wall"] = time.perf_counter() - t0
    extra = rollup_tables(res, args.rollup, args.rollup_weight) if args.rollup else None
    shown = list(res.warnings) + ([default_note] if default_note else [])
    res.warnings.extend(_notes.recorded())  # into the manifest's notes, not onto the terminal
    out = write_result(res, args.out, inputs=inputs_of(args), force=args.force, xlsx=args.xlsx, extra_tables=extra)
    idx = res.index
    print(f"built {res.framework.name}: {idx.shape[0]} rows, {len(res.framework.indicators)} indicators, "
          f"{len(res.framework.aggregates)} aggregates in {res.timings['total']:.3f} s → {out}")
    for w in shown:
        print(f"note: {w}", file=sys.stderr)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from ..data import load_data
    from ..framework import load_framework
    from ..pipeline import build, check_spec
    from ..spec import load_spec

    _official_spec(args)
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
        print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_frameworks(args: argparse.Namespace) -> int:
    from ..framework import builtin_frameworks, framework_page, load_framework

    if args.action in ("page", "show") and not args.name:
        raise InputError(f"'frameworks {args.action}' needs a framework name")
    if args.action == "page":
        print(framework_page(load_framework(args.name)), end="")
        return 0
    if args.action == "show":
        fw = load_framework(args.name)
        print(f"{fw.name}: {fw.meta.get('title', fw.name)}")
        if fw.meta.get("nama"):
            print(f"  ({fw.meta['nama']})")
        print(fw.tree())
        return 0
    for name, path in builtin_frameworks().items():
        fw = load_framework(path)
        print(f"{name:28s} {len(fw.indicators):3d} indicators  {fw.meta.get('title', '')}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import write_demo

    if args.seed < 0:
        raise InputError(f"--seed must be >= 0, got {args.seed}")
    paths = write_demo(args.out, seed=args.seed, force=args.force)
    print("wrote synthetic demonstration data: " + ", ".join(str(p) for p in paths))
    return 0
