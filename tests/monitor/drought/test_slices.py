"""Drought slices: the zonal table per source, SPI outputs kept in the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from iofs.config import Settings
from iofs.monitor.drought import service
from iofs.slices import UnknownSlice


def _zonal(source: str, iso3: str, months: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "source": source,
                "scale": 3,
                "level": "country",
                "area_id": iso3,
                "iso3": iso3,
                "month": month,
                "mean_spi": -1.0,
                "share_moderate": 50.0,
                "share_severe": 20.0,
                "share_extreme": 5.0,
                "coverage": 1.0,
                "pixels": 10,
            }
            for month in months
        ]
    )


def test_list_remove_relist(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path / "var")
    analytics = settings.analytics_dir
    service.store_zonal(settings, _zonal("chirps", "YEM", ["2020-01", "2020-02"]))
    service.store_zonal(settings, _zonal("era5", "SOM", ["2021-05"]))
    times = pd.date_range("2000-01-01", periods=4, freq="MS")
    xr.Dataset(
        {"spi": (("time", "lat", "lon"), np.zeros((4, 2, 2)))},
        coords={"time": times, "lat": [0.0, 1.0], "lon": [0.0, 1.0]},
    ).to_netcdf(analytics / "drought" / "spi3.nc")
    found = {s.id: s for s in service.slices(analytics)}
    assert set(found) == {"drought:zonal/chirps", "drought:zonal/era5", "drought:spi/spi3.nc"}
    chirps = found["drought:zonal/chirps"]
    assert (chirps.rows, chirps.countries, chirps.first, chirps.last) == (
        2,
        1,
        "2020-01",
        "2020-02",
    )
    assert chirps.kind == "zonal (SPI-3)"
    spi = found["drought:spi/spi3.nc"]
    assert (spi.kind, spi.rows, spi.first, spi.last) == ("spi", 4, "2000-01", "2000-04")
    assert service.remove_slice(analytics, chirps.id) == chirps
    assert set(service.country_series(settings, "SOM", 3)["month"]) == {"2021-05"}
    assert service.country_series(settings, "YEM", 3).empty
    service.remove_slice(analytics, spi.id)
    assert [s.id for s in service.slices(analytics)] == ["drought:zonal/era5"]
    service.remove_slice(analytics, "drought:zonal/era5")
    assert service.slices(analytics) == []
    for bad in (chirps.id, "drought:spi/zonal_spi.parquet", "drought:other/x"):
        with pytest.raises(UnknownSlice):
            service.remove_slice(analytics, bad)
