"""``maturasi cluster``: typologies of units."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from .._errors import InputError
from . import _notes
from ._args import add_force, add_inputs, at_least, check_out, check_year, inputs_of, listing

__all__ = ["register", "cmd_cluster", "parse_k_range"]

_DEFAULT_KS = (2, 8)


def register(sub) -> None:
    """Add the cluster sub-command."""
    c = sub.add_parser("cluster", help="typologies of units: k selection, stability, profiles, peer ranks, maps")
    add_inputs(c)
    c.add_argument("--out", "-o", required=True, help="output folder (new, or an earlier output with --force)")
    add_force(c)
    c.add_argument("--year", default=None, help="year to analyse in panel data (default: last)")
    c.add_argument("--on", choices=["dimensions", "indicators", "pca"], default="dimensions")
    c.add_argument("--method", choices=["kmeans", "ward", "gmm", "hdbscan"], default="kmeans")
    c.add_argument("--k", type=int, default=None, help="number of clusters (default: chosen by --choose)")
    c.add_argument("--k-range", default=None,
                   help="k values to compare, e.g. 2-8 (default 2-8, at most the distinct feature vectors - 1)")
    c.add_argument("--choose", default="silhouette", choices=["silhouette", "gap", "ch", "db", "bic"])
    c.add_argument("--scale", choices=["standard", "minmax", "none"], default="standard")
    c.add_argument("--n-boot", type=int, default=100, help="bootstrap resamples for the stability of clusters")
    c.add_argument("--seed", type=int, default=None)
    c.add_argument("--boundaries", default=None, help="GeoJSON or shapefile of unit boundaries (optional)")
    c.add_argument("--boundary-code", default=None,
                   help="boundary property with the units' own codes (default: crosswalk by name and province)")
    c.set_defaults(func=cmd_cluster)


def parse_k_range(text: str) -> tuple[int, int]:
    """``"2-8"`` → ``(2, 8)``, ``"4"`` → ``(4, 4)``; refuses anything else, or a range below 2 or reversed."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if not m:
        raise InputError(f"--k-range '{text}': give whole numbers like 2-8")
    a, b = int(m[1]), int(m[2] or m[1])
    if a < 2:
        raise InputError(f"--k-range '{text}': k starts at 2")
    if b < a:
        raise InputError(f"--k-range '{text}': the end is below the start (write {b}-{a})")
    return a, b


def _ks(args: argparse.Namespace, n_units: int, n_distinct: int | None = None) -> range:
    """The k values to compare, each between 2 and m − 1 for the m distinct feature vectors of the
    ``n_units`` units (``n_distinct``; m = ``n_units`` when not given): k = m clusters of m distinct
    vectors leave no dispersion within them. The default range 2–8 is cut to fit; a ``--k-range`` beyond
    it, or fewer than 3 distinct vectors, is refused in one line."""
    top = n_units - 1
    if top < 2:
        raise InputError(f"clustering needs at least 3 units; the data have {n_units}", file=args.data)
    if args.k is not None and args.k > top:
        raise InputError(f"--k {args.k}: at most {top} clusters for {n_units} units")
    m = n_units if n_distinct is None else n_distinct
    if m < 3:
        vectors = "feature vector" if m == 1 else "feature vectors"
        hint = "; give --k 2 to split them in two" if m == 2 else ""
        raise InputError(f"the {n_units} units have only {m} distinct {vectors} (--on {args.on}): choosing the "
                         f"number of clusters needs at least 3{hint}", file=args.data)
    top = min(top, m - 1)
    if args.k_range is None:
        a, b = _DEFAULT_KS
        return range(a, min(b, top) + 1)
    a, b = parse_k_range(args.k_range)
    if b > top:
        of = f"{n_units} units" if m == n_units else f"the {m} distinct feature vectors of the {n_units} units"
        raise InputError(f"--k-range '{args.k_range}': at most {top} clusters for {of}")
    return range(a, b + 1)


def _distinct(res, args: argparse.Namespace) -> int | None:
    """The number of distinct feature vectors :func:`analysis.cluster.typology` will cluster, when it
    chooses k (no ``--k``, a method that needs k); None when no k is chosen."""
    if args.k is not None or args.method == "hdbscan":
        return None
    import numpy as np

    from ..cluster import features

    X = features(res, args.on, scale=args.scale, year=args.year)
    return len(np.unique(X.to_numpy(dtype=float), axis=0))


def cmd_cluster(args: argparse.Namespace) -> int:
    from ..cluster import typology
    from ..manifest import atomic_dir, manifest, write_json
    from ..pipeline import build
    from ..report import steps
    from ..select import units_of

    at_least(args.k, 2, "--k")
    at_least(args.n_boot, 1, "--n-boot")
    at_least(args.seed, 0, "--seed")
    if args.k_range is not None:
        parse_k_range(args.k_range)
    inputs = inputs_of(args, "boundaries")
    check_out(args, inputs)
    t0 = time.perf_counter()
    res = build(args.framework, args.data, args.spec)
    check_year(res, args.year, args.data)
    ks = _ks(args, len(units_of(res, args.year)), _distinct(res, args))
    seed = args.seed if args.seed is not None else int(res.spec.get("seed") or 0)
    ty = typology(res, on=args.on, method=args.method, k=args.k, ks=ks, scale=args.scale, choose=args.choose,
                  n_boot=args.n_boot, seed=seed, year=args.year)
    out = Path(args.out)
    with atomic_dir(out, inputs=inputs, force=args.force) as tmp:
        t, f, _ = steps.folders(tmp)
        notes = steps.write_typology(ty, res, t, f, boundaries=args.boundaries, boundary_code=args.boundary_code,
                                     year=args.year)
        m = manifest(command="cluster", inputs=inputs, spec=res.spec.to_dict(), seed=seed,
                     timings={"total": time.perf_counter() - t0}, notes=notes + _notes.recorded(),
                     outputs=listing(tmp), extra={"method": args.method, "on": args.on, "k": ty.k,
                                                  "structure": ty.structure})
        write_json(m, tmp / "manifest.json")
    for n in notes:
        print(n)
    if ty.structure:
        print(f"{ty.k} clusters → {out}")
    elif ty.method == "hdbscan":
        print(f"HDBSCAN found no cluster structure (k = {ty.k}) → {out}")
    else:
        print(f"no cluster structure (gap statistic: k = 1) → {out}")
    return 0
