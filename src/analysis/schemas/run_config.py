"""Schema of a run configuration (``maturasi run CONFIG.yaml``) and the checks a dry run makes.

Two layers:

* :class:`RunConfigModel` checks what can be checked from the file alone: ``name`` is a simple
  folder name that cannot leave the reports folder; numbers have their types and ranges
  (``N``, ``sobol_N``, ``n_boot``, ``cluster_n_boot`` >= 1, ``cluster_k`` >= 2, ``seed`` a whole
  number); known weighting and clustering methods; no ``cluster_k`` with ``cluster_method: hdbscan``
  (HDBSCAN sets the number of clusters itself); unit lists are lists of codes. Which keys
  exist at all is decided by the notebooks' parameter cells
  (:func:`analysis.report.runner.check_parameters`).
* :func:`dry_check` loads every input as the notebooks will and checks what needs the data:
  the year exists, ``path_units``/``profile_units`` are units of the data, ``cluster_k`` is at most
  the number of units − 1, the uncertainty study fits in memory, and the spec, uncertainty spec,
  AHP, budget and scenario files are valid. ``--dry-run`` and a real run make the same checks.

Every error names the config file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .._errors import InputError
from ._common import Int, Number, Text, input_error, suggest

__all__ = ["RunConfigModel", "check_config", "check_name", "dry_check", "check_path_to", "read_config_yaml",
           "CODE_LIST_KEYS",
           "WEIGHT_METHODS", "CLUSTER_METHODS", "CLUSTER_ON"]

WEIGHT_METHODS = ("equal", "framework", "entropy", "critic", "pca", "pca_pc1", "optimised", "bod")
CLUSTER_METHODS = ("kmeans", "ward", "gmm", "hdbscan")
CLUSTER_ON = ("indicators", "dimensions", "pca")
#: keys whose values are unit codes (kept as written in the YAML: 35.10 stays "35.10")
CODE_LIST_KEYS = ("path_units", "profile_units")
_BAD_NAME_CHARS = ("/", "\\", "\x00", ":")


def check_name(v: str) -> str:
    """A run name is one plain folder name inside the reports folder (no path, no '..')."""
    if not v.strip():
        raise ValueError("must not be empty")
    if v != v.strip():
        raise ValueError(f"must not start or end with spaces, got {v!r}")
    bad = [c for c in _BAD_NAME_CHARS if c in v]
    if bad:
        raise ValueError(f"must be a plain folder name without {' '.join(repr(c) for c in bad)}, got {v!r}")
    if v in (".", "..") or v.startswith(".."):
        raise ValueError(f"must be a plain folder name inside the reports folder, got {v!r}")
    if Path(v).is_absolute():
        raise ValueError(f"must not be an absolute path, got {v!r}")
    return v


Name = Annotated[Text, AfterValidator(check_name)]
Count = Annotated[Int, Field(ge=1)]
Code = Text | Int
Codes = list[Code]


class RunConfigModel(BaseModel):
    """Types and ranges of the run-config keys the kit knows (other keys: the notebooks' parameters)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: Name | None = None
    title: Text | None = None
    framework: Text
    data: Text
    spec: Text | None = None
    ua: Text | None = None
    ahp: Text | None = None
    ahp_method: Literal["eigen", "geometric"] = "eigen"
    budget: Text | None = None
    boundaries: Text | None = None
    boundary_code: Text | None = None
    scenarios: list[Text] | None = None
    notebooks: Annotated[list[Text], Field(min_length=1)] | None = None
    year: Int | Text | None = None
    seed: Annotated[Int, Field(ge=0)] = 0
    N: Count = 1000
    sobol_N: Count | None = None
    n_boot: Count = 100
    weight_methods: list[Literal[WEIGHT_METHODS]] | None = None
    cluster_on: Literal[CLUSTER_ON] = "dimensions"
    cluster_method: Literal[CLUSTER_METHODS] = "kmeans"
    cluster_k: Annotated[Int, Field(ge=2)] | None = None
    cluster_n_boot: Count = 50
    path_units: Codes | None = None
    path_to: Text | Number = "next"
    profile_units: Codes | Literal["all"] | None = None
    #: language of the run's command-line lines and of the notebooks' ``MATURASI_LANG`` (analysis.i18n)
    lang: Literal["en", "id"] | None = None
    #: also write ``results.xlsx`` (analysis.workbook) of the run's build
    xlsx: Annotated[bool, Field(strict=True)] = False


def check_config(cfg: dict, source=None) -> RunConfigModel:
    """Validate a run config (after overrides); one :class:`InputError` naming ``source`` and the key."""
    if "run_dir" in cfg:
        raise InputError("key 'run_dir': set by the runner; choose the output folder with --out", file=source)
    try:
        m = RunConfigModel.model_validate(cfg)
    except ValidationError as e:
        raise input_error(e, source, data=cfg) from None
    if m.cluster_k is not None and m.cluster_method == "hdbscan":
        raise InputError(f"key 'cluster_k': {m.cluster_k} clusters given with key 'cluster_method': hdbscan, which "
                         f"sets the number of clusters itself; remove cluster_k or choose another cluster_method",
                         file=source)
    from ..report.runner import NOTEBOOKS

    for nb in m.notebooks or []:
        if nb not in NOTEBOOKS:
            raise InputError(f"key 'notebooks': unknown notebook '{nb}'{suggest(nb, NOTEBOOKS)} "
                             f"(known: {', '.join(NOTEBOOKS)})", file=source)
    return m


def read_config_yaml(path: str | Path) -> dict:
    """Read a run config strictly (duplicate keys refused), keeping unit codes as written."""
    from .._yaml import parse_yaml
    from ..tables import read_text
    from .scenario import keep_written

    path = Path(path)
    text = read_text(path, "run config")
    doc = parse_yaml(text, file=path)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError("a run config must be a mapping", file=path)
    return keep_written(doc, text, CODE_LIST_KEYS)


# --- checks that need the data -----------------------------------------------------------------------
def _units_exist(key: str, codes: Any, units, source) -> None:
    if codes is None or codes == "all":
        return
    known = [str(u) for u in units]
    for c in codes:
        if str(c) not in known:
            raise InputError(f"key '{key}': unit '{c}' is not in the data{suggest(str(c), known)}", file=source)


def dry_check(cfg: dict, source=None, *, spec: dict | None = None) -> list[str]:
    """Load every input as the notebooks will and check what needs the data; returns ``ok`` lines.

    ``spec`` is the effective spec when ``-p spec.…`` overrides change the config's spec.

    Raises
    ------
    InputError
        The first problem, naming the input file (or the config file and key).
    """
    from ..data import load_data
    from ..framework import load_framework
    from ..pipeline import check_spec
    from ..scenario import load_scenario
    from ..select import pick_year
    from ..spec import load_spec
    from ..uncertainty.spec import load_ua_spec
    from .scenario import check_scenario_refs

    m = check_config(cfg, source)
    msgs = []
    fw = load_framework(cfg["framework"])
    ds = load_data(cfg["data"], fw)
    sp = load_spec(spec if spec is not None else cfg.get("spec"), source=cfg.get("spec"))
    check_spec(fw, sp, ds.units)
    if ds.year is not None and m.year is not None and not any(str(y) == str(m.year) for y in ds.years):
        raise InputError(f"key 'year': {m.year} is not a year of the data "
                         f"({', '.join(map(str, ds.years))})", file=source)
    cs = pick_year(ds, m.year)
    units = list(cs.units.index)
    n = len(units)
    msgs.append(f"framework {fw.name}: {len(fw.indicators)} indicators; data: {ds.values.shape[0]} rows"
                + (f", years {ds.years}" if ds.year else "") + f"; {n} units in the analysed year")
    _units_exist("path_units", m.path_units, units, source)
    _units_exist("profile_units", m.profile_units, units, source)
    if m.cluster_k is not None and m.cluster_k > n - 1:
        raise InputError(f"key 'cluster_k': {m.cluster_k} clusters need more units: k must be between 2 and "
                         f"{n - 1} (units − 1) for {n} units", file=source)
    if m.path_units:
        check_path_to(m.path_to, sp.get("levels"), n, source)
    if cfg.get("ua"):
        from .uncertainty import check_output

        u = load_ua_spec(cfg["ua"])
        check_output(u, units)
        _budget(u, m, n, len(fw.nodes), source)
        msgs.append(f"uncertainty: {len(u.factors)} factors")
    if cfg.get("ahp"):
        from ..weights.ahp import ahp_weights

        ahp_weights(fw, cfg["ahp"], method=m.ahp_method, warn=False)
        msgs.append("AHP comparisons: ok")
    if cfg.get("budget"):
        from ..weights.basic import budget_allocation

        budget_allocation(fw, cfg["budget"])
        msgs.append("budget allocation: ok")
    for s in cfg.get("scenarios") or []:
        sc = load_scenario(s)
        check_scenario_refs(sc, fw, cs.units)
        msgs.append(f"scenario {sc.name}: {len(sc.interventions)} interventions")
    return msgs


def check_path_to(to: Any, levels: dict | None, n_units: int, source=None) -> None:
    """``path_to`` is a score, ``next`` (needs levels), ``rank:N`` (1 ≤ N ≤ units) or a level label."""
    if isinstance(to, (int, float)) and not isinstance(to, bool):
        return
    s = str(to).strip()
    if s.lower().startswith("rank:"):
        r = s.split(":", 1)[1].strip()
        if not r.isdigit() or not 1 <= int(r) <= n_units:
            raise InputError(f"key 'path_to': {s!r}: after 'rank:' comes a whole number from 1 to {n_units}",
                             file=source)
        return
    if not levels:
        raise InputError(f"key 'path_to': {s!r} needs maturity levels in the spec (or give a score or rank:N)",
                         file=source)
    if s.lower() == "next":
        return
    labels = [str(x) for x in levels.get("labels") or []]
    names = set(labels) | {lab.split()[0] for lab in labels if lab.split()} | {
        str(x) for x in levels.get("labels_id") or []}
    if s not in names:
        raise InputError(f"key 'path_to': {s!r} is not a target: use next, rank:N, a score or a level "
                         f"({', '.join(labels)}){suggest(s, sorted(names))}", file=source)


def _budget(u, m: RunConfigModel, n_units: int, n_nodes: int, source) -> None:
    """The uncertainty (N from the config) and sensitivity (sobol_N) studies of notebook 03 fit in memory."""
    import dataclasses

    from .uncertainty import check_budget

    keep_sobol = u.keep_scores or u.output.startswith("rank:")
    for key, N, design, keep in (("N", m.N, "mc", False), ("sobol_N", m.sobol_N, "sobol", keep_sobol)):
        if N is None:
            continue
        try:
            check_budget(n_units, dataclasses.replace(u, N=N), keep, design=design, n_nodes=n_nodes)
        except InputError as e:
            raise InputError(f"key '{key}': " + e.message.split(": ", 1)[-1], file=source) from None
