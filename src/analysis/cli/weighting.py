"""``maturasi weights`` and ``maturasi audit``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .._errors import InputError
from . import _notes
from ._args import add_force, add_inputs, at_least, check_out, check_year, finite, inputs_of, listing, suggest

__all__ = ["register", "cmd_weights", "cmd_audit"]


def _common(q: argparse.ArgumentParser) -> None:
    add_inputs(q)
    q.add_argument("--out", "-o", required=True, help="output folder (new, or an earlier output with --force)")
    add_force(q)
    q.add_argument("--year", default=None, help="year to analyse in panel data (default: last)")


def register(sub) -> None:
    """Add the weights and audit sub-commands."""
    w = sub.add_parser("weights", help="derive weight sets (AHP, budget, PCA, entropy, CRITIC, BoD, optimised) "
                                       "and compare the index under each")
    _common(w)
    w.add_argument("--methods", default="equal,entropy,critic,pca,optimised,bod",
                   help="comma-separated: equal, framework, entropy, critic, pca, pca_pc1, optimised, bod")
    w.add_argument("--ahp", default=None, help="pairwise comparison matrices (YAML/CSV/XLSX)")
    w.add_argument("--ahp-method", choices=["eigen", "geometric"], default="eigen",
                   help="eigen: eigenvector priorities checked by Saaty's CR; geometric: row geometric means "
                        "checked by the geometric consistency index GCI")
    w.add_argument("--budget", default=None, help="budget allocation table (CSV/XLSX)")
    w.add_argument("--bod-lower", type=float, default=None, help="lower bound on each indicator's share (BoD)")
    w.add_argument("--bod-upper", type=float, default=None, help="upper bound on each indicator's share (BoD)")
    w.set_defaults(func=cmd_weights)
    a = sub.add_parser("audit", help="statistical audit: correlations, alpha, importance, availability, LOO")
    _common(a)
    a.add_argument("--n-boot", type=int, default=200, help="bootstrap resamples for correlation-ratio intervals")
    a.add_argument("--seed", type=int, default=None)
    a.set_defaults(func=cmd_audit)


def _names(res, year):
    from ..select import units_of

    u = units_of(res, year)
    return u["uName"] if "uName" in u.columns else None


def _methods(text: str) -> list[str]:
    """The ``--methods`` list, each name checked (with a suggestion for a misspelt one)."""
    from ..weights.derive import SET_METHODS

    methods = [m.strip() for m in text.split(",") if m.strip()]
    if not methods:
        raise InputError(f"--methods names no method (use {', '.join(SET_METHODS)})")
    for m in methods:
        if m not in SET_METHODS:
            raise InputError(f"--methods: unknown weighting method '{m}'{suggest(m, SET_METHODS)} "
                             f"(use {', '.join(SET_METHODS)})")
    return methods


def cmd_weights(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..manifest import atomic_dir, manifest, write_json
    from ..pipeline import build
    from ..report import steps

    methods = _methods(args.methods)
    finite(args.bod_lower, "--bod-lower", low=0.0, high=1.0)
    finite(args.bod_upper, "--bod-upper", low=0.0, high=1.0)
    if args.bod_lower is not None and args.bod_upper is not None and args.bod_lower > args.bod_upper:
        raise InputError(f"--bod-lower {args.bod_lower:g} is above --bod-upper {args.bod_upper:g}")
    inputs = inputs_of(args, "ahp", "budget")
    check_out(args, inputs)
    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    check_year(res, args.year, args.data)
    out = Path(args.out)
    with atomic_dir(out, inputs=inputs, force=args.force) as tmp:
        summ = steps.weighting(res, tmp, methods=methods, ahp=args.ahp, budget=args.budget, bod_lower=args.bod_lower,
                               bod_upper=args.bod_upper, year=args.year, names=_names(res, args.year),
                               ahp_method=args.ahp_method)
        m = manifest(command="weights", inputs=inputs, spec=res.spec.to_dict(), seed=res.spec.get("seed"),
                     timings={"total": time.perf_counter() - t0}, notes=_notes.recorded(), outputs=listing(tmp),
                     extra={"methods": methods, "year": args.year, "ahp_method": args.ahp_method})
        write_json(m, tmp / "manifest.json")
    print(pd.DataFrame(summ["summary"]).set_index("set").round(3).to_string())
    for v in summ.get("ahp", {}).values():
        print(v["line"])
    print(f"→ {out}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from ..manifest import atomic_dir, manifest, write_json
    from ..pipeline import build
    from ..report import steps

    at_least(args.n_boot, 1, "--n-boot")
    at_least(args.seed, 0, "--seed")
    inputs = inputs_of(args)
    check_out(args, inputs)
    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    check_year(res, args.year, args.data)
    seed = args.seed if args.seed is not None else int(res.spec.get("seed") or 0)
    out = Path(args.out)
    with atomic_dir(out, inputs=inputs, force=args.force) as tmp:
        summ = steps.data_audit(res, tmp, year=args.year, n_boot=args.n_boot, seed=seed)
        m = manifest(command="audit", inputs=inputs, spec=res.spec.to_dict(), seed=seed,
                     timings={"total": time.perf_counter() - t0}, notes=summ["flags"] + _notes.recorded(),
                     outputs=listing(tmp), extra={"year": args.year, "n_boot": args.n_boot})
        write_json(m, tmp / "manifest.json")
    for n in summ["flags"][:20]:
        print(f"flag: {n}")
    print(f"audit → {out}")
    return 0
