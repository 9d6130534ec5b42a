"""Zonal drought shares: area-weighted (cos latitude), checked by hand; masks cached."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from iofs.monitor.drought import zonal

LAT = np.array([0.0, 60.0])  # cell weights cos(0) = 1 and cos(60) = 0.5
LON = np.array([0.5, 1.5, 2.5, 3.5])


def _box(x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])


AREAS = [
    zonal.Area("A", "AAA", [_box(0, 2, -1, 61)]),  # columns 0-1, both rows
    zonal.Area("B", "BBB", [_box(2, 4, -1, 1)]),  # columns 2-3, the equator row only
]


def _spi() -> xr.DataArray:
    values = np.array(
        [
            [[-2.5, 0.0, -1.2, np.nan], [-1.6, 1.0, 5.0, 5.0]],
        ]
    )
    return xr.DataArray(
        values,
        dims=("time", "lat", "lon"),
        coords={"time": [pd.Timestamp("2024-07-01")], "lat": LAT, "lon": LON},
        attrs={"scale": 3},
    )


def test_shares_are_weighted_by_cell_area(tmp_path: Path) -> None:
    table = zonal.zonal_statistics(_spi(), AREAS, "admin1", "hand", tmp_path).set_index("area_id")
    a, b = table.loc["A"], table.loc["B"]
    # A: cells -2.5 (w 1), 0 (w 1), -1.6 (w 0.5), 1.0 (w 0.5); total weight 3.
    assert a["mean_spi"] == pytest.approx((-2.5 + 0.0 - 0.8 + 0.5) / 3)  # unweighted: -0.775
    assert a["share_moderate"] == pytest.approx(100 * 1.5 / 3)
    assert a["share_severe"] == pytest.approx(100 * 1.5 / 3)
    assert a["share_extreme"] == pytest.approx(100 / 3)  # unweighted it would be 25 %
    assert a["coverage"] == pytest.approx(100.0) and a["pixels"] == 4
    # B: -1.2 (w 1) and a missing cell (w 1); the row at 60 N lies outside B.
    assert b["mean_spi"] == pytest.approx(-1.2)
    assert (b["share_moderate"], b["share_severe"], b["share_extreme"]) == (100.0, 0.0, 0.0)
    assert b["coverage"] == pytest.approx(50.0) and b["pixels"] == 2
    assert list(table["iso3"]) == ["AAA", "BBB"] and set(table["level"]) == {"admin1"}


def test_masks_are_rasterised_once_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = zonal.label_grid

    def counting(*args: object) -> np.ndarray:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(zonal, "label_grid", counting)
    monkeypatch.setattr(zonal, "_LABELS", {})
    first = zonal.zonal_statistics(_spi(), AREAS, "admin1", "hand", tmp_path)
    zonal.zonal_statistics(_spi(), AREAS, "admin1", "hand", tmp_path)
    assert len(calls) == 1  # the second month reused the raster kept in the process
    assert len(list(tmp_path.glob("labels-*.npy"))) == 1
    monkeypatch.setattr(zonal, "_LABELS", {})  # a later run: read from the cache directory
    again = zonal.zonal_statistics(_spi(), AREAS, "admin1", "hand", tmp_path)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, again)
    # Another grid (or other shapes) is another key: rasterised anew.
    zonal.zonal_statistics(_spi().assign_coords(lat=LAT + 0.5), AREAS, "admin1", "hand", tmp_path)
    assert len(calls) == 2 and len(list(tmp_path.glob("labels-*.npy"))) == 2
