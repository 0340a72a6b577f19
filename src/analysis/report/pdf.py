"""``report.pdf`` printed from ``report.html`` by headless Chromium, and PNG previews of its pages.

The PDF is the HTML report typeset on A4 pages by the browser's print engine (CSS paged media:
``@page`` size and margins, a running header and page numbers in the page-margin boxes), so the
HTML and the PDF are one source. Chromium is Debian's package (``scripts/install-browser.sh``);
previews use ``pdftoppm`` from poppler-utils (same script). Without them the PDF or the previews
are skipped with a note and the HTML report stands alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_browser", "html_to_pdf", "page_previews", "pdf_pages", "pdf_text"]

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    """Path of a Chromium-family browser (``MATURASI_CHROMIUM`` first), or ``None``."""
    env = os.environ.get("MATURASI_CHROMIUM")
    if env and Path(env).exists():
        return env
    for b in _BROWSERS:
        p = shutil.which(b)
        if p:
            return p
    return None


def html_to_pdf(html_file, pdf_file, *, browser: str | None = None, timeout: float = 300) -> Path:
    """Print ``html_file`` to ``pdf_file`` (A4 as the document's ``@page`` rule says).

    Chromium's own header and footer (date, file URL) are switched off: the page-margin boxes of the
    document's CSS carry the running header and the page numbers.

    Raises
    ------
    RuntimeError
        When no browser is found or printing fails (with the browser's last message).
    """
    browser = browser or find_browser()
    if browser is None:
        raise RuntimeError("no Chromium found to print report.pdf (run scripts/install-browser.sh)")
    html_file, pdf_file = Path(html_file).resolve(), Path(pdf_file).resolve()
    with tempfile.TemporaryDirectory(prefix="maturasi-chromium-") as profile:
        cmd = [browser, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
               "--disable-extensions", "--no-pdf-header-footer", f"--user-data-dir={profile}",
               "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
               f"--print-to-pdf={pdf_file}", html_file.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root (CI containers)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if r.returncode != 0 or not pdf_file.exists() or pdf_file.stat().st_size == 0:
        tail = (r.stderr or r.stdout or "").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"Chromium could not print the report (exit {r.returncode}): {tail[0]}")
    return pdf_file


def page_previews(pdf_file, out_dir, *, dpi: int = 60) -> list[Path]:
    """Every page of ``pdf_file`` as ``out_dir/page_NN.png`` (pdftoppm); ``[]`` without pdftoppm."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        return []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="maturasi-pages-") as tmp:
        subprocess.run([exe, "-png", "-r", str(dpi), str(pdf_file), f"{tmp}/p"], check=True, capture_output=True,
                       timeout=600)
        files = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        done = []
        for i, f in enumerate(files, 1):
            target = out / f"page_{i:02d}.png"
            shutil.move(str(f), target)
            done.append(target)
    return done


def pdf_pages(pdf_file) -> int:
    """Number of pages (pdfinfo)."""
    r = subprocess.run(["pdfinfo", str(pdf_file)], capture_output=True, text=True, check=True, timeout=60)
    for line in r.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise RuntimeError("pdfinfo gave no page count")


def pdf_text(pdf_file) -> list[str]:
    """The text of every page (pdftotext, layout kept), one string per page."""
    r = subprocess.run(["pdftotext", "-layout", str(pdf_file), "-"], capture_output=True, text=True, check=True,
                       timeout=120)
    return r.stdout.split("\f")[:-1] if r.stdout.endswith("\f") else r.stdout.split("\f")
