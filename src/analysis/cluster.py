"""City typologies: clustering with model selection, stability and profiles.

Features are normalised indicators, scores at one aggregate level, or principal components of
either, optionally standardised. Methods: k-means (k-means++ with many restarts), Ward hierarchical,
Gaussian mixture (BIC), and HDBSCAN for outlier cities. Model selection over k reports silhouette,
Calinski–Harabasz, Davies–Bouldin, the gap statistic (Tibshirani, Walther & Hastie 2001) and BIC.
The gap statistic considers k = 1 as well, so data without cluster structure are reported as such
(``Selection.no_structure``; with ``choose="gap"`` the typology is one group of all units).
Stability follows Hennig (2007): bootstrap the units, re-cluster, and for every original cluster
average the best Jaccard similarity with a bootstrap cluster (on the units drawn); a mean below 0.6
marks a cluster that does not hold up (0.5 or less: dissolved).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import HDBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from ._errors import InputError
from .levels import rank_desc
from .select import cross_section, units_of, year_slice

__all__ = ["features", "fit_labels", "gap_values", "gap_rule", "select_k", "Selection", "NO_STRUCTURE",
           "hdbscan_verdict", "stability", "Stability", "profiles", "Profiles",
           "peer_ranks", "cluster_labels", "Typology", "typology", "METHODS"]

METHODS = ("kmeans", "ward", "gmm", "hdbscan")


def _one_thread():
    """One OpenMP thread for the many small k-means fits: they gain nothing from threads, and on a busy
    machine OpenMP's waiting threads make each fit some 25 times slower. A context manager, not a
    decorator, so that mutation testing (mutmut skips decorated functions) reaches the functions."""
    return threadpool_limits(limits=1, user_api="openmp")


def _text_column(X: pd.DataFrame):
    """The first column of ``X`` that is not numbers (None when every column converts to float)."""
    for c in X.columns:
        try:
            np.asarray(X[c], dtype=float)
        except (TypeError, ValueError):
            return c
    return None


def _matrix(X) -> np.ndarray:
    """The features as a finite float matrix (units × features), or an InputError naming the problem:
    text, a missing or infinite value (with the unit and column where known), no unit or no feature."""
    cols = list(X.columns) if isinstance(X, pd.DataFrame) else None
    rows = list(X.index) if isinstance(X, (pd.DataFrame, pd.Series)) else None
    try:
        A = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        bad = _text_column(X) if cols is not None else None
        raise InputError("the features to cluster must be numbers", column=bad) from None
    if A.ndim != 2:
        raise InputError(f"the features to cluster must be a table of units × features, not {A.ndim}-dimensional")
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise InputError(f"nothing to cluster: {A.shape[0]} units × {A.shape[1]} features")
    bad = ~np.isfinite(A)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(f"{int(bad.sum())} feature value(s) are missing or infinite; clustering needs every "
                         f"value", row=rows[i] if rows is not None else i + 1,
                         column=cols[j] if cols is not None else None)
    return A


def _whole(v, name: str, low: int, high: int | None = None) -> int:
    """``v`` as an int in [low, high], or an InputError naming ``name``."""
    try:
        i = operator.index(v)
    except TypeError:
        raise InputError(f"{name} must be a whole number, not {v!r}") from None
    if i < low or (high is not None and i > high):
        rng = f"at least {low}" if high is None else f"between {low} and {high}"
        raise InputError(f"{name} = {i}: must be {rng}")
    return int(i)


SCORES = ("silhouette", "calinski_harabasz", "davies_bouldin")


def _scores(A: np.ndarray, lab: np.ndarray) -> tuple[dict, str]:
    """Silhouette, Calinski–Harabasz and Davies–Bouldin of a partition, noise (−1) left out.

    All three need ``2 ≤ k ≤ n − 1`` clusters of the ``n`` clustered units (the silhouette of a unit
    compares its own cluster with the nearest other one, and is 0 by convention in a singleton, so one
    cluster or n singletons give no information; Rousseeuw 1987). Noise is not a cluster: counting the
    noise units as one more cluster (as scikit-learn would on labels with −1) gives a number for a
    partition that does not exist. Calinski–Harabasz ``[B/(k−1)] / [W/(n−k)]`` is undefined when the
    within-cluster dispersion W is 0 (scikit-learn returns 1.0 there).

    Returns
    -------
    scores : dict
        ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``; NaN where undefined.
    reason : str
        Why scores are NaN ("" when all are defined).

    References
    ----------
    Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and validation of
    cluster analysis. *Journal of Computational and Applied Mathematics*, 20, 53–65.
    Caliński, T., & Harabasz, J. (1974). A dendrite method for cluster analysis. *Communications in
    Statistics*, 3(1), 1–27. Davies, D. L., & Bouldin, D. W. (1979). A cluster separation measure.
    *IEEE TPAMI*, 1(2), 224–227.
    """
    keep = lab >= 0
    P, L = A[keep], lab[keep]
    k, n = len(np.unique(L)), len(L)
    out = dict.fromkeys(SCORES, np.nan)
    if not 2 <= k <= n - 1:
        return out, (f"scores undefined: {k} cluster(s) among {n} clustered unit(s); silhouette, "
                     f"Calinski–Harabasz and Davies–Bouldin need 2 ≤ k ≤ n − 1 (Rousseeuw 1987)")
    out["silhouette"] = silhouette_score(P, L)
    out["davies_bouldin"] = davies_bouldin_score(P, L)
    if _wk(P, L) == 0:
        return out, "Calinski–Harabasz undefined: no dispersion within the clusters (W = 0)"
    out["calinski_harabasz"] = calinski_harabasz_score(P, L)
    return out, ""


def hdbscan_verdict(labels) -> tuple[int, str]:
    """The number of clusters HDBSCAN found and a sentence saying so (−1 = noise, not a cluster).

    Fewer than two clusters (every unit noise, or one cluster) is no cluster structure.
    """
    lab = np.asarray(labels)
    k = len(np.unique(lab[lab >= 0]))
    n, noise = len(lab), int((lab < 0).sum())
    if k >= 2:
        return k, (f"k = {k} found by HDBSCAN, which sets the number of clusters itself "
                   f"({noise} of {n} units are noise, label −1)")
    what = (f"all {n} units are noise, label −1" if k == 0 else
            f"one cluster of {n - noise} units, {noise} units are noise, label −1")
    return k, f"HDBSCAN found no cluster structure (k = {k}: {what})"


def features(result, on: str = "dimensions", *, level: int | None = None, scale: str = "standard",
             n_components: int | None = None, year=None) -> pd.DataFrame:
    """The matrix to cluster.

    Parameters
    ----------
    on : {"indicators", "dimensions", "pca"}
        Normalised indicators, aggregate scores at ``level`` (default: the dimensions, i.e. the
        index's children, the aggregates :func:`profiles` and :func:`cluster_labels` describe), or
        principal components of the standardised indicators.
    scale : {"standard", "minmax", "none"}
    n_components : int, optional
        For ``"pca"``: components kept (default: eigenvalue > 1), between 1 and the number of components.

    Missing values are read as the feature's median; a feature with no value for any unit, text, an
    unknown feature set or scaling raise :class:`~analysis._errors.InputError`. A constant feature is
    kept and scaled to 0 (it does not separate any units).
    """
    fw = result.framework
    T = cross_section(result, "normalised", year)
    if on == "indicators":
        X = T[fw.indicators]
    elif on == "dimensions":
        if level is None:   # the dimensions themselves, also when they sit at different levels
            codes = fw.children(fw.root)
        else:
            codes = [c for c in fw.at_level(level) if c != fw.root]
            if not codes:
                raise InputError(f"no aggregates at level {level}")
        X = T[codes]
    elif on == "pca":
        Z = T[fw.indicators]
        Z = (Z - Z.mean()) / Z.std(ddof=1).replace(0, 1)
        Z = Z.fillna(0.0)
        p = PCA().fit(Z)
        if n_components is not None:
            _whole(n_components, "n_components", 1, len(p.explained_variance_))
        k = n_components or max(1, int((p.explained_variance_ > 1).sum()))
        X = pd.DataFrame(p.transform(Z)[:, :k], index=T.index, columns=[f"PC{i + 1}" for i in range(k)])
        scale = "none" if scale == "standard" else scale
    else:
        raise InputError(f"unknown feature set '{on}' (use indicators, dimensions or pca)")
    try:
        X = X.astype(float)
    except (TypeError, ValueError):
        raise InputError("the features to cluster must be numbers", column=_text_column(X)) from None
    empty = [c for c in X.columns if X[c].isna().all()]
    if empty:
        raise InputError(f"feature '{empty[0]}' has no value for any unit in this year: nothing to cluster on "
                         f"(leave it out of the framework or impute it)", column=empty[0])
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
    """Cluster labels 0…k−1 (HDBSCAN: −1 marks noise/outlier units and ``k`` is ignored).

    ``k`` must be a whole number between 1 and the number of units (k = 1 is the one group of all
    units). HDBSCAN needs ``min_cluster_size ≥ 2``; with fewer units than that no cluster can form and
    every unit is noise. Bad input (text or missing values in ``X``, an impossible ``k``, an unknown
    method) raises :class:`~analysis._errors.InputError`.
    """
    A = _matrix(X)
    n = len(A)
    if method == "hdbscan":
        mcs = _whole(min_cluster_size, "min_cluster_size", 2)
        if n < mcs:        # no cluster of min_cluster_size units can form: every unit is noise
            return np.full(n, -1)
        return HDBSCAN(min_cluster_size=mcs, copy=True).fit_predict(A)
    if method not in METHODS:
        raise InputError(f"unknown clustering method '{method}' (use {', '.join(METHODS)})")
    if k is None:
        raise InputError(f"{method} needs the number of clusters k")
    k = _whole(k, "k (number of clusters)", 1, n)
    if k == 1:
        return np.zeros(n, dtype=int)
    if method == "kmeans":
        return KMeans(k, init="k-means++", n_init=_whole(n_init, "n_init", 1), random_state=seed).fit_predict(A)
    if method == "ward":
        return fcluster(linkage(A, "ward"), k, criterion="maxclust") - 1
    return GaussianMixture(k, covariance_type="full", n_init=5, random_state=seed).fit(A).predict(A)


def _wk(A, labels):
    w = 0.0
    for g in np.unique(labels):
        P = A[labels == g]
        w += ((P - P.mean(axis=0)) ** 2).sum()
    return w


def gap_values(logw, ref_logw) -> tuple[np.ndarray, np.ndarray]:
    """Gap statistic and its standard error from within-cluster dispersions (Tibshirani et al. 2001).

    ``Gap(k) = (1/B) Σ_b log W*_kb − log W_k`` and ``s_k = sd_k · sqrt(1 + 1/B)``, where ``sd_k`` is the
    standard deviation (divisor B) of the B reference values ``log W*_kb``.

    Parameters
    ----------
    logw : array-like, shape (K,)
        ``log W_k`` of the data for each k considered.
    ref_logw : array-like, shape (B, K)
        ``log W*_kb`` of each reference data set b.

    Returns
    -------
    gap, s : ndarray, shape (K,)

    References
    ----------
    Tibshirani, R., Walther, G., & Hastie, T. (2001). Estimating the number of clusters in a data set
    via the gap statistic. *Journal of the Royal Statistical Society B*, 63(2), 411–423.
    """
    ref = np.atleast_2d(np.asarray(ref_logw, dtype=float))
    b = ref.shape[0]
    gap = ref.mean(axis=0) - np.asarray(logw, dtype=float)
    s = ref.std(axis=0, ddof=0) * np.sqrt(1.0 + 1.0 / b)
    return gap, s


def gap_rule(ks, gap, s, candidates=None) -> int | None:
    """Tibshirani's rule: the smallest k with ``Gap(k) ≥ Gap(k+1) − s_{k+1}``.

    Parameters
    ----------
    ks : sequence of int
        The k values, aligned with ``gap`` and ``s`` (k = 1 included, so that "no cluster structure"
        can win).
    gap, s : array-like
        Gap statistic and its standard error per k (:func:`gap_values`).
    candidates : iterable of int, optional
        The k values that may be chosen (default: all of ``ks``); k + 1 is looked up in ``ks``.

    Returns
    -------
    int or None
        The chosen k; None when no k (with k + 1 also computed) satisfies the rule.

    References
    ----------
    Tibshirani, Walther & Hastie (2001), JRSS B 63(2), 411–423, step 3 of the gap procedure.
    """
    g = {int(k): (float(a), float(b)) for k, a, b in zip(ks, gap, s)}
    for k in sorted(g if candidates is None else {int(c) for c in candidates}):
        if k in g and k + 1 in g and g[k][0] >= g[k + 1][0] - g[k + 1][1]:
            return k
    return None


@dataclass
class Selection:
    """Model selection over k: one row per k, the chosen k and why.

    ``k = 1`` (only possible with the gap statistic) means no cluster structure: the data are no more
    clustered than uniform reference data. ``no_structure`` is True whenever the gap statistic chose
    k = 1, whatever criterion decided ``k``. With HDBSCAN, which sets the number of clusters itself,
    ``k`` is the number of clusters it found (0 when every unit is noise), ``no_structure`` is True
    when that is below 2, and ``labels`` holds its labels (−1 = noise).

    The table's scores are NaN where they are undefined by definition (e.g. fewer than two clusters);
    its ``note`` column, present only then, says why.
    """

    table: pd.DataFrame
    k: int
    reason: str
    no_structure: bool = False
    labels: np.ndarray | None = None


NO_STRUCTURE = ("no cluster structure: the gap statistic chooses k = 1 (the data are no more clustered "
                "than uniform reference data; Tibshirani et al. 2001)")

CRITERIA = ("silhouette", "ch", "db", "gap", "bic")


def select_k(X, ks=range(2, 9), method: str = "kmeans", *, seed: int = 0, n_ref: int = 20, n_init: int = 20,
             choose: str = "silhouette") -> Selection:
    """Compare k by silhouette, Calinski–Harabasz, Davies–Bouldin, gap statistic and (GMM) BIC.

    The gap statistic uses ``n_ref`` uniform reference sets over the bounding box of the
    principal-component-rotated data (Tibshirani et al. 2001, method b, "gap/pc") and Tibshirani's
    rule (:func:`gap_rule`) over k = 1, 2, … : the smallest k with ``Gap(k) ≥ Gap(k+1) − s_{k+1}``.
    k = 1 is always considered (``W_1`` is the total sum of squares), so one homogeneous cloud gives
    k = 1, "no cluster structure", instead of a forced partition; the table then has a row k = 1 with
    the gap columns only. The other criteria are defined for k ≥ 2 and choose among ``ks``.

    Silhouette (Rousseeuw 1987), Calinski–Harabasz and Davies–Bouldin are defined for
    ``2 ≤ k ≤ n − 1`` clusters of n units; they are computed on the clusters the fit actually made
    (noise, label −1, left out) and are NaN, with the reason in a ``note`` column, where undefined.
    HDBSCAN sets the number of clusters itself: its one clustering is reported in every row, ``k`` is the
    number of clusters it found and ``choose`` does not decide; fewer than two clusters is reported as
    "HDBSCAN found no cluster structure (k = 0 …)" or "(k = 1 …)", not an error.

    Parameters
    ----------
    ks : iterable of int
        Candidate k values, each between 2 and m − 1 for m distinct units (feature vectors).
    choose : {"silhouette", "gap", "ch", "db", "bic"}
        Criterion that decides k; the others are reported alongside.

    Returns
    -------
    Selection
        ``k`` is 1 only when ``choose="gap"`` and the gap statistic finds no cluster structure (or
        HDBSCAN found one cluster; 0 when it found none).

    Raises
    ------
    InputError
        Fewer than 3 units, a k outside 2 … m − 1, an unknown method or criterion, text or missing
        values in ``X``, ``n_ref`` or ``n_init`` below 1.

    References
    ----------
    Tibshirani, R., Walther, G., & Hastie, T. (2001). Estimating the number of clusters in a data set
    via the gap statistic. *JRSS B*, 63(2), 411–423.
    Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and validation of
    cluster analysis. *Journal of Computational and Applied Mathematics*, 20, 53–65.
    """
    with _one_thread():
        A = _matrix(X)
        n = len(A)
        if method not in METHODS:
            raise InputError(f"unknown clustering method '{method}' (use {', '.join(METHODS)})")
        if choose not in CRITERIA:
            # every method accepts every criterion (BIC is computed for any method when it decides)
            raise InputError(f"unknown selection criterion '{choose}' (use {', '.join(CRITERIA)})")
        n_ref = _whole(n_ref, "n_ref (reference data sets)", 1)
        n_init = _whole(n_init, "n_init", 1)
        ks = [_whole(k, "k", 2) if not isinstance(k, int) else k for k in ks]
        if not ks:
            raise InputError("no k to compare: give at least one k ≥ 2")
        if n < 3:
            raise InputError(f"clustering needs at least 3 units; the data have {n}")
        m = len(np.unique(A, axis=0))          # distinct units: k ≥ m leaves no dispersion (W_k = 0)
        if m < 3:
            raise InputError(f"the {n} units have only {m} distinct feature vector(s): comparing k needs at least 3")
        if min(ks) < 2 or max(ks) >= m:
            extra = "" if m == n else f": the {n} units have only {m} distinct feature vectors"
            raise InputError(f"k must be between 2 and {m - 1}" + extra)
        rng = np.random.default_rng(seed)
        Ac = A - A.mean(axis=0)
        _, _, Vt = np.linalg.svd(Ac, full_matrices=False)
        R = Ac @ Vt.T
        lo, hi = R.min(axis=0), R.max(axis=0)
        refs = [rng.uniform(lo, hi, size=R.shape) @ Vt + A.mean(axis=0) for _ in range(n_ref)]
        hd = fit_labels(A, None, "hdbscan") if method == "hdbscan" else None
        ref_method = "kmeans" if method == "hdbscan" else method
        rows = []
        ks_ext = sorted(set(ks) | {1, 2} | ({max(ks) + 1} if max(ks) + 1 < m else set()))
        logw, ref_logw = [], []
        for k in ks_ext:
            lab = (np.zeros(n, dtype=int) if k == 1 else hd if hd is not None else
                   fit_labels(A, k, method, seed=seed, n_init=n_init))
            w = _wk(A, lab)
            logw.append(np.log(w) if w > 0 else np.nan)      # W_k = 0 (HDBSCAN on duplicates): log W undefined
            ref_logw.append([np.log(_wk(Rf, np.zeros(len(Rf), dtype=int) if k == 1 else
                                        fit_labels(Rf, k, ref_method, seed=seed, n_init=5))) for Rf in refs])
            row = {"k": k}
            if k > 1:
                sc, why = _scores(A, lab)
                made = len(np.unique(lab[lab >= 0]))
                if hd is None and made < k:
                    why = "; ".join(w for w in (f"the fit made {made} non-empty clusters, not {k}", why) if w)
                row.update(sc, note=why)
            if k > 1 and (method == "gmm" or choose == "bic"):
                row["bic"] = GaussianMixture(k, n_init=3, random_state=seed).fit(A).bic(A)
            row["sizes"] = ",".join(str(int(s)) for s in np.bincount(lab[lab >= 0], minlength=1))
            rows.append(row)
        gap, s = gap_values(logw, np.array(ref_logw).T)
        t = pd.DataFrame(rows).set_index("k")
        t.insert(0, "gap", gap)
        t.insert(1, "gap_se", s)
        notes = t.pop("note")
        if notes.fillna("").str.len().any():
            t["note"] = notes.fillna("")
        gap_k = gap_rule(ks_ext, gap, s, candidates=[1, *ks])
        if gap_k is None and t.loc[ks, "gap"].notna().any():
            gap_k = int(t.loc[ks, "gap"].idxmax())
        t = t.loc[[1] + ks]
        if hd is not None:
            k, reason = hdbscan_verdict(hd)
            t["chosen"] = t.index == k
            return Selection(t, k, reason, no_structure=k < 2, labels=hd)
        tk = t.loc[ks]
        picks = {}
        for c, col, best in (("silhouette", "silhouette", "idxmax"), ("ch", "calinski_harabasz", "idxmax"),
                             ("db", "davies_bouldin", "idxmin")):
            v = tk[col].dropna()
            if len(v):
                picks[c] = int(getattr(v, best)())
        if gap_k is not None:
            picks["gap"] = gap_k
        if "bic" in tk:
            picks["bic"] = int(tk["bic"].idxmin())
        if choose not in picks:
            why = f" ({tk['note'].iloc[0]})" if "note" in tk and tk["note"].iloc[0] else ""
            raise InputError(f"{choose} cannot choose k: it is undefined for every k compared{why}; "
                             f"choose another criterion")
        k = picks[choose]
        agree = [c for c, v in picks.items() if v == k and c != choose]
        others = ", ".join(f"{c} → {v}" for c, v in picks.items() if c != choose)
        reason = (f"k = {k} by {choose}" + (f", agreeing with {', '.join(agree)}" if agree else "") + f" ({others})")
        if gap_k == 1:
            reason += "; " + NO_STRUCTURE
        t["chosen"] = t.index == k
        return Selection(t, k, reason, no_structure=gap_k == 1)


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
    """Hennig's cluster-wise Jaccard bootstrap and ARI of a clustering.

    For each of ``n_boot`` bootstrap samples of the units (drawn with replacement, seed ``seed``), the
    units are clustered again (``fit_labels`` with seed ``seed + b + 1``); on the distinct units drawn,
    each original cluster C gets its best Jaccard similarity ``|C ∩ D| / |C ∪ D|`` with a bootstrap
    cluster D (a cluster with no unit drawn is left out of that sample). ``jaccard`` is the mean over the
    bootstrap samples, ``dissolved`` the share with Jaccard ≤ 0.5, and ``ari`` the adjusted Rand index
    of the two partitions of the distinct units drawn.

    Parameters
    ----------
    labels : array-like of int
        The clustering to assess (−1 = noise, not a cluster).
    k : int, optional
        Clusters of the re-clustering (default: the number of distinct labels other than −1).

    Raises
    ------
    InputError
        Labels not one whole number per unit, ``n_boot`` below 1, a threshold outside (0, 1], an
        impossible ``k`` (e.g. 0 when every label is −1 and the method needs k).

    References
    ----------
    Hennig, C. (2007). Cluster-wise assessment of cluster stability. *Computational Statistics &
    Data Analysis*, 52(1), 258–271.
    """
    with _one_thread():
        A = _matrix(X)
        labels = np.asarray(labels)
        if labels.shape != (len(A),) or not np.issubdtype(labels.dtype, np.integer):
            raise InputError(f"labels: one whole-number cluster label per unit is needed ({len(A)} units, "
                             f"labels of shape {labels.shape} and type {labels.dtype})")
        n_boot = _whole(n_boot, "n_boot (bootstrap resamples)", 1)
        if not 0 < threshold <= 1:
            raise InputError(f"threshold = {threshold}: a Jaccard similarity between 0 and 1 is needed")
        if k is None:       # the clusters in the labels, whatever their numbers (noise −1 is none)
            k = len(np.unique(labels[labels >= 0]))
            if k == 0 and method != "hdbscan":
                raise InputError("no cluster to assess: every label is −1 (noise)")
        rng = np.random.default_rng(seed)
        clusters = [c for c in np.unique(labels) if c >= 0]
        jac = {c: [] for c in clusters}
        aris = []
        n = len(A)
        for b in range(n_boot):
            idx = rng.integers(0, n, n)
            lb = fit_labels(A[idx], k, method, seed=seed + b + 1, n_init=n_init)
            # one label per distinct unit drawn (duplicates share the same label)
            uniq, last = np.unique(idx[::-1], return_index=True)
            lb_u = lb[::-1][last]
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
    Cerdas, terlemah Lingkungan Cerdas". HDBSCAN's noise (cluster −1) is not a type: it is labelled
    "Noise: in no cluster" / "Derau: tidak dalam klaster".
    """
    mean = dim_means.mean() if mean is None else mean[dim_means.columns]
    sd = dim_means.std(ddof=0) if sd is None else sd[dim_means.columns]
    z = (dim_means - mean) / sd.replace(0, 1)
    if len(dim_means) == 1 and dim_means.index[0] != -1:   # one group (no cluster structure): no contrast
        c = dim_means.index[0]
        return pd.DataFrame([{"cluster": c, "label_en": "All units", "label_id": "Semua unit",
                              "mean_z": float(z.loc[c].mean())}]).set_index("cluster")
    rows = []
    for c, r in z.iterrows():
        if c == -1:           # HDBSCAN's noise: units in no cluster, not a type
            rows.append({"cluster": c, "label_en": "Noise: in no cluster", "label_id": "Derau: tidak dalam klaster",
                         "mean_z": float(r.mean())})
            continue
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
    """Each unit's index, rank among its cluster's members, and gap to the cluster's best.

    Noise units (label −1, HDBSCAN) are in no cluster: they have no peers, so their in-cluster rank,
    cluster size and gap to the best are NaN (their national rank is kept).
    """
    fw = result.framework
    T = cross_section(result, "normalised", year)
    idx = T[fw.root]
    lab = pd.Series(labels, index=T.index)
    out = pd.DataFrame({"cluster": lab, "index": idx, "rank_national": rank_desc(idx.to_numpy())})
    out["rank_in_cluster"] = out.groupby("cluster")["index"].transform(lambda s: rank_desc(s.to_numpy()))
    out["n_in_cluster"] = out.groupby("cluster")["index"].transform("size")
    out["gap_to_best"] = out.groupby("cluster")["index"].transform("max") - out["index"]
    noise = (out["cluster"] == -1).to_numpy()
    if noise.any():
        out.loc[noise, ["rank_in_cluster", "n_in_cluster", "gap_to_best"]] = np.nan
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
    """A complete clustering study.

    ``structure`` is False when there are fewer than two clusters: the gap statistic chose k = 1 and no
    k was given (``k`` is 1, every unit is in cluster 0, "All units", no stability is computed and
    ``notes`` says so), or HDBSCAN found no cluster structure (``k`` is 0 when every unit is noise, 1
    for one cluster; noise units are labelled −1 as in scikit-learn).
    """

    features: pd.DataFrame
    labels: pd.Series
    method: str
    k: int
    selection: Selection | None
    stability: Stability | None
    profiles: Profiles
    peers: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    structure: bool = True


def typology(result, *, on: str = "dimensions", method: str = "kmeans", k: int | None = None, ks=range(2, 9),
             scale: str = "standard", choose: str = "silhouette", n_boot: int = 100, seed: int = 0,
             year=None, level: int | None = None) -> Typology:
    """Features → (select k) → cluster → stability → profiles → peer ranks, in one call.

    With ``choose="gap"`` and no ``k``, a gap statistic that chooses k = 1 ends the study as "no
    cluster structure": one group of all units (``k = 1``, ``structure = False``), its profile and
    national peer ranks, and a note; a partition is not forced. Give ``k`` (CLI ``--k``) to partition
    anyway. With another criterion the chosen k ≥ 2 is used, and the selection's reason still reports
    when the gap statistic found no structure.

    HDBSCAN sets the number of clusters itself (give no ``k``). When it finds fewer than two clusters
    the study is not an error: a note "HDBSCAN found no cluster structure (k = 0 …)" (or k = 1), every
    unit labelled (−1 = noise), ``structure = False``.

    Raises
    ------
    InputError
        An unknown method, a ``k`` with HDBSCAN, a ``k`` outside 2 … m − 1 (m distinct units), a
        negative ``n_boot``, and the bad inputs of :func:`features` and :func:`select_k`.
    """
    with _one_thread():
        if method not in METHODS:
            raise InputError(f"unknown clustering method '{method}' (use {', '.join(METHODS)})")
        if method == "hdbscan" and k is not None:
            raise InputError("HDBSCAN sets the number of clusters itself: give no k (--k, cluster_k)")
        n_boot = _whole(n_boot, "n_boot (bootstrap resamples)", 0)
        X = features(result, on, level=level, scale=scale, year=year)
        if k is not None:
            m = min(len(X) - 1, len(np.unique(_matrix(X), axis=0)))
            if m < 2:
                raise InputError(f"the {len(X)} units have too few distinct feature vectors to form 2 clusters")
            k = _whole(k, "k (number of clusters)", 2, m)
        sel = None
        if method != "hdbscan" and k is None:
            sel = select_k(X, ks, method, seed=seed, choose=choose)
            k = sel.k
        notes = []
        if k == 1:
            lab = np.zeros(len(X), dtype=int)
            notes.append(f"{NO_STRUCTURE}: all {len(X)} units form one group; give k (--k) to force a partition")
        else:
            lab = fit_labels(X, k, method, seed=seed)
        if method == "hdbscan":
            k, verdict = hdbscan_verdict(lab)
            if k < 2:
                notes.append(verdict)
        # order clusters by mean index (0 = highest) so labels are stable across runs
        T = cross_section(result, "normalised", year)
        order = pd.Series(T[result.framework.root].to_numpy()).groupby(lab).mean().sort_values(ascending=False)
        remap = {old: new for new, old in enumerate(i for i in order.index if i >= 0)}
        remap[-1] = -1
        lab = np.array([remap[v] for v in lab])
        labels = pd.Series(lab, index=X.index, name="cluster")
        stab = None
        if n_boot and method != "hdbscan" and k > 1:
            stab = stability(X, lab, k, method, n_boot=n_boot, seed=seed)
            for c in stab.unstable:
                notes.append(f"cluster {c} is unstable: mean bootstrap Jaccard {stab.jaccard[c]:.2f} "
                             f"< {stab.threshold}")
        if method == "hdbscan":
            notes.append(f"{int((lab == -1).sum())} units are outliers (label −1)")
        prof = profiles(result, labels, X, year=year)
        return Typology(X, labels, method, k, sel, stab, prof, peer_ranks(result, labels, year=year), notes,
                        structure=k >= 2)
