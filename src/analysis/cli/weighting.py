"""``maturasi weights`` and ``maturasi audit``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

__all__ = ["register", "cmd_weights", "cmd_audit"]


def _common(q: argparse.ArgumentParser) -> None:
    from ._args import add_inputs

    add_inputs(q)
    q.add_argument("--out", "-o", required=True, help="output folder")
    q.add_argument("--year", default=None, help="year to analyse in panel data (default: last)")


def register(sub) -> None:
    """Add the weights and audit sub-commands."""
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


def _names(res, year):
    from ..audit import units_of

    u = units_of(res, year)
    return u["uName"] if "uName" in u.columns else None


def cmd_weights(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..manifest import atomic_dir, manifest, write_json
    from ..pipeline import build
    from ..report import steps
    from ._args import inputs_of, listing

    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    out = Path(args.out)
    with atomic_dir(out) as tmp:
        summ = steps.weighting(res, tmp, methods=methods, ahp=args.ahp, budget=args.budget, bod_lower=args.bod_lower,
                               bod_upper=args.bod_upper, year=args.year, names=_names(res, args.year))
        m = manifest(command="weights", inputs=inputs_of(args, "ahp", "budget"), spec=res.spec.to_dict(),
                     seed=res.spec.get("seed"), timings={"total": time.perf_counter() - t0}, outputs=listing(tmp),
                     extra={"methods": methods, "year": args.year})
        write_json(m, tmp / "manifest.json")
    print(pd.DataFrame(summ["summary"]).set_index("set").round(3).to_string())
    print(f"→ {out}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from ..manifest import atomic_dir, manifest, write_json
    from ..pipeline import build
    from ..report import steps
    from ._args import inputs_of, listing

    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    seed = args.seed if args.seed is not None else int(res.spec.get("seed") or 0)
    out = Path(args.out)
    with atomic_dir(out) as tmp:
        summ = steps.data_audit(res, tmp, year=args.year, n_boot=args.n_boot, seed=seed)
        m = manifest(command="audit", inputs=inputs_of(args), spec=res.spec.to_dict(), seed=seed,
                     timings={"total": time.perf_counter() - t0}, notes=summ["flags"], outputs=listing(tmp),
                     extra={"year": args.year, "n_boot": args.n_boot})
        write_json(m, tmp / "manifest.json")
    for n in summ["flags"][:20]:
        print(f"flag: {n}")
    print(f"audit → {out}")
    return 0
