"""Bilingual (English / Bahasa Indonesia) labels of the planner dashboard."""

from __future__ import annotations

__all__ = ["LABELS", "LANGS", "label"]

LANGS = ("en", "id")

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Smart-city maturity · what-if planner", "Kematangan kota cerdas · perencana skenario"),
    "language": ("Language", "Bahasa"),
    "framework": ("Framework", "Kerangka"),
    "run": ("Run (baseline)", "Hasil perhitungan (baseline)"),
    "unit": ("City / regency", "Kabupaten / kota"),
    "score": ("Index score", "Skor indeks"),
    "rank": ("Rank", "Peringkat"),
    "of": ("of", "dari"),
    "level": ("Maturity level", "Tingkat kematangan"),
    "baseline": ("Baseline", "Kondisi awal"),
    "scenario": ("Scenario", "Skenario"),
    "change": ("Change", "Perubahan"),
    "gap": ("Points to the next level", "Poin menuju tingkat berikutnya"),
    "top_level": ("already at the top level", "sudah di tingkat tertinggi"),
    "indicators": ("Indicators: move the sliders", "Indikator: geser penggeser"),
    "dimensions": ("Dimensions", "Dimensi"),
    "peers": ("Peers", "Pembanding"),
    "path": ("Least improvement to the next level", "Perbaikan minimum menuju tingkat berikutnya"),
    "path_apply": ("Apply path to sliders", "Terapkan jalur ke penggeser"),
    "reset": ("Reset to baseline", "Kembali ke kondisi awal"),
    "export": ("Export scenario (YAML)", "Unduh skenario (YAML)"),
    "reproduce": ("Reproduce with", "Ulangi dengan"),
    "indicator": ("Indicator", "Indikator"),
    "current": ("Current", "Saat ini"),
    "new": ("New", "Baru"),
    "imputed": ("imputed", "diimputasi"),
    "frozen_note": ("Normalisation, outlier treatment and imputation are frozen at the baseline: "
                    "other units keep their scores.",
                    "Normalisasi, penanganan pencilan dan imputasi dibekukan pada kondisi awal: "
                    "skor daerah lain tidak berubah."),
    "no_runs": ("No baseline runs found. Build one with `maturasi build … --out reports/NAME`.",
                "Belum ada hasil perhitungan. Buat dengan `maturasi build … --out reports/NAMA`."),
    "reachable": ("target reached", "target tercapai"),
    "unreachable": ("unreachable within the limits", "tidak tercapai dalam batas yang ada"),
    "nothing": ("no change needed", "tidak perlu perubahan"),
    "basis_nearest": ("nearest dimension profiles", "profil dimensi terdekat"),
    "basis_cluster": ("nearest within the typology cluster", "terdekat dalam klaster tipologi"),
    "name": ("Name", "Nama"),
    "dimension": ("Dimension", "Dimensi"),
    "cost": ("Effort (share of observed range)", "Upaya (bagian dari rentang teramati)"),
    "indicators_moved": ("indicator(s) to move", "indikator perlu diubah"),
    "changed": ("Changed indicators", "Indikator yang diubah"),
}


def label(key: str, lang: str = "en") -> str:
    """The label ``key`` in ``lang`` ("en" or "id")."""
    if lang not in LANGS:
        raise ValueError(f"unknown language '{lang}' (use en or id)")
    return LABELS[key][LANGS.index(lang)]
