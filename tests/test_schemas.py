"""One schema per input kind: every bad input is one InputError line naming the file and the key/row/column.

Covers the build spec, the uncertainty spec (and its memory budget), design tables, run configs
(and their dry check), scenarios, AHP files, budgets, costs and weight-set tables, plus the valid
controls shipped with the kit.
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from analysis import InputError
from analysis.report.runner import _dry_check, load_config
from analysis.scenario import load_scenario
from analysis.schemas.tables import load_costs
from analysis.schemas.uncertainty import check_budget, load_design
from analysis.spec import load_spec
from analysis.uncertainty.spec import load_ua_spec
from analysis.weights.ahp import read_ahp
from analysis.weights.basic import read_budget

from .fixtures import FW_ABC as FW
from .fixtures import write as _write

ROOT = Path(__file__).resolve().parents[1]

DATA = ("uCode,uName,year,a,b,c\n"
        + "".join(f"{u},Unit {u},{y},{i + y - 2020},{(7 * i) % 5 + 1},{(3 * i) % 7 + 1}\n"
                  for y in (2024, 2025) for i, u in enumerate(["35.10", "35.1", "U3", "U4", "U5"])))

#: one cross-section (the 2025 rows without the year column)
CROSS = "\n".join([DATA.splitlines()[0].replace(",year", "")]
                   + [r.replace(",2025,", ",") for r in DATA.splitlines()[1:] if ",2025," in r]) + "\n"


def _one_line(e: pytest.ExceptionInfo) -> str:
    msg = str(e.value)
    assert "\n" not in msg, msg
    return msg


# --- build spec ----------------------------------------------------------------------------------------
SPEC_BAD = [
    ("treat: {method: winsorise, winmax: x}", "key 'treat.winmax': must be a whole number"),
    ("treat: {method: winsorise, winmax: -1}", "key 'treat.winmax': must be >= 0"),
    ("treat: {method: winsorise, skew: 0}", "key 'treat.skew': must be > 0"),
    ("treat: {method: winsorise, kurt: .inf}", "key 'treat.kurt': must be a finite number"),
    ("treat: {method: winsorize}", "key 'treat.method': must be one of"),
    ("treat: {method: winsorise, winmx: 3}", "key 'treat.winmx': unknown key (did you mean 'winmax'?)"),
    ("normalise: {method: minmax, range: [100, 0]}", "key 'normalise.range': must be [low, high] with low < high"),
    ("normalise: {method: minmax, range: [0, .nan]}", "key 'normalise.range[2]': must be a finite number"),
    ("normalise: {method: zscore, sd: 0}", "key 'normalise.sd': must be > 0"),
    ("normalise: {method: minmax, overrides: {a: {method: goalpost}}}", "key 'normalise.overrides.a.method'"),
    ("normalise: {method: mnmax}", "key 'normalise.method': must be one of"),
    ("aggregate: {method: geomean}", "key 'aggregate.method': unknown aggregation method 'geomean'"),
    ("aggregate: {method: arithmetic, min_share: 1.5}", "key 'aggregate.min_share': must be <= 1"),
    ("aggregate: {method: arithmetic, by_level: {two: geometric}}", "key 'aggregate.by_level.two'"),
    ("aggregate: {method: arithmetic, by_level: {2: geo}}", "key 'aggregate.by_level.2': unknown aggregation"),
    ("levels: {bands: [30, 30, 50], labels: [a, b, c, d]}", "key 'levels': bands must increase strictly"),
    ("levels: {bands: [30, 40], labels: [a, b]}", "key 'levels': 2 band edges need 3 labels, got 2"),
    ("levels: {bands: [30, .inf], labels: [a, b, c]}", "key 'levels.bands[2]': must be a finite number"),
    ("levels: {bands: [30, 40], labels: [a, b, c], labels_id: [x]}", "key 'levels': labels_id has 1 names"),
    ("levels: {bands: [30, 40], labels: [a, b, c], colour: red}", "key 'levels.colour': unknown key"),
    ("weights: {a: -1}", "key 'weights.a': must be >= 0"),
    ("weights: {a: yes}", "key 'weights.a': must be a number, got True"),
    ("weights: {a: '2'}", "key 'weights.a': must be a number, got '2'"),
    ("weights: {a: 1e400}", "key 'weights.a': must be a finite number"),
    ("weight_sets: {expert: {a: -0.5}}", "key 'weight_sets.expert.a': must be >= 0"),
    ("weights: expert", "key 'weights': unknown weight set 'expert'"),
    ("seed: 1.5", "key 'seed': must be a whole number"),
    ("seed: true", "key 'seed': must be a whole number"),
    ("seed: -1", "key 'seed': must be >= 0"),
    ("3: 1", "key '3': a key must be text"),
    ("nomalise: {method: minmax}", "key 'nomalise': unknown key (did you mean 'normalise'?)"),
    ("impute: {method: mean, max_iter: 0}", "key 'impute.max_iter': must be >= 1"),
    ("denominate: 5", "key 'denominate': must be one of 'framework' or a mapping"),
    ("impute: [mean]", "key 'impute': must be a mapping"),
    ("normalise: {method: target, target: 10, cap: 'yes'}", "key 'normalise.cap': must be true or false"),
]


@pytest.mark.parametrize("text, needle", SPEC_BAD, ids=[n.split(":")[0][:40] for _, n in SPEC_BAD])
def test_spec_refused_naming_file_and_key(tmp_path, text, needle):
    f = _write(tmp_path / "spec.yaml", text)
    with pytest.raises(InputError) as e:
        load_spec(f)
    msg = _one_line(e)
    assert msg.startswith(f"{f}: "), msg
    assert needle in msg, msg


def test_spec_weight_set_table_names_line_and_column(tmp_path):
    _write(tmp_path / "sets.csv", "set,iCode,Weight\ns1,a,1\ns1,b,-2\n")
    f = _write(tmp_path / "spec.yaml", "weight_sets: sets.csv\nweights: s1\n")
    with pytest.raises(InputError) as e:
        load_spec(f)
    msg = _one_line(e)
    assert "sets.csv, row 3, column 'Weight'" in msg and ">= 0" in msg, msg
    _write(tmp_path / "sets.csv", "set,iCode,Weight\ns1,a,1\ns1,b,2\n")
    assert load_spec(f).weight_set("s1") == {"a": 1.0, "b": 2.0}


# --- uncertainty spec ----------------------------------------------------------------------------------
UA_OK = """
N: 20
seed: 1
factors:
  - {name: w_dims, type: weights, level: 2, noise: 0.25}
  - name: agg
    type: choice
    step: aggregate
    alternatives: {am: arithmetic, gm: geometric}
"""
UA_BAD = [
    (("N: 20", "N: 0"), "key 'N': must be >= 1"),
    (("N: 20", "N: -5"), "key 'N': must be >= 1"),
    (("N: 20", "N: 1.5"), "key 'N': must be a whole number"),
    (("seed: 1", "seed: one"), "key 'seed': must be a whole number"),
    (("seed: 1", "seed: 1\ndesign: lhs"), "key 'design': must be one of 'mc' or 'sobol'"),
    (("seed: 1", "seed: 1\noutput: rank_shift"), "key 'output': unknown output 'rank_shift'"),
    (("seed: 1", "seed: 1\nNN: 3"), "key 'NN': unknown key"),
    (("noise: 0.25", "nosie: 0.25"), "key 'factors.w_dims.nosie': unknown key (did you mean 'noise'?)"),
    (("noise: 0.25", "noise: 1.0"), "key 'factors.w_dims.noise': must be < 1"),
    (("noise: 0.25", "noise: -0.1"), "key 'factors.w_dims.noise': must be >= 0"),
    (("noise: 0.25", "noise: 0.25, distribution: dirichlet, concentration: 0"),
     "key 'factors.w_dims.concentration': must be > 0"),
    (("type: weights", "type: weight"), "key 'factors.w_dims.type': must be one of"),
    (("step: aggregate", "step: aggregation"), "key 'factors.agg.step': must be one of"),
    (("alternatives: {am: arithmetic, gm: geometric}", "alternatives: {}"),
     "key 'factors.agg': a choice factor needs a non-empty mapping 'alternatives'"),
    (("alternatives: {am: arithmetic, gm: geometric}", "alternatives: {am: arithmetic, gm: {method: geo}}"),
     "key 'factors.agg.alternatives.gm.method': unknown aggregation method 'geo'"),
    (("name: agg", "name: w_dims"), "key 'factors': factor name 'w_dims' is used twice"),
    (("  - {name: w_dims", "  - {name: ex, type: exclude, indicators: []}\n  - {name: w_dims"),
     "key 'factors.ex.indicators': must not be empty"),
    (("  - {name: w_dims", "  - {name: ws, type: weight_set}\n  - {name: w_dims"),
     "key 'factors.ws': a weight_set factor needs 'sets' or 'file'"),
]


@pytest.mark.parametrize("change, needle", UA_BAD, ids=[n[:40] for _, n in UA_BAD])
def test_ua_spec_refused_naming_file_and_key(tmp_path, change, needle):
    old, new = change
    text = textwrap.dedent(UA_OK)
    assert old in text
    f = _write(tmp_path / "ua.yaml", text.replace(old, new, 1))
    with pytest.raises(InputError) as e:
        load_ua_spec(f)
    msg = _one_line(e)
    assert msg.startswith(f"{f}: "), msg
    assert needle in msg, msg


def test_ua_memory_budget_estimated_before_allocating(tmp_path):
    ua = load_ua_spec(_write(tmp_path / "ua.yaml", UA_OK))
    need = check_budget(514, ua, True, n_nodes=60)
    assert 0 < need < 50 * 2 ** 20
    big = dataclasses.replace(ua, N=10 ** 9)
    with pytest.raises(InputError) as e:
        check_budget(514, big, True, n_nodes=60)
    msg = _one_line(e)
    assert msg.startswith(f"{tmp_path / 'ua.yaml'}: key 'N': ") and "GiB" in msg and "available" in msg, msg
    with pytest.raises(InputError, match="sobol|runs"):
        check_budget(514, dataclasses.replace(ua, N=1000), False, design="sobol", available=1000)


# --- design tables -------------------------------------------------------------------------------------
@pytest.fixture
def ua_nodes(tmp_path):
    ua = load_ua_spec(_write(tmp_path / "ua.yaml", UA_OK))
    ua.factors[0].nodes = ["D1", "D2"]  # as an Engine resolves level 2
    return ua


DESIGN_BAD = [
    ("w_dims[D1],w_dims[D2],agg\n0.5,0.5,am\n0.2,0.1,mean\n", "row 3, column 'agg'", "not an alternative"),
    ("w_dims[D1],w_dims[D2],agg\n0.5,1.5,am\n", "row 2, column 'w_dims[D2]'", "must be in [0, 1]"),
    ("w_dims[D1],w_dims[D2]*,agg\n0.5,-1,am\n", "row 2, column 'w_dims[D2]*'", "must be >= 0"),
    ("w_dims[D1],w_dims[D2],agg\n0.5,inf,am\n", "row 2, column 'w_dims[D2]'", "not a finite number"),
    ("w_dims[D1],w_dims[D2],agg\n0.5,,am\n", "row 2, column 'w_dims[D2]'", "required"),
    ("w_dims[D1],w_dims[D2],ag\n0.5,0.5,am\n", "column 'ag'", "did you mean 'agg'?"),
    ("w_dims[D1],agg\n0.5,am\n", "", "no column 'w_dims[D2]'"),
    ("w_dims[D1],w_dims[D2]\n0.5,0.5\n", "", "no column 'agg'"),
]


@pytest.mark.parametrize("text, where, needle", DESIGN_BAD, ids=[n for _, _, n in DESIGN_BAD])
def test_design_table_refused_naming_row_and_column(tmp_path, ua_nodes, text, where, needle):
    f = _write(tmp_path / "design.csv", text)
    with pytest.raises(InputError) as e:
        load_design(f, ua_nodes)
    msg = _one_line(e)
    assert msg.startswith(str(f)) and where in msg and needle in msg, msg


def test_design_table_coinr_export_accepted(tmp_path, ua_nodes):
    f = _write(tmp_path / "design.csv", "rep,block,u_agg,agg,w_dims[D1],w_dims[D2],target_X,regen_failed\n"
                                        "1,UA,0.3,gm,0.5,0.5,1.2,FALSE\n")
    d = load_design(f, ua_nodes)
    assert list(d.index) == [1] and d.loc[1, "agg"] == "gm"


def test_design_table_valid(tmp_path, ua_nodes):
    f = _write(tmp_path / "design.csv", "run,w_dims[D1],w_dims[D2],agg\n0,0.5,0.5,am\n1,0.1,0.9,2\n")
    d = load_design(f, ua_nodes)
    assert list(d.index) == [0, 1] and list(d["agg"]) == ["am", "2"]


# --- run config ----------------------------------------------------------------------------------------
@pytest.fixture
def cfg_dir(tmp_path):
    _write(tmp_path / "fw.yaml", FW)
    (tmp_path / "data.csv").write_text(DATA, encoding="utf-8")
    _write(tmp_path / "ua.yaml", UA_OK)
    _write(tmp_path / "spec.yaml", "levels: {bands: [4], labels: [L1, L2]}\n")
    _write(tmp_path / "sc.yaml", "interventions:\n  - {units: [35.10], indicators: [a], change: '+1'}\n")
    return tmp_path


CFG_OK = """
name: t
framework: fw.yaml
data: data.csv
spec: spec.yaml
ua: ua.yaml
year: 2025
seed: 3
N: 20
n_boot: 5
cluster_k: 2
scenarios: [sc.yaml]
path_units: [35.10]
profile_units: all
"""
CFG_BAD = [
    (("name: t", "name: ../escape"), "key 'name': must be a plain folder name"),
    (("name: t", "name: /tmp/x"), "key 'name': must be a plain folder name"),
    (("name: t", "name: 'a\\\\b'"), "key 'name': must be a plain folder name"),
    (("name: t", "name: '..'"), "key 'name': must be a plain folder name inside the reports folder"),
    (("name: t", "name: ''"), "key 'name': must not be empty"),
    (("N: 20", "N: 0"), "key 'N': must be >= 1"),
    (("N: 20", "N: 20\nsobol_N: 0"), "key 'sobol_N': must be >= 1"),
    (("n_boot: 5", "n_boot: 0"), "key 'n_boot': must be >= 1"),
    (("n_boot: 5", "n_boot: 5\ncluster_n_boot: 0"), "key 'cluster_n_boot': must be >= 1"),
    (("cluster_k: 2", "cluster_k: 1"), "key 'cluster_k': must be >= 2"),
    (("cluster_k: 2", "cluster_k: 5"), "key 'cluster_k': 5 clusters need more units: k must be between 2 and 4"),
    (("seed: 3", "seed: 3.5"), "key 'seed': must be a whole number"),
    (("year: 2025", "year: 1999"), "key 'year': 1999 is not a year of the data"),
    (("path_units: [35.10]", "path_units: [35.11]"), "key 'path_units': unit '35.11' is not in the data"),
    (("profile_units: all", "profile_units: [U9]"), "key 'profile_units': unit 'U9' is not in the data"),
    (("ua: ua.yaml", "ua: nowhere.yaml"), "key 'ua': file not found: nowhere.yaml"),
    (("scenarios: [sc.yaml]", "scenarios: [sc.yaml, gone.yaml]"), "key 'scenarios': file not found: gone.yaml"),
    (("N: 20", "N: 2000000000"), "key 'N': "),
    (("n_boot: 5", "n_boot: 5\nweight_methods: [equal, entropi]"), "key 'weight_methods[2]': must be one of"),
    (("n_boot: 5", "n_boot: 5\ncluster_method: kmean"), "key 'cluster_method': must be one of"),
    (("name: t", "name: t\nnotebooks: [02_weighing]"), "did you mean '02_weighting'?"),
    (("seed: 3", "seed: -3"), "key 'seed': must be >= 0"),
    (("seed: 3", "seed: 3\nahp_method: mean"), "key 'ahp_method': must be one of 'eigen' or 'geometric'"),
    (("path_units: [35.10]", "path_units: [35.10]\npath_to: rank:0"), "key 'path_to': 'rank:0'"),
    (("path_units: [35.10]", "path_units: [35.10]\npath_to: L9"), "key 'path_to': 'L9' is not a target"),
]


@pytest.mark.parametrize("change, needle", CFG_BAD, ids=[n[:40] for _, n in CFG_BAD])
def test_run_config_refused_naming_file_and_key(cfg_dir, change, needle):
    old, new = change
    text = textwrap.dedent(CFG_OK)
    assert old in text
    f = _write(cfg_dir / "run.yaml", text.replace(old, new, 1))
    with pytest.raises(InputError) as e:
        cfg, _ = load_config(f)
        _dry_check(cfg)
    msg = _one_line(e)
    assert msg.startswith(f"{f}: "), msg
    assert needle in msg, msg


def test_run_config_valid_keeps_unit_codes_as_written(cfg_dir):
    cfg, path = load_config(_write(cfg_dir / "run.yaml", CFG_OK))
    assert cfg["path_units"] == ["35.10"] and cfg.source == path
    msgs = _dry_check(cfg)
    assert any("5 units" in m for m in msgs) and any("scenario" in m for m in msgs)


def test_run_config_dry_check_scenario_and_output_units(cfg_dir):
    cfg, _ = load_config(_write(cfg_dir / "run.yaml", CFG_OK))
    _write(cfg_dir / "sc.yaml", "interventions:\n  - {units: ['99.99'], indicators: [a], change: '+1'}\n")
    with pytest.raises(InputError) as e:
        _dry_check(cfg)
    assert _one_line(e).startswith(f"{(cfg_dir / 'sc.yaml').resolve()}: key 'interventions[1].units': "
                                   "unknown unit '99.99'")
    _write(cfg_dir / "sc.yaml", "interventions:\n  - {units: ['35.10'], indicators: [zz], change: '+1'}\n")
    with pytest.raises(InputError, match=r"key 'interventions\[1\]\.indicators': unknown indicator 'zz'"):
        _dry_check(cfg)
    _write(cfg_dir / "sc.yaml", "interventions:\n  - {units: ['35.10'], indicators: [a], change: '+1'}\n")
    _write(cfg_dir / "ua.yaml", UA_OK + "output: rank:99.99\n")
    with pytest.raises(InputError) as e:
        _dry_check(cfg)
    assert "ua.yaml: key 'output': unknown unit '99.99'" in _one_line(e)


def test_run_config_bad_input_file_names_that_file(cfg_dir):
    bad = _write(cfg_dir / "ua.yaml", UA_OK.replace("noise: 0.25", "noise: 2"))
    cfg, _ = load_config(_write(cfg_dir / "run.yaml", CFG_OK))
    with pytest.raises(InputError) as e:
        _dry_check(cfg)
    assert _one_line(e).startswith(f"{bad.resolve()}: key 'factors.w_dims.noise'")


# --- scenarios -----------------------------------------------------------------------------------------
SC_BAD = [
    ("interventions:\n  - {units: [35.10], indicatrs: [a], change: '+1'}\n",
     "key 'interventions[1].indicatrs': unknown key (did you mean 'indicators'?)"),
    ("interventions:\n  - {units: [35.10], indicators: [a], change: .inf}\n",
     "key 'interventions[1].change': must be a finite number"),
    ("interventions:\n  - {units: [35.10], indicators: [a], change: lots}\n",
     "key 'interventions[1].change': cannot read change 'lots'"),
    ("interventions:\n  - {units: [35.10], indicators: [a], change: {to: medain}}\n",
     "key 'interventions[1].change.to': must be one of"),
    ("interventions:\n  - {units: [35.10], group: {province: X}, indicators: [a], change: 1}\n",
     "key 'interventions[1]': give exactly one of 'units' or 'group'"),
    ("interventions:\n  - {units: [35.10], indicators: [], change: 1}\n",
     "key 'interventions[1].indicators': must not be empty"),
    ("interventions:\n  - {units: [35.10], indicators: [a]}\n", "key 'interventions[1].change': is required"),
    ("nmae: x\n", "key 'nmae': unknown key (did you mean 'name'?)"),
    ("bounds: {a: [5, 1]}\n", "key 'bounds.a': must be [low, high] with low < high"),
    ("year: abc\n", "key 'year': must be a whole number"),
    ("bounds: {a: [0, .inf]}\n", "key 'bounds.a[2]': must be a finite number"),
    ("interventions: {units: [35.10]}\n", "key 'interventions': must be a list"),
    ("interventions:\n  - {units: [35.10], indicators: [a], change: '1e400'}\n",
     "key 'interventions[1].change': change '1e400' is not a finite number"),
    ("interventions:\n  - {units: [35.10], indicators: [a], change: 1e400}\n",
     "key 'interventions[1].change': must be a finite number"),
]


@pytest.mark.parametrize("text, needle", SC_BAD, ids=[n[:40] for _, n in SC_BAD])
def test_scenario_refused_naming_file_and_key(tmp_path, text, needle):
    f = _write(tmp_path / "sc.yaml", text)
    with pytest.raises(InputError) as e:
        load_scenario(f)
    msg = _one_line(e)
    assert msg.startswith(f"{f}: ") and needle in msg, msg


def test_scenario_unit_codes_stay_text(tmp_path):
    f = _write(tmp_path / "sc.yaml", """
        interventions:
          - {units: [35.10, "35.20", '35.30', 35.1], indicators: [a], change: "+1"}
          - {unit: 35.10, indicator: b, change: "=3"}
        """)
    sc = load_scenario(f)
    assert sc.interventions[0].units == ["35.10", "35.20", "35.30", "35.1"]
    assert sc.interventions[1].units == ["35.10"]


def test_scenario_year_must_be_the_baselines(tmp_path):
    from analysis import build
    from analysis.scenario import run_scenario

    res = build(_write(tmp_path / "fw.yaml", FW), _write(tmp_path / "data.csv", CROSS))
    f = _write(tmp_path / "sc.yaml",
               "year: 2025\ninterventions:\n  - {units: ['35.10'], indicators: [a], change: '+1'}\n")
    with pytest.raises(InputError) as e:
        run_scenario(res, f)
    assert _one_line(e).startswith(f"{f}: key 'year': 2025 given, but the baseline is one cross-section")


def test_scenario_xlsx_through_read_table(tmp_path):
    f = tmp_path / "sc.xlsx"
    pd.DataFrame({"units": ["35.10"], "indicators": ["a, b"], "change": ["+5%"]}).to_excel(f, index=False)
    sc = load_scenario(f)
    assert sc.interventions[0].units == ["35.10"] and sc.interventions[0].kind == "relative"
    pd.DataFrame({"units": ["35.10", "35.1"], "indicators": ["a", "b"], "change": ["+5", "lots"]}).to_excel(
        f, index=False)
    with pytest.raises(InputError) as e:
        load_scenario(f)
    assert "row 3, column 'change'" in _one_line(e)
    pd.DataFrame({"unit": ["35.10"], "indicators": ["a"], "change": ["+5"]}).to_excel(f, index=False)
    with pytest.raises(InputError, match="column 'unit'.*did you mean 'units'"):
        load_scenario(f)


# --- AHP -----------------------------------------------------------------------------------------------
AHP_BAD = [
    ("D1:\n  labels: [a, b]\n  matrix: [[1, 3], [1/3]]\n", "key 'D1': matrix must be 2×2"),
    ("D1:\n  labels: [a, b]\n  matrix: [[1, -3], [1/3, 1]]\n", "key 'D1.matrix[1][2]': judgement must be"),
    ("D1:\n  labels: [a, b]\n  matrix: [[1, .inf], [1/3, 1]]\n", "key 'D1.matrix[1][2]'"),
    ("D1:\n  labels: [a, b]\n  matrix: [[1, x], [1/3, 1]]\n", "key 'D1.matrix[1][2]': judgement 'x'"),
    ("D1:\n  labels: [a, b]\n  matrix: [[1, 3], [0.2, 1]]\n", "node 'D1': matrix is not reciprocal"),
    ("D1:\n  labels: [a, b]\n  matrix: [[2, 3], [1/3, 1]]\n", "node 'D1': diagonal entry"),
    ("D1:\n  labels: [a, a]\n  matrix: [[1, 3], [1/3, 1]]\n", "key 'D1': label 'a' is listed twice"),
    ("D1:\n  labels: [a, b]\n  matrx: [[1, 3], [1/3, 1]]\n", "key 'D1.matrx': unknown key (did you mean 'matrix'?)"),
    ("D1:\n  labels: [a, b]\n  experts: {e1: [[1, 3], [1/3, 1]], e2: [[1, 2], [1, 1]]}\n",
     "node 'D1': expert 'e2': matrix is not reciprocal"),
    ("D1:\n  labels: [a, b]\n  matrix: [[1, 3], [1/3, 1]]\n  expert_weights: {e1: -1}\n",
     "key 'D1.expert_weights.e1': must be >= 0"),
]


@pytest.mark.parametrize("text, needle", AHP_BAD, ids=[n[:40] for _, n in AHP_BAD])
def test_ahp_yaml_refused(tmp_path, text, needle):
    f = _write(tmp_path / "ahp.yaml", text)
    with pytest.raises(InputError) as e:
        read_ahp(f)
    msg = _one_line(e)
    assert msg.startswith(f"{f}") and needle in msg, msg


@pytest.mark.parametrize("text, needle", [
    ("node,row,col,value\nD1,a,b,-4\n", "node 'D1', row 2, column 'value': judgement must be a finite number > 0"),
    ("node,row,col,value\nD1,a,b,4\nD1,a,b,3\n", "node 'D1', row 3: entry (a, b) is given twice"),
    ("node,row,col,value,expet\nD1,a,b,4,x\n", "column 'expet': unknown column 'expet' (did you mean 'expert'?)"),
    ("node,row,col,value\nD1,a,b,4\nD1,b,a,4\n", "node 'D1': matrix is not reciprocal"),
])
def test_ahp_csv_refused(tmp_path, text, needle):
    f = _write(tmp_path / "ahp.csv", text)
    with pytest.raises(InputError) as e:
        read_ahp(f)
    assert needle in _one_line(e)


def test_ahp_xlsx(tmp_path):
    f = tmp_path / "ahp.xlsx"
    pd.DataFrame([["a", 1, 3], ["b", "1/3", 1]], columns=["node", "a", "b"]).to_excel(f, sheet_name="D1",
                                                                                     index=False)
    assert read_ahp(f)["D1"]["labels"] == ["a", "b"]
    pd.DataFrame([["a", 1, 3], ["b", 1, 1]], columns=["node", "a", "b"]).to_excel(f, sheet_name="D1@ana",
                                                                                 index=False)
    with pytest.raises(InputError, match="node 'D1': expert 'ana': matrix is not reciprocal"):
        read_ahp(f)


# --- budgets, costs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, needle", [
    ("expert,D1,D2\ne1,60,40\ne1,50,50\n", "row 3, column 'expert': expert 'e1' is listed twice"),
    ("expert,D1,D2\ne1,60,-40\n", "row 2, column 'D2': points must be >= 0"),
    ("expert,D1,D2\ne1,60,inf\n", "row 2, column 'D2': points: 'inf' is not a finite number"),
    ("expert,D1,D2\ne1,60,true\n", "row 2, column 'D2'"),
    ("expert,D1,D2\n,60,40\n", "row 2, column 'expert': empty expert name"),
    ("expert,code,points\ne1,D1,60\ne1,D1,40\n", "row 3: expert 'e1' allocates to 'D1' twice"),
    ("expert,code,points\ne1,D1,x\n", "row 2, column 'points'"),
    ("who,D1,D2\ne1,60,40\n", "budget table needs an 'expert' column"),
])
def test_budget_table_refused(tmp_path, text, needle):
    f = _write(tmp_path / "budget.csv", text)
    with pytest.raises(InputError) as e:
        read_budget(f)
    msg = _one_line(e)
    assert msg.startswith(str(f)) and needle in msg, msg


@pytest.mark.parametrize("text, needle", [
    ("iCode,cost\na,-1\n", "row 2, column 'cost': cost must be >= 0"),
    ("iCode,cost\na,1e400\n", "row 2, column 'cost'"),
    ("iCode,cost\na,NaN\n", "row 2, column 'cost'"),
    ("iCode,cost\nzz,1\n", "row 2, column 'iCode': unknown indicator 'zz'"),
    ("iCode,cost\na,1\na,2\n", "row 3, column 'iCode': indicator 'a' is listed twice"),
    ("iCode,price\na,1\n", "a costs table needs columns iCode, cost"),
    ("iCode,cost,note\na,1,x\n", "column 'note': unknown column"),
])
def test_costs_table_refused(tmp_path, text, needle):
    f = _write(tmp_path / "costs.csv", text)
    with pytest.raises(InputError) as e:
        load_costs(f, ["a", "b", "c"])
    msg = _one_line(e)
    assert msg.startswith(str(f)) and needle in msg, msg


def test_costs_and_budget_valid(tmp_path):
    assert load_costs(_write(tmp_path / "c.csv", "iCode,cost\na,1.5\nc,0\n"), ["a", "b", "c"]) == {"a": 1.5, "c": 0}
    b = read_budget(_write(tmp_path / "b.csv", "expert,D1,D2\ne1,60,40\ne2,50,50\n"))
    assert list(b.index) == ["e1", "e2"] and b.loc["e1", "D1"] == 60


# --- valid controls ------------------------------------------------------------------------------------
def test_spec_levels_on_written_plain():
    import yaml

    spec = load_spec(yaml.safe_load("levels: {bands: [50], labels: [low, high], on: D1}"))
    assert spec["levels"]["on"] == "D1"


def test_run_config_path_to_against_levels():
    from analysis.schemas.run_config import check_path_to

    levels = {"bands": [30, 60], "labels": ["M1 Low", "M2 Mid", "M3 High"], "labels_id": ["Rendah", "Sedang", "Tinggi"]}
    for ok in ("next", "M2", "M3 High", "Tinggi", "rank:3", 55.0):
        check_path_to(ok, levels, 5, "run.yaml")
    with pytest.raises(InputError, match="run.yaml: key 'path_to': 'garbage' is not a target"):
        check_path_to("garbage", levels, 5, "run.yaml")
    with pytest.raises(InputError, match="rank:9"):
        check_path_to("rank:9", levels, 5, "run.yaml")


def test_spec_target_cap_accepted():
    assert load_spec({"normalise": {"method": "target", "target": 10, "cap": True}})["normalise"]["cap"] is True


def test_shipped_inputs_still_load():
    load_spec(ROOT / "data/demo/spec.yaml")
    for f in sorted((ROOT / "methodology/specs").glob("*.yaml")):
        load_spec(f)
    ua = load_ua_spec(ROOT / "data/demo/ua.yaml")
    assert ua.N == 2000 and len(ua.factors) == 5
    for f in sorted((ROOT / "data/demo/scenarios").glob("*")):
        assert load_scenario(f).interventions
    for c in ("demo.yaml", "ci.yaml"):
        cfg, _ = load_config(ROOT / "configs" / c)
        assert "73.71" in cfg["path_units"]


def test_ci_config_dry_check():
    cfg, _ = load_config(ROOT / "configs/ci.yaml")
    msgs = _dry_check(cfg)
    assert any("514 units" in m for m in msgs)


# --- the command line: one line on stderr, exit 2 ------------------------------------------------------
def test_cli_bad_spec_one_line_exit_2(tmp_path, capsys):
    from analysis.cli import main

    fw = _write(tmp_path / "fw.yaml", FW)
    data = tmp_path / "data.csv"
    data.write_text(CROSS, encoding="utf-8")
    spec = _write(tmp_path / "spec.yaml", "treat: {method: winsorise, winmax: x}\n")
    code = main(["validate", "-f", str(fw), "-d", str(data), "-s", str(spec)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert str(spec) in err[0] and "key 'treat.winmax'" in err[0], err


def test_cli_run_dry_run_bad_config_one_line_exit_2(cfg_dir, capsys):
    from analysis.cli import main

    f = _write(cfg_dir / "run.yaml", textwrap.dedent(CFG_OK).replace("cluster_k: 2", "cluster_k: 9"))
    code = main(["run", str(f), "--dry-run", "--out", str(cfg_dir / "out")])
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert code == 2 and len(err) == 1, captured
    assert str(f) in err[0] and "key 'cluster_k'" in err[0], err
    assert not (cfg_dir / "out").exists()


def test_cli_uncertainty_bad_ua_one_line_exit_2(cfg_dir, capsys):
    from analysis.cli import main

    ua = _write(cfg_dir / "ua.yaml", UA_OK.replace("noise: 0.25", "nosie: 0.25"))
    data = cfg_dir / "data1.csv"
    data.write_text(CROSS, encoding="utf-8")
    code = main(["uncertainty", "-f", str(cfg_dir / "fw.yaml"), "-d", str(data), "--ua", str(ua),
                 "--out", str(cfg_dir / "ua_out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert str(ua) in err[0] and "did you mean 'noise'?" in err[0], err
    assert not (cfg_dir / "ua_out").exists()


def test_overrides_strict_yaml_and_unit_codes_as_written(cfg_dir):
    from analysis.report.runner import parse_overrides

    ov = parse_overrides(["path_units=[35.10]", "N=30", "profile_units=all"])
    assert ov == {"path_units": ["35.10"], "N": 30, "profile_units": "all"}
    cfg, _ = load_config(_write(cfg_dir / "run.yaml", CFG_OK), ov)
    assert cfg["path_units"] == ["35.10"]
    with pytest.raises(InputError) as e:
        load_config(cfg_dir / "run.yaml", parse_overrides(["N=0"]))
    assert "key 'N': must be >= 1" in _one_line(e)
