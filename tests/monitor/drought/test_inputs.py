"""Rainfall as users hold it (#17 item 7): long (date, place, value), the Excel pivot
(years × months) with a mapping, and a NetCDF climatology refused with a sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from iofs.monitor.drought import read


def test_long_format_one_row_per_place_and_month(tmp_path: Path) -> None:
    path = tmp_path / "stations_long.csv"
    lines = ["date;station;rainfall"]
    for month in range(1, 25):
        stamp = f"{2000 + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}-01"
        lines += [f"{stamp};Dakar;{month * 2}", f"{stamp};Thiès;{month * 3}"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    data = read.read_csv(path)
    assert list(data.data["series"].values) == ["Dakar", "Thiès"]
    assert data.data.sizes["time"] == 24
    assert float(data.data.sel(series="Thiès").isel(time=3)) == 12.0


def test_excel_pivot_years_by_months_with_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "pluviometrie.csv"
    months = [
        "Janv",
        "Févr",
        "Mars",
        "Avr",
        "Mai",
        "Juin",
        "Juil",
        "Août",
        "Sept",
        "Oct",
        "Nov",
        "Déc",
    ]
    rows = [";".join(["Année", *months])]
    rows += [
        ";".join([str(year), *(str(m * 1.5) for m in range(1, 13))]) for year in (2001, 2002, 2003)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("source,target\nFévr,2\n", encoding="utf-8")
    data = read.read_csv(path, mapping=read.read_mapping(mapping))
    assert data.data.sizes["time"] == 36
    assert str(data.data["time"].values[1])[:7] == "2001-02"
    assert float(data.data.isel(time=13, series=0)) == 3.0


def test_a_bad_cell_in_the_pivot_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "pivot.csv"
    path.write_text(
        "year,jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec\n"
        "2001,1,2,3,4,5,6,7,8,9,10,11,12\n"
        "2002,1,2,x,4,5,6,7,8,9,10,11,12\n"
    )
    with pytest.raises(read.PrecipitationInputError, match=r"line 3, column 'mar': 'x' is not"):
        read.read_csv(path)


def test_a_netcdf_climatology_is_refused_with_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "chirps_climatology.nc"
    ds = xr.Dataset(
        {
            "precip": (
                ("month", "latitude", "longitude"),
                np.ones((12, 2, 2)),
                {"units": "mm/month"},
            )
        },
        coords={"month": np.arange(1, 13), "latitude": [14.0, 14.5], "longitude": [-17.0, -16.5]},
    )
    ds.to_netcdf(path)
    with pytest.raises(
        read.PrecipitationInputError,
        match="holds a climatology \\(12 long-term monthly means\\), not a time series",
    ):
        read.open_grid(path)
    bounded = tmp_path / "climatology_bounds.nc"
    times = pd.date_range("1991-01-01", periods=12, freq="MS")
    xr.Dataset(
        {
            "pr": (("time", "lat", "lon"), np.ones((12, 1, 1)), {"units": "mm/month"}),
            "climatology_bounds": (("time", "nv"), np.zeros((12, 2))),
        },
        coords={"time": times, "lat": [1.0], "lon": [1.0]},
    ).to_netcdf(bounded)
    with pytest.raises(read.PrecipitationInputError, match="climatology"):
        read.open_grid(bounded)
