"""Every user-caused error gives one line naming the file, the row/column or node, and exit code 2."""

import textwrap

import pytest

from analysis.cli import main

from .fixtures import FW_ABC as FW_OK

DATA_OK = "uCode,uName,grp,a,b,c\nU1,One,x,1,2,3\nU2,Two,x,2,3,1\nU3,Three,y,3,1,2\n"


def run(tmp_path, capsys, fw=FW_OK, data=DATA_OK, spec=None, cmd="validate"):
    f = tmp_path / "fw.yaml"
    f.write_text(textwrap.dedent(fw))
    d = tmp_path / "data.csv"
    d.write_text(data)
    args = [cmd, "--framework", str(f), "--data", str(d)]
    if spec is not None:
        s = tmp_path / "spec.yaml"
        s.write_text(textwrap.dedent(spec))
        args += ["--spec", str(s)]
    if cmd == "build":
        args += ["--out", str(tmp_path / "out")]
    code = main(args)
    err = capsys.readouterr().err
    return code, err


def test_ok(tmp_path, capsys):
    code, err = run(tmp_path, capsys)
    assert code == 0, err


def _flat(nodes: str) -> str:
    return "name: t\nnodes:\n" + textwrap.indent(textwrap.dedent(nodes), "  ")


@pytest.mark.parametrize("fw, needle", [
    (_flat("""
     - {code: IDX, type: aggregate}
     - {code: a, parent: NOPE, weight: 1, direction: 1}
     """), "node 'a': unknown parent 'NOPE'"),
    (_flat("""
     - {code: IDX, type: aggregate}
     - {code: A, parent: B, weight: 1, type: aggregate}
     - {code: B, parent: A, weight: 1, type: aggregate}
     - {code: a, parent: A, weight: 1, direction: 1}
     """), "cycle"),
    (_flat("""
     - {code: IDX, type: aggregate}
     - {code: a, parent: IDX, weight: 1, direction: 1}
     - {code: a, parent: IDX, weight: 1, direction: 1}
     """), "node 'a': duplicate node code"),
    (_flat("""
     - {code: IDX, type: aggregate}
     - {code: D, parent: IDX, weight: 1, type: aggregate}
     - {code: a, parent: IDX, weight: 1, direction: 1}
     """), "node 'D': aggregate node has no children"),
    (FW_OK.replace("{code: a, weight: 1, direction: 1}", "{code: a, direction: 1}"), "node 'a': missing weight"),
    (FW_OK.replace("{code: a, weight: 1, direction: 1}", "{code: a, weight: -2, direction: 1}"),
     "node 'a': negative weight"),
    (FW_OK.replace("{code: a, weight: 1, direction: 1}", "{code: a, weight: 1, direction: 2}"),
     "node 'a': direction must be 1 or -1"),
    (FW_OK.replace("{code: a, weight: 1, direction: 1}", "{code: a, weight: 1, direction: 1, min: 5, max: 5}"),
     "node 'a': goalposts need min < max"),
])
def test_framework_errors(tmp_path, capsys, fw, needle):
    code, err = run(tmp_path, capsys, fw=fw)
    assert code == 2
    assert "fw.yaml" in err and needle in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("data, needle", [
    ("uCode,a,b,c\nU1,1,2,3\nU1,2,3,1\nU3,3,1,2\n", "row 3, column 'uCode': duplicated unit code 'U1'"),
    ("uCode,a,b,c\nU1,1,2,3\nU2,2,x7,1\nU3,3,1,2\n", "row 3, column 'b': non-numeric value 'x7'"),
    ("uCode,a,b\nU1,1,2\nU2,2,3\nU3,3,1\n", "column 'c': indicator(s) in the framework but not in the data"),
    ("uCode,a,b,c\nU1,1,2,\nU2,2,3,\nU3,3,1,\n", "column 'c': indicator has no data at all"),
    ("uCode,a,b,c\nU1,1,2,5\nU2,2,3,5\nU3,3,1,5\n", "column 'c': indicator is constant"),
    ("uCode,iCode,value\nU1,a,1\nU1,zz,2\n", "row 3, column 'iCode': unknown indicator 'zz'"),
])
def test_data_errors(tmp_path, capsys, data, needle):
    code, err = run(tmp_path, capsys, data=data)
    assert code == 2
    assert "data.csv" in err and needle in err, err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("spec, needle", [
    ("normalise: {method: minmax, range: [0, 100]}\naggregate: {method: geometric}\n",
     "range that starts above 0"),
    ("weights: expert\n", "unknown weight set 'expert'"),
    ("normalise: {methd: minmax}\n", "key 'normalise.methd': unknown key (did you mean 'method'?)"),
    ("aggregate: {by_node: {a: geometric}}\n", "'a', which is not an aggregate"),
    ("weight_sets: {w1: {D1: 1, D2: -1}}\nweights: w1\n", "key 'weight_sets.w1.D2': must be >= 0, got -1"),
])
def test_spec_errors(tmp_path, capsys, spec, needle):
    code, err = run(tmp_path, capsys, spec=spec)
    assert code == 2
    assert needle in err, err


def test_weights_that_sum_to_zero(tmp_path, capsys):
    spec = "weight_sets: {w1: {a: 0, b: 0}}\nweights: w1\n"
    code, err = run(tmp_path, capsys, spec=spec)
    assert code == 2 and "node 'D1': weights of the children sum to zero" in err


def test_failed_build_leaves_no_output_and_input_untouched(tmp_path, capsys):
    data = "uCode,a,b,c\nU1,1,2,3\nU2,2,x,1\nU3,3,1,2\n"
    code, _ = run(tmp_path, capsys, data=data, cmd="build")
    assert code == 2
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
    assert (tmp_path / "data.csv").read_text() == data


def test_build_writes_tables_and_manifest(tmp_path, capsys):
    import json

    spec = "levels: {bands: [50], labels: [low, high]}\n"
    code, err = run(tmp_path, capsys, spec=spec, cmd="build")
    assert code == 0, err
    out = tmp_path / "out"
    for f in ("scores.csv", "normalised.csv", "ranks.csv", "levels.csv", "manifest.json"):
        assert (out / f).exists()
    m = json.loads((out / "manifest.json").read_text())
    import hashlib

    assert m["inputs"]["data"]["sha256"] == hashlib.sha256((tmp_path / "data.csv").read_bytes()).hexdigest()
    assert "pandas" in m["packages"] and "total" in m["timings_s"]
