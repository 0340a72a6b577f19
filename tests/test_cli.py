"""The command line: one package, one line and exit 2 for every bad option, --force where output is written."""

from __future__ import annotations

import ast
import json
import textwrap
import warnings
from pathlib import Path

import pytest

from analysis import InputWarning
from analysis.cli import main

from .fixtures import FW_ABCD as FW
from .fixtures import one_line

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "analysis"

# eight units, one cross-section
DATA = ("uCode,uName,a,b,c,d\n"
        "U1,One,1,2,3,4\nU2,Two,2,3,1,2\nU3,Three,3,1,2,5\nU4,Four,4,4,5,1\n"
        "U5,Five,5,2,4,3\nU6,Six,6,5,6,2\nU7,Seven,2,6,3,6\nU8,Eight,7,1,2,3\n")
UA = "N: 8\nseed: 1\nfactors:\n  - {name: w, type: weights, level: 2, noise: 0.2}\n"

WRITING = ("build", "uncertainty", "sensitivity", "weights", "audit", "cluster", "scenario", "path", "run")


# --- layout -------------------------------------------------------------------------------------------
def _package(path: Path) -> tuple[str, ...]:
    """The package a source file belongs to (``analysis/cli/build.py`` → ``("analysis", "cli")``)."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return parts[:-1]


def _private_owners(node: ast.ImportFrom | ast.Import, pkg: tuple[str, ...]):
    """``(owner package, dotted name)`` of every private module or name an import statement uses."""
    if isinstance(node, ast.Import):
        targets = [alias.name.split(".") for alias in node.names]
    else:
        base = list(pkg[: len(pkg) - node.level + 1]) if node.level else []
        mod = base + (node.module.split(".") if node.module else [])
        targets = [mod + [alias.name] for alias in node.names]
        targets.append(mod)
    for parts in targets:
        for i, part in enumerate(parts):
            if part.startswith("_") and not part.startswith("__"):
                owner = tuple(parts[:i])
                if owner and not SRC.parent.joinpath(*owner).is_dir():  # a name in a module: its package owns it
                    owner = owner[:-1]
                yield owner, ".".join(parts)
                break


def _violations(files, pkg_of):
    bad = []
    for f in files:
        pkg = pkg_of(f)
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for owner, name in _private_owners(node, pkg):
                if owner and owner[0] == "analysis" and pkg[: len(owner)] != owner:
                    bad.append(f"{f.relative_to(ROOT)}:{node.lineno} imports {name} (private to {'.'.join(owner)})")
    return bad


def test_no_module_imports_another_packages_private_module_or_name():
    """A private module or name belongs to the package holding it: its modules and sub-packages may use it
    (``analysis._errors`` serves the whole kit); a sibling or parent package, a notebook or a benchmark may not."""
    bad = _violations(sorted(SRC.rglob("*.py")), _package)
    outside = sorted((ROOT / "notebooks").glob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))
    bad += _violations(outside, lambda f: ())
    assert not bad, "\n".join(bad)


def test_the_command_line_is_one_package():
    assert (SRC / "cli" / "__init__.py").is_file() and (SRC / "cli" / "__main__.py").is_file()
    for old in ("cli.py", "commands.py", "uncertainty/cli.py"):
        assert not (SRC / old).exists(), old
    toml = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'maturasi = "analysis.cli:main"' in toml


@pytest.mark.parametrize("command", WRITING)
def test_every_writing_command_has_force(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert "--force" in capsys.readouterr().out


# --- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "fw.yaml").write_text(textwrap.dedent(FW))
    (d / "data.csv").write_text(DATA)
    (d / "ua.yaml").write_text(UA)
    (d / "costs_negative.csv").write_text("iCode,cost\na,1\nb,-2\n")
    (d / "design_bad.csv").write_text("run,nosuchfactor\n0,0.5\n")
    (d / "folder").mkdir()
    run = d / "run"
    assert main(["build", "-f", str(d / "fw.yaml"), "-d", str(d / "data.csv"), "-o", str(run)]) == 0
    return d


def _call(argv, capsys):
    code = main([str(a) for a in argv])
    return code, capsys.readouterr()


def _refused(argv, capsys, needle):
    code, cap = _call(argv, capsys)
    line = one_line(code, cap.err)
    assert line.startswith("maturasi: error: ")
    assert needle in line, line
    assert "Warning" not in cap.err
    return line


def _inputs(d):
    return ["-f", d / "fw.yaml", "-d", d / "data.csv"]


BAD_CLUSTER = [
    (["--k-range", "8-2"], "end is below the start"),
    (["--k-range", "x"], "--k-range 'x'"),
    (["--k-range", "1-3"], "k starts at 2"),
    (["--k-range", "2-9"], "at most 7 clusters for 8 units"),
    (["--k", "0"], "--k must be at least 2"),
    (["--k", "8"], "--k 8: at most 7 clusters"),
    (["--n-boot", "0"], "--n-boot must be at least 1"),
    (["--year", "2020"], "no year column"),
]


@pytest.mark.parametrize("extra, needle", BAD_CLUSTER)
def test_cluster_bad_options(files, capsys, tmp_path, extra, needle):
    _refused(["cluster", *_inputs(files), "-o", tmp_path / "o", *extra], capsys, needle)
    assert not (tmp_path / "o").exists()


BAD_PATH = [
    (["--unit", "U99"], "--unit 'U99': no such unit"),
    (["--unit", "U1", "--to", "somewhere"], "cannot read target 'somewhere'"),
    (["--unit", "U1", "--to", "nan"], "finite number"),
    (["--unit", "U1", "--indicators", "a,zz"], "unknown indicator 'zz'"),
    (["--unit", "U1", "--costs", "{d}/costs_negative.csv"], "costs_negative.csv"),
    (["--unit", "U1", "--costs", "{d}/no_such_costs.csv"], "no_such_costs.csv"),
    (["--unit", "U1", "--costs", "{d}/folder"], "folder"),
]


@pytest.mark.parametrize("extra, needle", BAD_PATH)
def test_path_bad_options(files, capsys, extra, needle):
    extra = [str(x).format(d=files) for x in extra]
    _refused(["path", "--run", files / "run", *extra], capsys, needle)


def test_path_out_is_atomic_with_a_manifest_and_needs_force(files, capsys, tmp_path):
    out = tmp_path / "p"
    code, _ = _call(["path", "--run", files / "run", "--unit", "U1", "--to", "60", "-o", out], capsys)
    assert code in (0, 3) and (out / "path.csv").is_file()
    assert json.loads((out / "manifest.json").read_text())["tool"] == "maturasi"
    _refused(["path", "--run", files / "run", "--unit", "U1", "--to", "60", "-o", out], capsys, "use --force")
    code, _ = _call(["path", "--run", files / "run", "--unit", "U1", "--to", "60", "-o", out, "--force"], capsys)
    assert code in (0, 3)


BAD_UA = [
    (["--N", "0"], "--N must be at least 1"),
    (["--year", "2020"], "no year column"),
    (["--design", "{d}/design_bad.csv"], "design_bad.csv"),
    (["--design", "{d}/no_such_design.csv"], "no_such_design.csv"),
]


@pytest.mark.parametrize("command", ["uncertainty", "sensitivity"])
@pytest.mark.parametrize("extra, needle", BAD_UA)
def test_uncertainty_bad_options(files, capsys, tmp_path, command, extra, needle):
    extra = [str(x).format(d=files) for x in extra]
    _refused([command, *_inputs(files), "--ua", files / "ua.yaml", "-o", tmp_path / "o", *extra], capsys, needle)
    assert not (tmp_path / "o").exists()


def test_weights_unknown_method_suggests(files, capsys, tmp_path):
    line = _refused(["weights", *_inputs(files), "-o", tmp_path / "o", "--methods", "equal,entropyy"], capsys,
                    "unknown weighting method 'entropyy'")
    assert "did you mean 'entropy'" in line
    _refused(["weights", *_inputs(files), "-o", tmp_path / "o", "--methods", "bogus"], capsys, "'bogus'")
    _refused(["weights", *_inputs(files), "-o", tmp_path / "o", "--methods", ","], capsys, "names no method")
    _refused(["weights", *_inputs(files), "-o", tmp_path / "o", "--bod-lower", "inf"], capsys, "--bod-lower")


def test_audit_bad_options(files, capsys, tmp_path):
    _refused(["audit", *_inputs(files), "-o", tmp_path / "o", "--n-boot", "0"], capsys, "--n-boot must be at least 1")
    _refused(["audit", *_inputs(files), "-o", tmp_path / "o", "--year", "1999"], capsys, "no year column")


def test_dashboard_refuses_a_missing_run_instead_of_serving(capsys, tmp_path):
    _refused(["dashboard", "--run", tmp_path / "nowhere"], capsys, "--run: not a baseline run folder")
    _refused(["dashboard", "--runs", tmp_path / "nowhere"], capsys, "--runs: no such folder")
    (tmp_path / "plain").mkdir()
    _refused(["dashboard", "--run", tmp_path / "plain"], capsys, "not a baseline run folder")


def test_dashboard_refuses_an_unknown_unit(files, capsys):
    line = _refused(["dashboard", "--run", files / "run", "--unit", "U9", "--port", "0"], capsys, "--unit 'U9'")
    assert "did you mean 'U1'" in line or "no such unit" in line


def test_run_refused_preflight_is_one_line_without_a_kept_notebook(capsys, tmp_path):
    line = _refused(["run", tmp_path / "missing.yaml", "--out", tmp_path / "o"], capsys, "missing.yaml")
    assert "notebook" not in line
    line = _refused(["run", tmp_path / "missing.yaml", "--dry-run"], capsys, "missing.yaml")
    assert "kept" not in line


@pytest.mark.parametrize("argv, needle", [
    (["cluster", "--k", "abc", "-f", "x", "-d", "y", "-o", "z"], "cluster: argument --k: invalid int value"),
    (["cluster", "--method", "magic", "-f", "x", "-d", "y", "-o", "z"], "invalid choice: 'magic'"),
    (["build", "-f", "x", "-d", "y"], "build: the following arguments are required: --out"),
    (["nosuch"], "invalid choice: 'nosuch'"),
    (["dashboard", "--port", "x"], "dashboard: argument --port"),
])
def test_argparse_refusals_are_one_line(capsys, argv, needle):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("maturasi: error: ") and needle in lines[0], lines


def test_seed_and_scheduler_options(files, capsys, tmp_path):
    _refused(["audit", *_inputs(files), "-o", tmp_path / "o", "--seed", "-1"], capsys, "--seed must be at least 0")
    _refused(["cluster", *_inputs(files), "-o", tmp_path / "o", "--seed", "-1"], capsys, "--seed must be at least 0")
    _refused(["uncertainty", *_inputs(files), "--ua", files / "ua.yaml", "-o", tmp_path / "o", "--scheduler",
              "tcp://127.0.0.1:1"], capsys, "--scheduler needs --backend dask")


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"inputs": {"data": "x"}}'])
def test_a_broken_run_manifest_is_one_line(capsys, tmp_path, content):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "manifest.json").write_text(content)
    _refused(["path", "--run", tmp_path / "r", "--unit", "U1"], capsys, "manifest.json")


# --- outputs ------------------------------------------------------------------------------------------
def test_build_needs_force_to_replace_an_earlier_output(files, capsys, tmp_path):
    out = tmp_path / "b"
    argv = ["build", *_inputs(files), "-o", out]
    assert _call(argv, capsys)[0] == 0
    before = (out / "manifest.json").read_bytes()
    _refused(argv, capsys, "use --force")
    assert (out / "manifest.json").read_bytes() == before
    assert _call([*argv, "--force"], capsys)[0] == 0


@pytest.mark.parametrize("command", ["build", "audit", "cluster", "weights"])
def test_output_may_not_be_or_hold_an_input(files, capsys, command):
    extra = {"cluster": ["--k", "2", "--n-boot", "1"], "audit": ["--n-boot", "1"], "weights": ["--methods", "equal"]}
    before = (files / "data.csv").read_bytes()
    _refused([command, *_inputs(files), "-o", files, "--force", *extra.get(command, [])], capsys, "input")
    _refused([command, *_inputs(files), "-o", files / "data.csv", *extra.get(command, [])], capsys, "data.csv")
    assert (files / "data.csv").read_bytes() == before


def test_scenario_output_may_not_lie_inside_the_run(files, capsys, tmp_path):
    s = tmp_path / "s.yaml"
    s.write_text('interventions:\n  - units: ["U1"]\n    indicators: [a]\n    change: "+20%"\n')
    _refused(["scenario", "--run", files / "run", "--scenario", s, "-o", files / "run" / "sc"], capsys, "input")
    assert not (files / "run" / "sc").exists()


def test_os_error_on_a_user_path_is_one_line(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    _refused(["demo-data", "--out", f / "sub"], capsys, str(f))


# --- warnings -----------------------------------------------------------------------------------------
def test_warnings_are_notes_or_manifest_entries_never_raw(files, capsys, tmp_path, monkeypatch):
    from analysis.cli import build as build_cmd

    def noisy_build(args):
        warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
        warnings.warn("judgement 12 is beyond Saaty's 1-9 scale", InputWarning, stacklevel=1)
        return real_build(args)

    real_build = build_cmd.cmd_build
    monkeypatch.setattr(build_cmd, "cmd_build", noisy_build)
    out = tmp_path / "b"
    code, cap = _call(["build", *_inputs(files), "-o", out], capsys)
    assert code == 0, cap.err
    assert "RuntimeWarning" not in cap.err and "overflow" not in cap.err
    assert "note: judgement 12 is beyond Saaty's 1-9 scale" in cap.err.splitlines()
    notes = json.loads((out / "manifest.json").read_text())["notes"]
    assert "RuntimeWarning: overflow encountered in exp" in notes


def test_highs_banner_does_not_reach_the_terminal():
    """highspy prints a banner on its first instance in a process; BoD keeps it off stdout."""
    import subprocess
    import sys

    code = ("import numpy as np, pandas as pd\n"
            "from analysis.weights import benefit_of_doubt\n"
            "benefit_of_doubt(pd.DataFrame(np.random.default_rng(1).random((6, 3)), columns=list('abc')))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)  # a hang guard only
    assert r.returncode == 0, r.stderr
    assert "HiGHS" not in r.stdout + r.stderr
