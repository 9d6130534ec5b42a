"""Zonal statistics of SPI grids per country (world-atlas TopoJSON) or admin area (GeoJSON).

Each pixel belongs to the polygon containing its centre (even-odd rule, so holes and
multi-part countries are handled); a country too small to contain any pixel centre (e.g.
Maldives, Bahrain on a coarse grid) gets the pixel nearest the centre of its largest ring.
Pixels are weighted by their area on the sphere, proportional to cos(latitude) on a
regular latitude/longitude grid.

Per area and month: area-weighted mean SPI over pixels with data; the share of that area
(percent, 0-100) at or below each drought threshold of McKee et al. (1993):
moderate <= -1, severe <= -1.5, extreme <= -2 (cumulative: "moderate" includes severe and
extreme); and ``coverage``, the percent of the area with data.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
import xarray as xr

THRESHOLDS = {"moderate": -1.0, "severe": -1.5, "extreme": -2.0}


class BoundaryError(ValueError):
    """A boundary file cannot be used; the message says which and why."""


@dataclass
class Area:
    """One area: its identifier, country (ISO3, may be empty) and polygon rings (lon, lat)."""

    area_id: str
    iso3: str
    rings: list[np.ndarray]


def _decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype=np.float64)[:, :2]
        if transform:
            points = np.cumsum(points, axis=0)
            points = points * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
        arcs.append(points)
    return arcs


def _ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    parts: list[np.ndarray] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(arc if not parts else arc[1:])
    return np.concatenate(parts)


def read_topojson_countries(path: Path, object_name: str = "countries") -> list[Area]:
    """Countries of a world-atlas TopoJSON (feature ids: ISO 3166-1 numeric) as Areas."""
    from iofs import countries

    try:
        topology = json.loads(Path(path).read_text(encoding="utf-8"))
        geometries = topology["objects"][object_name]["geometries"]
    except (OSError, ValueError, KeyError) as error:
        raise BoundaryError(
            f"{path}: not a TopoJSON with object {object_name!r} ({error})"
        ) from None
    arcs = _decode_arcs(topology)
    areas = []
    for geometry in geometries:
        numeric = geometry.get("id")
        if numeric is None:
            continue  # Kosovo, N. Cyprus, Somaliland have no ISO numeric id
        country = countries.from_numeric(numeric)
        if country is None:
            continue
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [_ring(arcs, ring) for polygon in polygons for ring in polygon]
        areas.append(Area(country.iso3, country.iso3, rings))
    return areas


def read_geojson_areas(path: Path, id_field: str, iso3_field: str | None = None) -> list[Area]:
    """Admin areas from a GeoJSON FeatureCollection (Polygon/MultiPolygon features)."""
    try:
        collection = json.loads(Path(path).read_text(encoding="utf-8"))
        features = collection["features"]
    except (OSError, ValueError, KeyError) as error:
        raise BoundaryError(f"{path}: not a GeoJSON FeatureCollection ({error})") from None
    areas = []
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        if id_field not in properties:
            raise BoundaryError(
                f"{path}: feature {number} has no property {id_field!r} "
                f"(properties: {sorted(properties)})"
            )
        geometry = feature.get("geometry") or {}
        kind = geometry.get("type")
        if kind == "Polygon":
            polygons = [geometry["coordinates"]]
        elif kind == "MultiPolygon":
            polygons = geometry["coordinates"]
        else:
            raise BoundaryError(
                f"{path}: feature {number} ({properties[id_field]}) is a "
                f"{kind}, not a Polygon or MultiPolygon"
            )
        rings = [np.asarray(ring, dtype=np.float64)[:, :2] for poly in polygons for ring in poly]
        iso3 = str(properties.get(iso3_field, "")) if iso3_field else ""
        areas.append(Area(str(properties[id_field]), iso3.upper(), rings))
    return areas


@numba.njit(cache=True)
def _fill_rings(
    xs: np.ndarray, ys: np.ndarray, edges: np.ndarray, label: int, grid: np.ndarray
) -> None:  # pragma: no cover - numba
    """Scan-line fill (even-odd) of ``edges`` (rows x0, y0, x1, y1) onto pixel centres."""
    crossings = np.empty(edges.shape[0])
    for row in range(ys.shape[0]):
        y = ys[row]
        n = 0
        for e in range(edges.shape[0]):
            y0 = edges[e, 1]
            y1 = edges[e, 3]
            if (y0 <= y) != (y1 <= y):
                x0 = edges[e, 0]
                crossings[n] = x0 + (y - y0) * (edges[e, 2] - x0) / (y1 - y0)
                n += 1
        if n < 2:
            continue
        cuts = np.sort(crossings[:n])
        for k in range(0, n - 1, 2):
            lo = cuts[k]
            hi = cuts[k + 1]
            for col in range(xs.shape[0]):
                x = xs[col]
                if lo <= x < hi and grid[row, col] < 0:
                    grid[row, col] = label


def label_grid(areas: list[Area], lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Area index of each pixel (lat x lon), -1 outside every area."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    grid = np.full((lat.size, lon.size), -1, dtype=np.int64)
    lat_lo, lat_hi = lat.min(), lat.max()
    lon_lo, lon_hi = lon.min(), lon.max()
    for index, area in enumerate(areas):
        edges = np.concatenate([np.column_stack([r[:-1], r[1:]]) for r in area.rings if len(r) > 1])
        if (
            edges[:, [1, 3]].max() < lat_lo
            or edges[:, [1, 3]].min() > lat_hi
            or edges[:, [0, 2]].max() < lon_lo
            or edges[:, [0, 2]].min() > lon_hi
        ):
            continue
        _fill_rings(lon, lat, np.ascontiguousarray(edges), index, grid)
        if not (grid == index).any():
            largest = max(area.rings, key=len)
            cx, cy = largest[:, 0].mean(), largest[:, 1].mean()
            if lon_lo - 1 <= cx <= lon_hi + 1 and lat_lo - 1 <= cy <= lat_hi + 1:
                row, col = int(np.abs(lat - cy).argmin()), int(np.abs(lon - cx).argmin())
                if grid[row, col] < 0:
                    grid[row, col] = index
    return grid


#: Label rasters computed in this process, by :func:`grid_key` (a few grids at most).
_LABELS: dict[str, np.ndarray] = {}
_KEEP = 4


def grid_key(areas: list[Area], lat: np.ndarray, lon: np.ndarray) -> str:
    """A digest of the areas (ids, countries, every ring's coordinates) and of the grid's
    cell centres: equal keys mean the same label raster."""
    digest = hashlib.sha256()
    for array in (np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)):
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    for area in areas:
        digest.update(f"{area.area_id}\x1f{area.iso3}\x1e".encode())
        for ring in area.rings:
            digest.update(np.ascontiguousarray(ring, dtype=np.float64).tobytes())
    return digest.hexdigest()[:24]


def cached_labels(
    areas: list[Area], lat: np.ndarray, lon: np.ndarray, cache_dir: Path | None = None
) -> np.ndarray:
    """:func:`label_grid`, rasterised once per (areas, grid): kept in this process and, with
    ``cache_dir``, as ``labels-<key>.npy`` there for later runs (int32, written to a
    temporary name first), so a monthly update reuses the masks instead of re-filling
    every polygon."""
    key = grid_key(areas, lat, lon)
    if key in _LABELS:
        return _LABELS[key]
    path = Path(cache_dir) / f"labels-{key}.npy" if cache_dir is not None else None
    labels: np.ndarray | None = None
    if path is not None and path.exists():
        with contextlib.suppress(OSError, ValueError):
            loaded = np.load(path, allow_pickle=False)
            if loaded.shape == (np.size(lat), np.size(lon)):
                labels = loaded
    if labels is None:
        labels = label_grid(areas, lat, lon).astype(np.int32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.npy")
            np.save(tmp, labels, allow_pickle=False)
            os.replace(tmp, path)
    while len(_LABELS) >= _KEEP:
        _LABELS.pop(next(iter(_LABELS)))
    _LABELS[key] = labels
    return labels


def zonal_statistics(
    spi: xr.DataArray,
    areas: list[Area],
    level: str,
    source: str,
    cache_dir: Path | None = None,
) -> pd.DataFrame:
    """Monthly drought statistics per area of an SPI grid (dims time, lat, lon).

    Each cell is weighted by its area on the sphere, proportional to cos(latitude) on a
    regular latitude/longitude grid (so shares are shares of area, not of cells). The label
    raster (area of each cell) comes from :func:`cached_labels`: rasterised once per
    (areas, grid) and reused for every month (and, with ``cache_dir``, every later run).

    Returns one row per area with pixels and month: source, scale, level, area_id, iso3,
    month (first day), mean_spi (area-weighted), share_moderate/severe/extreme (percent of
    the area with data at or below -1, -1.5, -2; 0-100), coverage (percent of the area with
    data), pixels (cells whose centre is in the area).
    """
    for dim in ("time", "lat", "lon"):
        if dim not in spi.dims:
            raise BoundaryError(f"the SPI grid has no {dim!r} dimension (dims: {spi.dims})")
    spi = spi.transpose("time", "lat", "lon")
    lat = spi["lat"].values
    labels = cached_labels(areas, lat, spi["lon"].values, cache_dir)
    n_areas = len(areas)
    weights = np.broadcast_to(np.cos(np.deg2rad(lat))[:, None], labels.shape)
    n_time = spi.sizes["time"]
    total_w = np.zeros((n_time, n_areas))
    sum_spi = np.zeros((n_time, n_areas))
    shares = {name: np.zeros((n_time, n_areas)) for name in THRESHOLDS}
    area_w = np.bincount(labels[labels >= 0], weights=weights[labels >= 0], minlength=n_areas)
    pixels = np.bincount(labels[labels >= 0], minlength=n_areas)
    lat_chunks = spi.chunks[1] if spi.chunks else (spi.sizes["lat"],)
    start = 0
    for size in lat_chunks:
        band = slice(start, start + size)
        start += size
        band_labels = labels[band]
        inside = band_labels >= 0
        if not inside.any():
            continue
        lab = band_labels[inside]
        w = weights[band][inside]
        values = np.asarray(spi.isel(lat=band).values, dtype=np.float64)[:, inside]
        for t in range(n_time):
            v = values[t]
            ok = np.isfinite(v)
            total_w[t] += np.bincount(lab[ok], weights=w[ok], minlength=n_areas)
            sum_spi[t] += np.bincount(lab[ok], weights=(w * v)[ok], minlength=n_areas)
            for name, limit in THRESHOLDS.items():
                hit = ok & (v <= limit)
                shares[name][t] += np.bincount(lab[hit], weights=w[hit], minlength=n_areas)
    months = pd.DatetimeIndex(spi["time"].values)
    scale = int(spi.attrs.get("scale", 0)) or None
    rows = []
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sum_spi / total_w
        share_pct = {k: 100.0 * s / total_w for k, s in shares.items()}
        coverage = 100.0 * total_w / area_w
    for a, area in enumerate(areas):
        if pixels[a] == 0:
            continue
        for t in range(n_time):
            has = total_w[t, a] > 0
            rows.append(
                {
                    "source": source,
                    "scale": scale,
                    "level": level,
                    "area_id": area.area_id,
                    "iso3": area.iso3,
                    "month": months[t],
                    "mean_spi": float(mean[t, a]) if has else None,
                    "share_moderate": float(share_pct["moderate"][t, a]) if has else None,
                    "share_severe": float(share_pct["severe"][t, a]) if has else None,
                    "share_extreme": float(share_pct["extreme"][t, a]) if has else None,
                    "coverage": float(coverage[t, a]),
                    "pixels": int(pixels[a]),
                }
            )
    return pd.DataFrame(rows)
