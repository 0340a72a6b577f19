"""Under ``CI=true`` a test that needs ``../shared`` fails instead of skipping (issue 14)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROBE = '''
from pathlib import Path
from conftest import need, SHARED

def test_missing_file():
    need(Path("/nonexistent/maturasi/reference.csv"))

def test_skip_naming_shared():
    import pytest
    pytest.skip(f"needs {SHARED / 'data' / 'nothing.csv'}")

import pytest

@pytest.mark.skipif(True, reason="../shared IDM data not present")
def test_skipif_marker():
    pass
'''


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_skips_outside_ci(tmp_path):
    r = _run(tmp_path, None)
    assert r.returncode == 0, r.stdout
    assert "3 skipped" in r.stdout


def test_fails_under_ci(tmp_path):
    r = _run(tmp_path, "true")
    assert r.returncode == 1, r.stdout
    assert "2 failed, 1 error" in r.stdout          # a skipif marker fails in setup: an error
    assert "must run" in r.stdout
