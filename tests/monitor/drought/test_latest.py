"""`iofs drought latest`: one new month from saved parameters equals a full recompute."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from iofs.monitor.drought import latest, output, read, service

LAT = np.arange(10.25, 14.0, 0.5)
LON = np.arange(38.25, 43.0, 0.5)
TIMES = pd.date_range("1986-01-01", periods=35 * 12, freq="MS")


def _rain(times: pd.DatetimeIndex = TIMES, lat: np.ndarray = LAT) -> np.ndarray:
    rng = np.random.default_rng(3)
    grid = rng.gamma(1.3, 30.0, size=(TIMES.size + 2, LAT.size, LON.size)).astype(np.float32)
    grid[rng.random(grid.shape) < 0.15] = 0.0
    grid[-4:] *= 0.1  # a dry end, so the latest month has drought
    grid[:, 0, 0] = np.nan  # a sea cell: no SPI, ever
    return grid[: times.size, : lat.size]


def _file(path: Path, times: pd.DatetimeIndex = TIMES, lat: np.ndarray = LAT) -> Path:
    xr.Dataset(
        {"precip": (("time", "lat", "lon"), _rain(times, lat), {"units": "mm/month"})},
        coords={"time": times, "lat": lat, "lon": LON},
    ).to_netcdf(path)
    return path


def _spi(source: Path, out: Path) -> None:
    service.run_spi(read.open_grid(source, chunk=4), out, 3, (1991, 2019))


def test_latest_month_equals_the_full_recompute(tmp_path: Path) -> None:
    # Parameters fitted on the record up to November 2020 (calibration 1991-2019) ...
    _spi(_file(tmp_path / "to-nov.nc", TIMES[:-1]), tmp_path / "store.zarr")
    # ... and the whole record recomputed with the same calibration.
    full_input = _file(tmp_path / "full.nc")
    _spi(full_input, tmp_path / "full.zarr")
    full = output.open_result(tmp_path / "full.zarr").load()

    run = latest.update_latest(read.open_grid(full_input, chunk=4), tmp_path / "store.zarr")
    assert run.appended and run.month == "2020-12" and run.pixels == LAT.size * LON.size
    assert run.with_spi == run.pixels - 1  # the sea cell
    store = output.open_result(tmp_path / "store.zarr").load()
    assert store.sizes["time"] == TIMES.size and store.attrs["last_month"] == "2020-12"
    np.testing.assert_allclose(
        store["spi"].isel(time=-1).values, full["spi"].isel(time=-1).values, atol=1e-6
    )
    assert np.isfinite(full["spi"].isel(time=-1).values).sum() == run.with_spi
    np.testing.assert_allclose(store["spi"].values, full["spi"].values, atol=1e-6)

    # The same month again rewrites it in place: the store is unchanged.
    again = latest.update_latest(read.open_grid(full_input, chunk=4), tmp_path / "store.zarr")
    assert not again.appended
    assert output.open_result(tmp_path / "store.zarr").sizes["time"] == TIMES.size


def test_cli_latest_writes_the_month_and_refuses_bad_input(tmp_path: Path) -> None:
    from iofs.cli import app

    _spi(_file(tmp_path / "to-nov.nc", TIMES[:-1]), tmp_path / "store.zarr")
    runner = CliRunner()
    full_input = _file(tmp_path / "full.nc")
    result = runner.invoke(
        app,
        [
            "drought",
            "latest",
            str(full_input),
            "--params",
            str(tmp_path / "store.zarr"),
            "--out",
            str(tmp_path / "dec.nc"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "SPI-3 2020-12: 79 of 80 cells with SPI" in result.output
    month = output.open_result(tmp_path / "dec.nc").load()
    store = output.open_result(tmp_path / "store.zarr").load()
    np.testing.assert_array_equal(month["spi"].values[0], store["spi"].values[-1])

    def refused(args: list[str], *phrases: str) -> None:
        before = sorted(p.name for p in (tmp_path / "store.zarr").rglob("*"))
        outcome = runner.invoke(app, ["drought", "latest", *args])
        assert outcome.exit_code == 2, outcome.output
        text = " ".join(outcome.output.split())
        assert "Traceback" not in text
        for phrase in phrases:
            assert phrase in text, text
        assert sorted(p.name for p in (tmp_path / "store.zarr").rglob("*")) == before

    store_arg = ["--params", str(tmp_path / "store.zarr")]
    refused(
        [str(full_input), "--params", str(tmp_path / "nothing.zarr")],
        "no saved parameters there; run `iofs drought spi` first",
    )
    # Two months later: January 2021 is missing in between.
    later = pd.date_range("1986-01-01", periods=TIMES.size + 2, freq="MS")
    xr.Dataset(
        {
            "precip": (
                ("time", "lat", "lon"),
                np.concatenate([_rain(), _rain()[-2:]]),
                {"units": "mm/month"},
            )
        },
        coords={"time": later, "lat": LAT, "lon": LON},
    ).to_netcdf(tmp_path / "feb.nc")
    refused(
        [str(tmp_path / "feb.nc"), *store_arg],
        "ends in 2021-02, which does not follow 2020-12",
        "the next one is 2021-01",
    )
    # Another grid (one latitude row fewer).
    refused(
        [str(_file(tmp_path / "small.nc", later[:-1], LAT[:-1])), *store_arg],
        "the input has 7 lat cells but the saved parameters have 8",
    )
    shifted = _file(tmp_path / "shifted.nc", later[:-1], LAT + 0.05)
    refused([str(shifted), *store_arg], "lat coordinates differ")
    # An output computed from saved parameters holds none itself.
    service.run_spi(
        read.open_grid(full_input, chunk=4),
        tmp_path / "reused.nc",
        3,
        parameters_from=tmp_path / "store.zarr",
    )
    refused(
        [str(full_input), "--params", str(tmp_path / "reused.nc")],
        "holds no fitted parameters (alpha, beta, prob_zero missing)",
    )


def test_negative_precipitation_is_refused_in_the_same_pass(tmp_path: Path) -> None:
    from iofs.cli import app

    rain = _rain()
    rain[100, 3, 4] = -2.5
    xr.Dataset(
        {"precip": (("time", "lat", "lon"), rain, {"units": "mm/month"})},
        coords={"time": TIMES, "lat": LAT, "lon": LON},
    ).to_netcdf(tmp_path / "neg.nc")
    for out in ("spi.nc", "spi.zarr"):
        result = CliRunner().invoke(
            app, ["drought", "spi", str(tmp_path / "neg.nc"), "--out", str(tmp_path / out)]
        )
        assert result.exit_code == 2, result.output
        assert "precipitation has negative values (minimum -2.5 mm/month)" in result.output
        assert not (tmp_path / out).exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{out}")]


@pytest.mark.parametrize("compress", [True, False])
def test_netcdf_and_zarr_outputs_hold_the_same_numbers(tmp_path: Path, compress: bool) -> None:
    source = read.open_grid(_file(tmp_path / "in.nc"), chunk=3)
    service.run_spi(source, tmp_path / "a.nc", 3, (1991, 2019), compress=compress)
    service.run_spi(source, tmp_path / "a.zarr", 3, (1991, 2019), compress=compress)
    a = output.open_result(tmp_path / "a.nc").load()
    b = output.open_result(tmp_path / "a.zarr").load()
    for name in ("spi", "alpha", "beta", "prob_zero"):
        np.testing.assert_array_equal(a[name].values, b[name].values)
    assert a["spi"].dtype == np.float32 and a["alpha"].dims == ("month", "lat", "lon")


def test_zonal_of_the_latest_month_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from iofs.cli import app

    if not service.default_boundaries().exists():
        pytest.skip("world-atlas boundaries not installed (make install)")
    monkeypatch.setenv("IOFS_DATA_DIR", str(tmp_path / "var"))
    _spi(_file(tmp_path / "to-nov.nc", TIMES[:-1]), tmp_path / "store.zarr")
    runner = CliRunner()
    full_input = str(_file(tmp_path / "full.nc"))
    store = str(tmp_path / "store.zarr")
    assert runner.invoke(app, ["drought", "latest", full_input, "--params", store]).exit_code == 0
    result = runner.invoke(app, ["drought", "zonal", store, "--last", "1"])
    assert result.exit_code == 0, result.output
    rows = runner.invoke(app, ["drought", "summary", "DJI", "--format", "json"])
    assert rows.exit_code == 0, rows.output
    assert [r["month"] for r in json.loads(rows.output)] == ["2020-12"]
    assert list((tmp_path / "var").rglob("labels-*.npy"))  # the masks kept for next month


def test_the_spi_command_loads_no_unneeded_library(tmp_path: Path) -> None:
    """NetCDF in, Zarr out on the local threads: neither rioxarray (xarray guessing an
    engine imported every backend) nor dask.distributed (a scheduler given by name) loads."""
    import subprocess
    import sys

    source = _file(tmp_path / "in.nc")
    script = (
        "import sys\n"
        "from iofs.cli import main\n"
        f"sys.argv = ['iofs', 'drought', 'spi', {str(source)!r}, '--out', "
        f"{str(tmp_path / 'out.zarr')!r}]\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "print(sorted(m for m in ('rioxarray', 'distributed') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=240
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "out.zarr").is_dir()
