"""Readers, the threaded and two-worker dask runs, zonal shares, CLI, API and pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from iofs.config import Settings
from iofs.monitor.drought import output, read, service
from iofs.monitor.drought import spi as kernel
from iofs.monitor.drought.scheduler import (
    TRIM_VARIABLE,
    WORKER_ENVIRONMENT,
    WORKER_SETTINGS,
    dask_scheduler,
)

# A small CHIRPS-like grid over the Arabian Peninsula / Horn of Africa, 0.5 degree.
LAT = np.arange(10.25, 20.0, 0.5)
LON = np.arange(38.25, 50.0, 0.5)
TIMES = pd.date_range("1986-01-01", periods=35 * 12, freq="MS") + pd.Timedelta(days=14)


def _rain(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grid = rng.gamma(1.2, 35.0, size=(TIMES.size, LAT.size, LON.size))
    grid[rng.random(grid.shape) < 0.2] = 0.0
    grid[-3:] *= 0.05  # a dry spell in the last months
    return grid


def _chirps_file(path: Path, units: str = "mm/month", factor: float = 1.0) -> Path:
    ds = xr.Dataset(
        {"precip": (("time", "latitude", "longitude"), _rain() * factor, {"units": units})},
        coords={"time": TIMES, "latitude": LAT, "longitude": LON},
    )
    ds.to_netcdf(path)
    return path


def test_netcdf_chirps_layout_is_read_lazily(tmp_path: Path) -> None:
    data = read.open_grid(_chirps_file(tmp_path / "chirps.nc"), chunk=8)
    assert data.data.dims == ("time", "lat", "lon")
    assert data.data.chunks is not None and len(data.data.chunks[0]) == 1  # time unchunked
    assert data.data.attrs["units"] == "mm/month"
    assert pd.DatetimeIndex(data.data["time"].values)[0] == pd.Timestamp("1986-01-01")


def test_units_are_converted_or_refused(tmp_path: Path) -> None:
    flux = read.open_grid(_chirps_file(tmp_path / "flux.nc", "kg m-2 s-1", 1 / 86400 / 31), chunk=8)
    assert "converted" in flux.notes[0]
    january = float(flux.data.isel(time=0, lat=0, lon=0))
    assert january == pytest.approx(_rain()[0, 0, 0], rel=1e-9)
    with pytest.raises(read.PrecipitationInputError, match="'precip' has units 'K'"):
        read.open_grid(_chirps_file(tmp_path / "temp.nc", "K"))


def test_gaps_in_months_are_refused(tmp_path: Path) -> None:
    path = _chirps_file(tmp_path / "full.nc")
    with xr.open_dataset(path) as ds:
        ds.isel(time=[0, 1, 3]).to_netcdf(tmp_path / "gap.nc")
    with pytest.raises(read.PrecipitationInputError, match="not consecutive"):
        read.open_grid(tmp_path / "gap.nc")


def test_zarr_and_geotiff_stack_read_the_same_values(tmp_path: Path) -> None:
    rio = pytest.importorskip("rioxarray", reason="rioxarray reads GeoTIFF")
    assert rio
    rain = _rain()[:24]
    da = xr.DataArray(
        rain, dims=("time", "y", "x"), coords={"time": TIMES[:24], "y": LAT[::-1], "x": LON}
    )
    folder = tmp_path / "tifs"
    folder.mkdir()
    for i, stamp in enumerate(TIMES[:24]):
        band = da.isel(time=i).rio.write_crs("EPSG:4326")
        band.rio.to_raster(folder / f"chirps-v2.0.{stamp:%Y.%m}.tif")
    stack = read.open_grid(folder, units="mm/month")
    np.testing.assert_allclose(stack.data.values, rain, rtol=1e-6)
    xr.Dataset({"pr": da.rename(y="lat", x="lon").assign_attrs(units="mm/day") / 30}).to_zarr(
        tmp_path / "rain.zarr"
    )
    zarr = read.open_grid(tmp_path / "rain.zarr")
    days = np.asarray(TIMES[:24].days_in_month)[:, None, None]
    np.testing.assert_allclose(zarr.data.values, rain / 30 * days, rtol=1e-9)


def test_csv_series_and_bad_rows(tmp_path: Path, shared_data: Path) -> None:
    climdiv = shared_data / "rainfall" / "climdiv_monthly_precip_spi_1895_2017.csv"
    if not climdiv.exists():
        pytest.skip(f"{climdiv} not found")
    data = read.read_csv(climdiv, columns=["precip_mm"])
    result = service.compute_spi(data.data, 6).compute()
    expected = pd.read_csv(climdiv)["spi_06_gamma_ref"].to_numpy()
    np.testing.assert_allclose(result["spi"].values[:, 0], expected, atol=1e-3, equal_nan=True)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,station_a\n2000-01,12.5\n2000-02,-3\n", encoding="utf-8")
    with pytest.raises(read.PrecipitationInputError, match="line 3, column 'station_a'"):
        read.read_csv(bad)


_second_part_ran = threading.Event()


def _parts_run_together(first: Callable[[], bool], second: Callable[[], bool]) -> None:
    """The first part waits until the second has run: computed one after the other, it
    would wait 30 s and fail."""
    import dask

    steps: list[tuple[int, int]] = []
    with dask.config.set(optimization__fuse__active=False):
        output.compute_together(
            [dask.delayed(first)(), dask.delayed(second)()], lambda *s: steps.append(s)
        )
    assert steps and steps[-1][0] == steps[-1][1]


def test_parts_of_an_output_are_computed_together_on_threads() -> None:
    _second_part_ran.clear()
    with dask_scheduler("threads"):
        _parts_run_together(
            lambda: _second_part_ran.wait(timeout=30) or pytest.fail("parts ran in turn"),
            lambda: _second_part_ran.set() or True,
        )


def test_two_worker_cluster_gives_identical_results(tmp_path: Path) -> None:
    from distributed import LocalCluster

    # 5 x 6 blocks of 4 x 4 cells.
    data = read.open_grid(_chirps_file(tmp_path / "in.nc"), chunk=4)
    steps: list[tuple[int, int]] = []
    threaded = service.run_spi(
        data, tmp_path / "threads.zarr", 3, (1991, 2020), progress=lambda *s: steps.append(s)
    )
    assert threaded.scheduler == "threads" and threaded.notes == data.notes
    # Threads: one computation for the whole output, its tasks counted.
    assert steps[-1][0] == steps[-1][1] > 30 and len({total for _, total in steps}) == 1
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        memory_limit="2GiB",
    ) as cluster:
        steps.clear()
        distributed = service.run_spi(
            data,
            tmp_path / "cluster.zarr",
            3,
            (1991, 2020),
            scheduler=cluster.scheduler_address,
            progress=lambda *s: steps.append(s),
        )
        # A cluster: one task per block fits it and writes it, each counted as it is done.
        assert steps == [(done, 30) for done in range(1, 31)]

        # Defined here, the tasks travel by value: the workers need not import this module.
        def waits_for_the_second() -> bool:
            from distributed import Event

            return bool(Event("second-part-ran").wait(timeout=30))

        def sets_the_event() -> bool:
            from distributed import Event

            Event("second-part-ran").set()
            return True

        with dask_scheduler(cluster.scheduler_address):
            _parts_run_together(waits_for_the_second, sets_the_event)
        # dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers; the run says what to do.
        (note,) = distributed.notes[len(data.notes) :]
        assert "MALLOC_TRIM_THRESHOLD_=65536" in note and WORKER_ENVIRONMENT in note
        service.run_spi(
            data, tmp_path / "cluster.nc", 3, (1991, 2020), scheduler=cluster.scheduler_address
        )
    assert distributed.scheduler.startswith("distributed")
    a = output.open_result(tmp_path / "threads.zarr").load()
    for other in (tmp_path / "cluster.zarr", tmp_path / "cluster.nc"):
        b = output.open_result(other).load()
        for name in ("spi", "alpha", "beta", "prob_zero"):
            np.testing.assert_array_equal(a[name].values, b[name].values)
    # The same SPI as the kernel applied directly to the numpy grid.
    direct, _ = kernel.spi(
        np.moveaxis(_rain(), 0, -1),
        3,
        np.arange(TIMES.size) % 12,
        (TIMES.year >= 1991) & (TIMES.year <= 2020),
    )
    np.testing.assert_allclose(a["spi"].values, np.moveaxis(direct, -1, 0), atol=1e-6)
    # Latest month from the saved parameters, without refitting.
    latest = service.latest_spi(data, tmp_path / "threads.zarr")
    np.testing.assert_allclose(latest.values, a["spi"].isel(time=-1).values, atol=1e-6)


def test_workers_started_with_the_spi_settings_get_no_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dask
    from distributed import LocalCluster

    # A nanny sets its workers' variables in its own process too (dask's documentation says
    # so): an earlier cluster in this process would pass it on to the workers.
    monkeypatch.delenv(TRIM_VARIABLE, raising=False)
    with (
        dask.config.set(WORKER_SETTINGS),
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster,
        dask_scheduler(cluster.scheduler_address) as used,
    ):
        assert used.name == f"distributed ({cluster.scheduler_address})"
        assert used.notes == []


def _settings(tmp_path: Path) -> Settings:
    return Settings(env="test", data_dir=tmp_path / "var")


def test_zonal_shares_are_stored_idempotently(tmp_path: Path) -> None:
    data = read.open_grid(_chirps_file(tmp_path / "in.nc"), chunk=10)
    service.run_spi(data, tmp_path / "spi3.zarr", 3)
    settings = _settings(tmp_path)
    if not service.default_boundaries().exists():
        pytest.skip("world-atlas boundaries not installed (make install)")
    table, total = service.zonal_from_output(settings, tmp_path / "spi3.zarr")
    assert {"YEM", "SOM", "DJI", "ETH", "SAU", "ERI"} <= set(table["iso3"])
    _, again = service.zonal_from_output(settings, tmp_path / "spi3.zarr")
    assert again == total  # re-running changes nothing
    yem = service.country_series(settings, "yem", 3)
    assert len(yem) == TIMES.size
    last = yem.iloc[-1]
    assert (
        last["mean_spi"] < -1
        and last["share_moderate"] >= last["share_severe"] >= last["share_extreme"]
    )
    # The shares are area-weighted counts of grid cells: check one by hand.
    spi = output.open_result(tmp_path / "spi3.zarr")["spi"].isel(time=-1).values
    from iofs.monitor.drought import zonal

    areas = zonal.read_topojson_countries(service.default_boundaries())
    labels = zonal.label_grid(areas, LAT, LON)
    index = next(i for i, a in enumerate(areas) if a.iso3 == "YEM")
    weights = np.cos(np.deg2rad(LAT))[:, None] * (labels == index)
    ok = np.isfinite(spi)
    share = 100 * (weights * ok * (spi <= -1)).sum() / (weights * ok).sum()
    assert last["share_moderate"] == pytest.approx(share, rel=1e-6)


def test_admin1_geojson(tmp_path: Path) -> None:
    data = read.open_grid(_chirps_file(tmp_path / "in.nc"), chunk=10)
    service.run_spi(data, tmp_path / "spi1.zarr", 1)
    square = [[40.0, 12.0], [44.0, 12.0], [44.0, 16.0], [40.0, 16.0], [40.0, 12.0]]
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"shapeID": "A1", "iso": "YEM"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    path = tmp_path / "admin1.geojson"
    path.write_text(json.dumps(geojson), encoding="utf-8")
    if not service.default_boundaries().exists():
        pytest.skip("world-atlas boundaries not installed (make install)")
    table, _ = service.zonal_from_output(
        _settings(tmp_path), tmp_path / "spi1.zarr", path, "shapeID", "iso"
    )
    admin = table[table["level"] == "admin1"]
    assert set(admin["area_id"]) == {"A1"} and admin["pixels"].iloc[0] == 64


def test_cli_spi_zonal_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from iofs.cli import app

    if not service.default_boundaries().exists():
        pytest.skip("world-atlas boundaries not installed (make install)")
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    source = _chirps_file(tmp_path / "chirps.nc")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "drought",
            "spi",
            str(source),
            "--scale",
            "3",
            "--calibration",
            "1991-2020",
            "--out",
            str(tmp_path / "spi.zarr"),
            "--chunk",
            "10",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "calibration 1991-2020" in result.output
    result = runner.invoke(app, ["drought", "zonal", str(tmp_path / "spi.zarr")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["drought", "summary", "SOM", "--format", "json", "--last", "2"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["month"] for r in rows] == ["2020-11", "2020-12"]
    result = runner.invoke(
        app, ["drought", "spi", str(source), "--scale", "5", "--out", str(tmp_path / "x.zarr")]
    )
    assert result.exit_code == 2 and "scale must be one of" in result.output
    result = runner.invoke(
        app,
        [
            "drought",
            "spi",
            str(source),
            "--calibration",
            "2030-2040",
            "--out",
            str(tmp_path / "x.zarr"),
        ],
    )
    assert result.exit_code == 2 and "does not overlap" in result.output
    assert not (tmp_path / "x.zarr").exists()  # nothing half-written


def test_api_and_pages(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    if not service.default_boundaries().exists():
        pytest.skip("world-atlas boundaries not installed (make install)")
    data = read.open_grid(_chirps_file(tmp_path / "in.nc"), chunk=10)
    service.run_spi(data, tmp_path / "spi.zarr", 3)
    service.zonal_from_output(settings, tmp_path / "spi.zarr")
    rows = client.get("/api/v1/drought/countries/YEM?scale=3").json()
    assert len(rows) == TIMES.size and rows[-1]["month"] == "2020-12"
    values = client.get("/api/v1/drought/map?scale=3").json()
    assert {v["iso3"] for v in values} >= {"YEM", "SOM"}
    assert {v["category"] for v in values} <= {"normal", "moderate", "severe", "extreme", "nodata"}
    assert client.get("/api/v1/drought/countries/YEM?scale=5").status_code == 422
    assert client.get("/api/v1/drought/countries/XX1").status_code == 422
    assert client.get("/api/v1/drought/countries/FRA").status_code == 404
    page = client.get("/drought?scale=3", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'data-values="/api/v1/drought/map?scale=3"' in page.text
    country = client.get("/drought/YEM", headers={"Accept": "text/html"})
    assert country.status_code == 200 and "<svg" in country.text
    assert "style=" not in country.text.split("<svg", 1)[0]
