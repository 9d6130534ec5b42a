"""SPI speed: iofs kernel, the iofs CLI end to end, climate_indices and xclim (APP) in one
run, and 1 -> 2 dask workers; CHIRPS-at-OIC-scale figures with ``--chirps-oic``.

Usage: python benchmarks/spi.py [--ny 200 --nx 150 --years 40 --scale 3 --peers 400
                                 --dask-edge 400 --dask-chunk 50 --repeat 5]
                                [--speed-up-only] [--chirps-oic] [--latest-oic] [--zonal-oic]

A synthetic gamma-distributed grid with ~15 % zeros. iofs runs on one thread over the whole
grid; the peers run on ``--peers`` pixels of the same grid (they are slow), and the largest
|difference| from climate_indices is taken over those pixels. The CLI line runs
``iofs drought spi grid.nc --scale 3 --calibration 1981-2020 --out spi.nc
--scheduler synchronous`` (one core) on the ny x nx grid and on a 20 x 30 grid written as
NetCDF under /tmp, and divides the pixel difference by the time difference, so that start-up
(imports, numba cache loading) is excluded. The worker speed-up runs what that command does
once started (read a Zarr rain store on the workers, fit, transform, write SPI and
parameters to Zarr) on a LocalCluster of 1 and of 2 single-threaded worker processes
(``--dask-edge`` square grid in ``--dask-chunk`` square blocks), alternating between the two
clusters, best of ``--repeat`` runs each, printed beside the machine's own ceiling (the same
kernel in one process alone and in two at once, without Dask); ``--speed-up-only`` runs that
part alone.

``--chirps-oic``: a slice of the OIC extent at CHIRPS' 0.05 degree (1/20 of the rows, all
3180 columns, 1981-2025) through the CLI to Zarr; prints the bytes in and out, the rate per
core, and the full-extent recompute time on one machine and on N workers, extrapolated from
the measured rate and speed-up (stated as such). ``--latest-oic``: ``iofs drought latest``
on the full 1080 x 3180 grid from a synthetic parameter store. ``--zonal-oic``: per-country
shares on the full grid, masks rasterised once. Generated data stays under /tmp.
The machine may be shared: the load average is printed with every timing.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import resource
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from iofs.monitor.drought import service
from iofs.monitor.drought import spi as kernel
from iofs.monitor.drought.output import write_dataset
from iofs.monitor.drought.scheduler import dask_scheduler

WORK = Path("/tmp/iofs-bench-spi")
SHM = Path("/dev/shm/iofs-bench-spi")
IOFS = str(Path(sys.executable).with_name("iofs"))
#: The OIC extent (West Africa to Indonesia) on CHIRPS v2's 0.05 degree grid (cell centres).
OIC_LON = -18.0 + 0.025 + 0.05 * np.arange(3180)  # -17.975 .. 140.975
OIC_LAT = -11.0 + 0.025 + 0.05 * np.arange(1080)  # -10.975 .. 42.975


def load() -> str:
    """The 1, 5 and 15 minute load averages (the machine may be shared)."""
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def grid(ny: int, nx: int, months: int, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = rng.uniform(0.5, 3.0, size=(ny, nx, 1))
    data = rng.gamma(shape, 40.0, size=(ny, nx, months))
    data[rng.random(data.shape) < 0.15] = 0.0
    return data


def write_grid(
    path: Path,
    ny: int,
    nx: int,
    months: int,
    lat: np.ndarray | None = None,
    lon: np.ndarray | None = None,
) -> Path:
    """A CHIRPS-like NetCDF (float32 ``precip`` in mm/month, time, lat, lon) unless present."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.ascontiguousarray(np.moveaxis(grid(ny, nx, months), -1, 0), dtype=np.float32)
    ds = xr.Dataset(
        {"precip": (("time", "lat", "lon"), data, {"units": "mm/month"})},
        coords={
            "time": pd.date_range("1981-01-01", periods=months, freq="MS"),
            "lat": lat if lat is not None else np.linspace(-10, 10, ny),
            "lon": lon if lon is not None else np.linspace(0, 20, nx),
        },
    )
    tmp = path.with_name(path.name + ".part")
    ds.to_netcdf(tmp)
    os.replace(tmp, path)
    return path


def run_cli(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (this child's user + system) of ``iofs <args>``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([IOFS, *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"iofs {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def cli_spi(source: Path, out: Path, scale: int, extra: list[str]) -> tuple[float, float]:
    return run_cli(
        [
            *("drought", "spi", str(source), "--scale", str(scale)),
            *("--calibration", "1981-2020", "--out", str(out), *extra),
        ]
    )


def end_to_end(ny: int, nx: int, months: int, scale: int, runs: int = 3) -> tuple[float, float]:
    """End-to-end CLI rate (pixels/s, wall and CPU) on one core, start-up subtracted."""
    big = write_grid(WORK / f"grid-{ny}x{nx}x{months}.nc", ny, nx, months)
    small = write_grid(WORK / f"grid-20x30x{months}.nc", 20, 30, months)
    one_core = ["--scheduler", "synchronous"]
    cli_spi(small, WORK / "small-spi.nc", scale, one_core)  # numba cache, page cache
    measured: dict[str, list[tuple[float, float]]] = {"small": [], "big": []}
    for _ in range(runs):  # interleaved, so that a change of load hits both grids alike
        for name, source in (("small", small), ("big", big)):
            measured[name].append(cli_spi(source, WORK / f"{name}-spi.nc", scale, one_core))
    # The fastest run of each is the one least disturbed by other work on the machine.
    times = {
        name: (min(m[0] for m in runs_), min(m[1] for m in runs_))
        for name, runs_ in measured.items()
    }
    pixels = ny * nx - 20 * 30
    rates = []
    for index in (0, 1):  # wall, CPU
        spent = times["big"][index] - times["small"][index]
        rates.append(pixels / spent if spent > 0 else math.nan)
    wall, cpu = rates
    shown = [
        f"{rate:,.0f} pixels/s {label}" if math.isfinite(rate) else f"{label}: not measurable"
        for rate, label in zip(rates, ("wall", "CPU"), strict=True)
    ]
    print(
        f"iofs CLI end to end (1 core) {', '.join(shown)} (fastest of {runs}: {ny}x{nx} "
        f"{times['big'][0]:.2f} s wall {times['big'][1]:.2f} s CPU, 20x30 "
        f"{times['small'][0]:.2f} s wall {times['small'][1]:.2f} s CPU start-up; {load()})"
    )
    return wall, cpu


def quiet_climate_indices() -> None:
    """climate_indices logs every series at info level (structlog); keep warnings only."""
    logging.getLogger("climate_indices").setLevel(logging.WARNING)
    try:
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    except ImportError:
        pass


def climate_indices_rate(
    flat: np.ndarray, months: int, scale: int, peers: int
) -> tuple[float, np.ndarray, np.ndarray]:
    from climate_indices import indices
    from climate_indices.compute import Periodicity

    quiet_climate_indices()

    pixels = flat.shape[0]
    sample = np.linspace(0, pixels - 1, min(peers, pixels)).astype(int)
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    theirs = np.stack(
        [
            indices.spi(
                flat[i].copy(),
                scale,
                indices.Distribution.gamma,
                1981,
                1991,
                2020,
                Periodicity.monthly,
            )
            for i in sample
        ]
    )
    return len(sample) / (time.perf_counter() - t0), sample, theirs


def warm_workers() -> None:
    """Load the numba kernels on EVERY worker of the current client before timing (a task
    or two of warm-up may all land on one worker, leaving the other to compile mid-run)."""
    from distributed import get_client

    get_client().run(kernel.warm_up)


def write_zarr_grid(path: Path, edge: int, months: int, chunk: int) -> Path:
    """A CHIRPS-like Zarr rain store (float32 mm/month, whole time series per chunk of
    ``chunk`` x ``chunk`` cells, as the README's cluster recipe stores rain), unless present."""
    if path.exists():
        return path
    data = np.ascontiguousarray(np.moveaxis(grid(edge, edge, months), -1, 0), dtype=np.float32)
    ds = xr.Dataset(
        {"precip": (("time", "lat", "lon"), data, {"units": "mm/month"})},
        coords={
            "time": pd.date_range("1981-01-01", periods=months, freq="MS"),
            "lat": np.linspace(-10, 10, edge),
            "lon": np.linspace(0, 20, edge),
        },
    )
    tmp = path.with_name(path.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    ds.chunk({"time": -1, "lat": chunk, "lon": chunk}).to_zarr(tmp, consolidated=False)
    os.replace(tmp, path)
    return path


def file_system(path: Path) -> str:
    """The type of the file system holding ``path`` (from /proc/mounts), e.g. tmpfs, ext4."""
    best, kind = "", "unknown"
    for line in Path("/proc/mounts").read_text().splitlines():
        mount, fs = line.split()[1:3]
        if str(path).startswith(mount.rstrip("/") + "/") and len(mount) > len(best):
            best, kind = mount, fs
    return kind


def speed_up(
    edge: int, months: int, scale: int, repeat: int = 15, chunk: int = 100, where: Path = WORK
) -> dict[int, float]:
    """Seconds for the CLI's work on an edge x edge Zarr grid on a cluster of 1 and of 2
    single-threaded workers, the best of ``repeat`` runs on each (as ``timeit`` reports: on
    a shared machine other processes only ever add time; every run is printed).

    A run is what ``iofs drought spi rain.zarr --scheduler ADDRESS --out spi.zarr`` does
    once started: open the rain, then read it on the workers, fit, transform and write the
    SPI and its parameters to Zarr. Both clusters are started first, with the workers'
    settings iofs recommends (``scheduler.WORKER_SETTINGS``), and the runs alternate
    between them, so that a change of load on the machine hits both alike; one run on each
    warms the workers up and is not counted. Each run writes a new output (the previous
    one is deleted before the clock starts: replacing an output also deletes the old one,
    0.07 s for this one on tmpfs, and that is not the workers' work)."""
    import dask
    from distributed import Client, LocalCluster

    from iofs.monitor.drought import read
    from iofs.monitor.drought.scheduler import WORKER_SETTINGS

    logging.getLogger("distributed").setLevel(logging.WARNING)  # no per-client lines

    source = write_zarr_grid(
        where / f"rain-{edge}x{edge}x{months}-c{chunk}.zarr", edge, months, chunk
    )
    out = where / "speed-up-spi.zarr"
    sizes = (1, 2)
    runs: dict[int, list[float]] = {n: [] for n in sizes}
    with dask.config.set(WORKER_SETTINGS), contextlib.ExitStack() as stack:
        clusters = {
            n: stack.enter_context(
                LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
                )
            )
            for n in sizes
        }
        for cluster in clusters.values():
            with Client(cluster.scheduler_address) as client:
                client.run(kernel.warm_up)
        for round_ in range(repeat + 1):
            for n in sizes:
                data = read.open_grid(source, chunk=chunk)
                shutil.rmtree(out, ignore_errors=True)  # a new output, as a first run writes
                t0 = time.perf_counter()
                run = service.run_spi(
                    data, out, scale, (1991, 2020), scheduler=clusters[n].scheduler_address
                )
                if round_:
                    runs[n].append(time.perf_counter() - t0)
                if run.notes[len(data.notes) :]:
                    print(f"note: {run.notes[len(data.notes) :]}")
    shutil.rmtree(out, ignore_errors=True)
    elapsed = {n: min(runs[n]) for n in sizes}
    blocks = math.ceil(edge / chunk) ** 2
    print(f"speed-up: rain and output under {where} ({file_system(where)})")
    for n in sizes:
        print(
            f"dask.distributed {n} worker(s) {edge * edge / elapsed[n]:12,.0f} pixels/s  "
            f"({edge}x{edge}x{months} Zarr -> SPI + parameters Zarr, {blocks} blocks of "
            f"{chunk}x{chunk}; best of {repeat}: {elapsed[n]:.2f} s; runs "
            f"{', '.join(f'{t:.2f}' for t in runs[n])} s; {load()})"
        )
    gain = elapsed[1] / elapsed[2]
    paired = sorted(one / two for one, two in zip(runs[1], runs[2], strict=True))
    ceiling = parallel_ceiling()
    print(
        f"speed-up 1 -> 2 workers: {gain:.2f}x (best against best; run by run "
        f"{paired[0]:.2f}-{paired[-1]:.2f}x, median {paired[len(paired) // 2]:.2f}x), "
        f"{100 * gain / ceiling:.0f} % of this machine's {ceiling:.2f}x ceiling  ({load()})"
    )
    return elapsed


def _kernel_block_seconds(_: int) -> float:
    """Seconds for SPI-3 of one 480 x 50 x 100 block, six times, in this process."""
    kernel.warm_up()
    rain = np.random.default_rng(1).gamma(1.5, 40.0, size=(480, 50, 100)).astype(np.float32)
    months = np.arange(480, dtype=np.int64) % 12
    calibration = np.ones(480, dtype=bool)
    begin = time.perf_counter()
    for _ in range(6):
        kernel.spi_time_major(rain, 3, months, calibration, kernel.MIN_CALIBRATION_VALUES)
    return time.perf_counter() - begin


def parallel_ceiling() -> float:
    """The most two worker processes can gain over one on this machine, without Dask: the
    same kernel work run alone and then in two processes at once (a virtual machine's two
    vCPUs may share a physical core, caches and memory bandwidth). Printed, and returned as
    a ratio (2.0 on two free cores)."""
    from multiprocessing import get_context

    with get_context("spawn").Pool(2) as pool:
        pool.map(_kernel_block_seconds, [0, 1])  # compile and load in both first
        # The best of three of each: other work on the machine only ever adds time.
        alone = min(pool.map(_kernel_block_seconds, [0])[0] for _ in range(3))
        together = min(max(pool.map(_kernel_block_seconds, [0, 1])) for _ in range(3))
    ceiling = 2 * alone / together
    print(
        f"machine: the kernel alone {alone:.2f} s, in two processes at once {together:.2f} s "
        f"each: two workers can gain at most {ceiling:.2f}x here ({load()})"
    )
    return ceiling


def size_of(path: Path) -> int:
    """Bytes on disk of a file or a directory tree (a Zarr store)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def chirps_oic(rows: int, workers: int, scale: int) -> None:
    """A slice of the OIC extent at 0.05 degree, 1981-2025, through the CLI; extrapolated."""
    import dask
    from distributed import LocalCluster

    from iofs.monitor.drought.scheduler import WORKER_SETTINGS

    months = 45 * 12
    full_pixels = OIC_LAT.size * OIC_LON.size
    source = write_grid(
        WORK / f"oic-slice-{rows}x{OIC_LON.size}x{months}.nc",
        rows,
        OIC_LON.size,
        months,
        lat=OIC_LAT[:rows],
        lon=OIC_LON,
    )
    pixels = rows * OIC_LON.size
    print(
        f"OIC extent at 0.05 deg: {OIC_LAT.size} x {OIC_LON.size} = {full_pixels:,} cells "
        f"(all computed; about half of them fall in a country), 1981-2025 = {months} months"
    )
    print(f"slice: {rows} x {OIC_LON.size} = {pixels:,} cells ({pixels / full_pixels:.1%})")
    out = WORK / "oic-slice-spi.zarr"
    small = write_grid(WORK / f"grid-20x30x{months}.nc", 20, 30, months)
    one_core = ["--scheduler", "synchronous"]
    cli_spi(small, WORK / "small-oic.zarr", scale, one_core)
    start_wall, start_cpu = cli_spi(small, WORK / "small-oic.zarr", scale, one_core)
    wall, cpu = cli_spi(source, out, scale, one_core)
    rate = (pixels - 600) / max(wall - start_wall, 1e-9)
    bytes_in, bytes_out = size_of(source), size_of(out)
    print(
        f"1 core, CLI to Zarr: {wall:.1f} s wall, {cpu:.1f} s CPU -> {rate:,.0f} pixels/s per "
        f"core wall (start-up {start_wall:.1f} s wall, {start_cpu:.1f} s CPU subtracted; "
        f"{load()})"
    )
    print(
        f"bytes in {bytes_in / 1e6:,.0f} MB (float32 NetCDF), out {bytes_out / 1e6:,.0f} MB "
        f"(Zarr: SPI float32 + 3 x 12 float64 parameters, Blosc-LZ4)"
    )
    elapsed = {}
    for n in (1, 2):
        with (
            dask.config.set(WORKER_SETTINGS),
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
        ):
            address = ["--scheduler", cluster.scheduler_address]
            with dask_scheduler(cluster.scheduler_address):
                warm_workers()
            cli_spi(small, WORK / "small-oic.zarr", scale, address)
            started, _ = cli_spi(small, WORK / "small-oic.zarr", scale, address)
            whole, _ = cli_spi(source, out, scale, address)
            elapsed[n] = whole - started  # start-up subtracted, as for one core
        blocks = math.ceil(rows / 256) * math.ceil(OIC_LON.size / 256)
        print(
            f"LocalCluster {n} worker(s): {whole:.1f} s, {elapsed[n]:.1f} s with the start-up "
            f"({started:.1f} s, the 20 x 30 grid's run) subtracted; {blocks} blocks of 256 "
            f"columns ({load()})"
        )
    measured = elapsed[1] / elapsed[2]
    efficiency = measured / 2  # parallel efficiency E of two workers
    cpu_rate = (pixels - 600) / max(cpu - start_cpu, 1e-9)
    growth = full_pixels / pixels
    one = full_pixels / rate
    print(
        f"measured speed-up 1 -> 2 workers: {measured:.2f}x (parallel efficiency {efficiency:.0%})"
    )
    print(
        f"full OIC extent, 1981-2025 (extrapolated from the slice, linear in cells): in "
        f"{bytes_in * growth / 1e9:.1f} GB, out {bytes_out * growth / 1e9:.1f} GB; one core "
        f"{one / 60:.1f} min at the measured wall rate, {full_pixels / cpu_rate / 60:.1f} min "
        f"at its CPU rate ({cpu_rate:,.0f} pixels/s, i.e. an uncontended core)"
    )
    for cores in (2, 8, 32):
        print(
            f"  one machine of {cores} cores (extrapolated: T1 / (N x E), E = {efficiency:.0%} "
            f"as measured here): {one / (cores * efficiency) / 60:.1f} min; "
            f"at E = 100 % and the CPU rate: {full_pixels / cpu_rate / cores / 60:.1f} min"
        )
    print(
        f"  a Dask cluster of {workers} single-core workers (extrapolated the same way; "
        f"storage bandwidth not modelled): {one / (workers * efficiency) / 60:.1f} min; "
        f"at E = 100 % and the CPU rate: {full_pixels / cpu_rate / workers / 60:.1f} min"
    )


def oic_inputs(scale: int) -> tuple[Path, Path]:
    """A synthetic parameter store shaped as `iofs drought spi` writes it for the full OIC
    grid (last month 2025-11) and a CHIRPS-shaped Zarr of the 12 months of 2025, both under
    /tmp and made once."""
    import dask.array as dsa

    root = WORK / "oic"
    store, source = root / f"spi{scale}-store.zarr", root / "chirps-oic-2025.zarr"
    space = (OIC_LAT.size, OIC_LON.size)
    coords = {"lat": OIC_LAT, "lon": OIC_LON}
    if not source.exists():
        rng = dsa.random.default_rng(5)
        rain = rng.gamma(1.3, 40.0, size=(12, *space), chunks=(1, 540, 530)).astype(np.float32)
        xr.Dataset(
            {"precip": (("time", "lat", "lon"), rain, {"units": "mm/month"})},
            coords={"time": pd.date_range("2025-01-01", periods=12, freq="MS"), **coords},
        ).to_zarr(source, consolidated=False)
    if not store.exists():
        rng = dsa.random.default_rng(6)
        chunks = (12, 256, 256)
        params = {
            "alpha": rng.uniform(0.6, 3.0, size=(12, *space), chunks=chunks),
            "beta": rng.uniform(10.0, 80.0, size=(12, *space), chunks=chunks),
            "prob_zero": rng.uniform(0.0, 0.2, size=(12, *space), chunks=chunks),
        }
        ds = xr.Dataset(
            {
                "spi": (
                    ("time", "lat", "lon"),
                    dsa.zeros((1, *space), chunks=(1, 256, 256), dtype=np.float32),
                ),
                **{name: (("month", "lat", "lon"), value) for name, value in params.items()},
            },
            coords={"time": [pd.Timestamp("2025-11-01")], "month": np.arange(1, 13), **coords},
            attrs={"scale": scale, "calibration": "1991-2020", "last_month": "2025-11"},
        )
        write_dataset(ds, store)
    return store, source


def latest_oic(scale: int) -> None:
    """`iofs drought latest` for December 2025 on the full OIC grid."""
    store, source = oic_inputs(scale)
    pixels = OIC_LAT.size * OIC_LON.size
    read_bytes = scale * pixels * 4 + 3 * pixels * 8
    wall, cpu = run_cli(["drought", "latest", str(source), "--params", str(store)])
    print(
        f"iofs drought latest, OIC extent 0.05 deg, {pixels:,} cells: {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU (target <= 60 s; reads {read_bytes / 1e6:.0f} MB: {scale} months "
        f"of rain + 1 calendar month of parameters; {load()})"
    )


def zonal_oic() -> None:
    """Per-country (world-atlas 50m) and synthetic admin-1 shares of one month and of a
    year on the full OIC grid; masks rasterised once."""
    from iofs.monitor.drought import zonal

    boundaries = service.default_boundaries()
    if not boundaries.exists():
        print(f"zonal: not run ({boundaries} missing; make install)")
        return
    countries = zonal.read_topojson_countries(boundaries)
    # No admin-1 shapes ship with the app: a stand-in of 1,000 rectangles tiling the extent
    # (about as many as the OIC states' admin-1 units) gives the cost of that level.
    admin1 = [
        zonal.Area(
            f"A{i:02d}{j:02d}",
            "",
            [np.array([[x, y], [x + 3.18, y], [x + 3.18, y + 2.16], [x, y + 2.16], [x, y]])],
        )
        for i, x in enumerate(np.arange(-18.0, 141.0 - 1e-9, 3.18))
        for j, y in enumerate(np.arange(-11.0, 43.0 - 1e-9, 2.16))
    ]
    rng = np.random.default_rng(3)
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    spi = xr.DataArray(
        rng.standard_normal((12, OIC_LAT.size, OIC_LON.size), dtype=np.float32),
        dims=("time", "lat", "lon"),
        coords={"time": months, "lat": OIC_LAT, "lon": OIC_LON},
        attrs={"scale": 3},
    )
    cache = WORK / "labels"
    shutil.rmtree(cache, ignore_errors=True)
    for level, areas in (("country", countries), ("admin1", admin1)):
        t0 = time.perf_counter()
        zonal.zonal_statistics(spi.isel(time=[0]), areas, level, "bench", cache_dir=cache)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        zonal.zonal_statistics(spi.isel(time=[1]), areas, level, "bench", cache_dir=cache)
        again = time.perf_counter() - t0
        t0 = time.perf_counter()
        table = zonal.zonal_statistics(spi, areas, level, "bench", cache_dir=cache)
        year = time.perf_counter() - t0
        print(
            f"zonal {level} ({len(areas)} areas, {table['area_id'].nunique()} on the grid): "
            f"one month {first:.2f} s with rasterising, {again:.2f} s with the cached masks; "
            f"12 months {year:.2f} s = {year / 12:.2f} s per month (target <= 10 s; {load()})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ny", type=int, default=200)
    parser.add_argument("--nx", type=int, default=150)
    parser.add_argument("--years", type=int, default=40)
    parser.add_argument("--scale", type=int, default=3)
    parser.add_argument("--peers", type=int, default=400)
    parser.add_argument("--dask-edge", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3, help="CLI runs per grid (median)")
    parser.add_argument(
        "--repeat", type=int, default=15, help="runs per Dask cluster size (best of)"
    )
    parser.add_argument("--dask-chunk", type=int, default=100, help="--dask-edge chunk edge")
    parser.add_argument(
        "--dask-dir",
        type=Path,
        default=SHM if SHM.parent.is_dir() else WORK,
        help="where the speed-up's rain and output go (default: memory, /dev/shm, so that "
        "the local disk's write-back does not take a core from the workers)",
    )
    parser.add_argument("--speed-up-only", action="store_true")
    parser.add_argument("--chirps-oic", action="store_true")
    parser.add_argument("--latest-oic", action="store_true")
    parser.add_argument("--zonal-oic", action="store_true")
    parser.add_argument("--slice-rows", type=int, default=54, help="--chirps-oic rows")
    parser.add_argument("--workers", type=int, default=16, help="--chirps-oic cluster size")
    args = parser.parse_args()
    if args.chirps_oic or args.latest_oic or args.zonal_oic:
        if args.chirps_oic:
            chirps_oic(args.slice_rows, args.workers, args.scale)
        if args.latest_oic:
            latest_oic(args.scale)
        if args.zonal_oic:
            zonal_oic()
        return
    months = args.years * 12
    if args.speed_up_only:
        speed_up(args.dask_edge, months, args.scale, args.repeat, args.dask_chunk, args.dask_dir)
        return
    data = grid(args.ny, args.nx, months)
    pixels = args.ny * args.nx
    month_index = np.arange(months) % 12
    years = 1981 + np.arange(months) // 12
    cal = (years >= 1991) & (years <= 2020)
    print(f"grid {args.ny}x{args.nx} x {months} months, SPI-{args.scale}, calibration 1991-2020")

    kernel.warm_up()
    t0 = time.perf_counter()
    ours, _ = kernel.spi(data, args.scale, month_index, cal)
    t_iofs = time.perf_counter() - t0
    rate_iofs = pixels / t_iofs
    print(f"iofs kernel (numba, 1 thread){rate_iofs:10,.0f} pixels/s  ({t_iofs:.2f} s; {load()})")

    flat = data.reshape(pixels, months)
    rate_ci, sample, theirs = climate_indices_rate(flat, months, args.scale, args.peers)
    diff = np.nanmax(np.abs(theirs - ours.reshape(pixels, months)[sample]))
    print(
        f"climate_indices (per series){rate_ci:11,.0f} pixels/s  ratio kernel/ci "
        f"{rate_iofs / rate_ci:6.1f}x  max|diff| {diff:.2e}  ({load()})"
    )
    wall, cpu = end_to_end(args.ny, args.nx, months, args.scale, args.runs)
    print(
        f"ratio CLI end to end / climate_indices: {wall / rate_ci:.1f}x wall, "
        f"{cpu / rate_ci:.1f}x CPU (targets: >= 35,000 pixels/s, >= 25x)"
    )

    try:
        import xclim.indices as xci

        times = pd.date_range("1981-01-01", periods=months, freq="MS")
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
            f"xclim (APP, floc=0)        {rate_xc:12,.0f} pixels/s  ratio kernel/xclim "
            f"{rate_iofs / rate_xc:6.1f}x  max|diff xclim-ci| {xdiff:.2e}"
        )
    except Exception as error:
        print(f"xclim: not run ({type(error).__name__}: {error})")

    speed_up(args.dask_edge, months, args.scale, args.repeat, args.dask_chunk, args.dask_dir)


if __name__ == "__main__":
    main()
