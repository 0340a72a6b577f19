"""HDBSCAN's verdict of no cluster structure (k = 0 or 1) reads in Bahasa Indonesia in the report.

The notes are made by :func:`analysis.cluster.hdbscan_verdict` itself (not copied here), so a change of
its wording without a matching pattern in :func:`analysis.report.document.cluster_note` breaks these
tests instead of leaving the note English only. The numbers (unit counts) must appear in both languages,
in each language's number format (``1514`` in English, ``1.514`` in Bahasa Indonesia).
"""

from __future__ import annotations

import numpy as np

from analysis.cluster import hdbscan_verdict
from analysis.report.document import Msg, cluster_note


def _one(note: str) -> Msg:
    (m,) = cluster_note(note)
    assert isinstance(m, Msg), f"no catalogue message for {note!r}"
    assert m.ind is not None, f"no Indonesian entry for {m.template!r}"
    return m


def test_all_noise_k0():
    k, note = hdbscan_verdict(np.full(1514, -1))
    assert k == 0
    m = _one(note)
    assert m == "HDBSCAN found no cluster structure (k = 0: all 1514 units are noise, label −1)."
    assert m.ind == ("HDBSCAN tidak menemukan struktur klaster (k = 0: seluruh 1.514 kabupaten/kota merupakan "
                     "derau, label −1).")


def test_one_cluster_k1():
    k, note = hdbscan_verdict(np.r_[np.zeros(1200, dtype=int), np.full(314, -1)])
    assert k == 1
    m = _one(note)
    assert m == ("HDBSCAN found no cluster structure (k = 1: one cluster of 1200 units, 314 units are noise, "
                 "label −1).")
    assert m.ind == ("HDBSCAN tidak menemukan struktur klaster (k = 1: satu klaster beranggotakan 1.200 "
                     "kabupaten/kota, 314 kabupaten/kota merupakan derau, label −1).")


def test_one_cluster_without_noise_and_a_trailing_full_stop():
    _, note = hdbscan_verdict(np.zeros(7, dtype=int))
    m = _one(note + ".")
    assert "one cluster of 7 units, 0 units are noise" in m
    assert "satu klaster beranggotakan 7 kabupaten/kota, 0 kabupaten/kota merupakan derau" in m.ind


def test_small_counts_are_not_grouped():
    _, note = hdbscan_verdict(np.full(12, -1))
    m = _one(note)
    assert "all 12 units are noise" in m and "seluruh 12 kabupaten/kota merupakan derau" in m.ind
