"""Follow-ups of the clustering hardening: the CLI's default k-range fits the distinct feature vectors,
the unknown-criterion refusal lists what every method accepts, the report's sentence when HDBSCAN made
no partition, and a run config giving ``cluster_k`` to HDBSCAN refused at validation.

Expected values are worked by hand (counts of distinct rows, the k-range 2 … m − 1, the sentences);
never taken from the function under test.
"""

from __future__ import annotations

import argparse
import json
import textwrap

import numpy as np
import pandas as pd
import pytest

from analysis._errors import InputError
from analysis.cli import main
from analysis.cli.cluster import _ks
from analysis.cluster import select_k

from .fixtures import FW_ABCD, one_line

# five distinct indicator rows (a strictly increasing in each column: min-max and standard scaling keep
# them apart), each repeated six times: 30 units, 5 distinct feature vectors with --on indicators
BASE = [(1, 9, 2, 7), (3, 2, 8, 1), (5, 6, 4, 9), (7, 1, 9, 3), (9, 4, 1, 5)]


def _data(rows) -> str:
    lines = ["uCode,uName,a,b,c,d"]
    lines += [f"U{i + 1},Unit {i + 1},{a},{b},{c},{d}" for i, (a, b, c, d) in enumerate(rows)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def dup(tmp_path_factory):
    d = tmp_path_factory.mktemp("dup")
    (d / "fw.yaml").write_text(textwrap.dedent(FW_ABCD))
    (d / "five.csv").write_text(_data([r for r in BASE for _ in range(6)]))            # 30 units, 5 distinct
    (d / "two.csv").write_text(_data([r for r in BASE[:2] for _ in range(15)]))        # 30 units, 2 distinct
    return d


def _args(**kw) -> argparse.Namespace:
    base = dict(k=None, k_range=None, on="indicators", data="data.csv")
    return argparse.Namespace(**{**base, **kw})


# --- 1. the default k-range fits the distinct feature vectors --------------------------------------
@pytest.mark.parametrize("n, m, expected", [
    (30, 5, [2, 3, 4]),            # m − 1 = 4 distinct-vector bound, below the default end 8
    (30, 30, list(range(2, 9))),   # all distinct: the default 2–8
    (6, 6, [2, 3, 4, 5]),          # n − 1 = 5 below 8
    (30, 3, [2]),                  # the smallest comparable case: k = 2 only
    (30, None, list(range(2, 9))),  # distinct count unknown (k given or HDBSCAN): the unit bound only
])
def test_default_k_range_is_cut_to_the_distinct_vectors(n, m, expected):
    assert list(_ks(_args(), n, m)) == expected


@pytest.mark.parametrize("m, needle", [
    (2, "data.csv: the 30 units have only 2 distinct feature vectors (--on indicators): choosing the number of "
        "clusters needs at least 3; give --k 2 to split them in two"),
    (1, "data.csv: the 30 units have only 1 distinct feature vector (--on indicators): choosing the number of "
        "clusters needs at least 3"),
])
def test_too_few_distinct_vectors_refused_plainly(m, needle):
    with pytest.raises(InputError) as e:
        _ks(_args(), 30, m)
    assert str(e.value) == needle


def test_an_explicit_k_range_beyond_the_distinct_vectors_names_them():
    with pytest.raises(InputError) as e:
        _ks(_args(k_range="2-5"), 30, 5)
    assert str(e.value) == "--k-range '2-5': at most 4 clusters for the 5 distinct feature vectors of the 30 units"
    with pytest.raises(InputError) as e:           # all distinct: the message of before
        _ks(_args(k_range="2-9"), 8, 8)
    assert str(e.value) == "--k-range '2-9': at most 7 clusters for 8 units"
    assert list(_ks(_args(k_range="2-4"), 30, 5)) == [2, 3, 4]


def test_cli_duplicates_without_k_range_compare_k_2_to_4(dup, tmp_path, capsys):
    """30 units, 5 distinct vectors, no --k-range: before, refused ('k must be between 2 and 4: the 30 units
    have only 5 distinct feature vectors'); now k = 2, 3, 4 are compared (and k = 1 for the gap)."""
    out = tmp_path / "o"
    code = main(["cluster", "-f", str(dup / "fw.yaml"), "-d", str(dup / "five.csv"), "-o", str(out),
                 "--on", "indicators", "--n-boot", "1"])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    sel = pd.read_csv(out / "tables" / "k_selection.csv")
    assert sel["k"].tolist() == [1, 2, 3, 4]


def test_cli_two_distinct_vectors_one_line(dup, tmp_path, capsys):
    code = main(["cluster", "-f", str(dup / "fw.yaml"), "-d", str(dup / "two.csv"), "-o", str(tmp_path / "o"),
                 "--on", "indicators", "--n-boot", "1"])
    line = one_line(code, capsys.readouterr().err)
    assert line == (f"maturasi: error: {dup / 'two.csv'}: the 30 units have only 2 distinct feature vectors "
                    f"(--on indicators): choosing the number of clusters needs at least 3; give --k 2 to split "
                    f"them in two")


def test_cli_two_distinct_vectors_with_k_2_makes_the_two_groups(dup, tmp_path, capsys):
    """With --k 2 no k is chosen, so two distinct vectors are enough: the two groups of 15 copies."""
    out = tmp_path / "o"
    code = main(["cluster", "-f", str(dup / "fw.yaml"), "-d", str(dup / "two.csv"), "-o", str(out),
                 "--on", "indicators", "--k", "2", "--n-boot", "1"])
    assert code == 0, capsys.readouterr().err
    members = pd.read_csv(out / "tables" / "cluster_members.csv", dtype={"uCode": str})
    sizes = sorted(members.groupby("cluster").size().tolist())
    assert sizes == [15, 15]


# --- 2. the unknown-criterion refusal lists what the methods accept --------------------------------
@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_bic_is_accepted_beyond_gmm(method):
    """Three tight pairs far apart (0/0.1, 5/5.1, 10/10.3): BIC decides k = 3 for k-means and Ward, so
    'bic' is an accepted criterion for them, as the refusal's list says."""
    A = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.3]])
    sel = select_k(A, [2, 3], method, n_ref=1, n_init=1, choose="bic")
    assert sel.k == 3 and sel.reason.startswith("k = 3 by bic")


# --- 3. the report's limitation when HDBSCAN made no partition ---------------------------------------
def _caveats_for(tmp_path, s4: dict) -> list:
    from types import SimpleNamespace

    from analysis.report.document import caveats

    (tmp_path / "state").mkdir(exist_ok=True)
    (tmp_path / "state" / "04_clustering.json").write_text(json.dumps(s4))
    res = SimpleNamespace(framework=SimpleNamespace(nodes={}), spec={})
    return caveats(res, tmp_path)


HDBSCAN_EN = ("HDBSCAN found no cluster structure (k = {k}): it made no partition of the units into types; units "
              "in no cluster are noise (label −1).")
HDBSCAN_ID = ("HDBSCAN tidak menemukan struktur klaster (k = {k}): tidak ada pembagian kabupaten/kota ke dalam "
              "tipe; kabupaten/kota yang tidak termasuk klaster mana pun merupakan derau (label −1).")


@pytest.mark.parametrize("k", [0, 1])
def test_report_says_hdbscan_made_no_partition(tmp_path, k):
    (m,) = _caveats_for(tmp_path, {"k": k, "structure": False, "method": "hdbscan", "mean_ari": None})
    assert m == HDBSCAN_EN.format(k=k) and m.ind == HDBSCAN_ID.format(k=k)
    assert "partition of a continuum" not in m and "kontinum" not in m.ind


def test_report_says_the_gap_statistic_made_one_group(tmp_path):
    (m,) = _caveats_for(tmp_path, {"k": 1, "structure": False, "method": "kmeans", "mean_ari": None})
    assert m == ("The gap statistic found no cluster structure: all units form one group, so the typology makes "
                 "no partition.")
    assert m.ind == ("Statistik gap tidak menemukan struktur klaster: seluruh kabupaten/kota membentuk satu "
                     "kelompok, sehingga tipologi ini tidak membuat pembagian.")


def test_report_keeps_the_continuum_sentence_for_a_partition(tmp_path):
    (m,) = _caveats_for(tmp_path, {"k": 3, "structure": False, "method": "kmeans", "mean_ari": None})
    assert m == "The clustering found no clear structure: the typology is a partition of a continuum."
    assert _caveats_for(tmp_path, {"k": 3, "structure": True, "method": "kmeans", "mean_ari": None}) == []


def test_report_of_a_real_hdbscan_run_without_structure(dup, tmp_path):
    """Eight units, fewer than HDBSCAN's min_cluster_size of 10: no cluster can form, every unit is noise
    (k = 0), and the report's limitation says that no partition was made."""
    from analysis.pipeline import build
    from analysis.report import steps

    (tmp_path / "eight.csv").write_text(_data(BASE + [(2, 3, 4, 5), (6, 7, 8, 2), (4, 5, 6, 8)]))
    res = build(str(dup / "fw.yaml"), str(tmp_path / "eight.csv"), None)
    run = tmp_path / "run"
    s4 = steps.clustering(res, run, method="hdbscan", n_boot=1)
    assert s4["k"] == 0 and s4["structure"] is False
    from analysis.report.document import caveats

    text = [str(m) for m in caveats(res, run)]
    assert HDBSCAN_EN.format(k=0) in text
    assert not any("partition of a continuum" in t for t in text)


# --- 4. cluster_k with cluster_method: hdbscan refused at config validation --------------------------
RUN = """\
name: t
framework: fw.yaml
data: data.csv
cluster_method: hdbscan
cluster_k: 3
"""
HDBSCAN_K = ("key 'cluster_k': 3 clusters given with key 'cluster_method': hdbscan, which sets the number of "
             "clusters itself; remove cluster_k or choose another cluster_method")


@pytest.fixture
def run_dir(tmp_path):
    (tmp_path / "fw.yaml").write_text(textwrap.dedent(FW_ABCD))
    (tmp_path / "data.csv").write_text(_data(BASE))
    (tmp_path / "run.yaml").write_text(RUN)
    return tmp_path


def test_config_with_k_for_hdbscan_refused_naming_file_and_both_keys(run_dir):
    from analysis.schemas.run_config import check_config

    f = run_dir / "run.yaml"
    cfg = {"framework": "fw.yaml", "data": "data.csv", "cluster_method": "hdbscan", "cluster_k": 3}
    with pytest.raises(InputError) as e:
        check_config(cfg, f)
    assert str(e.value) == f"{f}: {HDBSCAN_K}"
    # either key alone is fine
    assert check_config({**cfg, "cluster_k": None}, f).cluster_method == "hdbscan"
    assert check_config({**cfg, "cluster_method": "kmeans"}, f).cluster_k == 3
    cfg.pop("cluster_k")
    assert check_config(cfg, f).cluster_k is None


def test_cli_run_with_k_for_hdbscan_one_line_exit_2(run_dir, capsys):
    f = run_dir / "run.yaml"
    code = main(["run", str(f), "--dry-run", "--out", str(run_dir / "out")])
    line = one_line(code, capsys.readouterr().err)
    assert line == f"maturasi: error: {f}: {HDBSCAN_K}"
    assert not (run_dir / "out").exists()


def test_an_override_making_the_pair_is_refused_naming_the_option(run_dir):
    from analysis.report.runner import load_config

    f = run_dir / "run.yaml"
    f.write_text(RUN.replace("cluster_method: hdbscan\n", ""))
    assert load_config(f)[0]["cluster_k"] == 3                        # k-means with k = 3: valid
    with pytest.raises(InputError) as e:
        load_config(f, {"cluster_method": "hdbscan"})
    assert str(e.value) == f"-p cluster_method=hdbscan: {HDBSCAN_K}"
