"""City typologies: clustering with model selection, stability and profiles.

Features are normalised indicators, scores at one aggregate level, or principal components of
either, optionally standardised. Methods: k-means (k-means++ with many restarts), Ward hierarchical,
Gaussian mixture (BIC), and HDBSCAN for outlier cities. Model selection over k reports silhouette,
Calinski–Harabasz, Davies–Bouldin, the gap statistic (Tibshirani, Walther & Hastie 2001) and BIC.
Stability follows Hennig (2007): bootstrap the units, re-cluster, and for every original cluster
average the best Jaccard similarity with a bootstrap cluster (on the units drawn); a mean below 0.6
marks a cluster that does not hold up (0.5 or less: dissolved).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import HDBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.mixture import GaussianMixture

from ._errors import InputError
from .levels import rank_desc
from .select import cross_section, units_of, year_slice

__all__ = ["features", "fit_labels", "select_k", "Selection", "stability", "Stability", "profiles", "Profiles",
           "peer_ranks", "cluster_labels", "Typology", "typology", "METHODS"]

METHODS = ("kmeans", "ward", "gmm", "hdbscan")


def features(result, on: str = "dimensions", *, level: int | None = None, scale: str = "standard",
             n_components: int | None = None, year=None) -> pd.DataFrame:
    """The matrix to cluster.

    Parameters
    ----------
    on : {"indicators", "dimensions", "pca"}
        Normalised indicators, aggregate scores at ``level`` (default: the level just below the
        index), or principal components of the standardised indicators.
    scale : {"standard", "minmax", "none"}
    n_components : int, optional
        For ``"pca"``: components kept (default: eigenvalue > 1).
    """
    fw = result.framework
    T = cross_section(result, "normalised", year)
    if on == "indicators":
        X = T[fw.indicators]
    elif on == "dimensions":
        lev = level if level is not None else fw.nodes[fw.children(fw.root)[0]].level
        codes = [c for c in fw.at_level(lev) if c != fw.root]
        if not codes:
            raise InputError(f"no aggregates at level {lev}")
        X = T[codes]
    elif on == "pca":
        Z = T[fw.indicators]
        Z = (Z - Z.mean()) / Z.std(ddof=1).replace(0, 1)
        Z = Z.fillna(0.0)
        p = PCA().fit(Z)
        k = n_components or max(1, int((p.explained_variance_ > 1).sum()))
        X = pd.DataFrame(p.transform(Z)[:, :k], index=T.index, columns=[f"PC{i + 1}" for i in range(k)])
        scale = "none" if scale == "standard" else scale
    else:
        raise InputError(f"unknown feature set '{on}' (use indicators, dimensions or pca)")
    X = X.astype(float)
    if X.isna().any().any():
        X = X.fillna(X.median())
    if scale == "standard":
        X = (X - X.mean()) / X.std(ddof=0).replace(0, 1)
    elif scale == "minmax":
        X = (X - X.min()) / (X.max() - X.min()).replace(0, 1)
    elif scale != "none":
        raise InputError(f"unknown scaling '{scale}' (use standard, minmax or none)")
    return X


def fit_labels(X, k: int | None, method: str = "kmeans", *, seed: int = 0, n_init: int = 50,
               min_cluster_size: int = 10) -> np.ndarray:
    """Cluster labels 0…k−1 (HDBSCAN: −1 marks noise/outlier units and ``k`` is ignored)."""
    A = np.asarray(X, dtype=float)
    if method == "kmeans":
        return KMeans(k, init="k-means++", n_init=n_init, random_state=seed).fit_predict(A)
    if method == "ward":
        return fcluster(linkage(A, "ward"), k, criterion="maxclust") - 1
    if method == "gmm":
        return GaussianMixture(k, covariance_type="full", n_init=5, random_state=seed).fit(A).predict(A)
    if method == "hdbscan":
        return HDBSCAN(min_cluster_size=min_cluster_size, copy=True).fit_predict(A)
    raise InputError(f"unknown clustering method '{method}' (use {', '.join(METHODS)})")


def _wk(A, labels):
    w = 0.0
    for g in np.unique(labels):
        P = A[labels == g]
        w += ((P - P.mean(axis=0)) ** 2).sum()
    return w


@dataclass
class Selection:
    """Model selection over k: one row per k, the chosen k and why."""

    table: pd.DataFrame
    k: int
    reason: str


def select_k(X, ks=range(2, 9), method: str = "kmeans", *, seed: int = 0, n_ref: int = 20, n_init: int = 20,
             choose: str = "silhouette") -> Selection:
    """Compare k by silhouette, Calinski–Harabasz, Davies–Bouldin, gap statistic and (GMM) BIC.

    The gap statistic uses ``n_ref`` uniform reference sets over the bounding box of the
    principal-component-rotated data (Tibshirani et al. 2001, method b); the gap rule picks the
    smallest k with ``gap(k) ≥ gap(k+1) − s(k+1)``.

    Parameters
    ----------
    choose : {"silhouette", "gap", "ch", "db", "bic"}
        Criterion that decides k; the others are reported alongside.
    """
    A = np.asarray(X, dtype=float)
    ks = [int(k) for k in ks]
    if min(ks) < 2 or max(ks) >= len(A):
        raise InputError(f"k must be between 2 and {len(A) - 1}")
    rng = np.random.default_rng(seed)
    Ac = A - A.mean(axis=0)
    _, _, Vt = np.linalg.svd(Ac, full_matrices=False)
    R = Ac @ Vt.T
    lo, hi = R.min(axis=0), R.max(axis=0)
    refs = [rng.uniform(lo, hi, size=R.shape) @ Vt + A.mean(axis=0) for _ in range(n_ref)]
    rows = []
    ks_ext = sorted(set(ks) | {max(ks) + 1}) if max(ks) + 1 < len(A) else ks
    for k in ks_ext:
        lab = fit_labels(A, k, method, seed=seed, n_init=n_init)
        logw = np.log(_wk(A, lab))
        ref = np.array([np.log(_wk(Rf, fit_labels(Rf, k, "kmeans" if method == "hdbscan" else method,
                                                   seed=seed, n_init=5))) for Rf in refs])
        row = {"k": k, "gap": ref.mean() - logw, "gap_se": ref.std(ddof=0) * np.sqrt(1 + 1 / n_ref)}
        if len(np.unique(lab)) > 1:
            row.update(silhouette=silhouette_score(A, lab), calinski_harabasz=calinski_harabasz_score(A, lab),
                       davies_bouldin=davies_bouldin_score(A, lab))
        if method == "gmm" or choose == "bic":
            row["bic"] = GaussianMixture(k, n_init=3, random_state=seed).fit(A).bic(A)
        row["sizes"] = ",".join(str(int(s)) for s in np.bincount(lab[lab >= 0]))
        rows.append(row)
    t = pd.DataFrame(rows).set_index("k")
    gap_ok = [k for k in ks if k + 1 in t.index and t.loc[k, "gap"] >= t.loc[k + 1, "gap"] - t.loc[k + 1, "gap_se"]]
    gap_k = gap_ok[0] if gap_ok else int(t.loc[ks, "gap"].idxmax())
    t = t.loc[ks]
    picks = {"silhouette": int(t["silhouette"].idxmax()), "ch": int(t["calinski_harabasz"].idxmax()),
             "db": int(t["davies_bouldin"].idxmin()), "gap": int(gap_k)}
    if "bic" in t:
        picks["bic"] = int(t["bic"].idxmin())
    if choose not in picks:
        raise InputError(f"unknown selection criterion '{choose}' (use {', '.join(picks)})")
    k = picks[choose]
    agree = [c for c, v in picks.items() if v == k and c != choose]
    others = ", ".join(f"{c} → {v}" for c, v in picks.items() if c != choose)
    reason = (f"k = {k} by {choose}" + (f", agreeing with {', '.join(agree)}" if agree else "") + f" ({others})")
    t["chosen"] = t.index == k
    return Selection(t, k, reason)


@dataclass
class Stability:
    """Bootstrap stability of a clustering (Hennig 2007)."""

    jaccard: pd.Series       # mean best Jaccard per original cluster
    dissolved: pd.Series     # share of resamples in which the cluster dissolved (Jaccard ≤ 0.5)
    ari: np.ndarray          # adjusted Rand index per resample (on the units drawn)
    threshold: float

    @property
    def unstable(self) -> list:
        return [int(c) for c, v in self.jaccard.items() if v < self.threshold]

    @property
    def mean_ari(self) -> float:
        return float(np.mean(self.ari))


def stability(X, labels, k: int | None = None, method: str = "kmeans", *, n_boot: int = 100, seed: int = 0,
              threshold: float = 0.6, n_init: int = 10) -> Stability:
    """Hennig's cluster-wise Jaccard bootstrap and ARI of a clustering."""
    A = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    k = k or int(labels.max()) + 1
    rng = np.random.default_rng(seed)
    clusters = [c for c in np.unique(labels) if c >= 0]
    jac = {c: [] for c in clusters}
    aris = []
    n = len(A)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        uniq = np.unique(idx)
        lb = fit_labels(A[idx], k, method, seed=seed + b + 1, n_init=n_init)
        # one label per distinct unit drawn (duplicates share the same label)
        first = {u: lb[i] for i, u in enumerate(idx)}
        lb_u = np.array([first[u] for u in uniq])
        lo_u = labels[uniq]
        aris.append(adjusted_rand_score(lo_u, lb_u))
        for c in clusters:
            a = set(uniq[lo_u == c])
            if not a:
                continue
            best = 0.0
            for d in np.unique(lb_u):
                if d < 0:
                    continue
                bset = set(uniq[lb_u == d])
                best = max(best, len(a & bset) / len(a | bset))
            jac[c].append(best)
    J = pd.Series({c: float(np.mean(v)) for c, v in jac.items()}, name="jaccard")
    D = pd.Series({c: float(np.mean(np.array(v) <= 0.5)) for c, v in jac.items()}, name="dissolved")
    return Stability(J, D, np.array(aris), threshold)


@dataclass
class Profiles:
    """What each cluster looks like."""

    means: pd.DataFrame          # clusters × (dimensions + index + indicators)
    sizes: pd.Series
    crosstabs: dict[str, pd.DataFrame]
    medoids: pd.DataFrame        # per cluster: uCode, uName of the most typical member
    labels: pd.DataFrame         # per cluster: label_en, label_id


def profiles(result, labels: pd.Series, X: pd.DataFrame | None = None, *, year=None,
             by=("province", "island", "type")) -> Profiles:
    """Per-cluster means, sizes, cross-tabulations, medoids and bilingual labels."""
    fw = result.framework
    T = cross_section(result, "normalised", year)
    units = units_of(result, year)
    lab = pd.Series(labels, index=T.index, name="cluster")
    dims = fw.children(fw.root)
    cols = dims + [fw.root] + fw.indicators
    means = T[cols].groupby(lab).mean()
    sizes = lab.value_counts().sort_index()
    cts = {b: pd.crosstab(units[b].reindex(T.index), lab) for b in by if b in units.columns}
    feats = X if X is not None else T[dims]
    rows = []
    for c in sizes.index:
        members = lab.index[lab == c]
        P = feats.loc[members].to_numpy(float)
        d = np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1)).sum(axis=1)
        m = members[int(np.argmin(d))]
        rows.append({"cluster": c, "uCode": m, "uName": units["uName"].get(m, m) if "uName" in units else m})
    med = pd.DataFrame(rows).set_index("cluster")
    return Profiles(means, sizes, cts, med, cluster_labels(means[dims], fw, T[dims].mean(), T[dims].std(ddof=0)))


def cluster_labels(dim_means: pd.DataFrame, framework, mean: pd.Series | None = None,
                   sd: pd.Series | None = None) -> pd.DataFrame:
    """Bilingual labels from each cluster's position against all units.

    A cluster at or above the all-unit mean on every dimension is "Leaders" / "Pelopor", at or below
    on every dimension "Lagging" / "Tertinggal", otherwise "Mixed" / "Campuran"; the label adds its
    relatively strongest and weakest dimension (largest and smallest standardised deviation), e.g.
    "Mixed: strongest Smart Governance, weakest Smart Environment / Campuran: terkuat Tata Kelola
    Cerdas, terlemah Lingkungan Cerdas".
    """
    mean = dim_means.mean() if mean is None else mean[dim_means.columns]
    sd = dim_means.std(ddof=0) if sd is None else sd[dim_means.columns]
    z = (dim_means - mean) / sd.replace(0, 1)
    rows = []
    for c, r in z.iterrows():
        hi, lo = r.idxmax(), r.idxmin()
        n_hi, n_lo = framework.nodes[hi], framework.nodes[lo]
        if (r >= 0).all():
            en, id_ = "Leaders", "Pelopor"
        elif (r <= 0).all():
            en, id_ = "Lagging", "Tertinggal"
        else:
            en, id_ = "Mixed", "Campuran"
        en += f": strongest {n_hi.name or hi}, weakest {n_lo.name or lo}"
        id_ += f": terkuat {n_hi.nama or n_hi.name or hi}, terlemah {n_lo.nama or n_lo.name or lo}"
        rows.append({"cluster": c, "label_en": en, "label_id": id_, "mean_z": float(r.mean())})
    return pd.DataFrame(rows).set_index("cluster")


def peer_ranks(result, labels: pd.Series, *, year=None) -> pd.DataFrame:
    """Each unit's index, rank among its cluster's members, and gap to the cluster's best."""
    fw = result.framework
    T = cross_section(result, "normalised", year)
    idx = T[fw.root]
    lab = pd.Series(labels, index=T.index)
    out = pd.DataFrame({"cluster": lab, "index": idx, "rank_national": rank_desc(idx.to_numpy())})
    out["rank_in_cluster"] = out.groupby("cluster")["index"].transform(lambda s: rank_desc(s.to_numpy()))
    out["n_in_cluster"] = out.groupby("cluster")["index"].transform("size")
    out["gap_to_best"] = out.groupby("cluster")["index"].transform("max") - out["index"]
    if result.levels is not None:
        lv = result.levels
        if result.year is not None:

            lv = year_slice(lv.to_frame(), result, year)["Level"]
        out["level"] = lv.reindex(out.index)
    u = units_of(result, year)
    if "uName" in u.columns:
        out.insert(0, "uName", u["uName"].reindex(out.index))
    return out


@dataclass
class Typology:
    """A complete clustering study."""

    features: pd.DataFrame
    labels: pd.Series
    method: str
    k: int
    selection: Selection | None
    stability: Stability | None
    profiles: Profiles
    peers: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def typology(result, *, on: str = "dimensions", method: str = "kmeans", k: int | None = None, ks=range(2, 9),
             scale: str = "standard", choose: str = "silhouette", n_boot: int = 100, seed: int = 0,
             year=None, level: int | None = None) -> Typology:
    """Features → (select k) → cluster → stability → profiles → peer ranks, in one call."""
    X = features(result, on, level=level, scale=scale, year=year)
    sel = None
    if method != "hdbscan" and k is None:
        sel = select_k(X, ks, method, seed=seed, choose=choose)
        k = sel.k
    lab = fit_labels(X, k, method, seed=seed)
    if method == "hdbscan":
        k = int(lab.max()) + 1
    # order clusters by mean index (0 = highest) so labels are stable across runs
    T = cross_section(result, "normalised", year)
    order = pd.Series(T[result.framework.root].to_numpy()).groupby(lab).mean().sort_values(ascending=False)
    remap = {old: new for new, old in enumerate(i for i in order.index if i >= 0)}
    remap[-1] = -1
    lab = np.array([remap[v] for v in lab])
    labels = pd.Series(lab, index=X.index, name="cluster")
    stab = None
    notes = []
    if n_boot and method != "hdbscan":
        stab = stability(X, lab, k, method, n_boot=n_boot, seed=seed)
        for c in stab.unstable:
            notes.append(f"cluster {c} is unstable: mean bootstrap Jaccard {stab.jaccard[c]:.2f} < {stab.threshold}")
    if method == "hdbscan":
        notes.append(f"{int((lab == -1).sum())} units are outliers (label −1)")
    prof = profiles(result, labels, X, year=year)
    return Typology(X, labels, method, k, sel, stab, prof, peer_ranks(result, labels, year=year), notes)
