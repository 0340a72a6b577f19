"""``maturasi run CONFIG.yaml``: execute the notebooks with papermill into one run folder.

The run folder holds ``notebooks/`` (the executed notebooks), ``tables/`` (CSV and Parquet),
``figures/`` (PNG and SVG), ``report.html``, ``report.pdf``, ``profiles.html``, ``spec.yaml`` (the
effective build spec: the config's spec with the ``-p spec.…`` overrides applied), ``results.xlsx``
(with ``xlsx: true``) and ``manifest.json`` (config, overrides, the effective spec, SHA-256 of every
input, package versions, seed, per-notebook timing and status). A refused config or input changes
nothing. Work happens in a hidden temporary folder beside the run folder and is moved into place at
the end (an earlier Maturasi output is replaced only with ``force``); a failing notebook stops the
run, the manifest records ``"status": "failed"`` with the notebook, cell and error, the executed
notebook is kept for inspection, and no report is written. A failed run never replaces an earlier output: it goes to
``<out>.failed-<UTC time>`` instead.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

from .._errors import InputError
from ..manifest import manifest, write_json

__all__ = ["NOTEBOOKS", "NOTEBOOK_DIR", "load_config", "check_parameters", "run", "parse_overrides",
           "split_overrides", "effective_spec", "SPEC_PREFIX"]

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ["01_data_audit", "02_weighting", "03_uncertainty_sensitivity", "04_clustering", "05_scenarios",
             "99_report"]
#: config keys that are input files (resolved relative to the config file, hashed in the manifest)
PATH_KEYS = ("framework", "data", "spec", "ua", "ahp", "budget", "boundaries")
PATH_LIST_KEYS = ("scenarios",)
RUNNER_KEYS = ("notebooks", "name", "lang", "xlsx")
#: ``-p spec.normalise.method=zscore``: a dotted path into the build spec
SPEC_PREFIX = "spec."
#: spec steps that may be written as a string (``normalise: minmax`` = ``{method: minmax}``)
_STEP_KEYS = ("impute", "treat", "normalise", "aggregate")
#: what a notebook receives for an input the config does not name: the notebooks' own defaults point
#: at the demo data (so Run All works in JupyterLab), a run must not silently pick those up
ABSENT = {"spec": None, "ua": None, "ahp": None, "budget": None, "boundaries": None, "scenarios": [],
          "path_units": [], "profile_units": []}


def _notebook_params(nb: str) -> dict:
    import papermill as pm

    path = NOTEBOOK_DIR / f"{nb}.ipynb"
    if not path.exists():
        raise InputError(f"notebook '{nb}' not found in {NOTEBOOK_DIR}")
    return pm.inspect_notebook(str(path))


def _type_ok(value, inferred: str | None, default) -> bool:
    """Is ``value`` of the type of the notebook's default (from its annotation or its literal)?"""
    import ast

    t = None if inferred in (None, "None") else inferred.lower()
    if t is None:
        try:
            d = ast.literal_eval(default) if isinstance(default, str) else default
        except (ValueError, SyntaxError):
            return True
        if d is None:
            return True
        t = type(d).__name__
    if value is None:
        return True
    if t == "bool":
        return isinstance(value, bool)
    if t == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "str":
        return isinstance(value, str)
    if t in ("list", "tuple"):
        return isinstance(value, (list, tuple))
    if t == "dict":
        return isinstance(value, dict)
    return True


def _special(name: str, value) -> bool:
    """Values a notebook accepts beyond the type of its default (``profile_units: all``)."""
    return name == "profile_units" and value == "all"


def parse_overrides(items: list[str] | None) -> dict:
    """``["N=200", "year=2025", "weight_methods=[equal, pca]"]`` → typed values (YAML scalars).

    Values are parsed with the kit's strict YAML rules; unit codes of ``path_units`` and
    ``profile_units`` keep the text as written. Keys ``spec.<path>`` (``spec.normalise.method``)
    change the build spec (see :func:`effective_spec`).
    """
    from .._yaml import parse_yaml
    from ..schemas.run_config import CODE_LIST_KEYS
    from ..schemas.scenario import keep_written

    out = {}
    for it in items or []:
        if "=" not in it:
            raise InputError(f"parameter override '{it}' is not key=value")
        k, v = it.split("=", 1)
        k = k.strip()
        if not k:
            raise InputError(f"parameter override '{it}' has no key")
        if k.startswith(SPEC_PREFIX) and not all(k[len(SPEC_PREFIX):].split(".")):
            raise InputError(f"-p {it}: '{k}' needs a key path after 'spec.' without empty parts "
                             "(e.g. spec.normalise.method=zscore)")
        value = parse_yaml(v, file=f"-p {k}")
        if k in CODE_LIST_KEYS:  # unit codes as written: -p path_units=[35.10] means "35.10"
            value = keep_written({k: value}, f"{k}: {v}", (k,))[k]
        out[k] = value
    return out


class RunConfig(dict):
    """A run config (a plain dict of its keys) that remembers the file it was read from (``source``)."""

    def __init__(self, data: dict, source: Path | None = None):
        super().__init__(data)
        self.source = source


def split_overrides(overrides: dict | None) -> tuple[dict, dict]:
    """``(config overrides, spec overrides)``: ``spec.<path>`` keys go to the second, without the prefix."""
    cfg, spec = {}, {}
    for k, v in (overrides or {}).items():
        if k.startswith(SPEC_PREFIX):
            spec[k[len(SPEC_PREFIX):]] = v
        else:
            cfg[k] = v
    return cfg, spec


def _from_cwd(key: str, value):
    """An input path given with ``-p`` (relative to the current folder) as an absolute path.

    A missing file is refused naming the option and the resolved path; a built-in framework name stays.
    """
    from ..framework import builtin_frameworks

    if value is None:
        return None
    p = Path(os.path.abspath(Path(str(value)).expanduser()))
    if p.exists():
        return str(p)
    if key == "framework" and str(value) in builtin_frameworks():
        return str(value)
    raise InputError(f"-p {key}={value}: file not found: {p}")


def _option_error(e: InputError, overrides: dict | None) -> InputError:
    """``e`` re-worded to name the ``-p`` option when it is about a key that option set; else ``e``."""
    for k, v in split_overrides(overrides)[0].items():
        if f"key '{k}'" in e.message or f"parameter '{k}'" in e.message:
            return InputError(f"-p {k}={v}: {e.message}")
    return e


def load_config(path, overrides: dict | None = None) -> tuple[dict, Path]:
    """Read and validate a run config and apply overrides; paths become absolute.

    Paths in the config are relative to the config file, paths given with ``-p`` relative to the
    current folder (a missing one is refused naming the option and the resolved path). The config is
    checked by :class:`analysis.schemas.run_config.RunConfigModel` (``name`` a plain folder name,
    types and ranges of the numbers, known methods); unit codes in ``path_units`` and
    ``profile_units`` are kept as written (``35.10`` stays ``"35.10"``); every listed file must exist.
    Errors name the config file and the key. ``spec.…`` overrides are not applied here (see
    :func:`effective_spec`).
    """
    from ..framework import builtin_frameworks
    from ..schemas.run_config import check_config, read_config_yaml

    path = Path(path)
    cfg = read_config_yaml(path)
    for k, v in split_overrides(overrides)[0].items():
        if k in PATH_KEYS:
            v = _from_cwd(k, v)
        elif k in PATH_LIST_KEYS and isinstance(v, list):
            v = [_from_cwd(k, x) for x in v]
        cfg[k] = v
    try:
        check_config(cfg, path)
    except InputError as e:
        raise _option_error(e, overrides) from None
    base = path.resolve().parent

    def resolve(v, key):
        if v is None:
            return None
        p = Path(str(v))
        p = p if p.is_absolute() else (base / p)
        if p.exists():
            if p.is_dir() and key != "boundaries":
                raise InputError(f"key '{key}': {v} is a folder, not a file", file=path)
            return str(p.resolve())
        if key == "framework" and str(v) in builtin_frameworks():
            return str(v)
        raise InputError(f"key '{key}': file not found: {v}", file=path)

    for k in PATH_KEYS:
        if k in cfg:
            cfg[k] = resolve(cfg[k], k)
    for k in PATH_LIST_KEYS:
        if k in cfg and cfg[k] is not None:
            cfg[k] = [resolve(v, k) for v in cfg[k]]
    return RunConfig(cfg, path), path


def check_parameters(cfg: dict, notebooks: list[str], source=None) -> dict[str, dict]:
    """Check every config key against the notebooks' parameter cells (names and types).

    Returns ``{notebook: {param: value}}`` — what each notebook receives.
    """
    every = {nb: _notebook_params(nb) for nb in NOTEBOOKS}
    specs = {nb: every[nb] for nb in notebooks}
    known = {"run_dir"} | set(RUNNER_KEYS)
    for s in every.values():
        known |= set(s)
    for k in cfg:
        if k not in known:
            close = difflib.get_close_matches(k, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"unknown parameter '{k}'{hint}", file=source)
    plan = {}
    for nb, s in specs.items():
        params = {}
        for name, meta in s.items():
            if name in cfg:
                v = cfg[name]
                if not (_type_ok(v, meta.get("inferred_type_name"), meta.get("default")) or _special(name, v)):
                    raise InputError(f"parameter '{name}' should be of the type of its default "
                                     f"(notebook {nb} default {meta.get('default')}), got {type(v).__name__} {v!r}",
                                     file=source)
                params[name] = v
            elif name in ABSENT:
                params[name] = ABSENT[name]
        plan[nb] = params
    return plan


def effective_spec(cfg: dict, spec_overrides: dict | None, source=None) -> dict | None:
    """The build spec of ``cfg`` with ``-p spec.<path>=value`` overrides applied, validated; ``None`` without any.

    The spec file the config names (or the defaults when it names none) is read as written, each
    dotted path is set (missing mappings are created; a step written as a string, ``normalise:
    minmax``, becomes ``{method: minmax}``), a relative ``weight_sets`` table is made absolute, and the
    result is validated by :func:`analysis.schemas.spec.check_spec_dict` before anything runs.

    Raises
    ------
    InputError
        One line naming the ``-p`` option (``-p spec.normalise.method=foo: …``).
    """
    import copy

    from .._yaml import read_yaml
    from ..spec import load_spec

    if not spec_overrides:
        return None
    spec_file = cfg.get("spec")
    raw = copy.deepcopy(read_yaml(spec_file, "spec") or {}) if spec_file else {}
    if not isinstance(raw, dict):
        raise InputError("a spec must be a mapping", file=spec_file)
    ws = raw.get("weight_sets")
    if isinstance(ws, str) and spec_file and not Path(ws).is_absolute():
        raw["weight_sets"] = str((Path(spec_file).parent / ws).resolve())

    def option(key: str) -> str:
        return f"-p {SPEC_PREFIX}{key}={spec_overrides[key]}"

    for key, value in spec_overrides.items():
        parts = key.split(".")
        node = raw
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if i == 0 and part in _STEP_KEYS and isinstance(nxt, str):
                nxt = {"method": nxt}
            if nxt is None:
                nxt = {}
            if not isinstance(nxt, dict):
                raise InputError(f"{option(key)}: '{'.'.join(parts[:i + 1])}' is {nxt!r} in the spec, not a mapping")
            node[part] = nxt
            node = nxt
        node[parts[-1]] = value
    try:
        load_spec(copy.deepcopy(raw), source=spec_file)
    except InputError as e:
        named = [k for k in spec_overrides if k.split(".")[0] in e.message] or list(spec_overrides)
        raise InputError(f"{', '.join(option(k) for k in named)}: {e.message}") from None
    return raw


def _dry_check(cfg: dict, source=None, spec: dict | None = None) -> list[str]:
    """Load the inputs as the notebooks will and check everything a run needs (also before a real run).

    See :func:`analysis.schemas.run_config.dry_check`: years, units of ``path_units`` and
    ``profile_units``, ``cluster_k`` against the units, the memory of the uncertainty study, and the
    spec, uncertainty, AHP, budget and scenario files. Errors name the file and the key.
    """
    from ..schemas.run_config import dry_check

    return dry_check(cfg, source if source is not None else getattr(cfg, "source", None), spec=spec)


def _inputs_of(cfg: dict) -> dict:
    ins = {}
    for k in PATH_KEYS:
        if cfg.get(k):
            ins[k] = cfg[k]
    for k in PATH_LIST_KEYS:
        for i, v in enumerate(cfg.get(k) or []):
            ins[f"{k}[{i}]"] = v
    return ins


def run(config, out=None, *, overrides: dict | None = None, dry_run: bool = False, progress: bool | None = None,
        force: bool = False, kernel_name: str = "python3") -> dict:
    """Execute the notebook pipeline; returns the manifest (``status`` ok or failed).

    Everything a run checks (config, parameters, inputs, the output folder) is checked before anything
    is written; a refusal raises :class:`~analysis.InputError` and leaves every file as it was. The
    output folder follows :func:`analysis.manifest.atomic_dir`: it must not exist, or be an earlier
    Maturasi output and ``force`` be true; it must not be, contain or lie inside an input. The run is
    written in a temporary folder beside it and moved into place at the end. A failing notebook gives
    a run folder with ``"status": "failed"`` and the executed notebooks; it never replaces an earlier
    output: when ``out`` already exists it is written to ``<out>.failed-<UTC time>`` instead, and the
    manifest's ``run_dir`` says where.
    """
    from ..manifest import check_out

    cfg, cfg_path = load_config(config, overrides)
    spec = effective_spec(cfg, split_overrides(overrides)[1], cfg_path)
    for req in ("framework", "data"):
        if not cfg.get(req):
            raise InputError(f"the run config needs '{req}'", file=cfg_path)
    notebooks = cfg.get("notebooks") or NOTEBOOKS
    unknown = [nb for nb in notebooks if nb not in NOTEBOOKS]
    if unknown:
        raise InputError(f"unknown notebook '{unknown[0]}' (known: {', '.join(NOTEBOOKS)})", file=cfg_path)
    try:
        plan = check_parameters({k: v for k, v in cfg.items() if k not in RUNNER_KEYS}, notebooks, source=cfg_path)
    except InputError as e:
        raise _option_error(e, overrides) from None
    name = cfg.get("name") or cfg_path.stem
    out = Path(out) if out else Path("reports") / name
    inputs = _inputs_of(cfg) | {"config": cfg_path}
    check_out(out, inputs=inputs, force=force)
    checks = _dry_check(cfg, spec=spec)
    if spec is not None:
        checks.append("spec overrides: " + ", ".join(f"{k}={v}" for k, v in overrides.items()
                                                      if k.startswith(SPEC_PREFIX)))
    if dry_run:
        for m in checks:
            print(f"ok: {m}")
        print(f"ok: {len(notebooks)} notebooks would run into {out}: {', '.join(notebooks)}")
        return {"status": "dry-run", "plan": plan, "spec": spec}
    return _execute(cfg, plan, notebooks, name, out, inputs, overrides=overrides, progress=progress, force=force,
                    kernel_name=kernel_name, spec=spec)


def _execute(cfg, plan, notebooks, name, out, inputs, *, overrides, progress, force, kernel_name,
             spec=None) -> dict:
    """Run the notebooks into a staged folder and move it into place (see :func:`run`)."""
    from ..manifest import staged_dir

    existed = out.exists()
    with staged_dir(out, inputs=inputs, force=force) as stage:
        try:
            m = _notebooks(stage.path, cfg, plan, notebooks, name, inputs, overrides=overrides, progress=progress,
                           kernel_name=kernel_name, spec=spec)
        except BaseException:  # interrupted: stop the kernel before the temporary folder is removed
            _stop_kernels()
            raise
        final = out
        if m["status"] != "ok" and (existed or out.exists()):
            # a failed run never replaces an earlier output: keep it beside
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            final = stage.divert(out.with_name(f"{out.name}.failed-{stamp}"))
    m["run_dir"] = str(final)
    return m


def _stop_kernels() -> None:
    """Kill the notebook kernels this process started (Linux; elsewhere they stop with their parent)."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = stat.read_text().rsplit(")", 1)[1].split()[1]
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if ppid == me and b"ipykernel" in cmd:
            pid = int(stat.parent.name)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _logged_kernel(log: Path) -> type:
    """A kernel manager whose kernels write their own output (start-up warnings, C-level prints) to ``log``.

    The terminal then shows only this kit's lines; what a notebook prints is in the executed notebook.
    """
    from jupyter_client import AsyncKernelManager

    class LoggedKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            with open(log, "ab") as f:  # the kernel keeps its own copy of the descriptor
                kw["stdout"] = kw["stderr"] = f
                return await super()._async_launch_kernel(kernel_cmd, **kw)

    return LoggedKernelManager


def _write_spec(run_dir: Path, cfg: dict, spec: dict | None) -> tuple[str | None, dict]:
    """Write the effective spec to ``run_dir/spec.yaml``; ``(path for the notebooks or None, validated spec)``.

    With ``-p spec.…`` overrides the notebooks read this file; without, they read the config's spec
    (hashed as an input) and ``spec.yaml`` is its copy, so every run folder holds the spec it used.
    """
    import shutil

    import yaml

    from ..spec import load_spec

    target = run_dir / "spec.yaml"
    if spec is not None:
        target.write_text("# effective build spec of this run: the config's spec with the -p spec.… overrides\n"
                          + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return str(target), load_spec(spec, source=cfg.get("spec")).to_dict()
    if cfg.get("spec"):
        shutil.copyfile(cfg["spec"], target)
    else:
        target.write_text("# no spec in the config: the kit's defaults\n{}\n", encoding="utf-8")
    return None, load_spec(cfg.get("spec")).to_dict()


def _workbook(run_dir: Path, cfg: dict, spec_path: str | None, inputs: dict) -> None:
    """``results.xlsx`` of the run's build (``xlsx: true``): the index as the notebooks build it."""
    from .. import build
    from ..io import _about
    from ..workbook import results_sheets, write_workbook

    res = build(cfg["framework"], cfg["data"], spec_path or cfg.get("spec"))
    write_workbook(run_dir / "results.xlsx", results_sheets(res),
                   about=_about(res, "run", inputs, res.spec.get("note")), framework=res.framework)


def _run_each(bar, run_dir: Path, plan: dict, kernels, kernel_name: str, record: list) -> tuple[str, dict | None]:
    """Execute the notebooks of ``bar`` one after the other (stop at the first failure); ``(status, failure)``."""
    import papermill as pm

    for nb in bar:
        bar.set_postfix_str(nb)
        params = dict(plan[nb])
        if "run_dir" in _notebook_params(nb):
            params["run_dir"] = str(run_dir)
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(str(NOTEBOOK_DIR / f"{nb}.ipynb"), str(run_dir / "notebooks" / f"{nb}.ipynb"),
                                parameters=params, kernel_name=kernel_name, cwd=str(run_dir),
                                progress_bar=False, log_output=False, kernel_manager_class=kernels)
            record.append({"notebook": nb, "status": "ok", "seconds": round(time.perf_counter() - t0, 3),
                           "parameters": params})
        except pm.PapermillExecutionError as e:
            failure = {"notebook": nb, "cell": e.exec_count, "error": e.ename, "message": str(e.evalue)[:2000]}
            record.append({"notebook": nb, "status": "failed", "seconds": round(time.perf_counter() - t0, 3),
                           "parameters": params, **failure})
            return "failed", failure
    return "ok", None


def _notebooks(run_dir, cfg, plan, notebooks, name, inputs, *, overrides, progress, kernel_name, spec=None) -> dict:
    """Execute ``notebooks`` into ``run_dir`` and write its manifest; returns it."""
    from tqdm.auto import tqdm

    (run_dir / "notebooks").mkdir()
    spec_path, spec_used = _write_spec(run_dir, cfg, spec)
    if spec_path is not None:
        plan = {nb: ({**p, "spec": spec_path} if "spec" in _notebook_params(nb) else p) for nb, p in plan.items()}
    kernels = _logged_kernel(run_dir / "notebooks" / "kernel.log")
    record: list[dict] = []
    t_all = time.perf_counter()
    bar = tqdm(notebooks, desc="notebooks", unit="nb", disable=None if progress is None else not progress)
    lang_before = os.environ.get("MATURASI_LANG")
    if cfg.get("lang"):  # the kernels inherit the environment: the notebooks' language
        os.environ["MATURASI_LANG"] = cfg["lang"]
    try:
        status, failure = _run_each(bar, run_dir, plan, kernels, kernel_name, record)
    finally:
        if lang_before is None:
            os.environ.pop("MATURASI_LANG", None)
        else:
            os.environ["MATURASI_LANG"] = lang_before
    bar.close()
    if status == "ok" and cfg.get("xlsx"):
        try:
            _workbook(run_dir, cfg, spec_path, inputs)
        except Exception as e:  # a workbook that fails must not look complete
            status = "failed"
            failure = {"notebook": "results.xlsx", "error": type(e).__name__, "message": str(e)[:2000]}
    report_notes: list[str] = []
    if status == "ok" and "99_report" in notebooks:
        from .render import write_reports

        try:
            report_notes = write_reports(run_dir, cfg)
        except Exception as e:  # a report that fails to render must not look complete
            status = "failed"
            failure = {"notebook": "report", "error": type(e).__name__, "message": str(e)[:2000]}
    if status != "ok":
        for f in ("report.html", "report.pdf", "profiles.html", "results.xlsx"):
            (run_dir / f).unlink(missing_ok=True)
    files = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())
    m = manifest(command="run", inputs=inputs, spec=spec_used, seed=cfg.get("seed"),
                 timings={"total": round(time.perf_counter() - t_all, 3)},
                 outputs=files + ["manifest.json"],
                 extra={"status": status, "failure": failure, "config": cfg, "overrides": overrides or {},
                        "notebooks": record, "name": name, "report_notes": report_notes})
    write_json(m, run_dir / "manifest.json")
    return m


def summary_line(m: dict) -> str:
    """What the command line prints after a run: where it is, or where the failed notebook is kept."""
    if m.get("status") == "failed":
        f = m["failure"] or {}
        return (f"run FAILED in {f.get('notebook')} (cell {f.get('cell')}): {f.get('error')}: {f.get('message')}\n"
                f"the executed notebook is kept in {m['run_dir']}/notebooks/; manifest.json says status: failed")
    ran = {r.get("notebook") for r in m.get("notebooks") or []}
    made = ("report.html, report.pdf, profiles.html, " if "99_report" in ran else "")
    made += "tables/, figures/, manifest.json"
    return f"run ok → {m['run_dir']} ({made})"


def read_manifest(run_dir) -> dict:
    return json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))
