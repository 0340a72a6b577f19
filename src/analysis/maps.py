"""Boundary files, the join to unit codes, and choropleth maps (matplotlib only, no GIS stack).

Boundaries are read from GeoJSON (or a shapefile, with ``pyshp``) into a table of unit code, name,
province and polygon rings. The demo and the Kemendagri data use Kemendagri codes (``11.01``);
the public district boundaries use BPS numbering (``1101``), which differs for many districts, so
:func:`join_units` matches codes directly where they agree in form and otherwise goes through the
name-and-province crosswalk of :mod:`analysis.ingest`, reporting every unit it cannot place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from ._errors import InputError  # noqa: E402
from .ingest import crosswalk  # noqa: E402

__all__ = ["Boundaries", "read_boundaries", "join_units", "choropleth"]


@dataclass
class Boundaries:
    """Polygons per feature: ``table`` has one row per feature (properties), ``rings`` the polygons."""

    table: pd.DataFrame
    rings: list[list[np.ndarray]]
    source: str


def _rings(geom) -> list[np.ndarray]:
    t = geom.get("type")
    if t == "Polygon":
        return [np.asarray(r, dtype=float)[:, :2] for r in geom["coordinates"][:1]]
    if t == "MultiPolygon":
        return [np.asarray(p[0], dtype=float)[:, :2] for p in geom["coordinates"]]
    return []


def read_boundaries(path: str | Path) -> Boundaries:
    """Read a GeoJSON FeatureCollection or a shapefile (outer rings only, for drawing)."""
    path = Path(path)
    if not path.exists():
        raise InputError("boundary file not found", file=path)
    suf = path.suffix.lower()
    props, rings = [], []
    if suf in (".geojson", ".json"):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise InputError(f"not valid GeoJSON: {e.msg} at line {e.lineno}", file=path) from None
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise InputError("GeoJSON has no 'features' list", file=path)
        for f in feats:
            props.append(f.get("properties") or {})
            rings.append(_rings(f.get("geometry") or {}))
    elif suf == ".shp":
        try:
            import shapefile
        except ImportError:  # pragma: no cover
            raise InputError("reading shapefiles needs the 'pyshp' package", file=path) from None
        with shapefile.Reader(str(path)) as r:
            for sr in r.iterShapeRecords():
                props.append(sr.record.as_dict())
                rings.append(_rings(sr.shape.__geo_interface__))
    else:
        raise InputError("unknown boundary format (use .geojson or .shp)", file=path)
    return Boundaries(pd.DataFrame(props), rings, str(path))


def join_units(units: pd.DataFrame, boundaries: Boundaries, *, code: str | None = None, name: str | None = None,
               province: str | None = None, bps_code: str | None = "districtID", unit_name: str = "uName",
               unit_province: str = "province") -> tuple[pd.Series, pd.DataFrame]:
    """Map each unit (index = unit code) to a boundary feature.

    Parameters
    ----------
    units : DataFrame
        Indexed by unit code, with names (and provinces) for the crosswalk.
    code : str, optional
        Property holding a code in the units' numbering; when given, codes are joined directly.
    name, province : str, optional
        Properties with the feature's name and province, for the crosswalk (default: guessed from
        ``district``/``name`` and ``province``).
    bps_code : str, optional
        Property with a BPS district code; its last two digits tell a kota (71–99) from a
        kabupaten, which names alone cannot (Kabupaten "Kota Baru" in Kalimantan Selatan).

    Returns
    -------
    feature_of : Series
        Unit code → feature row number.
    report : DataFrame
        Units without a feature, with the reason.
    """
    B = boundaries.table.copy()
    B["_row"] = np.arange(len(B))
    if code is not None:
        if code not in B.columns:
            raise InputError(f"boundary property '{code}' not found (have {list(B.columns)})", file=boundaries.source)
        m = dict(zip(B[code].astype(str), B["_row"]))
        fo = pd.Series({u: m[str(u)] for u in units.index if str(u) in m}, dtype=int)
        miss = [u for u in units.index if str(u) not in m]
        return fo, pd.DataFrame({"code": miss, "reason": "code not in boundary file"})
    name = name or next((c for c in ("district", "name", "NAME_2", "nama") if c in B.columns), None)
    province = province or next((c for c in ("province", "provinsi", "NAME_1") if c in B.columns), None)
    if name is None:
        raise InputError("cannot find a name property in the boundary file; pass name=…", file=boundaries.source)
    if unit_name not in units.columns:
        raise InputError(f"units need a '{unit_name}' column for the crosswalk")
    U = units.reset_index(names="_code")
    B["_id"] = B["_row"].astype(str)
    if bps_code in B.columns and B[bps_code].astype(str).str.fullmatch(r"\d{4}").all():
        is_kota = B[bps_code].astype(str).str[2:].astype(int) >= 71
        nm = B[name].astype(str)
        kota = "Kota " + nm.str.replace(r"^(?i:kota)\s+", "", regex=True)
        kab = "Kabupaten " + nm.str.replace(r"^(?i:kabupaten|kab\.)\s+", "", regex=True)
        B["_name"] = np.where(is_kota, kota, kab)
    else:
        # names often lack "Kabupaten"; "Kota X" is written out, so a bare name is a kabupaten
        B["_name"] = [n if str(n).upper().startswith(("KOTA ", "KABUPATEN ", "KAB. ")) else f"Kabupaten {n}"
                      for n in B[name]]
    m, rep = crosswalk(U, B, left_code="_code", left_name=unit_name, right_code="_id", right_name="_name",
                       left_province=unit_province if unit_province in U.columns else None,
                       right_province=province)
    fo = pd.Series(m["right_code"].astype(int).to_numpy(), index=m["left_code"].to_numpy(), dtype=int)
    return fo, rep


def choropleth(values: pd.Series, boundaries: Boundaries, feature_of: pd.Series, *, title: str = "",
               categorical: bool = False, cmap: str | None = None, legend_title: str = "", labels: dict | None = None):
    """Draw units coloured by ``values`` (numeric or categorical); unmatched features in light grey."""
    fig, ax = plt.subplots(figsize=(12, 5.2))
    polys, cols = [], []
    row_val = {int(feature_of[u]): v for u, v in values.items() if u in feature_of.index}
    if categorical:
        cats = sorted({v for v in row_val.values() if pd.notna(v)}, key=str)
        pal = plt.get_cmap(cmap or "tab10")
        cmap_d = {c: pal(i % pal.N) for i, c in enumerate(cats)}
    else:
        vals = np.array([v for v in row_val.values() if pd.notna(v)], dtype=float)
        norm = plt.Normalize(np.nanmin(vals), np.nanmax(vals)) if len(vals) else plt.Normalize(0, 1)
        cm = plt.get_cmap(cmap or "viridis")
    for i, rings in enumerate(boundaries.rings):
        v = row_val.get(i)
        if v is None or (not categorical and pd.isna(v)):
            c = (0.88, 0.88, 0.88, 1)
        else:
            c = cmap_d[v] if categorical else cm(norm(float(v)))
        for r in rings:
            polys.append(r)
            cols.append(c)
    ax.add_collection(PolyCollection(polys, facecolors=cols, edgecolors=(1, 1, 1, 0.6), linewidths=0.15))
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.axis("off")
    if categorical:
        from matplotlib.patches import Patch

        handles = [Patch(color=cmap_d[c], label=(labels or {}).get(c, str(c))) for c in cats]
        ax.legend(handles=handles, title=legend_title, loc="lower left", fontsize=8, frameon=False)
    else:
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cm)
        fig.colorbar(sm, ax=ax, shrink=0.6, label=legend_title)
    ax.set_title(title)
    fig.tight_layout()
    return fig
