"""Tests written because mutants of ``analysis.cluster`` survived (mutation testing, tests/README.md).

Expected values come from the published definitions computed here independently, or from
scikit-learn, never from the function's own output:

- the gap statistic as Tibshirani, Walther & Hastie (2001) define it: ``W_k = Σ_r D_r / (2 n_r)`` from
  pairwise distances (eq. 1–2), reference sets uniform over the box of the principal components
  (method b, "gap/pc"), ``Gap(k) = mean_b log W*_kb − log W_k``, ``s_k = sd_k √(1 + 1/B)``, the smallest
  k with ``Gap(k) ≥ Gap(k+1) − s_{k+1}``, k = 1 included;
- Hennig's (2007) bootstrap stability: the best Jaccard ``|C ∩ D| / |C ∪ D|`` of each original cluster
  over the distinct units drawn, with a re-clustering we control;
- scikit-learn's silhouette, Calinski–Harabasz, Davies–Bouldin, BIC, StandardScaler, MinMaxScaler;
- closed forms and hand cases (medoids, labels, peer ranks).
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from analysis import InputError, build, cluster
from analysis.cluster import NO_STRUCTURE, _wk, cluster_labels, features, fit_labels, select_k, stability
from analysis.demo import DEMO_DIR
from analysis.framework import load_framework


# --- W_k and the gap statistic -----------------------------------------------------------------
def _w_pairwise(A: np.ndarray, labels: np.ndarray) -> float:
    """Tibshirani et al. (2001) eq. 1–2: W_k = Σ_r D_r / (2 n_r), D_r the sum of squared pairwise distances."""
    w = 0.0
    for g in np.unique(labels):
        P = A[labels == g]
        D = ((P[:, None, :] - P[None, :, :]) ** 2).sum()
        w += D / (2 * len(P))
    return w


def test_within_dispersion_is_the_pairwise_distance_formula():
    A = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [10.0, 10.0], [12.0, 10.0], [11.0, 13.0], [5.0, 5.0]])
    lab = np.array([0, 0, 0, 2, 2, 2, 5])           # labels need not be 0…k−1
    assert _wk(A, lab) == pytest.approx(_w_pairwise(A, lab), rel=1e-12)
    # by hand: group 0 mean (2/3, 4/3): 4/9+16/9 + 16/9+16/9 + 4/9+64/9 = 120/9; group 2 the same shape
    # (mean (11, 11): 1+1 + 1+1 + 0+4 = 8); the singleton 0
    assert _wk(A, lab) == pytest.approx(120 / 9 + 8, rel=1e-12)
    assert _wk(A, np.zeros(7, dtype=int)) == pytest.approx(((A - A.mean(0)) ** 2).sum(), rel=1e-12)


def _gap_reference(A, ks, seed, n_ref, n_init):
    """The gap statistic written from the paper (method b) with scikit-learn's k-means."""
    rng = np.random.default_rng(seed)
    mu = A.mean(axis=0)
    _, _, Vt = np.linalg.svd(A - mu, full_matrices=False)
    Xp = (A - mu) @ Vt.T
    refs = [rng.uniform(Xp.min(0), Xp.max(0), size=Xp.shape) @ Vt + mu for _ in range(n_ref)]

    def km(X, k, n):
        return np.zeros(len(X), dtype=int) if k == 1 else KMeans(k, n_init=n, random_state=seed).fit_predict(X)

    logw = np.array([np.log(_w_pairwise(A, km(A, k, n_init))) for k in ks])
    ref = np.array([[np.log(_w_pairwise(R, km(R, k, 5))) for k in ks] for R in refs])
    gap = ref.mean(axis=0) - logw
    s = np.sqrt(((ref - ref.mean(axis=0)) ** 2).mean(axis=0)) * np.sqrt(1 + 1 / n_ref)
    return gap, s


@pytest.fixture(scope="module")
def three():
    rng = np.random.default_rng(12)
    return np.vstack([rng.normal(c, 0.7, size=(40, 2)) for c in ([0, 0], [4, 0], [0, 4])])


def test_gap_columns_equal_the_published_computation(three):
    sel = select_k(three, range(2, 5), seed=3, n_ref=4, n_init=4, choose="gap")
    ks = [1, 2, 3, 4, 5]                                     # k = 1 and max(ks) + 1 are computed too
    gap, s = _gap_reference(three, ks, seed=3, n_ref=4, n_init=4)
    np.testing.assert_allclose(sel.table["gap"].to_numpy(), gap[:4], rtol=1e-9)
    np.testing.assert_allclose(sel.table["gap_se"].to_numpy(), s[:4], rtol=1e-9)
    # Tibshirani's rule on the reference numbers (k = 5 is only looked up as k + 1)
    exp = next(k for i, k in enumerate(ks[:-1]) if gap[i] >= gap[i + 1] - s[i + 1])
    assert sel.k == exp == 3 and not sel.no_structure
    assert list(sel.table.index) == [1, 2, 3, 4] and sel.table["chosen"].tolist() == [False, False, True, False]


def test_other_criteria_equal_scikit_learn_and_decide_by_their_own_direction(three):
    sel = select_k(three, range(2, 6), seed=1, n_ref=3, n_init=6, choose="db")
    rows = {}
    for k in range(2, 6):
        lab = KMeans(k, n_init=6, random_state=1).fit_predict(three)
        rows[k] = (silhouette_score(three, lab), calinski_harabasz_score(three, lab), davies_bouldin_score(three, lab),
                   ",".join(str(v) for v in np.bincount(lab)))
    t = sel.table.loc[2:5]
    np.testing.assert_allclose(t["silhouette"], [rows[k][0] for k in range(2, 6)], rtol=1e-12)
    np.testing.assert_allclose(t["calinski_harabasz"], [rows[k][1] for k in range(2, 6)], rtol=1e-12)
    np.testing.assert_allclose(t["davies_bouldin"], [rows[k][2] for k in range(2, 6)], rtol=1e-12)
    assert t["sizes"].tolist() == [rows[k][3] for k in range(2, 6)]
    assert sel.table.loc[1, "sizes"] == "120" and np.isnan(sel.table.loc[1, "silhouette"])
    assert sel.k == min(range(2, 6), key=lambda k: rows[k][2])                   # smallest DB
    ch = select_k(three, range(2, 6), seed=1, n_ref=3, n_init=6, choose="ch")
    assert ch.k == max(range(2, 6), key=lambda k: rows[k][1])                    # largest CH
    sil = select_k(three, range(2, 6), seed=1, n_ref=3, n_init=6)
    assert sil.k == max(range(2, 6), key=lambda k: rows[k][0])                   # largest silhouette
    assert "bic" not in sel.table


def test_reason_names_the_criteria_that_agree_and_the_others(three):
    sel = select_k(three, range(2, 5), seed=3, n_ref=4, n_init=4)
    assert sel.reason.startswith("k = 3 by silhouette, agreeing with ")
    agree = sel.reason.split("agreeing with ")[1].split(" (")[0].split(", ")
    others = dict(p.split(" → ") for p in sel.reason.split(" (")[1].rstrip(")").split(", "))
    assert set(others) == {"ch", "db", "gap"} and set(agree) == {c for c, v in others.items() if v == "3"}
    assert "gap" in agree and NO_STRUCTURE not in sel.reason


def test_bic_is_gaussian_mixture_bic_and_chooses_the_smallest(three):
    sel = select_k(three, range(2, 5), "gmm", seed=2, n_ref=2, n_init=2, choose="bic")
    bic = {k: GaussianMixture(k, n_init=3, random_state=2).fit(three).bic(three) for k in range(2, 5)}
    np.testing.assert_allclose(sel.table.loc[2:4, "bic"], [bic[k] for k in range(2, 5)], rtol=1e-9)
    assert sel.k == min(bic, key=bic.get)
    # BIC is computed for k-means too when it decides
    km = select_k(three, range(2, 4), seed=2, n_ref=2, n_init=2, choose="bic")
    assert "bic" in km.table and np.isnan(km.table.loc[1, "bic"])


def test_select_k_refuses_impossible_k_and_unknown_criteria(three):
    with pytest.raises(InputError, match="between 2 and 119"):
        select_k(three, [1, 2])
    with pytest.raises(InputError, match="between 2 and 119"):
        select_k(three, [2, 120])
    with pytest.raises(InputError, match="unknown selection criterion 'best'"):
        select_k(three, [2, 3], n_ref=2, n_init=2, choose="best")


def test_largest_k_without_k_plus_one_falls_back_to_the_largest_gap():
    """With k + 1 = n not computable the rule cannot judge the largest k: the gap's maximum is used."""
    A = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.1]])
    sel = select_k(A, [2, 3, 4, 5], seed=0, n_ref=3, n_init=3, choose="gap")
    assert list(sel.table.index) == [1, 2, 3, 4, 5]
    g, s = sel.table["gap"], sel.table["gap_se"]
    rule = [k for k in (1, 2, 3, 4) if g[k] >= g[k + 1] - s[k + 1]]
    assert sel.k == (rule[0] if rule else int(g.loc[[2, 3, 4, 5]].idxmax()))


# --- stability (Hennig 2007) -------------------------------------------------------------------
def test_stability_jaccards_with_a_controlled_reclustering(monkeypatch):
    """Re-clustering by a fixed rule (x < 3 → 0, else 1) against original clusters {0…4}, {5…9}: on the
    distinct units drawn, cluster 0's best match is {drawn < 3} with Jaccard |drawn ∩ {0,1,2}| /
    |drawn ∩ {0…4}|, cluster 1's is {drawn ≥ 3} with |drawn ∩ {5…9}| / |drawn ∩ {3…9}|."""
    X = np.arange(10, dtype=float)[:, None]
    labels = np.array([0] * 5 + [1] * 5)
    calls = []

    def rule(A, k, method="kmeans", *, seed=0, n_init=50, **kw):
        calls.append((k, method, seed, n_init))
        return (A[:, 0] >= 3).astype(int)

    monkeypatch.setattr(cluster, "fit_labels", rule)
    s = stability(X, labels, n_boot=30, seed=7, threshold=0.75)
    rng = np.random.default_rng(7)
    j0, j1, ari = [], [], []
    for _ in range(30):
        d = set(rng.integers(0, 10, 10).tolist())
        a0, a1 = d & {0, 1, 2, 3, 4}, d & {5, 6, 7, 8, 9}
        if a0:
            j0.append(max(len(a0 & {0, 1, 2}) / len(a0 | (d & {0, 1, 2})), len(a0 & (d - {0, 1, 2})) /
                          len(a0 | (d - {0, 1, 2}))))
        if a1:
            b1 = {u for u in d if u >= 3}
            j1.append(max(len(a1 & b1) / len(a1 | b1), 0.0))
        u = sorted(d)
        ari.append(adjusted_rand_score([int(v >= 5) for v in u], [int(v >= 3) for v in u]))
    assert s.jaccard[0] == pytest.approx(np.mean(j0), abs=1e-15) and s.jaccard[1] == pytest.approx(np.mean(j1))
    assert s.dissolved[0] == pytest.approx(np.mean(np.array(j0) <= 0.5))
    assert s.dissolved[1] == pytest.approx(np.mean(np.array(j1) <= 0.5))
    np.testing.assert_allclose(s.ari, ari, rtol=1e-12)
    assert s.mean_ari == pytest.approx(np.mean(ari))
    # k from the labels (max + 1), the method passed on, seeds seed + b + 1, 10 restarts
    assert calls == [(2, "kmeans", 7 + b + 1, 10) for b in range(30)]
    assert s.threshold == 0.75 and s.unstable == [c for c in (0, 1) if s.jaccard[c] < 0.75]


def test_dissolved_counts_a_jaccard_of_exactly_one_half(monkeypatch):
    """Units 0–3 in one cluster; the re-clustering splits them {0, 1} | {2, 3}: whenever all four are
    drawn the best Jaccard is exactly 2/4 = 0.5, which counts as dissolved (≤ 0.5)."""
    X = np.arange(4, dtype=float)[:, None]
    monkeypatch.setattr(cluster, "fit_labels", lambda A, k, method="kmeans", **kw: (A[:, 0] >= 2).astype(int))
    s = stability(X, np.zeros(4, dtype=int), 2, n_boot=40, seed=1)
    rng = np.random.default_rng(1)
    js = []
    for _ in range(40):
        d = set(rng.integers(0, 4, 4).tolist())
        js.append(max(len(d & {0, 1}), len(d & {2, 3})) / len(d))
    assert 0.5 in js
    assert s.dissolved[0] == pytest.approx(np.mean(np.array(js) <= 0.5)) and s.jaccard[0] == pytest.approx(np.mean(js))


def test_stability_ignores_noise_labels(monkeypatch):
    """HDBSCAN's −1 is not a cluster: neither as an original cluster nor as a bootstrap match."""
    X = np.arange(8, dtype=float)[:, None]
    labels = np.array([0, 0, 0, 1, 1, 1, -1, -1])
    monkeypatch.setattr(cluster, "fit_labels", lambda A, k, method="kmeans", **kw:
                        np.where(A[:, 0] >= 6, -1, (A[:, 0] >= 3).astype(int)))
    s = stability(X, labels, 2, n_boot=10, seed=0)
    assert list(s.jaccard.index) == [0, 1] and (s.jaccard == 1.0).all() and (s.dissolved == 0.0).all()


# --- features ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    return build("kominfo_gm100sc", DEMO_DIR / "smartcity_panel.csv", DEMO_DIR / "spec.yaml")


def test_features_scalings_equal_scikit_learn(demo):
    fw = demo.framework
    dims = fw.children(fw.root)
    raw = demo.aggregates.xs(2025, level="year")[dims]
    raw = raw.fillna(raw.median())
    z = features(demo, "dimensions", year=2025)
    assert list(z.columns) == dims
    np.testing.assert_allclose(z.to_numpy(), StandardScaler().fit_transform(raw), atol=1e-12)
    mm = features(demo, "dimensions", scale="minmax", year=2025)
    np.testing.assert_allclose(mm.to_numpy(), MinMaxScaler().fit_transform(raw), atol=1e-12)
    np.testing.assert_allclose(features(demo, "dimensions", scale="none", year=2025).to_numpy(), raw.to_numpy())
    ind = features(demo, "indicators", scale="none", year=2025)
    assert list(ind.columns) == fw.indicators and not ind.isna().any().any()


def test_pca_features_keep_components_with_eigenvalue_above_one(demo):
    fw = demo.framework
    from analysis.select import cross_section

    Z = cross_section(demo, "normalised", 2025)[fw.indicators]
    Z = ((Z - Z.mean()) / Z.std(ddof=1)).fillna(0.0).to_numpy()
    ev = np.sort(np.linalg.eigvalsh(np.cov(Z, rowvar=False)))[::-1]
    P = features(demo, "pca", year=2025)
    assert P.shape[1] == int((ev > 1).sum()) and list(P.columns)[:2] == ["PC1", "PC2"]
    # component scores: variance = eigenvalue (not rescaled by the default "standard" scaling)
    np.testing.assert_allclose(P.var(ddof=1).to_numpy(), ev[:P.shape[1]], rtol=1e-8)
    assert features(demo, "pca", n_components=2, year=2025).shape[1] == 2


def test_features_refuse_unknown_choices(demo):
    with pytest.raises(InputError, match="unknown feature set 'cities'"):
        features(demo, "cities")
    with pytest.raises(InputError, match="unknown scaling 'robust'"):
        features(demo, scale="robust")
    with pytest.raises(InputError, match="no aggregates at level 9"):
        features(demo, level=9)
    with pytest.raises(InputError, match="unknown clustering method 'dbscan'"):
        fit_labels(np.zeros((5, 2)), 2, "dbscan")


# --- labels, medoids, peers --------------------------------------------------------------------
def test_cluster_labels_rules_with_ties_at_the_mean():
    fw = load_framework("kominfo_gm100sc")
    dims = fw.children(fw.root)[:3]
    m = pd.DataFrame([[60.0, 50.0, 55.0], [40.0, 50.0, 45.0], [60.0, 40.0, 50.0]], index=[0, 1, 2], columns=dims)
    mean = pd.Series(50.0, index=dims)
    sd = pd.Series([10.0, 5.0, 0.0], index=dims)            # sd 0 is read as 1
    lab = cluster_labels(m, fw, mean, sd)
    # z: [1, 0, 5], [−1, 0, −5], [1, −2, 0]
    assert lab.loc[0, "label_en"].startswith("Leaders: strongest " + fw.nodes[dims[2]].name)
    assert lab.loc[0, "label_en"].endswith("weakest " + fw.nodes[dims[1]].name)
    assert lab.loc[1, "label_en"].startswith("Lagging: strongest " + fw.nodes[dims[1]].name)
    assert lab.loc[1, "label_id"].startswith("Tertinggal: terkuat ")
    assert lab.loc[2, "label_en"] == (f"Mixed: strongest {fw.nodes[dims[0]].name}, weakest {fw.nodes[dims[1]].name}")
    assert lab.loc[2, "label_id"].startswith("Campuran: terkuat " + fw.nodes[dims[0]].nama)
    np.testing.assert_allclose(lab["mean_z"], [2.0, -2.0, -1 / 3], rtol=1e-12)
    # without mean and sd: the clusters' own mean and sd (ddof 0)
    own = cluster_labels(m, fw)
    z = (m - m.mean()) / m.std(ddof=0).replace(0, 1)
    np.testing.assert_allclose(own["mean_z"], z.mean(axis=1), rtol=1e-12)


def test_profiles_medoid_minimises_the_sum_of_distances(demo):
    ty = cluster.typology(demo, k=3, n_boot=0, seed=0, year=2025)
    X = ty.features
    for c, r in ty.profiles.medoids.iterrows():
        P = X[ty.labels == c]
        d = np.sqrt(((P.to_numpy()[:, None, :] - P.to_numpy()[None, :, :]) ** 2).sum(-1)).sum(1)
        assert r["uCode"] == P.index[int(np.argmin(d))]
        assert r["uName"] == demo.units.xs(2025, level="year")["uName"][r["uCode"]]
    assert ty.profiles.sizes.tolist() == [int((ty.labels == c).sum()) for c in range(3)]
    p = ty.peers
    assert (p["n_in_cluster"] == p.groupby("cluster")["index"].transform("size")).all()
    assert list(p.columns[:2]) == ["uName", "cluster"] and "level" in p


def test_typology_of_an_earlier_year_uses_that_year_throughout(demo):
    """Every step reads the year asked for (2024 of the 2023–2025 panel), not the last one."""
    fw = demo.framework
    dims = fw.children(fw.root)
    T = demo.aggregates.xs(2024, level="year")
    ty = cluster.typology(demo, k=3, n_boot=0, seed=0, year=2024)
    raw = T[dims].fillna(T[dims].median())
    np.testing.assert_allclose(ty.features.to_numpy(), StandardScaler().fit_transform(raw), atol=1e-12)
    lab = ty.labels
    np.testing.assert_allclose(ty.profiles.means[dims].to_numpy(), T[dims].groupby(lab.to_numpy()).mean().to_numpy(),
                               rtol=1e-12)
    # clusters numbered by mean index, highest first
    assert T[fw.root].groupby(lab.to_numpy()).mean().is_monotonic_decreasing
    p = ty.peers
    np.testing.assert_allclose(p["index"].to_numpy(), T[fw.root].to_numpy(), rtol=1e-12)
    assert (p["rank_national"] == T[fw.root].rank(ascending=False, method="min")).all()
    lv = demo.levels.xs(2024, level="year") if isinstance(demo.levels.index, pd.MultiIndex) else demo.levels
    assert (p["level"] == lv.reindex(p.index)).all()
    assert (p["uName"] == demo.units.xs(2024, level="year")["uName"].reindex(p.index)).all()
    u = demo.units.xs(2024, level="year")
    assert ty.profiles.crosstabs["province"].equals(pd.crosstab(u["province"].reindex(T.index), lab))


# --- second round: defaults, the methods behind fit_labels, typology's wiring ------------------
def test_features_fill_missing_with_the_median_and_take_any_level(demo):
    from analysis.select import cross_section

    gaps = build("kominfo_gm100sc", DEMO_DIR / "smartcity_2025.csv", {"normalise": {"method": "minmax"}})
    fw = gaps.framework
    N = cross_section(gaps, "normalised")[fw.indicators]
    assert N.isna().any().any()                              # not imputed: gaps to fill
    np.testing.assert_allclose(features(gaps, "indicators", scale="none").to_numpy(),
                               N.fillna(N.median()).to_numpy(), rtol=1e-12)
    sub = features(demo, "dimensions", level=2, year=2025)
    assert list(sub.columns) == [c for c in fw.aggregates if fw.nodes[c].level == 2]


@pytest.fixture(scope="module")
def noise():
    return np.random.default_rng(5).uniform(size=(150, 2))


def test_fit_labels_are_the_documented_scikit_learn_and_scipy_fits(noise):
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import HDBSCAN

    km = KMeans(6, init="k-means++", n_init=50, random_state=4).fit_predict(noise)
    assert np.array_equal(fit_labels(noise, 6, seed=4), km)
    km3 = KMeans(6, n_init=3, random_state=4).fit_predict(noise)
    assert np.array_equal(fit_labels(noise, 6, seed=4, n_init=3), km3)
    ward = fit_labels(noise, 5, "ward")
    assert np.array_equal(ward, fcluster(linkage(noise, "ward"), 5, criterion="maxclust") - 1)
    assert sorted(set(ward)) == [0, 1, 2, 3, 4]
    gm = GaussianMixture(4, covariance_type="full", n_init=5, random_state=2).fit(noise).predict(noise)
    assert np.array_equal(fit_labels(noise, 4, "gmm", seed=2), gm)
    hd = fit_labels(noise, None, "hdbscan", min_cluster_size=7)
    assert np.array_equal(hd, HDBSCAN(min_cluster_size=7).fit_predict(noise))
    assert np.array_equal(fit_labels(noise, None, "hdbscan"), HDBSCAN(min_cluster_size=10).fit_predict(noise))


def test_select_k_defaults_are_twenty_references_and_twenty_restarts(three):
    sel = select_k(three, range(2, 4), seed=3)
    gap, s = _gap_reference(three, [1, 2, 3, 4], seed=3, n_ref=20, n_init=20)
    np.testing.assert_allclose(sel.table["gap"].to_numpy(), gap[:3], rtol=1e-9)
    np.testing.assert_allclose(sel.table["gap_se"].to_numpy(), s[:3], rtol=1e-9)


def test_k_equal_one_is_judged_even_when_two_is_not_a_candidate():
    """Tibshirani's rule at k = 1 needs Gap(2): it is computed although ks starts at 3."""
    X = np.random.default_rng(0).normal(size=(300, 3))
    sel = select_k(X, [3, 4], seed=0, n_ref=5, n_init=3, choose="gap")
    assert sel.k == 1 and sel.no_structure and list(sel.table.index) == [1, 3, 4]
    assert sel.reason.startswith("k = 1 by gap") and sel.reason.endswith(")" + "; " + NO_STRUCTURE)


def test_hdbscan_selection_uses_kmeans_references(three):
    sel = select_k(three, [2, 3], "hdbscan", seed=1, n_ref=3, n_init=2, choose="gap")
    rng = np.random.default_rng(1)
    mu = three.mean(0)
    _, _, Vt = np.linalg.svd(three - mu, full_matrices=False)
    Xp = (three - mu) @ Vt.T
    refs = [rng.uniform(Xp.min(0), Xp.max(0), size=Xp.shape) @ Vt + mu for _ in range(3)]
    ref2 = np.mean([np.log(_w_pairwise(R, KMeans(2, n_init=5, random_state=1).fit_predict(R))) for R in refs])
    lab = fit_labels(three, None, "hdbscan")
    assert sel.table.loc[2, "gap"] == pytest.approx(ref2 - np.log(_w_pairwise(three, lab)), rel=1e-9)


def test_unstable_means_below_the_threshold_and_default_threshold():
    from analysis.cluster import Stability

    s = Stability(pd.Series({0: 0.6, 1: 0.5999, 2: 0.9}), pd.Series({0: 0.0, 1: 0.0, 2: 0.0}),
                  np.array([0.2, 0.4]), 0.6)
    assert s.unstable == [1] and s.mean_ari == pytest.approx(0.3)
    X = np.random.default_rng(1).normal(size=(40, 2))
    assert stability(X, fit_labels(X, 2, n_init=2), n_boot=2, n_init=2).threshold == 0.6


def test_typology_passes_its_settings_to_selection_and_stability(demo, monkeypatch):
    from analysis.cluster import Selection, Stability

    seen = {}

    def fake_select(X, ks, method, *, seed, choose, **kw):
        seen["select"] = (list(ks), method, seed, choose, kw)
        return Selection(pd.DataFrame({"gap": [0.0]}, index=pd.Index([1], name="k")), 2, "k = 2 by ch")

    def fake_stability(X, lab, k, method, *, n_boot, seed, **kw):
        seen["stability"] = (k, method, n_boot, seed, sorted(set(lab)), kw)
        return Stability(pd.Series({0: 0.55, 1: 0.95}, name="jaccard"), pd.Series({0: 0.5, 1: 0.0}),
                         np.array([0.5]), 0.6)

    monkeypatch.setattr(cluster, "select_k", fake_select)
    monkeypatch.setattr(cluster, "stability", fake_stability)
    ty = cluster.typology(demo, ks=range(2, 4), choose="ch", seed=5, n_boot=7, year=2025)
    assert seen["select"] == ([2, 3], "kmeans", 5, "ch", {})
    assert seen["stability"] == (2, "kmeans", 7, 5, [0, 1], {})
    assert ty.k == 2 and ty.structure and ty.selection.reason == "k = 2 by ch"
    assert ty.notes == ["cluster 0 is unstable: mean bootstrap Jaccard 0.55 < 0.6"]
    # the final partition: k-means with the seed, numbered by mean index
    lab = fit_labels(ty.features, 2, seed=5)
    assert adjusted_rand_score(lab, ty.labels) == 1.0
    # no stability without bootstraps, and none for one cluster
    seen.clear()
    assert cluster.typology(demo, k=2, n_boot=0, year=2025).stability is None and "stability" not in seen


def test_typology_with_hdbscan_counts_clusters_and_outliers(demo):
    ty = cluster.typology(demo, method="hdbscan", n_boot=5, year=2025)
    lab = fit_labels(ty.features, None, "hdbscan")
    assert ty.selection is None and ty.stability is None
    assert ty.k == len(set(lab) - {-1}) and ((ty.labels == -1).sum() == (lab == -1).sum())
    assert ty.notes[-1] == f"{int((lab == -1).sum())} units are outliers (label −1)"
    assert adjusted_rand_score(lab, ty.labels) == 1.0


def test_profiles_columns_crosstabs_and_labels_against_all_units(demo):
    fw = demo.framework
    dims = fw.children(fw.root)
    ty = cluster.typology(demo, k=3, n_boot=0, seed=0, year=2025)
    pr = ty.profiles
    assert list(pr.means.columns) == dims + [fw.root] + fw.indicators
    assert set(pr.crosstabs) == {"province", "island", "type"}
    assert list(pr.sizes.index) == [0, 1, 2]
    T = demo.aggregates.xs(2025, level="year")[dims]
    z = (pr.means[dims] - T.mean()) / T.std(ddof=0)
    np.testing.assert_allclose(pr.labels["mean_z"], z.mean(axis=1), rtol=1e-10)


def test_profiles_of_plain_label_arrays_are_indexed_by_cluster(demo):
    """Labels as a plain array (not a Series) are the units' labels in row order; tables are indexed by
    'cluster' (the key the run summary and clusters.csv use)."""
    from analysis.cluster import profiles

    fw = demo.framework
    dims = fw.children(fw.root)
    T = demo.aggregates.xs(2025, level="year")
    lab = np.arange(len(T)) % 3
    pr = profiles(demo, lab, year=2025)
    np.testing.assert_allclose(pr.means[dims].to_numpy(), T[dims].groupby(lab).mean().to_numpy(), rtol=1e-12)
    assert pr.means.index.name == "cluster" and pr.sizes.index.name == "cluster"
    assert pr.crosstabs["type"].columns.name == "cluster" and pr.medoids.index.name == "cluster"
    assert pr.sizes.tolist() == [172, 171, 171]


def test_medoids_without_features_use_the_dimension_scores(demo):
    from analysis.cluster import profiles

    fw = demo.framework
    D = demo.aggregates.xs(2025, level="year")[fw.children(fw.root)].to_numpy()
    lab = np.arange(len(D)) % 2
    med = profiles(demo, lab, year=2025).medoids
    codes = demo.aggregates.xs(2025, level="year").index
    for c in (0, 1):
        P = D[lab == c]
        d = np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1)).sum(1)
        assert med.loc[c, "uCode"] == codes[lab == c][int(np.argmin(d))]


def test_units_without_names_are_shown_by_code(tmp_path):
    d = pd.read_csv(DEMO_DIR / "smartcity_2025.csv", dtype={"uCode": str}).drop(columns="uName")
    d.to_csv(tmp_path / "d.csv", index=False)
    res = build("kominfo_gm100sc", tmp_path / "d.csv", {"normalise": {"method": "minmax"},
                                                         "impute": {"method": "median"}})
    ty = cluster.typology(res, k=2, n_boot=0, seed=0)
    assert (ty.profiles.medoids["uName"] == ty.profiles.medoids["uCode"]).all()
    assert "uName" not in ty.peers.columns


def test_typology_defaults_and_feature_options_reach_the_steps(demo, monkeypatch):
    from analysis.cluster import Selection, Stability

    seen = {}
    real_features = cluster.features

    def spy_features(result, on="dimensions", **kw):
        seen["features"] = (on, kw)
        return real_features(result, on, **kw)

    def fake_select(X, ks, method, *, seed, choose, **kw):
        seen["select"] = (list(ks), seed, choose)
        return Selection(pd.DataFrame({"gap": [0.0]}, index=pd.Index([1], name="k")), 2, "k = 2")

    def fake_stability(X, lab, k, method, *, n_boot, seed, **kw):
        seen["stability"] = (n_boot, seed)
        return Stability(pd.Series({0: 0.9, 1: 0.9}), pd.Series({0: 0.0, 1: 0.0}), np.array([1.0]), 0.6)

    monkeypatch.setattr(cluster, "features", spy_features)
    monkeypatch.setattr(cluster, "select_k", fake_select)
    monkeypatch.setattr(cluster, "stability", fake_stability)
    cluster.typology(demo, year=2025)
    assert seen["features"] == ("dimensions", {"level": None, "scale": "standard", "year": 2025})
    assert seen["select"] == (list(range(2, 9)), 0, "silhouette") and seen["stability"] == (100, 0)
    cluster.typology(demo, on="indicators", level=2, scale="minmax", k=2, n_boot=0, year=2025)
    assert seen["features"] == ("indicators", {"level": 2, "scale": "minmax", "year": 2025})


def test_stability_defaults_and_a_cluster_missing_from_a_resample(monkeypatch):
    """Defaults: 100 resamples, seed 0 (fits seeded 1…100), the method passed on; a cluster with no unit
    drawn is skipped for that resample only. Series are named for the clusters table's columns."""
    X = np.arange(10, dtype=float)[:, None]
    labels = np.array([0] + [1] * 9)                        # cluster 0 is one unit, often not drawn
    calls = []

    def rule(A, k, method="kmeans", *, seed=0, n_init=50, **kw):
        calls.append((method, seed))
        return (A[:, 0] >= 3).astype(int)

    monkeypatch.setattr(cluster, "fit_labels", rule)
    s = stability(X, labels, 2, "ward")
    assert calls == [("ward", b + 1) for b in range(100)]
    rng = np.random.default_rng(0)
    j0, j1 = [], []
    for _ in range(100):
        d = set(rng.integers(0, 10, 10).tolist())
        lo = {u for u in d if u >= 3}
        if 0 in d:                                          # {0} against {drawn < 3} (0 is in it)
            j0.append(1 / len(d - lo))
        a1 = d - {0}
        j1.append(max(len(a1 & lo) / len(a1 | lo), len(a1 & (d - lo)) / len(a1 | (d - lo))))
    assert len(j0) < 100                                    # some resamples miss cluster 0
    assert s.jaccard[0] == pytest.approx(np.mean(j0)) and s.jaccard[1] == pytest.approx(np.mean(j1))
    assert s.dissolved[1] == pytest.approx(np.mean(np.array(j1) <= 0.5))
    assert s.jaccard.name == "jaccard" and s.dissolved.name == "dissolved"


def test_select_k_default_seed(three):
    sel = select_k(three, range(2, 4), n_ref=3, n_init=4)
    gap, s = _gap_reference(three, [1, 2, 3, 4], seed=0, n_ref=3, n_init=4)
    np.testing.assert_allclose(sel.table["gap"].to_numpy(), gap[:3], rtol=1e-9)


def test_reference_sets_are_clustered_with_the_method_itself(three):
    """Ward's gap statistic clusters the reference sets with Ward too (only HDBSCAN borrows k-means)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    sel = select_k(three, [2, 3], "ward", seed=2, n_ref=3, n_init=2)
    rng = np.random.default_rng(2)
    mu = three.mean(0)
    _, _, Vt = np.linalg.svd(three - mu, full_matrices=False)
    Xp = (three - mu) @ Vt.T
    refs = [rng.uniform(Xp.min(0), Xp.max(0), size=Xp.shape) @ Vt + mu for _ in range(3)]
    ward = [np.log(_w_pairwise(R, fcluster(linkage(R, "ward"), 2, criterion="maxclust"))) for R in refs]
    data = np.log(_w_pairwise(three, fcluster(linkage(three, "ward"), 2, criterion="maxclust")))
    assert sel.table.loc[2, "gap"] == pytest.approx(np.mean(ward) - data, rel=1e-9)


# --- third round: small hand-made results (fast), single groups, peers, panels ------------------
def _tiny_framework(dim_names=("Alpha", "Beta"), dim_namas=("Alfa", "")):
    """An index IDX of two dimensions D1 (indicators a, b) and D2 (indicators c, d)."""
    from analysis.framework import Framework, Node

    nodes = [Node("IDX", None, 1.0, False, name="Index"),
             Node("D1", "IDX", 1.0, False, name=dim_names[0], nama=dim_namas[0]),
             Node("D2", "IDX", 1.0, False, name=dim_names[1], nama=dim_namas[1])]
    nodes += [Node(c, p, 1.0, True, name=c.upper()) for c, p in (("a", "D1"), ("b", "D1"), ("c", "D2"), ("d", "D2"))]
    return Framework(nodes, name="tiny")


def _tiny_result(ind: pd.DataFrame, *, levels=None, units=None, year=None, fw=None):
    """A stand-in for a build Result: normalised indicators, aggregates as plain means, unit table."""
    from types import SimpleNamespace

    agg = pd.DataFrame({"D1": ind[["a", "b"]].mean(axis=1), "D2": ind[["c", "d"]].mean(axis=1)})
    agg["IDX"] = agg.mean(axis=1)
    if units is None:
        units = pd.DataFrame({"uName": [f"name of {u}" for u in ind.index.get_level_values(0)]}, index=ind.index)
    return SimpleNamespace(framework=fw or _tiny_framework(), normalised=ind, aggregates=agg, units=units,
                           levels=levels, year=year)


def test_features_of_a_constant_indicator_are_zero_like_scikit_learn():
    """A constant column has no spread: StandardScaler and MinMaxScaler map it to 0 (not 0/0)."""
    ind = pd.DataFrame({"a": [1.0, 2.0, 4.0, 7.0], "b": [5.0] * 4, "c": [0.0, 1.0, 0.0, 1.0],
                        "d": [3.0, 1.0, 2.0, 2.0]}, index=list("pqrs"))
    res = _tiny_result(ind)
    z = features(res, "indicators")
    np.testing.assert_allclose(z.to_numpy(), StandardScaler().fit_transform(ind), atol=1e-12)
    assert (z["b"] == 0).all()
    mm = features(res, "indicators", scale="minmax")
    np.testing.assert_allclose(mm.to_numpy(), MinMaxScaler().fit_transform(ind), atol=1e-12)
    assert (mm["b"] == 0).all()


def test_pca_features_read_a_missing_value_as_the_mean_and_can_be_rescaled():
    """Missing standardised values are 0 (the indicator's mean) before the principal components; with
    scale="minmax" the component scores are rescaled to [0, 1] (the default leaves them as they are)."""
    from sklearn.decomposition import PCA

    ind = pd.DataFrame({"a": [1.0, 2.0, np.nan, 7.0, 3.0], "b": [5.0, 1.0, 2.0, 2.0, 9.0],
                        "c": [0.0, 1.0, 0.0, 1.0, 4.0], "d": [3.0, 1.0, 2.0, 2.0, 0.0]}, index=list("pqrst"))
    res = _tiny_result(ind)
    Z = (ind - ind.mean()) / ind.std(ddof=1)
    Z = Z.fillna(0.0)                                          # r's a at the mean of a (z = 0)
    scores = PCA().fit(Z).transform(Z)[:, :2]
    P = features(res, "pca", n_components=2)
    np.testing.assert_allclose(np.abs(P.to_numpy()), np.abs(scores), atol=1e-10)
    M = features(res, "pca", n_components=2, scale="minmax")
    np.testing.assert_allclose(M.to_numpy(), MinMaxScaler().fit_transform(P), atol=1e-12)


def test_one_group_label_keeps_its_cluster_and_mean_z():
    fw = _tiny_framework()
    m = pd.DataFrame([[60.0, 40.0]], index=[7], columns=["D1", "D2"])
    lab = cluster_labels(m, fw, pd.Series({"D1": 50.0, "D2": 50.0}), pd.Series({"D1": 5.0, "D2": 2.0}))
    assert lab.index.name == "cluster" and list(lab.index) == [7]
    assert lab.loc[7, "label_en"] == "All units" and lab.loc[7, "label_id"] == "Semua unit"
    assert lab.loc[7, "mean_z"] == pytest.approx((2.0 - 5.0) / 2)          # z = (+2, −5)


def test_labels_fall_back_to_the_english_name_and_then_the_code():
    """A node read from a file always has names (the code at worst); built by hand it may have none."""
    fw = _tiny_framework(dim_names=("Alpha", ""), dim_namas=("", ""))
    assert fw.nodes["D2"].name == "" and fw.nodes["D1"].nama == ""
    m = pd.DataFrame([[60.0, 40.0], [40.0, 60.0]], index=[0, 1], columns=["D1", "D2"])
    lab = cluster_labels(m, fw, pd.Series({"D1": 50.0, "D2": 50.0}), pd.Series({"D1": 10.0, "D2": 10.0}))
    assert lab.loc[0, "label_en"] == "Mixed: strongest Alpha, weakest D2"
    assert lab.loc[0, "label_id"] == "Campuran: terkuat Alpha, terlemah D2"
    assert lab.loc[1, "label_en"] == "Mixed: strongest D2, weakest Alpha"
    assert lab.loc[1, "label_id"] == "Campuran: terkuat D2, terlemah Alpha"
    assert list(lab.columns) == ["label_en", "label_id", "mean_z"]


def test_peer_ranks_by_hand():
    """Index values by hand: cluster 0 = {p 0.9, q 0.5, r 0.5}, cluster 1 = {s 0.7, t 0.2}."""
    from analysis.cluster import peer_ranks

    idx = {"p": 0.9, "q": 0.5, "r": 0.5, "s": 0.7, "t": 0.2}
    ind = pd.DataFrame({c: pd.Series(idx) for c in "abcd"})            # all indicators = the index
    res = _tiny_result(ind, levels=pd.Series({"p": 3, "q": 2, "r": 2, "s": 2, "t": 1}, name="Level"))
    lab = pd.Series([0, 0, 0, 1, 1], index=list("pqrst"))
    pr = peer_ranks(res, lab)
    assert list(pr.columns) == ["uName", "cluster", "index", "rank_national", "rank_in_cluster", "n_in_cluster",
                                "gap_to_best", "level"]
    assert pr["uName"].tolist() == [f"name of {u}" for u in "pqrst"]
    assert pr["cluster"].tolist() == [0, 0, 0, 1, 1]
    np.testing.assert_allclose(pr["index"], [0.9, 0.5, 0.5, 0.7, 0.2])
    assert pr["rank_national"].tolist() == [1, 3, 3, 2, 5]                # ties at the minimum rank
    assert pr["rank_in_cluster"].tolist() == [1, 2, 2, 1, 2]
    assert pr["n_in_cluster"].tolist() == [3, 3, 3, 2, 2]
    np.testing.assert_allclose(pr["gap_to_best"], [0.0, 0.4, 0.4, 0.0, 0.5])
    assert pr["level"].tolist() == [3, 2, 2, 2, 1]
    # labels as a plain array: the units' labels in row order
    assert peer_ranks(res, lab.to_numpy()).equals(pr)
    # without unit names and without levels
    bare = _tiny_result(ind, units=pd.DataFrame(index=ind.index))
    out = peer_ranks(bare, lab)
    assert "uName" not in out and "level" not in out and list(out.columns[:1]) == ["cluster"]


def _tiny_panel():
    """Two well-separated groups {p, q, r} and {s, t, u}; in 2024 the second group has the higher index,
    in 2025 the first. Levels differ between the years."""
    codes = list("pqrstu")
    hi = [0.9, 0.85, 0.8, 0.2, 0.15, 0.1]
    rows = {2024: hi[3:] + hi[:3], 2025: hi}
    noise = [0.0, 0.01, -0.01, 0.0, 0.01, -0.01]
    ind = pd.concat({y: pd.DataFrame({c: np.array(v) + noise for c in "abcd"}, index=codes) for y, v in rows.items()},
                    names=["year", "uCode"]).swaplevel().sort_index(level=["year", "uCode"], sort_remaining=False)
    ind = ind.sort_index(level="year", sort_remaining=False)
    levels = pd.Series([1 if y == 2024 else 5 for _, y in ind.index], index=ind.index, name="Level")
    units = pd.DataFrame({"uName": [f"{u} in {y}" for u, y in ind.index]}, index=ind.index)
    return _tiny_result(ind, levels=levels, units=units, year="year")


def test_peer_ranks_and_typology_of_a_panel_read_the_year_asked_for():
    from analysis.cluster import peer_ranks

    res = _tiny_panel()
    lab = pd.Series([0, 0, 0, 1, 1, 1], index=list("pqrstu"))
    pr = peer_ranks(res, lab, year=2024)
    assert pr["rank_national"].tolist() == [4, 5, 6, 1, 2, 3]
    assert pr["level"].tolist() == [1] * 6 and pr["uName"].tolist() == [f"{u} in 2024" for u in "pqrstu"]
    assert peer_ranks(res, lab)["level"].tolist() == [5] * 6                  # default: the last year
    ty = cluster.typology(res, k=2, n_boot=0, year=2024)
    # cluster 0 = the group with the higher mean index in 2024: {s, t, u}
    assert ty.labels.tolist() == [1, 1, 1, 0, 0, 0] and ty.labels.name == "cluster"
    assert cluster.typology(res, k=2, n_boot=0).labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_fit_labels_default_seed_and_no_warning_from_hdbscan(noise):
    import warnings

    assert np.array_equal(fit_labels(noise, 7, n_init=2), KMeans(7, n_init=2, random_state=0).fit_predict(noise))
    with warnings.catch_warnings():
        warnings.simplefilter("error")                       # copy=True is given: no FutureWarning
        fit_labels(noise, None, "hdbscan")


def test_reason_without_agreement_and_the_table_layout(three, monkeypatch):
    """Scores controlled by the number of clusters: silhouette prefers 2, CH and DB prefer 3 (as does the
    gap statistic on three blobs); the reason then names no agreeing criterion."""
    def n(lab):
        return len(set(lab))

    monkeypatch.setattr(cluster, "silhouette_score", lambda A, lab: 1.0 if n(lab) == 2 else 0.5)
    monkeypatch.setattr(cluster, "calinski_harabasz_score", lambda A, lab: 10.0 * n(lab) * (n(lab) <= 3))
    monkeypatch.setattr(cluster, "davies_bouldin_score", lambda A, lab: abs(n(lab) - 3) + 0.5)
    sel = select_k(three, range(2, 4), seed=3, n_ref=4, n_init=4)
    assert sel.reason == "k = 2 by silhouette (ch → 3, db → 3, gap → 3)"
    cols = list(sel.table.columns)
    assert cols[:2] == ["gap", "gap_se"] and cols[-1] == "chosen"
    assert set(cols[2:-1]) == {"silhouette", "calinski_harabasz", "davies_bouldin", "sizes"}
    assert sel.table.index.name == "k"


def test_twenty_restarts_for_the_data_and_five_for_the_references():
    """On uniform noise k-means has many local optima, so the number of restarts shows: here 21 restarts
    find a better 9-cluster partition of the data than 20, and 6 a better 10-cluster partition of the
    reference set than 5 (the reference computation uses exactly 20 and 5, with scikit-learn)."""
    X = np.random.default_rng(15).uniform(size=(60, 2))
    sel = select_k(X, [9, 10], seed=0, n_ref=1, choose="gap")
    gap, _ = _gap_reference(X, [1, 2, 9, 10, 11], seed=0, n_ref=1, n_init=20)
    np.testing.assert_allclose(sel.table["gap"].to_numpy(), gap[[0, 2, 3]], rtol=1e-9)


def test_hdbscan_typology_with_two_clusters_has_no_stability():
    """Two tight groups of 15 units and two outliers far away: HDBSCAN (min_cluster_size 10) finds the two
    groups; stability is not assessed for HDBSCAN however many resamples are asked for."""
    rng = np.random.default_rng(3)
    pts = np.vstack([rng.normal([0.2, 0.2], 0.01, (15, 2)), rng.normal([0.8, 0.7], 0.01, (15, 2)),
                     [[3.0, -2.0], [-2.0, 3.0]]])
    codes = [f"u{i:02d}" for i in range(len(pts))]
    ind = pd.DataFrame({"a": pts[:, 0], "b": pts[:, 0], "c": pts[:, 1], "d": pts[:, 1]}, index=codes)
    ty = cluster.typology(_tiny_result(ind), method="hdbscan", n_boot=3)
    assert ty.k == 2 and ty.stability is None and ty.selection is None
    # numbered by mean index, highest first: the group near (0.8, 0.7) is cluster 0
    assert ty.labels.tolist() == [1] * 15 + [0] * 15 + [-1, -1]
    assert ty.notes == ["2 units are outliers (label −1)"]


def test_bic_uses_three_seeded_initialisations():
    """On uniform noise a 7-component mixture has local optima: four initialisations (or another seed)
    give another BIC than scikit-learn's GaussianMixture(7, n_init=3, random_state=seed)."""
    X = np.random.default_rng(3).uniform(size=(60, 2))
    sel = select_k(X, [7], seed=1, n_ref=1, n_init=1, choose="bic")
    assert sel.table.loc[7, "bic"] == pytest.approx(GaussianMixture(7, n_init=3, random_state=1).fit(X).bic(X),
                                                    rel=1e-9)


def test_k_plus_one_is_computed_whenever_it_is_below_n(monkeypatch):
    """Tibshirani's rule judges k with Gap(k + 1): k + 1 is computed while k + 1 < n, with k = 1 and 2."""
    seen = []
    real = cluster.gap_rule
    monkeypatch.setattr(cluster, "gap_rule", lambda ks, *a, **kw: seen.append(list(ks)) or real(ks, *a, **kw))
    A = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.3]])
    select_k(A, [3, 4], seed=0, n_ref=1, n_init=1, choose="gap")            # 5 < 6: computed
    select_k(A, [2, 3, 4, 5], seed=0, n_ref=1, n_init=1, choose="gap")      # 6 = n: not computable
    assert seen == [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]


def test_default_dimensions_are_the_index_children_in_an_unbalanced_framework():
    """IDX → D1 (a, b) and IDX → D2 → S (c, d): the computed levels are D1 2, S 2, D2 3. The default
    feature set is the dimensions D1 and D2 (what the profiles and labels describe), not "the level of
    the first dimension" (which would give D1 and the sub-dimension S); level=2 asks for D1 and S."""
    from types import SimpleNamespace

    from analysis.framework import Framework, Node

    nodes = [Node("IDX", None, 1.0, False), Node("D1", "IDX", 1.0, False), Node("D2", "IDX", 1.0, False),
             Node("S", "D2", 1.0, False)]
    nodes += [Node(c, p, 1.0, True) for c, p in (("a", "D1"), ("b", "D1"), ("c", "S"), ("d", "S"))]
    fw = Framework(nodes)
    assert (fw.nodes["D1"].level, fw.nodes["S"].level, fw.nodes["D2"].level) == (2, 2, 3)
    ind = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 4.0], "c": [0.0, 5.0, 1.0], "d": [2.0, 1.0, 1.0]})
    agg = pd.DataFrame({"D1": ind[["a", "b"]].mean(axis=1), "S": ind[["c", "d"]].mean(axis=1)})
    agg["D2"] = 2 * agg["S"]
    agg["IDX"] = agg[["D1", "D2"]].mean(axis=1)
    res = SimpleNamespace(framework=fw, normalised=ind, aggregates=agg, units=pd.DataFrame(index=ind.index),
                          levels=None, year=None)
    X = features(res, scale="none")
    assert list(X.columns) == ["D1", "D2"]
    np.testing.assert_allclose(X["D2"], [2.0, 6.0, 2.0])
    assert list(features(res, level=2, scale="none").columns) == ["D1", "S"]


def test_gap_chooses_only_among_one_and_the_candidates():
    """Two blobs with ks = [3, 4]: k = 2 is computed (to judge k = 1) but is not a candidate, so the gap
    statistic's k is 1, 3 or 4 — never 2 — and exactly one row is marked chosen."""
    rng = np.random.default_rng(2)
    X = np.vstack([rng.normal(0, 0.3, (30, 2)), rng.normal(6, 0.3, (30, 2))])
    sel = select_k(X, [3, 4], seed=0, n_ref=2, n_init=2, choose="gap")
    assert sel.k in (1, 3, 4) and sel.table["chosen"].sum() == 1


def test_gap_falls_back_to_the_largest_gap_among_the_candidates(three, monkeypatch):
    monkeypatch.setattr(cluster, "gap_rule", lambda *a, **kw: None)       # the rule judges no k
    sel = select_k(three, [2, 3, 4], seed=0, n_ref=2, n_init=2, choose="gap")
    g = sel.table["gap"]
    assert sel.k == int(g.loc[[2, 3, 4]].idxmax()) and not sel.no_structure


def test_unknown_criterion_message_lists_the_criteria():
    """Every method accepts the five criteria (BIC is fitted for k-means and Ward too when it decides),
    so the refusal lists all five whatever the method."""
    A = np.array([[0.0], [0.1], [5.0], [5.1], [10.0], [10.3]])
    for method in ("kmeans", "ward", "gmm", "hdbscan"):
        with pytest.raises(InputError,
                           match=r"^unknown selection criterion 'best' \(use silhouette, ch, db, gap, bic\)$"):
            select_k(A, [2], method, n_ref=1, n_init=1, choose="best")


def test_pca_features_of_nearly_collinear_indicators_keep_one_component():
    """Four indicators that are one signal plus tiny noise: one eigenvalue near 4, three near 0, so one
    component (eigenvalue > 1) is kept, indexed by the units."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=12)
    codes = [f"u{i}" for i in range(12)]
    ind = pd.DataFrame({c: base + rng.normal(0, 0.01, 12) for c in "abcd"}, index=codes)
    Z = ((ind - ind.mean()) / ind.std(ddof=1)).to_numpy()
    ev = np.sort(np.linalg.eigvalsh(np.cov(Z, rowvar=False)))[::-1]
    assert ev[0] > 3.9 and ev[1] < 0.01
    P = features(_tiny_result(ind), "pca")
    assert list(P.columns) == ["PC1"] and list(P.index) == codes
    np.testing.assert_allclose(P["PC1"].var(ddof=1), ev[0], rtol=1e-9)
