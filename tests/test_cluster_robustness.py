"""Clustering under hostile input: HDBSCAN without cluster structure, undefined scores, refusals.

Expected values are worked by hand (silhouette, Calinski–Harabasz and Davies–Bouldin of small
partitions, from their published definitions) or come from scikit-learn's HDBSCAN run directly; never
from the function under test.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import HDBSCAN, KMeans

from analysis import cluster
from analysis._errors import InputError
from analysis.cli import main
from analysis.cluster import cluster_labels, features, fit_labels, hdbscan_verdict, select_k, stability, typology

from .fixtures import FW_ABCD, one_line
from .test_mutation_gaps_cluster import _tiny_framework, _tiny_result

NOISE_2D = np.random.default_rng(5).uniform(size=(40, 2))


def _with_hdbscan_labels(monkeypatch, labels):
    """fit_labels with HDBSCAN replaced by fixed labels; the k-means reference fits stay real."""
    real = cluster.fit_labels

    def fake(A, k, method="kmeans", **kw):
        return np.asarray(labels) if method == "hdbscan" else real(A, k, method, **kw)

    monkeypatch.setattr(cluster, "fit_labels", fake)


# --- HDBSCAN without cluster structure -------------------------------------------------------------
def test_select_k_with_hdbscan_finding_only_noise_reports_no_structure():
    """Uniform noise: scikit-learn's HDBSCAN (min_cluster_size 10) puts every unit in noise. Before, this
    raised KeyError: 'silhouette'."""
    assert (HDBSCAN(min_cluster_size=10, copy=True).fit_predict(NOISE_2D) == -1).all()   # the reference
    sel = select_k(NOISE_2D, range(2, 5), "hdbscan", seed=0, n_ref=2, n_init=2)
    assert sel.k == 0 and sel.no_structure
    assert sel.reason == "HDBSCAN found no cluster structure (k = 0: all 40 units are noise, label −1)"
    assert sel.labels.tolist() == [-1] * 40
    for col in ("silhouette", "calinski_harabasz", "davies_bouldin"):
        assert sel.table.loc[[2, 3, 4], col].isna().all()
    assert sel.table.loc[2, "note"].startswith("scores undefined: 0 cluster(s) among 0 clustered unit(s)")
    assert "2 ≤ k ≤ n − 1 (Rousseeuw 1987)" in sel.table.loc[2, "note"]
    assert not sel.table["chosen"].any() and sel.table.loc[2, "sizes"] == "0"


def test_select_k_with_hdbscan_one_cluster_and_noise(monkeypatch):
    """One cluster plus noise is no structure (k = 1); the scores are undefined (one cluster)."""
    X = np.array([[0.0], [0.2], [0.4], [0.6], [9.0]])
    _with_hdbscan_labels(monkeypatch, [0, 0, 0, 0, -1])
    sel = select_k(X, [2, 3], "hdbscan", n_ref=2, n_init=2)
    assert sel.k == 1 and sel.no_structure and sel.labels.tolist() == [0, 0, 0, 0, -1]
    assert sel.reason == ("HDBSCAN found no cluster structure (k = 1: one cluster of 4 units, 1 units are "
                          "noise, label −1)")
    assert sel.table.loc[2, ["silhouette", "calinski_harabasz", "davies_bouldin"]].isna().all()
    assert "1 cluster(s) among 4 clustered unit(s)" in sel.table.loc[2, "note"]
    assert sel.table.loc[1, "chosen"] and sel.table.loc[2, "sizes"] == "4"


def test_hdbscan_scores_leave_noise_out(monkeypatch):
    """Clusters {0, 1} and {4, 5} and a noise unit at 100. Without the noise (by hand): silhouettes
    1 − 1/4.5, 1 − 1/3.5, 1 − 1/3.5, 1 − 1/4.5 → mean 0.746031…; CH = (B/(k−1)) / (W/(n−k)) with
    B = 2·2² + 2·2² = 16, W = 4·0.5² = 1 → 32; DB = (0.5 + 0.5) / 4 = 0.25. (Counting the noise unit
    as a third cluster would give other numbers for a partition that does not exist.)"""
    X = np.array([[0.0], [1.0], [4.0], [5.0], [100.0]])
    _with_hdbscan_labels(monkeypatch, [0, 0, 1, 1, -1])
    sel = select_k(X, [2, 3], "hdbscan", n_ref=2, n_init=2)
    assert sel.k == 2 and not sel.no_structure
    assert sel.reason == ("k = 2 found by HDBSCAN, which sets the number of clusters itself (1 of 5 units are "
                          "noise, label −1)")
    row = sel.table.loc[3]                                   # every row shows HDBSCAN's one clustering
    assert row["silhouette"] == pytest.approx((2 * (1 - 1 / 4.5) + 2 * (1 - 1 / 3.5)) / 4, rel=1e-12)
    assert row["calinski_harabasz"] == pytest.approx(32.0, rel=1e-12)
    assert row["davies_bouldin"] == pytest.approx(0.25, rel=1e-12)
    assert "note" not in sel.table and sel.table.loc[2, "chosen"] and not sel.table.loc[3, "chosen"]


def test_calinski_harabasz_of_clusters_without_dispersion_is_undefined(monkeypatch):
    """Two clusters of identical units: W = 0, so CH = [B/(k−1)] / [W/(n−k)] divides by zero
    (scikit-learn returns 1.0); silhouette is 1 (a = 0, b > 0) and Davies–Bouldin 0 (no spread)."""
    X = np.array([[0.0], [0.0], [0.0], [5.0], [5.0], [5.0], [1.0]])
    _with_hdbscan_labels(monkeypatch, [0, 0, 0, 1, 1, 1, -1])
    sel = select_k(X, [2], "hdbscan", n_ref=2, n_init=2)
    row = sel.table.loc[2]
    assert row["silhouette"] == 1.0 and row["davies_bouldin"] == 0.0 and np.isnan(row["calinski_harabasz"])
    assert row["note"] == "Calinski–Harabasz undefined: no dispersion within the clusters (W = 0)"
    # the gap row of that clustering: noise {1} and the two clusters have W = 0, log W undefined
    assert np.isnan(row["gap"]) and np.isfinite(sel.table.loc[1, "gap"])


def test_hdbscan_verdict_counts_clusters_not_noise():
    assert hdbscan_verdict([-1, -1]) == (0, "HDBSCAN found no cluster structure (k = 0: all 2 units are "
                                            "noise, label −1)")
    assert hdbscan_verdict([3, 3, 3])[0] == 1
    assert hdbscan_verdict([0, 1, -1, 1]) == (2, "k = 2 found by HDBSCAN, which sets the number of clusters "
                                                 "itself (1 of 4 units are noise, label −1)")


def test_typology_with_hdbscan_and_only_noise(monkeypatch):
    """Eight units, fewer than min_cluster_size = 10: no cluster can form, every unit is noise."""
    rng = np.random.default_rng(2)
    ind = pd.DataFrame(rng.uniform(size=(8, 4)), columns=list("abcd"), index=[f"u{i}" for i in range(8)])
    ty = typology(_tiny_result(ind), method="hdbscan", n_boot=3)
    assert ty.k == 0 and not ty.structure and ty.stability is None and ty.selection is None
    assert ty.labels.tolist() == [-1] * 8
    assert ty.notes == ["HDBSCAN found no cluster structure (k = 0: all 8 units are noise, label −1)",
                        "8 units are outliers (label −1)"]
    lab = ty.profiles.labels
    assert list(lab.index) == [-1] and lab.loc[-1, "label_en"] == "Noise: in no cluster"
    assert lab.loc[-1, "label_id"] == "Derau: tidak dalam klaster"
    # one cluster and noise: k = 1, no structure; the cluster is described against all units
    _with_hdbscan_labels(monkeypatch, [0, 0, 0, 0, 0, 0, -1, -1])
    ty1 = typology(_tiny_result(ind), method="hdbscan", n_boot=3)
    assert ty1.k == 1 and not ty1.structure and ty1.labels.tolist() == [0] * 6 + [-1] * 2
    assert ty1.notes[0].startswith("HDBSCAN found no cluster structure (k = 1: one cluster of 6 units")
    assert ty1.profiles.labels.loc[-1, "label_en"] == "Noise: in no cluster"
    assert ty1.profiles.labels.loc[0, "label_en"].split(":")[0] in {"Leaders", "Lagging", "Mixed"}


def test_cluster_labels_of_noise_and_of_one_group():
    fw = _tiny_framework()
    means = pd.DataFrame({"D1": [0.9, 0.1], "D2": [0.8, 0.2]}, index=[0, -1])
    lab = cluster_labels(means, fw, pd.Series({"D1": 0.5, "D2": 0.5}), pd.Series({"D1": 0.2, "D2": 0.3}))
    assert lab.loc[0, "label_en"].startswith("Leaders") and lab.loc[-1, "label_en"] == "Noise: in no cluster"
    assert lab.loc[-1, "mean_z"] == pytest.approx(((0.1 - 0.5) / 0.2 + (0.2 - 0.5) / 0.3) / 2)
    assert lab.loc[0, "label_id"].startswith("Pelopor: terkuat ")
    only = cluster_labels(means.loc[[0]], fw)
    assert only.loc[0, "label_en"] == "All units"


# --- fit_labels ------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
@pytest.mark.parametrize("k, needle", [(0, "k (number of clusters) = 0: must be between 1 and 6"),
                                       (-2, "= -2: must be between 1 and 6"),
                                       (7, "= 7: must be between 1 and 6"),
                                       (2.5, "k (number of clusters) must be a whole number, not 2.5"),
                                       ("3", "must be a whole number, not '3'"),
                                       (None, "needs the number of clusters k")])
def test_fit_labels_refuses_an_impossible_k(method, k, needle):
    with pytest.raises(InputError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        fit_labels(NOISE_2D[:6], k, method)


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
def test_one_cluster_is_all_units_and_one_unit_can_be_clustered(method):
    assert fit_labels(NOISE_2D[:1], 1, method).tolist() == [0]
    assert fit_labels(NOISE_2D[:5], 1, method).tolist() == [0] * 5


def test_hdbscan_with_fewer_units_than_a_cluster_needs_marks_all_noise():
    assert fit_labels(NOISE_2D[:1], None, "hdbscan").tolist() == [-1]
    assert fit_labels(NOISE_2D[:9], None, "hdbscan").tolist() == [-1] * 9            # 9 < 10
    assert fit_labels(NOISE_2D[:4], None, "hdbscan", min_cluster_size=5).tolist() == [-1] * 4
    ref = HDBSCAN(min_cluster_size=4, copy=True).fit_predict(NOISE_2D[:4])            # 4 = 4: HDBSCAN runs
    assert fit_labels(NOISE_2D[:4], None, "hdbscan", min_cluster_size=4).tolist() == ref.tolist()
    with pytest.raises(InputError, match="min_cluster_size = 1: must be at least 2"):
        fit_labels(NOISE_2D, None, "hdbscan", min_cluster_size=1)


@pytest.mark.parametrize("X, needle", [
    (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "2", "3"]}, index=list("pqr")),
     "column 'b': the features to cluster must be numbers"),
    (pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [1.0, 2.0, 3.0]}, index=list("pqr")),
     "row q, column 'a': 1 feature value(s) are missing or infinite"),
    (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, np.inf]}, index=list("pqr")),
     "row r, column 'b': 1 feature value(s) are missing or infinite"),
    (np.array([[1.0, 2.0], [np.nan, np.nan], [3.0, 4.0]]), "row 2: 2 feature value(s) are missing"),
    (np.array([1.0, 2.0, 3.0]), "a table of units × features, not 1-dimensional"),
    (np.zeros((3, 0)), "nothing to cluster: 3 units × 0 features"),
    (np.zeros((0, 2)), "nothing to cluster: 0 units × 2 features"),
])
def test_features_that_cannot_be_clustered_are_refused(X, needle):
    for call in (lambda: fit_labels(X, 2), lambda: select_k(X, [2], n_ref=1, n_init=1),
                 lambda: stability(X, np.zeros(len(X), dtype=int), n_boot=1)):
        with pytest.raises(InputError) as e:
            call()
        assert needle in str(e.value)


# --- select_k --------------------------------------------------------------------------------------
def test_select_k_refuses_bad_settings_before_computing(monkeypatch):
    monkeypatch.setattr(cluster, "fit_labels", lambda *a, **kw: pytest.fail("computed before refusing"))
    X = NOISE_2D[:10]
    cases = [(dict(ks=[]), "no k to compare: give at least one k ≥ 2"),
             (dict(ks=[2], method="dbscan"), "unknown clustering method 'dbscan'"),
             (dict(ks=[2], method="gmm", choose="best"),
              "unknown selection criterion 'best' (use silhouette, ch, db, gap, bic)"),
             (dict(ks=[2], n_ref=0), "n_ref (reference data sets) = 0: must be at least 1"),
             (dict(ks=[2], n_init=0), "n_init = 0: must be at least 1"),
             (dict(ks=[2.5]), "k must be a whole number, not 2.5"),
             (dict(ks=[1, 2]), "k must be between 2 and 9")]
    for kw, needle in cases:
        with pytest.raises(InputError) as e:
            select_k(X, **kw)
        assert str(e.value).startswith(needle), (kw, str(e.value))


@pytest.mark.parametrize("n", [1, 2])
def test_select_k_needs_three_units(n):
    with pytest.raises(InputError, match=f"^clustering needs at least 3 units; the data have {n}$"):
        select_k(NOISE_2D[:n], [2])


def test_select_k_counts_distinct_units():
    """Duplicated units: k-means on m distinct vectors cannot make more than m clusters with spread, and
    k = m leaves W_k = 0 (log W_k = −∞, an infinite gap): k stops at m − 1."""
    X = np.repeat(NOISE_2D[:4], 3, axis=0)                  # 12 units, 4 distinct
    with pytest.raises(InputError, match="^k must be between 2 and 3: the 12 units have only 4 distinct"):
        select_k(X, [2, 4], n_ref=1, n_init=1)
    sel = select_k(X, [2, 3], n_ref=2, n_init=2, choose="gap")
    assert list(sel.table.index) == [1, 2, 3] and np.isfinite(sel.table["gap"]).all()
    with pytest.raises(InputError, match="only 1 distinct feature vector.s.: comparing k needs at least 3"):
        select_k(np.ones((10, 3)), [2], n_ref=1, n_init=1)          # constant features
    with pytest.raises(InputError, match="only 2 distinct"):
        select_k(np.repeat(NOISE_2D[:2], 5, axis=0), [2], n_ref=1, n_init=1)


def test_a_fit_with_fewer_clusters_than_k_says_so(monkeypatch):
    """A fit that leaves a cluster empty (possible for a Gaussian mixture) is reported as what it made."""
    real = cluster.fit_labels

    def fake(A, k, method="kmeans", **kw):
        if method == "gmm" and len(A) == 8 and np.array_equal(A, X):
            return np.array([0, 0, 0, 0, 2, 2, 2, 2])       # k = 3 asked, cluster 1 empty
        return real(A, k, "kmeans", **kw)

    X = np.array([[0.0], [0.1], [0.2], [0.3], [5.0], [5.1], [5.2], [5.3]])
    monkeypatch.setattr(cluster, "fit_labels", fake)
    sel = select_k(X, [2, 3], "gmm", n_ref=1, n_init=1)
    assert sel.table.loc[3, "note"] == "the fit made 2 non-empty clusters, not 3"
    assert sel.table.loc[3, "sizes"] == "4,0,4"
    # the 2-cluster partition's silhouette by hand: a = mean within, b = mean to the other group
    a = np.array([0.2, 0.4 / 3, 0.4 / 3, 0.2])
    b = np.array([5.15, 5.05, 4.95, 4.85])
    assert sel.table.loc[3, "silhouette"] == pytest.approx(np.mean(np.r_[1 - a / b, 1 - a[::-1] / b[::-1]]))


def test_a_criterion_undefined_for_every_k_cannot_choose(monkeypatch):
    monkeypatch.setattr(cluster, "silhouette_score", lambda A, lab: np.nan)
    X = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.3]])
    with pytest.raises(InputError, match="^silhouette cannot choose k: it is undefined for every k compared"):
        select_k(X, [2, 3], n_ref=1, n_init=1)
    assert select_k(X, [2, 3], n_ref=1, n_init=1, choose="ch").k in (2, 3)


# --- stability -------------------------------------------------------------------------------------
@pytest.mark.parametrize("labels, kw, needle", [
    (np.zeros(5, dtype=int), {}, "labels: one whole-number cluster label per unit is needed (6 units"),
    (np.zeros(6), {}, "labels: one whole-number cluster label per unit"),
    (np.zeros(6, dtype=int), {"n_boot": 0}, "n_boot (bootstrap resamples) = 0: must be at least 1"),
    (np.zeros(6, dtype=int), {"threshold": 0.0}, "threshold = 0.0: a Jaccard similarity between 0 and 1"),
    (np.zeros(6, dtype=int), {"threshold": 1.5}, "threshold = 1.5"),
    (np.full(6, -1), {}, "no cluster to assess: every label is −1 (noise)"),
    (np.zeros(6, dtype=int), {"k": 0}, "k (number of clusters) = 0"),
])
def test_stability_refuses_bad_labels_and_settings(labels, kw, needle):
    with pytest.raises(InputError) as e:
        stability(NOISE_2D[:6], labels, **kw)
    assert needle in str(e.value)


def test_stability_threshold_one_is_allowed():
    s = stability(NOISE_2D[:6], np.array([0, 0, 0, 1, 1, 1]), n_boot=1, threshold=1.0, n_init=1)
    assert s.threshold == 1.0


# --- features and typology -------------------------------------------------------------------------
def _ind():
    rng = np.random.default_rng(4)
    return pd.DataFrame(rng.uniform(size=(8, 4)), columns=list("abcd"), index=[f"u{i}" for i in range(8)])


def test_features_refuse_a_feature_without_any_value_and_text():
    ind = _ind()
    ind["b"] = np.nan
    with pytest.raises(InputError, match="column 'b': feature 'b' has no value for any unit"):
        features(_tiny_result(ind), "indicators")
    assert features(_tiny_result(ind), "dimensions").notna().all().all()     # D1 = mean of a (b skipped)
    res = _tiny_result(_ind())
    res.normalised = res.normalised.astype(object)
    res.normalised.loc["u3", "c"] = "n/a"
    with pytest.raises(InputError, match="column 'c': the features to cluster must be numbers"):
        features(res, "indicators")


@pytest.mark.parametrize("n_components, needle", [(0, "n_components = 0: must be between 1 and 4"),
                                                  (5, "n_components = 5: must be between 1 and 4"),
                                                  (1.5, "n_components must be a whole number")])
def test_pca_features_refuse_an_impossible_number_of_components(n_components, needle):
    with pytest.raises(InputError, match=needle):
        features(_tiny_result(_ind()), "pca", n_components=n_components)


def test_features_keep_a_constant_feature_at_zero():
    ind = _ind().assign(b=3.0)
    X = features(_tiny_result(ind), "indicators")
    assert (X["b"] == 0).all() and X["a"].std(ddof=0) == pytest.approx(1.0)


@pytest.mark.parametrize("kw, needle", [
    (dict(method="hdbscan", k=3), "HDBSCAN sets the number of clusters itself: give no k (--k, cluster_k)"),
    (dict(method="dbscan"), "unknown clustering method 'dbscan'"),
    (dict(k=1), "k (number of clusters) = 1: must be between 2 and 7"),
    (dict(k=8), "k (number of clusters) = 8: must be between 2 and 7"),
    (dict(k=-1), "= -1: must be between 2 and 7"),
    (dict(k=2.0), "k (number of clusters) must be a whole number, not 2.0"),
    (dict(n_boot=-1), "n_boot (bootstrap resamples) = -1: must be at least 0"),
    (dict(on="cities"), "unknown feature set 'cities'"),
])
def test_typology_refuses_bad_settings(kw, needle):
    with pytest.raises(InputError) as e:
        typology(_tiny_result(_ind()), **kw)
    assert needle in str(e.value)


def test_typology_k_is_bounded_by_distinct_units():
    ind = pd.DataFrame(np.repeat(_ind().to_numpy()[:3], [3, 3, 2], axis=0), columns=list("abcd"),
                       index=[f"u{i}" for i in range(8)])
    with pytest.raises(InputError, match="= 4: must be between 2 and 3"):
        typology(_tiny_result(ind), k=4, n_boot=0)
    assert typology(_tiny_result(ind), k=3, n_boot=0).labels.nunique() == 3
    same = pd.DataFrame(0.5, columns=list("abcd"), index=[f"u{i}" for i in range(8)])
    with pytest.raises(InputError, match="too few distinct feature vectors to form 2 clusters"):
        typology(_tiny_result(same), k=2, n_boot=0)


# --- command line ----------------------------------------------------------------------------------
DATA = ("uCode,uName,a,b,c,d\n"
        "U1,One,1,2,3,4\nU2,Two,2,3,1,2\nU3,Three,3,1,2,5\nU4,Four,4,4,5,1\n"
        "U5,Five,5,2,4,3\nU6,Six,6,5,6,2\nU7,Seven,2,6,3,6\nU8,Eight,7,1,2,3\n")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("clu")
    (d / "fw.yaml").write_text(textwrap.dedent(FW_ABCD))
    (d / "data.csv").write_text(DATA)
    return d


def test_cli_hdbscan_without_structure_is_a_result_not_an_error(files, tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["cluster", "-f", str(files / "fw.yaml"), "-d", str(files / "data.csv"), "-o", str(out),
                 "--method", "hdbscan"])
    cap = capsys.readouterr()
    assert code == 0 and "Traceback" not in cap.err
    lines = cap.out.strip().splitlines()
    assert "HDBSCAN found no cluster structure (k = 0: all 8 units are noise, label −1)" in lines
    assert lines[-1] == f"HDBSCAN found no cluster structure (k = 0) → {out}"
    t = pd.read_csv(out / "tables" / "clusters.csv")
    assert t["cluster"].tolist() == [-1] and t["label_en"].tolist() == ["Noise: in no cluster"]


def test_cli_refuses_k_with_hdbscan_in_one_line(files, tmp_path, capsys):
    code = main(["cluster", "-f", str(files / "fw.yaml"), "-d", str(files / "data.csv"), "-o",
                 str(tmp_path / "o"), "--method", "hdbscan", "--k", "3"])
    line = one_line(code, capsys.readouterr().err)
    assert line == "maturasi: error: HDBSCAN sets the number of clusters itself: give no k (--k, cluster_k)"


def test_noise_units_have_no_peers():
    """Index values 0.9, 0.5, 0.7, 0.1 (units p…s); p and r form cluster 0, q and s are noise. National
    ranks 1, 3, 2, 4; in cluster 0: p first, r second (gap 0.2); noise: no in-cluster rank, size or gap."""
    ind = pd.DataFrame({"a": [0.9, 0.5, 0.7, 0.1], "b": [0.9, 0.5, 0.7, 0.1], "c": [0.9, 0.5, 0.7, 0.1],
                        "d": [0.9, 0.5, 0.7, 0.1]}, index=list("pqrs"))
    pr = cluster.peer_ranks(_tiny_result(ind), pd.Series([0, -1, 0, -1], index=list("pqrs")))
    assert pr["rank_national"].tolist() == [1, 3, 2, 4]
    assert pr.loc[["p", "r"], "rank_in_cluster"].tolist() == [1, 2]
    assert pr.loc[["p", "r"], "n_in_cluster"].tolist() == [2, 2]
    assert pr.loc["r", "gap_to_best"] == pytest.approx(0.2) and pr.loc["p", "gap_to_best"] == 0
    assert pr.loc[["q", "s"], ["rank_in_cluster", "n_in_cluster", "gap_to_best"]].isna().all().all()


def test_stability_counts_the_clusters_in_the_labels(monkeypatch):
    """Labels numbered 0 and 5 (and noise) are two clusters: the resamples are re-clustered with k = 2."""
    seen = []
    monkeypatch.setattr(cluster, "fit_labels", lambda A, k, method="kmeans", **kw: seen.append(k) or
                        (A[:, 0] > 0.5).astype(int))
    X = np.array([[0.0], [0.1], [0.2], [0.9], [1.0], [1.1], [5.0]])
    stability(X, np.array([0, 0, 0, 5, 5, 5, -1]), n_boot=2)
    assert seen == [2, 2]


def test_text_is_named_by_its_column_even_after_a_missing_value():
    """Column a has a genuine missing value, column b text: the text column is the one named."""
    X = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [1.0, "x", 3.0]}, index=list("pqr"))
    with pytest.raises(InputError, match="^column 'b': the features to cluster must be numbers$"):
        fit_labels(X, 2)
    with pytest.raises(InputError, match="^the features to cluster must be numbers$"):
        fit_labels(np.array([["1", "x"], ["2", "3"]]), 2)
    res = _tiny_result(_ind())
    res.normalised = res.normalised.astype(object)
    res.normalised.loc["u1", "a"] = np.nan
    res.normalised.loc["u5", "d"] = "?"
    with pytest.raises(InputError, match="^column 'd': the features to cluster must be numbers$"):
        features(res, "indicators")


def test_scores_are_defined_from_two_clusters_to_n_minus_one():
    """Rousseeuw's bounds 2 ≤ k ≤ n − 1 on the clustered units. Units 0, 1 | 5 (k = n − 1 = 2): by hand
    s(0) = 1 − 1/5, s(1) = 1 − 1/4, s(5) = 0 (a singleton) → mean 0.51666…; CH with B = 2·(0.5−2)² +
    (5−2)² = 13.5, W = 0.5 → (13.5/1)/(0.5/1) = 27; DB = (0.5 + 0)/4.5. Two units in two clusters
    (k = n) and one cluster are undefined: NaN, not an error."""
    sc, why = cluster._scores(np.array([[0.0], [1.0], [5.0], [9.0]]), np.array([0, 0, 1, -1]))
    assert why == ""
    assert sc["silhouette"] == pytest.approx((0.8 + 0.75 + 0.0) / 3, rel=1e-12)
    assert sc["calinski_harabasz"] == pytest.approx(27.0, rel=1e-12)
    assert sc["davies_bouldin"] == pytest.approx(0.5 / 4.5, rel=1e-12)
    for lab in ([0, 1, -1, -1], [0, 0, 0, -1], [-1, -1, -1, -1]):
        sc, why = cluster._scores(np.array([[0.0], [1.0], [5.0], [9.0]]), np.array(lab))
        assert all(np.isnan(v) for v in sc.values()) and why.startswith("scores undefined: ")
    assert "2 cluster(s) among 2 clustered unit(s)" in cluster._scores(np.array([[0.0], [1.0], [5.0]]),
                                                                        np.array([0, 1, -1]))[1]


def test_fit_labels_messages_name_the_setting():
    with pytest.raises(InputError, match="^unknown clustering method 'dbscan' \\(use kmeans, ward, gmm, hdbscan\\)$"):
        fit_labels(NOISE_2D, 2, "dbscan")
    with pytest.raises(InputError, match="^n_init = 0: must be at least 1$"):
        fit_labels(NOISE_2D, 2, n_init=0)


def test_gmm_labels_use_five_initialisations():
    """On this uniform sample a 5-component mixture has local optima: five initialisations (scikit-learn,
    random_state = seed) give other labels than six."""
    from sklearn.mixture import GaussianMixture

    X = np.random.default_rng(10).uniform(size=(40, 2))
    ref = GaussianMixture(5, covariance_type="full", n_init=5, random_state=0).fit(X).predict(X)
    assert not np.array_equal(ref, GaussianMixture(5, n_init=6, random_state=0).fit(X).predict(X))
    assert np.array_equal(fit_labels(X, 5, "gmm"), ref)


def test_kmeans_labels_use_fifty_restarts_by_default():
    """On this uniform sample 9-cluster k-means has many local optima: 51 restarts find a better partition
    than the 50 that fit_labels uses by default (scikit-learn KMeans with random_state = seed)."""
    X = np.random.default_rng(28).uniform(size=(60, 2))
    ref = KMeans(9, init="k-means++", n_init=50, random_state=0).fit(X)
    assert KMeans(9, n_init=51, random_state=0).fit(X).inertia_ < ref.inertia_
    assert np.array_equal(fit_labels(X, 9), ref.labels_)


def test_a_criterion_undefined_everywhere_names_the_reason(monkeypatch):
    """A mixture that leaves one component empty at k = 2 makes one cluster: silhouette is undefined and
    cannot choose; the refusal says why (the table's note)."""
    real = cluster.fit_labels
    X = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.3]])
    monkeypatch.setattr(cluster, "fit_labels", lambda A, k, method="kmeans", **kw:
                        np.zeros(len(A), dtype=int) if method == "gmm" else real(A, k, "kmeans", **kw))
    with pytest.raises(InputError) as e:
        select_k(X, [2], "gmm", n_ref=1, n_init=1)
    assert str(e.value) == ("silhouette cannot choose k: it is undefined for every k compared (the fit made 1 "
                            "non-empty clusters, not 2; scores undefined: 1 cluster(s) among 6 clustered unit(s); "
                            "silhouette, Calinski–Harabasz and Davies–Bouldin need 2 ≤ k ≤ n − 1 (Rousseeuw "
                            "1987)); choose another criterion")


def test_gmm_selection_reports_bic_whatever_decides():
    """With the Gaussian mixture, BIC (scikit-learn, three initialisations, random_state = seed) is in the
    table also when silhouette decides."""
    from sklearn.mixture import GaussianMixture

    X = np.array([[0.0], [0.1], [0.3], [5.0], [5.1], [5.4], [10.0], [10.3], [10.1]])
    sel = select_k(X, [2, 3], "gmm", seed=2, n_ref=1, n_init=1)
    for k in (2, 3):
        assert sel.table.loc[k, "bic"] == pytest.approx(GaussianMixture(k, n_init=3, random_state=2).fit(X).bic(X),
                                                        rel=1e-9)


def test_stability_of_hdbscan_without_clusters_has_nothing_to_assess():
    """All noise under HDBSCAN: no original cluster, so no Jaccard; not an error (k is not needed)."""
    s = stability(NOISE_2D[:12], np.full(12, -1), method="hdbscan", n_boot=2)
    assert s.jaccard.empty and s.dissolved.empty and len(s.ari) == 2


def test_typology_of_two_distinct_vectors_makes_two_clusters():
    """Eight units, two distinct feature vectors (four copies each): k = 2 is the one possible partition."""
    ind = pd.DataFrame(np.repeat([[0.1, 0.2, 0.3, 0.4], [0.9, 0.8, 0.7, 0.6]], 4, axis=0), columns=list("abcd"),
                       index=[f"u{i}" for i in range(8)])
    ty = typology(_tiny_result(ind), k=2, n_boot=0)
    assert ty.labels.tolist() == [1] * 4 + [0] * 4 and ty.structure
