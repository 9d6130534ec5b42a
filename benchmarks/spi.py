"""SPI speed: iofs kernel vs climate_indices vs xclim (APP), and 1 -> 2 dask workers.

Usage: python benchmarks/spi.py [--ny 200 --nx 200 --years 40 --scale 3 --peers 400]

A synthetic gamma-distributed grid with ~15 % zeros. iofs runs on one thread over the whole
grid; the peers run on ``--peers`` pixels of the same grid (they are slow), and the largest
|difference| from climate_indices is taken over those pixels. The worker speed-up runs the
same dask computation on a LocalCluster of 1 and of 2 single-threaded worker processes.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from iofs.monitor.drought import service
from iofs.monitor.drought import spi as kernel


def grid(ny: int, nx: int, months: int, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = rng.uniform(0.5, 3.0, size=(ny, nx, 1))
    data = rng.gamma(shape, 40.0, size=(ny, nx, months))
    data[rng.random(data.shape) < 0.15] = 0.0
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ny", type=int, default=200)
    parser.add_argument("--nx", type=int, default=200)
    parser.add_argument("--years", type=int, default=40)
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--peers", type=int, default=400)
    args = parser.parse_args()
    months = args.years * 12
    data = grid(args.ny, args.nx, months)
    pixels = args.ny * args.nx
    month_index = np.arange(months) % 12
    start_year = 1981
    years = start_year + np.arange(months) // 12
    cal = (years >= 1991) & (years <= 2020)
    print(f"grid {args.ny}x{args.nx} x {months} months, SPI-{args.scale}, calibration 1991-2020")

    kernel.warm_up()
    t0 = time.perf_counter()
    ours, _ = kernel.spi(data, args.scale, month_index, cal)
    t_iofs = time.perf_counter() - t0
    rate_iofs = pixels / t_iofs
    print(f"iofs (numba, 1 thread)     {rate_iofs:12,.0f} pixels/s  ({t_iofs:.2f} s)")

    from climate_indices import indices
    from climate_indices.compute import Periodicity

    flat = data.reshape(pixels, months)
    sample = np.linspace(0, pixels - 1, min(args.peers, pixels)).astype(int)
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    theirs = np.stack(
        [
            indices.spi(
                flat[i].copy(),
                args.scale,
                indices.Distribution.gamma,
                start_year,
                1991,
                2020,
                Periodicity.monthly,
            )
            for i in sample
        ]
    )
    t_ci = time.perf_counter() - t0
    rate_ci = len(sample) / t_ci
    diff = np.nanmax(np.abs(theirs - ours.reshape(pixels, months)[sample]))
    print(
        f"climate_indices (per series){rate_ci:11,.0f} pixels/s  ratio iofs/ci "
        f"{rate_iofs / rate_ci:6.1f}x  max|diff| {diff:.2e}"
    )

    try:
        import xclim.indices as xci

        times = pd.date_range(f"{start_year}-01-01", periods=months, freq="MS")
        pr = xr.DataArray(
            flat[sample].T,
            dims=("time", "cell"),
            coords={"time": times},
            attrs={"units": "mm/month"},
        )
        t0 = time.perf_counter()
        xc = xci.standardized_precipitation_index(
            pr,
            freq=None,
            window=args.scale,
            dist="gamma",
            method="APP",
            fitkwargs={"floc": 0},
            cal_start="1991-01-01",
            cal_end="2020-12-31",
        ).load()
        t_xc = time.perf_counter() - t0
        rate_xc = len(sample) / t_xc
        # climate_indices (and iofs) clip SPI to ±3.09; xclim does not, so compare like with like.
        xdiff = np.nanmax(np.abs(np.clip(xc.values.T, -3.09, 3.09) - theirs))
        print(
            f"xclim (APP, floc=0)        {rate_xc:12,.0f} pixels/s  ratio iofs/xclim "
            f"{rate_iofs / rate_xc:6.1f}x  max|diff xclim-ci| {xdiff:.2e}"
        )
    except Exception as error:
        print(f"xclim: not run ({type(error).__name__}: {error})")

    from distributed import LocalCluster

    times = pd.date_range(f"{start_year}-01-01", periods=months, freq="MS")
    import dask.array as dsa

    # Generated on the workers (not shipped from this process), time in one chunk.
    rng = dsa.random.default_rng(7)
    lazy = rng.gamma(1.5, 40.0, size=(months, args.ny, args.nx), chunks=(months, 25, 100))
    lazy = dsa.where(rng.random(lazy.shape, chunks=lazy.chunks) < 0.15, 0.0, lazy)
    da = xr.DataArray(lazy, dims=("time", "lat", "lon"), coords={"time": times})
    elapsed = {}
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            service.dask_scheduler(cluster.scheduler_address),
        ):
            service.compute_spi(da.isel(lat=slice(0, 25)), args.scale, (1991, 2020))[
                "spi"
            ].compute()  # warm the workers (numba cache load)
            t0 = time.perf_counter()
            service.compute_spi(da, args.scale, (1991, 2020))["spi"].compute()
            elapsed[workers] = time.perf_counter() - t0
        print(
            f"dask.distributed {workers} worker(s) {pixels / elapsed[workers]:12,.0f} "
            f"pixels/s  ({elapsed[workers]:.2f} s)"
        )
    print(f"speed-up 1 -> 2 workers: {elapsed[1] / elapsed[2]:.2f}x")


if __name__ == "__main__":
    main()
