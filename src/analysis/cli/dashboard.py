"""``maturasi dashboard``: the planner dashboard in the browser."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .._errors import InputError
from ._args import suggest

__all__ = ["register", "cmd_dashboard"]


def register(sub) -> None:
    """Add the dashboard sub-command."""
    d = sub.add_parser("dashboard", help="planner dashboard in the browser (what-if sliders, rank, level, path)")
    d.add_argument("--runs", default=None, help="folder holding baseline runs (default: reports)")
    d.add_argument("--run", default=None, help="run folder to open first (default: the demo run, "
                   "reports/demo-index or a run on data/demo/ data)")
    d.add_argument("--unit", default=None, help="unit code to open first, e.g. 73.71")
    d.add_argument("--lang", choices=["en", "id"], default=None,
                   help="language of the dashboard and of these messages: en (default) or id (Bahasa Indonesia)")
    d.add_argument("--port", type=int, default=5006)
    d.add_argument("--address", default="127.0.0.1")
    d.add_argument("--show", action="store_true", help="open a browser tab")
    d.set_defaults(func=cmd_dashboard)


def _check_unit(unit: str, run: str) -> None:
    """Refuse a ``--unit`` that is not in the run the dashboard opens first (its Planner is then cached
    for the server)."""
    from ..dashboard.app import shared_planner

    codes = [str(c) for c in shared_planner(run).units()["code"]]
    if unit not in codes:
        raise InputError(f"--unit '{unit}': no such unit in the run{suggest(unit, codes)}", file=run)


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve ``notebooks/dashboard.ipynb`` (the function behind it when the notebook is not there)."""
    import panel as pn

    from ..dashboard.app import build_app
    from ..dashboard.model import default_run, find_runs
    from ..report.runner import NOTEBOOK_DIR

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: a port is a number from 0 to 65535")
    if args.runs is not None and not Path(args.runs).is_dir():
        what = "a file, not a folder of runs" if Path(args.runs).exists() else "no such folder"
        raise InputError(f"--runs: {what}", file=args.runs)
    runs = Path(args.runs or "reports").resolve()
    run = None if args.run is None else str(Path(args.run).resolve())
    if run is not None and not (find_runs(run)["run"] == run).any():
        raise InputError("--run: not a baseline run folder (a folder written by 'maturasi build' or "
                         "'maturasi run', with its manifest.json)", file=args.run)
    if run is None and find_runs(runs).empty:
        raise InputError(f"no baseline runs under {runs}; build one first "
                         "(e.g. make demo, or maturasi build … --out reports/NAME)", file=runs)
    if args.unit is not None:
        _check_unit(args.unit, run if run is not None else default_run(find_runs(runs))[0])
    lang = args.lang or getattr(args, "cli_lang", None) or os.environ.get("MATURASI_LANG") or "en"
    os.environ.update({"MATURASI_RUNS": str(runs), "MATURASI_LANG": lang})
    for k, v in (("MATURASI_RUN", run), ("MATURASI_UNIT", args.unit)):
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    nb = NOTEBOOK_DIR / "dashboard.ipynb"
    target = str(nb) if nb.is_file() else (lambda: build_app(str(runs), run, args.unit, lang))
    print(f"Maturasi dashboard on http://{args.address}:{args.port}/ (Ctrl-C to stop)", flush=True)
    pn.serve({"/": target}, port=args.port, address=args.address, show=args.show, title="Maturasi",
             websocket_origin=[f"{args.address}:{args.port}", f"localhost:{args.port}"], threaded=False)
    return 0
