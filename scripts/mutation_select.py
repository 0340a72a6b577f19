"""Helpers of scripts/mutation.sh: choose mutants to run and summarise their outcome.

Select (print mutant names, one per line)::

    python scripts/mutation_select.py MUTANTS_DIR "PATTERN [PATTERN ...]" SAMPLE SEED

reads every ``*.py.meta`` file under ``MUTANTS_DIR`` (mutmut 3 writes one per mutated file, with the
names of its mutants), keeps the names matching any fnmatch pattern, and, when ``SAMPLE`` > 0, draws
a simple random sample of that size without replacement (``random.Random(SEED)``, sorted names, so the
same seed gives the same sample).

Summarise::

    python scripts/mutation_select.py --summary MUTANTS_DIR MODULE SECONDS SUMMARY_TSV [SELECTED]

counts the outcome of every mutant (or of those listed in ``SELECTED``) from the meta files, with
mutmut's own exit-code table, prints one line and appends a row to ``SUMMARY_TSV``. The kill rate is
(killed + timeout) / checked; for a sample the 95 % Wilson score interval (Wilson 1927) of the rate
in the whole population is printed as well.
"""
from __future__ import annotations

import datetime
import fnmatch
import json
import math
import random
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code


def _codes(root: Path) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for meta in sorted(root.rglob("*.py.meta")):
        out.update(json.loads(meta.read_text())["exit_code_by_key"])
    return out


def select(root: Path, patterns: str, sample: int, seed: int) -> list[str]:
    pats = patterns.split()
    names = sorted(n for n in _codes(root) if any(fnmatch.fnmatchcase(n, p) for p in pats))
    if 0 < sample < len(names):
        names = sorted(random.Random(seed).sample(names, sample))
    return names


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion k / n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def summary(root: Path, module: str, secs: str, out: str, selected: str | None = None) -> None:
    codes = _codes(root)
    if selected:
        names = [n for n in Path(selected).read_text().split() if n]
        codes = {n: codes.get(n) for n in names}
    st = [status_by_exit_code[c] for c in codes.values()]
    killed, timeout = st.count("killed"), st.count("timeout")
    survived, no_tests = st.count("survived"), st.count("no tests")
    checked = len(st) - st.count("not checked")
    caught = killed + timeout
    rate = 100 * caught / checked if checked else math.nan
    lo, hi = wilson(caught, checked)
    note = f"sample of {len(st)}; 95 % CI {100 * lo:.1f}–{100 * hi:.1f} %" if selected else ""
    row = [module, len(st), killed, survived, timeout, no_tests, f"{rate:.1f}", f"{secs}s",
           datetime.date.today().isoformat(), note]
    print(f"{module}: {len(st)} mutants ({checked} checked), {killed} killed, {survived} survived, "
          f"{timeout} timeout, {no_tests} no tests -> {rate:.1f} % {note}".rstrip())
    with open(out, "a") as fh:
        fh.write("\t".join(map(str, row)) + "\n")


if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "--summary":
        summary(Path(a[1]), a[2], a[3], a[4], a[5] if len(a) > 5 else None)
    else:
        print("\n".join(select(Path(a[0]), a[1], int(a[2]), int(a[3]))))
