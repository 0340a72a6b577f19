"""Run manifests and atomic output folders."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from ._errors import InputError

__all__ = ["sha256", "package_versions", "manifest", "atomic_dir", "atomic_file", "write_json", "check_out",
           "is_kit_output", "clean_stale", "staged_dir", "Staging", "Terminated"]

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


# ---------------------------------------------------------------------------------------------------------
# Output folders: never destroy anything
# ---------------------------------------------------------------------------------------------------------

#: marker inside a temporary folder of this kit: an empty sub-folder (so listings of written files skip it),
#: removed just before the folder is swapped in
TMP_MARKER = ".maturasi-tmp"
_TMP_RE = re.compile(r"^\.(?P<name>.+)\.maturasi-(?:tmp|old)-(?P<pid>\d+)-[A-Za-z0-9_]+$")
_RENAME_EXCHANGE = 2


def is_kit_output(path: str | Path) -> bool:
    """Is ``path`` a folder written by this kit (it holds a ``manifest.json`` whose ``tool`` is ``maturasi``)?"""
    p = Path(path)
    if p.is_symlink() or not p.is_dir():
        return False
    try:
        m = json.loads((p / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(m, dict) and m.get("tool") == "maturasi"


def _paths(inputs) -> list[Path]:
    """Input entries that name existing files or folders (``None`` and builtin names are skipped)."""
    if isinstance(inputs, Mapping):
        inputs = inputs.values()
    found = []
    for v in inputs or ():
        if isinstance(v, (list, tuple, set)):
            found += _paths(v)
        elif isinstance(v, (str, os.PathLike)) and str(v) and os.path.exists(v):
            found.append(Path(v).resolve())
    return found


def check_out(out: str | Path, *, inputs=(), force: bool = False) -> Path:
    """Refuse an output folder that would destroy or damage anything; returns its absolute path.

    ``out`` must not exist, or be an earlier output of this kit and ``force`` be true. It must not be,
    contain, or lie inside an input (``inputs``: paths; ``None`` and names that are not paths are
    ignored), nor be or contain the current folder.

    Raises
    ------
    InputError
        With one line saying why ``out`` cannot be written.
    """
    shown = str(out)
    out = Path(os.path.abspath(out))
    if not out.name or out == out.parent:
        raise InputError(f"output folder '{shown}' is the root of the file system; choose a new folder")
    real = out.resolve()
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the current folder was removed
        cwd = None
    if cwd is not None and (real == cwd or real in cwd.parents):
        raise InputError(f"output folder '{shown}' is (or contains) the current folder; choose a new folder")
    for p in _paths(inputs):
        if real == p:
            raise InputError(f"output folder '{shown}' is the input {p}; choose a new folder")
        if real in p.parents:
            raise InputError(f"output folder '{shown}' contains the input {p}; choose a new folder")
        if p in real.parents and p.is_dir():
            raise InputError(f"output folder '{shown}' lies inside the input folder {p}; choose a new folder")
    if out.is_symlink():
        raise InputError(f"output folder '{shown}' is a symbolic link; choose a new folder")
    if out.exists():
        _check_existing(out, shown, force)
    for a in out.parents:
        if a.exists() and not a.is_dir():
            raise InputError(f"output folder '{shown}': {a} is a file, not a folder")
    return out


def _umask() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    m = os.umask(0o022)
    os.umask(m)
    return m


def atomic_file(path: str | Path, write) -> Path:
    """Write one file all at once: ``write(tmp)`` fills a temporary file beside ``path``, which then
    replaces ``path`` in one rename (permissions follow the umask); on any failure the temporary file
    is removed and ``path`` is left as it was.

    The caller decides beforehand whether ``path`` may be replaced (see :func:`check_out` for folders).
    """
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".maturasi-tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _remove_ours(path: Path) -> None:
    """Remove a folder of ours, keeping its marker until last (so an interrupted removal can be resumed).

    When something still writes into it (a kernel that outlived its parent), the marker stays, so the
    next writer of the same output finishes the job.
    """
    marker = path / TMP_MARKER
    with contextlib.suppress(OSError):
        marker.mkdir(exist_ok=True)
    for _ in range(3):
        rest = [c for c in _children(path) if c.name != TMP_MARKER]
        if not rest:
            break
        for child in rest:
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    child.unlink()
    if [c for c in _children(path) if c.name != TMP_MARKER]:
        return
    with contextlib.suppress(OSError):
        marker.rmdir()
        path.rmdir()


def _children(path: Path) -> list[Path]:
    try:
        return list(path.iterdir())
    except OSError:
        return []


def clean_stale(out: str | Path) -> list[Path]:
    """Remove temporary folders of ``out`` left by a killed Maturasi process; returns what was removed.

    Only folders named like ours (``.<name>.maturasi-tmp-<pid>-<x>``), whose process is gone and which
    carry our marker (or hold an output of this kit) are touched. When ``out`` itself is missing and a
    stale earlier output was set aside while being replaced, it is put back.
    """
    out = Path(os.path.abspath(out))
    done = []
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return done
    for p in entries:
        m = _TMP_RE.match(p.name)
        if not m or m["name"] != out.name or p.is_symlink() or not p.is_dir() or _alive(int(m["pid"])):
            continue
        if (p / TMP_MARKER).is_dir():
            _remove_ours(p)
        elif is_kit_output(p):
            if ".maturasi-old-" in p.name and not os.path.lexists(out):
                os.rename(p, out)  # the previous output was set aside and never replaced: restore it
                continue
            _remove_ours(p)
        else:
            continue
        done.append(p)
    return done


@contextlib.contextmanager
def _locked(folder: Path):
    """Exclusive lock on ``folder`` itself (no lock file left behind); a no-op where flock is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a folder we may write but not read: go without the lock
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _signals_blocked():
    """Hold SIGINT/SIGTERM while a swap or a clean-up runs; they are delivered afterwards."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class Terminated(SystemExit):
    """SIGTERM arrived while an output was being written (the temporary folder has been removed)."""


def _on_sigterm(signum, frame):
    raise Terminated(128 + signum)


@contextlib.contextmanager
def _interruptible():
    """SIGTERM raises (like SIGINT's KeyboardInterrupt) so the clean-up runs; handlers restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    prev_term = signal.getsignal(signal.SIGTERM)
    prev_int = signal.getsignal(signal.SIGINT)
    if prev_term in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)
    if prev_int in (signal.SIG_DFL, None):
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, prev_term if prev_term is not None else signal.SIG_DFL)
        signal.signal(signal.SIGINT, prev_int if prev_int is not None else signal.SIG_DFL)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd = -100
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _check_existing(out: Path, shown: str, force: bool) -> None:
    """Refuse an existing ``out`` unless it is an earlier Maturasi output folder and ``force`` is given."""
    if out.is_symlink() or not out.is_dir():
        raise InputError(f"output '{shown}' is an existing file; choose a folder name that does not exist")
    if not is_kit_output(out):
        raise InputError(f"output folder '{shown}' exists and is not a Maturasi output; "
                         "choose a folder that does not exist")
    if not force:
        raise InputError(f"output folder '{shown}' exists; use --force to replace an earlier Maturasi output")


def _swap_in(tmp: Path, out: Path, shown: str, force: bool) -> None:
    """Move the finished ``tmp`` to ``out`` (under the lock); an earlier kit output is replaced only with force."""
    if os.path.lexists(out):
        # another writer may have created it while we worked
        _check_existing(out, shown, force)
        _unmark(tmp)
        if _exchange(tmp, out):
            _remove_ours(tmp)  # tmp now holds the previous output
            return
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.maturasi-old-{os.getpid()}-", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            os.rename(old, out)
            raise
        _remove_ours(old)
        return
    _unmark(tmp)
    os.rename(tmp, out)


def _unmark(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (tmp / TMP_MARKER).rmdir()


def _no_space(e: BaseException) -> bool:
    return isinstance(e, OSError) and e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


class Staging:
    """A temporary output folder being written (see :func:`staged_dir`).

    Attributes
    ----------
    path : Path
        The temporary folder to write into.
    out : Path
        Where it goes when the block succeeds.
    diverted : Path or None
        Set by :meth:`divert`: the folder that receives the result instead of ``out``.
    """

    def __init__(self, path: Path, out: Path):
        self.path = path
        self.out = out
        self.diverted: Path | None = None

    def divert(self, target: str | Path) -> Path:
        """Put the result into ``target`` (which must not exist) instead of replacing ``out``."""
        self.diverted = Path(os.path.abspath(target))
        return self.diverted


@contextlib.contextmanager
def staged_dir(out: str | Path, *, inputs=(), force: bool = False):
    """:func:`atomic_dir`, yielding a :class:`Staging` whose result can be diverted to another folder."""
    shown = str(out)
    out = check_out(out, inputs=inputs, force=force)
    with _interruptible():
        tmp = None
        try:
            with _signals_blocked():
                out.parent.mkdir(parents=True, exist_ok=True)
                with _locked(out.parent):
                    clean_stale(out)
                    check_out(out, inputs=inputs, force=force)
                    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.maturasi-tmp-{os.getpid()}-", dir=out.parent))
                    os.chmod(tmp, 0o777 & ~_umask())
                    (tmp / TMP_MARKER).mkdir()
        except OSError as e:
            _discard(tmp)
            raise _as_input_error(e, shown) from e
        except BaseException:
            _discard(tmp)
            raise
        stage = Staging(tmp, out)
        try:
            yield stage
            with _signals_blocked(), _locked(out.parent):
                if stage.diverted is None:
                    _swap_in(tmp, out, shown, force)
                else:
                    _swap_in(tmp, stage.diverted, str(stage.diverted), False)
        except BaseException as e:
            _discard(tmp)
            if _no_space(e):
                raise _as_input_error(e, shown) from e
            raise


@contextlib.contextmanager
def atomic_dir(out: str | Path, *, inputs=(), force: bool = False):
    """Write into a temporary folder beside ``out``; swap it in only when the block succeeds.

    Rules (each refusal is an :class:`~analysis.InputError` with one line):

    * ``out`` must not exist, or be an earlier output of this kit (a folder whose ``manifest.json``
      says ``"tool": "maturasi"``) and ``force`` be true; an existing file, a folder of the user's or
      the current folder is never replaced;
    * ``out`` must not be, contain, or lie inside any path in ``inputs`` (symlinks resolved; ``None``
      and builtin framework names are ignored);
    * the work happens in ``.<name>.maturasi-tmp-<pid>-<x>`` beside ``out`` (group/other permissions
      follow the umask); SIGINT and SIGTERM remove it; a folder left by a killed process is removed
      by the next writer of the same ``out``;
    * concurrent writers of one ``out`` are serialised by a lock on its parent folder at the check and
      at the swap; one that finds ``out`` created meanwhile is refused unless ``force``;
    * a full disk is reported as one line and leaves nothing half-written;
    * the previous ``out`` stays intact until the new one is complete, then is removed.

    Parameters
    ----------
    out : str or Path
        The output folder.
    inputs : iterable or mapping of paths, optional
        Inputs of the command (mapping values are used; ``None`` and non-paths are skipped).
    force : bool
        Replace ``out`` when it is an earlier output of this kit.

    Yields
    ------
    Path
        The temporary folder to write into.
    """
    with staged_dir(out, inputs=inputs, force=force) as stage:
        yield stage.path


def _discard(tmp: Path | None) -> None:
    if tmp is not None and tmp.exists():
        with _signals_blocked():
            _remove_ours(tmp)


def _as_input_error(e: OSError, shown: str) -> InputError:
    if _no_space(e):
        return InputError(f"no space left on device writing {shown}")
    if isinstance(e, PermissionError):
        return InputError(f"permission denied writing {shown}")
    return InputError(f"cannot write {shown}: {e.strerror or e}")
