"""No command destroys or damages a user's files (issue 13, part 1).

Every refusal is one line on stderr with exit code 2 and leaves every file byte-identical; an
earlier output is replaced only with ``--force`` and only by a complete one; temporary folders go
on SIGINT/SIGTERM, stale ones (after SIGKILL) are removed by the next run; a full disk gives one
line; concurrent writers end with one complete folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from analysis import InputError
from analysis.manifest import TMP_MARKER, atomic_dir, clean_stale, is_kit_output, manifest, staged_dir, write_json

from .conftest import ROOT

DEMO = ROOT / "data" / "demo"
CSV = DEMO / "smartcity_2025.csv"
CLI = [sys.executable, "-m", "analysis.cli"]
FW = "kominfo_gm100sc"


# ----------------------------------------------------------------------------------------------------- helpers

def cli(*args, cwd=None, timeout=600, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          **kw)


def popen(*args, cwd=None) -> subprocess.Popen:
    return subprocess.Popen(CLI + [str(a) for a in args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` (hidden ones too) with the SHA-256 of each file's bytes."""
    snap = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        snap[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return snap


def one_line_refusal(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    err = r.stderr.strip()
    assert "Traceback" not in r.stderr and "\n" not in err, r.stderr
    assert err.startswith("maturasi: error:"), err
    for w in words:
        assert w in err, (w, err)
    return err


def debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "maturasi-" in p.name or ".old-" in p.name
                  or p.name.endswith(".partial"))


def kit_output(folder: Path, **extra) -> Path:
    """A folder that looks like an earlier complete run of this kit."""
    folder.mkdir(parents=True)
    for f in ("report.html", "report.pdf", "profiles.html"):
        (folder / f).write_text(f"earlier {f}\n")
    (folder / "tables").mkdir()
    (folder / "tables" / "scores.csv").write_text("uCode,Index\n01,50\n")
    write_json(manifest(command="run", inputs={}, extra={"status": "ok", **extra}), folder / "manifest.json")
    return folder


def build_args(data: Path, out, *more) -> list:
    return ["build", "-f", FW, "-d", data, "-o", out, *more]


@pytest.fixture
def mydata(tmp_path) -> Path:
    """``mydata/data.csv`` and an unrelated ``mydata/notes.txt``."""
    d = tmp_path / "mydata"
    d.mkdir()
    shutil.copy(CSV, d / "data.csv")
    (d / "notes.txt").write_text("my notes\n")
    return d


def broken_copy(dst: Path) -> Path:
    """The demo data with one non-numeric cell (refused when read)."""
    lines = CSV.read_text().splitlines()
    cols = lines[0].split(",")
    row = lines[5].split(",")
    row[cols.index("GOV_EGOV")] = "lots"
    lines[5] = ",".join(row)
    dst.write_text("\n".join(lines) + "\n")
    return dst


def _tmp_folders(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if ".maturasi-tmp-" in p.name]


def _wait_for(cond, timeout=120.0, step=0.02):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return None


# ----------------------------------------------------------------------------------------------------- refusals

def test_out_is_the_input_folder(tmp_path, mydata):
    before = snapshot(tmp_path)
    for extra in ([], ["--force"]):
        r = cli(*build_args(mydata / "data.csv", mydata, *extra))
        one_line_refusal(r, "mydata", "input")
        assert snapshot(tmp_path) == before


def test_out_is_an_existing_file(tmp_path, mydata):
    before = snapshot(tmp_path)
    for extra in ([], ["--force"]):
        r = cli(*build_args(mydata / "data.csv", mydata / "notes.txt", *extra))
        one_line_refusal(r, "notes.txt", "existing file")
        assert snapshot(tmp_path) == before  # no hidden renamed copy, no folder in its place


def test_out_is_the_current_folder(tmp_path, mydata):
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.tex").write_text("chapter one\n")
    before = snapshot(tmp_path)
    for extra in ([], ["--force"]):
        r = cli(*build_args(mydata / "data.csv", ".", *extra), cwd=work)
        one_line_refusal(r, "current folder")
        assert snapshot(tmp_path) == before
    # "." when it holds the input: refused too
    r = cli(*build_args("data.csv", ".", "--force"), cwd=mydata)
    one_line_refusal(r)
    assert snapshot(tmp_path) == before


def test_out_inside_or_around_an_input_is_refused(tmp_path):
    folder = tmp_path / "inputs"
    (folder / "deep").mkdir(parents=True)
    (folder / "deep" / "x.csv").write_text("a\n1\n")
    link = tmp_path / "link"
    link.symlink_to(folder, target_is_directory=True)
    before = snapshot(tmp_path)
    cases = [
        (folder / "run", [folder], "inside"),                    # inside an input folder
        (link / "run", [folder], "inside"),                      # ... reached through a symlink
        (folder / "deep" / "run", [str(link)], "inside"),        # the input named through a symlink
        (folder, [folder / "deep" / "x.csv"], "contains"),       # would contain an input file
        (tmp_path / "inputs" / "deep" / "x.csv", [folder / "deep" / "x.csv"], "is the input"),
    ]
    for out, inputs, word in cases:
        with pytest.raises(InputError, match=word) as e:
            with atomic_dir(out, inputs=[None, "kominfo_gm100sc", *inputs], force=True):
                pass
        assert "\n" not in str(e.value)
        assert snapshot(tmp_path) == before, out


def test_out_beside_an_input_file_is_fine(tmp_path, mydata):
    # the demo layout: data in data/demo/, output in reports/demo; here an output inside the data's folder
    r = cli(*build_args(mydata / "data.csv", mydata / "reports" / "demo"))
    assert r.returncode == 0, r.stderr
    assert is_kit_output(mydata / "reports" / "demo")
    assert (mydata / "notes.txt").read_text() == "my notes\n"
    assert debris(mydata / "reports") == []


def test_force_replaces_only_an_earlier_kit_output(tmp_path, mydata):
    out = tmp_path / "out"
    assert cli(*build_args(mydata / "data.csv", out)).returncode == 0
    first = snapshot(out)
    r = cli(*build_args(mydata / "data.csv", out))
    one_line_refusal(r, "--force")
    assert snapshot(out) == first
    other = tmp_path / "other.csv"
    lines = CSV.read_text().splitlines()
    lines.pop(3)  # one unit fewer: different scores
    other.write_text("\n".join(lines) + "\n")
    r = cli(*build_args(other, out, "--force"))
    assert r.returncode == 0, r.stderr
    assert snapshot(out)["scores.csv"] != first["scores.csv"]
    assert json.loads((out / "manifest.json").read_text())["inputs"]["data"]["path"] == str(other)
    assert debris(tmp_path) == []
    # a folder of the user's is never replaced, even with --force
    user = tmp_path / "mine"
    user.mkdir()
    (user / "manifest.json").write_text('{"tool": "something else"}')
    before = snapshot(user)
    one_line_refusal(cli(*build_args(mydata / "data.csv", user, "--force")), "not a Maturasi output")
    assert snapshot(user) == before


def test_refused_build_leaves_previous_output_intact(tmp_path, mydata):
    prev = tmp_path / "prev"
    assert cli(*build_args(mydata / "data.csv", prev)).returncode == 0
    before = snapshot(tmp_path)
    bad = broken_copy(tmp_path / "bad.csv")
    before["bad.csv"] = hashlib.sha256(bad.read_bytes()).hexdigest()
    r = cli(*build_args(bad, prev, "--force"))
    one_line_refusal(r, "bad.csv", "GOV_EGOV")
    assert snapshot(tmp_path) == before


def _bad_run_config(tmp_path: Path) -> Path:
    bad = broken_copy(tmp_path / "bad.csv")
    cfg = {"name": "bad", "framework": FW, "data": str(bad), "year": 2025, "notebooks": ["01_data_audit"]}
    c = tmp_path / "bad.yaml"
    c.write_text(yaml.safe_dump(cfg))
    return c


def test_refused_run_config_leaves_previous_run_intact(tmp_path):
    prev = kit_output(tmp_path / "prev")
    config = _bad_run_config(tmp_path)
    before = snapshot(tmp_path)
    r = cli("run", config, "--out", prev)
    one_line_refusal(r, "--force")
    r = cli("run", config, "--out", prev, "--force")
    one_line_refusal(r, "bad.csv", "GOV_EGOV")
    assert "kept" not in r.stdout + r.stderr and "notebook" not in r.stdout
    assert snapshot(tmp_path) == before  # report.html/pdf, profiles.html and manifest untouched
    # a refused preflight into a new folder writes nothing at all
    r = cli("run", config, "--out", tmp_path / "new")
    one_line_refusal(r, "bad.csv")
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------------------------------- library level

def test_failure_inside_the_block_leaves_previous_output(tmp_path):
    prev = kit_output(tmp_path / "prev")
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError):
        with atomic_dir(prev, force=True) as tmp:
            (tmp / "half.csv").write_text("a,b\n")
            raise RuntimeError("boom")
    assert snapshot(tmp_path) == before


def _failing_notebooks(folder: Path) -> Path:
    """A copy of the notebooks where ``01_data_audit`` ends with a cell that raises."""
    import nbformat

    from analysis.report.runner import NOTEBOOK_DIR

    folder.mkdir()
    for nb in NOTEBOOK_DIR.glob("*.ipynb"):
        shutil.copy(nb, folder / nb.name)
    book = nbformat.read(folder / "01_data_audit.ipynb", as_version=4)
    book.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("boom")'))
    nbformat.write(book, folder / "01_data_audit.ipynb")
    return folder


def test_a_failed_run_never_replaces_an_earlier_output(tmp_path, monkeypatch, capfd):
    from analysis.report import runner

    monkeypatch.setattr(runner, "NOTEBOOK_DIR", _failing_notebooks(tmp_path / "nbs"))
    prev = kit_output(tmp_path / "prev")
    before = snapshot(prev)
    m = runner.run(ROOT / "configs" / "ci.yaml", prev, overrides={"notebooks": ["01_data_audit"]}, progress=False,
                   force=True)
    assert m["status"] == "failed" and m["failure"]["error"] == "RuntimeError"
    assert snapshot(prev) == before
    kept = Path(m["run_dir"])
    assert kept.parent == tmp_path and kept.name.startswith("prev.failed-")
    assert (kept / "notebooks" / "01_data_audit.ipynb").exists()
    assert json.loads((kept / "manifest.json").read_text())["status"] == "failed"
    assert debris(tmp_path) == []
    # into a new folder, the failed run is written there
    m = runner.run(ROOT / "configs" / "ci.yaml", tmp_path / "new", overrides={"notebooks": ["01_data_audit"]},
                   progress=False)
    assert m["status"] == "failed" and m["run_dir"] == str(tmp_path / "new")
    assert json.loads((tmp_path / "new" / "manifest.json").read_text())["status"] == "failed"
    # the kernels' own chatter goes to a log in the run folder, not to the terminal
    captured = capfd.readouterr()
    assert "IPKernelApp" not in captured.err + captured.out
    assert (tmp_path / "new" / "notebooks" / "kernel.log").exists()


def test_concurrent_creation_is_refused_without_force(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError, match="use --force"):
        with atomic_dir(out) as tmp:
            (tmp / "a.txt").write_text("mine\n")
            kit_output(out)  # another writer finished first
    assert (out / "report.html").read_text() == "earlier report.html\n" and debris(tmp_path) == []
    with atomic_dir(out, force=True) as tmp:
        write_json(manifest(command="x", inputs={}), tmp / "manifest.json")
    assert json.loads((out / "manifest.json").read_text())["command"] == "x" and debris(tmp_path) == []


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temp_folders_are_cleaned_and_others_kept(tmp_path):
    dead = _dead_pid()
    ours = tmp_path / f".out.maturasi-tmp-{dead}-abc123"
    ours.mkdir()
    (ours / TMP_MARKER).mkdir()
    (ours / "scores.csv").write_text("x\n")
    alive = tmp_path / f".out.maturasi-tmp-{os.getpid()}-def456"   # a writer still at work
    alive.mkdir()
    (alive / TMP_MARKER).mkdir()
    unmarked = tmp_path / f".out.maturasi-tmp-{dead}-ghi789"      # not ours: no marker, no manifest
    unmarked.mkdir()
    (unmarked / "thesis.tex").write_text("keep me\n")
    other = tmp_path / f".other.maturasi-tmp-{dead}-jkl012"       # belongs to another output
    other.mkdir()
    (other / TMP_MARKER).mkdir()
    with atomic_dir(tmp_path / "out") as tmp:
        write_json(manifest(command="x", inputs={}), tmp / "manifest.json")
    assert not ours.exists()
    assert alive.exists() and unmarked.exists() and other.exists()
    assert (unmarked / "thesis.tex").read_text() == "keep me\n"


def test_an_output_set_aside_by_a_killed_writer_is_restored(tmp_path):
    dead = _dead_pid()
    aside = kit_output(tmp_path / f".out.maturasi-old-{dead}-abc123")
    clean_stale(tmp_path / "out")
    assert is_kit_output(tmp_path / "out") and not aside.exists()


def test_divert_keeps_the_previous_output(tmp_path):
    prev = kit_output(tmp_path / "prev")
    before = snapshot(prev)
    with staged_dir(prev, force=True) as stage:
        write_json(manifest(command="x", inputs={}), stage.path / "manifest.json")
        stage.divert(tmp_path / "prev.failed")
    assert snapshot(prev) == before and is_kit_output(tmp_path / "prev.failed")


def test_outputs_are_readable_by_the_group(tmp_path, mydata):
    out = tmp_path / "out"
    r = subprocess.run(CLI + build_args(mydata / "data.csv", out), capture_output=True, text=True,
                       preexec_fn=lambda: os.umask(0o002))
    assert r.returncode == 0, r.stderr
    assert out.stat().st_mode & 0o777 == 0o775
    assert (out / "scores.csv").stat().st_mode & 0o777 == 0o664
    with atomic_dir(tmp_path / "lib") as tmp:
        (tmp / "sub").mkdir()
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "lib").stat().st_mode & 0o777 == 0o777 & ~mask


# ----------------------------------------------------------------------------------------------------- signals

def _ua_args(out, n, *more):
    return ["uncertainty", "-f", FW, "-d", CSV, "--ua", DEMO / "ua.yaml", "-o", out, "--N", n, *more]


@pytest.fixture(scope="module")
def small_ua(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ua") / "ua"
    r = cli(*_ua_args(out, 20, "--no-scores"))
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture
def prev_ua(tmp_path, small_ua) -> Path:
    """An earlier uncertainty output."""
    return Path(shutil.copytree(small_ua, tmp_path / "ua"))


def _kill_while_writing(out: Path, sig: int) -> subprocess.Popen:
    """Start a long ``uncertainty --force`` into ``out`` and send ``sig`` once its temporary folder exists."""
    p = popen(*_ua_args(out, 8000, "--force"))
    tmp = _wait_for(lambda: _tmp_folders(out.parent) or p.poll() is not None)
    assert tmp and p.poll() is None, "the writer finished before it could be interrupted"
    time.sleep(0.3)
    p.send_signal(sig)
    p.wait(timeout=120)
    return p


def test_sigterm_removes_the_temporary_folder(tmp_path, prev_ua):
    before = snapshot(prev_ua)
    p = _kill_while_writing(prev_ua, signal.SIGTERM)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr.read()
    assert _tmp_folders(tmp_path) == [] and debris(tmp_path) == []
    assert snapshot(prev_ua) == before


def test_sigint_removes_the_temporary_folder(tmp_path, prev_ua):
    before = snapshot(prev_ua)
    p = _kill_while_writing(prev_ua, signal.SIGINT)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr.read()
    assert _tmp_folders(tmp_path) == [] and debris(tmp_path) == []
    assert snapshot(prev_ua) == before


def test_sigkill_leaves_a_stale_folder_that_the_next_run_removes(tmp_path, prev_ua):
    before = snapshot(prev_ua)
    p = _kill_while_writing(prev_ua, signal.SIGKILL)
    assert p.returncode == -signal.SIGKILL
    stale = _tmp_folders(tmp_path)
    assert len(stale) == 1 and (stale[0] / TMP_MARKER).is_dir()
    assert snapshot(prev_ua) == before
    r = cli(*_ua_args(prev_ua, 20, "--no-scores", "--force"))
    assert r.returncode == 0, r.stderr
    assert _tmp_folders(tmp_path) == [] and debris(tmp_path) == []
    assert is_kit_output(prev_ua)


def _run_config(tmp_path: Path) -> Path:
    cfg = yaml.safe_load((ROOT / "configs" / "ci.yaml").read_text())
    base = ROOT / "configs"
    for k in ("data", "spec", "ua"):
        cfg[k] = str((base / cfg[k]).resolve())
    cfg["scenarios"] = [str((base / s).resolve()) for s in cfg["scenarios"]]
    cfg["notebooks"] = ["01_data_audit", "02_weighting"]
    c = tmp_path / "run.yaml"
    c.write_text(yaml.safe_dump(cfg))
    return c


def _processes_inside(folder: Path) -> list[int]:
    """Processes whose working folder is ``folder`` (a notebook kernel runs there)."""
    found = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            if os.readlink(d / "cwd").startswith(str(folder)):
                found.append(int(d.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killing_a_run_leaves_the_previous_run(tmp_path, sig):
    prev = kit_output(tmp_path / "prev")
    before = snapshot(prev)
    config = _run_config(tmp_path)
    p = popen("run", config, "--out", prev, "--force", "--no-progress")
    first = Path("notebooks") / "01_data_audit.ipynb"
    started = _wait_for(lambda: [t for t in _tmp_folders(tmp_path) if (t / first).exists()] or p.poll() is not None,
                        timeout=300)
    assert started and p.poll() is None, "the run ended before the first notebook started"
    tmp = started[0]
    time.sleep(1.0)
    p.send_signal(sig)
    p.wait(timeout=120)
    assert p.returncode != 0
    if sig == signal.SIGTERM:
        assert "Traceback" not in p.stderr.read()
        assert _processes_inside(tmp) == []  # the kernel was stopped
        assert _tmp_folders(tmp_path) == [] and debris(tmp_path) == []
    else:
        assert _tmp_folders(tmp_path) == [tmp]
        # the orphaned kernel notices its parent is gone and stops
        assert _wait_for(lambda: not _processes_inside(tmp), timeout=30)
        clean_stale(prev)  # what the next writer of prev does first
        assert _tmp_folders(tmp_path) == [] and debris(tmp_path) == []
    assert snapshot(prev) == before


# ----------------------------------------------------------------------------------------------------- disk full

def test_disk_full_gives_one_line_and_leaves_nothing(tmp_path, mydata):
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        pytest.skip("unshare not available")
    mnt = tmp_path / "small"
    mnt.mkdir()
    script = (
        'mount -t tmpfs -o size=200k tmpfs "$1" || exit 99\n'
        'mkdir "$1/prev" && printf \'{"tool": "maturasi", "command": "build"}\' > "$1/prev/manifest.json"\n'
        'echo "earlier" > "$1/prev/scores.csv"\n'
        '"$2" -m analysis.cli build -f kominfo_gm100sc -d "$3" -o "$1/new"; echo "rc=$?" >&2\n'
        '"$2" -m analysis.cli build -f kominfo_gm100sc -d "$3" -o "$1/prev" --force; echo "rc=$?" >&2\n'
        'cd "$1" && find . | sort; cat prev/scores.csv\n'
    )
    cmd = ["sh", "-c", script, "sh", str(mnt), sys.executable, str(mydata / "data.csv")]
    r = None
    for prefix in ([unshare, "-m"], [unshare, "-m", "--map-root-user"]):
        r = subprocess.run(prefix + cmd, capture_output=True, text=True, timeout=300)
        if r.returncode != 99 and "rc=" in r.stderr:
            break
    else:
        pytest.skip(f"cannot mount a tmpfs in a private mount namespace here: {r.stderr.strip()[:200]}")
    errs = [line for line in r.stderr.splitlines() if not line.startswith("rc=")]
    assert [line for line in r.stderr.splitlines() if line.startswith("rc=")] == ["rc=2", "rc=2"], r.stderr
    assert len(errs) == 2 and all(e.startswith("maturasi: error:") and "no space left on device" in e
                                  for e in errs), r.stderr
    assert "Traceback" not in r.stderr
    listing = r.stdout.split()
    assert listing == [".", "./prev", "./prev/manifest.json", "./prev/scores.csv", "earlier"], r.stdout


# ----------------------------------------------------------------------------------------------------- concurrency

def test_twenty_concurrent_writers_end_with_one_complete_folder(tmp_path, mydata):
    shared = tmp_path / "reports"
    out = shared / "demo"
    forced = [True] * 17 + [False] * 3
    procs = [popen(*build_args(mydata / "data.csv", out, *(["--force"] if f else []))) for f in forced]
    results = [(p.wait(timeout=600), p.stderr.read(), f) for p, f in zip(procs, forced)]
    codes = [c for c, _, _ in results]
    assert set(codes) <= {0, 2} and 0 in codes, results
    for code, err, force in results:
        assert "Traceback" not in err, err
        if code == 2:
            assert not force, err  # with --force an earlier Maturasi output is always replaced
            assert err.strip().count("\n") == 0 and "--force" in err
    assert sorted(p.name for p in shared.iterdir()) == ["demo"]
    m = json.loads((out / "manifest.json").read_text())
    assert m["tool"] == "maturasi"
    assert sorted(p.name for p in out.iterdir()) == sorted(m["outputs"])


def test_dry_run_checks_the_output_folder_and_writes_nothing(tmp_path):
    prev = kit_output(tmp_path / "prev")
    config = _run_config(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n")
    before = snapshot(tmp_path)
    one_line_refusal(cli("run", config, "--out", prev, "--dry-run"), "--force")
    r = cli("run", config, "--out", prev, "--dry-run", "--force")
    assert r.returncode == 0, r.stderr
    one_line_refusal(cli("run", config, "--out", tmp_path / "notes.txt", "--dry-run", "--force"), "existing file")
    one_line_refusal(cli("run", config, "--out", tmp_path / "run.yaml", "--dry-run", "--force"), "is the input")
    assert snapshot(tmp_path) == before
