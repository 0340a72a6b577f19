"""Small fixtures shared by several test modules: the tiny framework, file writing, one-line refusals, xlsx patching.

Only what is the same, to the letter, in more than one module lives here; a fixture whose data
differs (other weights, other units, other columns) stays in its own module.
"""

from __future__ import annotations

import io
import re
import textwrap
import zipfile
from pathlib import Path

#: the tiny tree framework: IDX = D1 (a, b with direction -1) + D2 (c), every weight 1; starts on line 1
FW_ABC = """\
name: t
tree:
  code: IDX
  name: Index
  children:
    - code: D1
      weight: 1
      children:
        - {code: a, weight: 1, direction: 1}
        - {code: b, weight: 1, direction: -1}
    - code: D2
      weight: 1
      children:
        - {code: c, weight: 1, direction: 1}
"""

#: the same tree with a fourth indicator ``d`` (weight 1, direction 1) under D2
FW_ABCD = FW_ABC + "        - {code: d, weight: 1, direction: 1}\n"


def write(path: Path, text: str) -> Path:
    """Write ``text`` (dedented, leading newlines dropped) as UTF-8; return ``path``."""
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def one_line(code: int, err: str) -> str:
    """Assert a refusal: exit code 2, exactly one stderr line, no traceback; return that line."""
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    return lines[0]


def patch_sheet(path: Path, pattern: str, repl: str) -> None:
    """Rewrite the first worksheet's XML (to add the cached values Excel would have saved)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text, n = re.subn(pattern, repl, data.decode("utf-8"))
                assert n, f"pattern {pattern!r} not found"
                data = text.encode("utf-8")
            zout.writestr(item, data)
    path.write_bytes(buf.getvalue())


def asem_ua(weight_sets: Path) -> dict:
    """COINr's ASEM uncertainty study (``ua_replay``): 100 noisy weight sets (``weight_sets``), min-max
    [1, 100] or z-score (10, 2) normalisation, arithmetic or geometric aggregation."""
    return {"factors": [
        {"name": "Weights", "type": "weight_set", "file": str(weight_sets), "column": "idx_Weights"},
        {"name": "Normalisation", "type": "choice", "step": "normalise", "column": "norm_f_n",
         "alternatives": {"n_minmax": {"method": "minmax", "range": [1, 100]},
                          "n_zscore": {"method": "zscore", "mean": 10, "sd": 2}}},
        {"name": "Aggregation", "type": "choice", "step": "aggregate", "column": "f_ag",
         "alternatives": {"a_amean": "arithmetic", "a_gmean": "geometric"}}]}
