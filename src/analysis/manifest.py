"""Run manifests and atomic output folders."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

__all__ = ["sha256", "package_versions", "manifest", "atomic_dir", "write_json"]

_PACKAGES = ("maturasi", "numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "SALib", "matplotlib",
             "seaborn", "papermill", "pyyaml", "openpyxl")


def sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in _PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return out


def manifest(*, command: str, inputs: dict[str, str | Path | None], spec: dict | None = None,
             seed: int | None = None, timings: dict | None = None, notes: list[str] | None = None,
             outputs: list[str] | None = None, extra: dict | None = None) -> dict:
    """A manifest: what ran, on which inputs (with hashes), with which packages and timings."""
    ins = {}
    for k, p in inputs.items():
        if p is None:
            continue
        p = Path(p)
        ins[k] = ({"path": str(p), "abspath": str(p.resolve()), "sha256": sha256(p)} if p.is_file()
                  else {"path": str(p), "builtin": True})
    return {
        "tool": "maturasi", "command": command,
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "inputs": ins, "spec": spec, "seed": seed, "packages": package_versions(),
        "platform": platform.platform(), "timings_s": timings or {}, "notes": notes or [],
        "outputs": outputs or [], **(extra or {}),
    }


def write_json(obj, path: str | Path) -> None:
    Path(path).write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=_default) + "\n", encoding="utf-8")


def _default(o):
    import numpy as np

    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    return str(o)


@contextlib.contextmanager
def atomic_dir(out: str | Path):
    """Write into a temporary sibling folder; move it into place only if the block succeeds.

    An existing ``out`` is replaced only after the new one is complete, so a failed run never leaves a
    half-written folder that looks complete.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
