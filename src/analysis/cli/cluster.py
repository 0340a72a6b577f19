"""``maturasi cluster``: typologies of units."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ._args import add_inputs, inputs_of, listing

__all__ = ["register", "cmd_cluster"]


def register(sub) -> None:
    """Add the cluster sub-command."""
    c = sub.add_parser("cluster", help="typologies of units: k selection, stability, profiles, peer ranks, maps")
    add_inputs(c)
    c.add_argument("--out", "-o", required=True, help="output folder")
    c.add_argument("--year", default=None, help="year to analyse in panel data (default: last)")
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


def cmd_cluster(args: argparse.Namespace) -> int:
    from ..cluster import typology
    from ..manifest import atomic_dir, manifest, write_json
    from ..pipeline import build
    from ..report import steps

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
        m = manifest(command="cluster", inputs=inputs_of(args, "boundaries"), spec=res.spec.to_dict(), seed=seed,
                     timings={"total": time.perf_counter() - t0}, notes=notes,
                     outputs=listing(tmp), extra={"method": args.method, "on": args.on, "k": ty.k})
        write_json(m, tmp / "manifest.json")
    for n in notes:
        print(n)
    print(f"{ty.k} clusters → {out}")
    return 0
