"""Drought monitoring service: SPI over grids (threads or a dask.distributed cluster), saved
parameters, zonal drought shares per country stored as Parquet, and the queries pages use.

Store layout under ``settings.analytics_dir / "drought"``:

* ``zonal_spi.parquet``: one row per (source, scale, level, area_id, month) with the mean SPI
  and the drought-class area shares (see :mod:`iofs.monitor.drought.zonal`).
"""

from __future__ import annotations

import contextlib
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from iofs.analytics_store.duckdb_cursor import duckdb_cursor
from iofs.config import Settings
from iofs.errors import InputError
from iofs.i18n import gettext as _
from iofs.ingest_files import atomic_write, kill_point, remove_stale
from iofs.monitor.drought import spi as kernel
from iofs.monitor.drought.errors import DroughtInputError as DroughtInputError  # other modules
from iofs.monitor.drought.output import (
    ProgressCallback,
    open_parameters,
    write_dataset,
)
from iofs.monitor.drought.output import open_result as open_result  # for other modules
from iofs.monitor.drought.read import Precipitation, PrecipitationInputError
from iofs.monitor.drought.scheduler import dask_scheduler
from iofs.slices import SliceInfo, UnknownSlice, discard, file_size, modified_at, split_id

ZONAL_FILE = "zonal_spi.parquet"
ZONAL_COLUMNS = [
    "source",
    "scale",
    "level",
    "area_id",
    "iso3",
    "month",
    "mean_spi",
    "share_moderate",
    "share_severe",
    "share_extreme",
    "coverage",
    "pixels",
]


def drought_dir(settings: Settings) -> Path:
    """Directory of the drought analytics store."""
    return settings.analytics_dir / "drought"


def parse_calibration(text: str | None) -> tuple[int, int] | None:
    """``"1991-2020"`` to ``(1991, 2020)``; ``None`` means the whole record."""
    if text is None or text == "":
        return None
    parts = text.replace("/", "-").split("-")
    try:
        start, end = (int(p) for p in parts)
    except ValueError:
        raise DroughtInputError(
            f"calibration {text!r} is not YEAR-YEAR, e.g. 1991-2020", field="calibration"
        ) from None
    if start > end:
        raise DroughtInputError(
            f"calibration {text!r}: the first year is after the last", field="calibration"
        )
    return start, end


def _time_index(da: xr.DataArray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(da["time"].values)


def calibration_mask(times: pd.DatetimeIndex, calibration: tuple[int, int] | None) -> np.ndarray:
    """Boolean mask of the time steps whose year is in the calibration period."""
    if calibration is None:
        return np.ones(len(times), dtype=bool)
    mask = np.asarray((times.year >= calibration[0]) & (times.year <= calibration[1]))
    if not mask.any():
        raise DroughtInputError(
            f"calibration {calibration[0]}-{calibration[1]} does not overlap the data "
            f"({times[0]:%Y-%m} to {times[-1]:%Y-%m})",
            field="calibration",
        )
    return mask


def _fit_block(
    precip: np.ndarray,
    scale: int,
    months: np.ndarray,
    mask: np.ndarray,
    min_values: int,
    source: str,
) -> tuple[np.ndarray, ...]:
    """One (time, *space) block: SPI and the parameters (12, *space); negative input is
    refused here, from the minimum the kernel takes in the same pass (no second read)."""
    values, params, low = kernel.spi_time_major(precip, scale, months, mask, min_values)
    smallest = float(low.min()) if low.size else math.inf
    if smallest < 0:
        raise PrecipitationInputError(
            f"{source}: precipitation has negative values (minimum {smallest:g} mm/month)"
        )
    return values, params.alpha, params.beta, params.prob_zero


def _given_block(
    precip: np.ndarray,
    alpha: np.ndarray,
    beta: np.ndarray,
    prob_zero: np.ndarray,
    scale: int,
    months: np.ndarray,
) -> np.ndarray:
    return kernel.spi_from_parameters_time_major(
        precip, scale, months, kernel.GammaParameters(alpha, beta, prob_zero)
    )


def _pick(parts: tuple[np.ndarray, ...], index: int) -> np.ndarray:
    return parts[index]


def _lazy_fit(
    data: Any, scale: int, months: np.ndarray, mask: np.ndarray, min_values: int, source: str
) -> tuple[Any, ...]:
    """SPI, alpha, beta and prob_zero of a (time, *space) dask array, all from ONE task per
    block (the fit and the transform share the block's read and accumulation)."""
    import dask.array as dsa

    space = data.chunks[1:]
    joint = dsa.map_blocks(  # type: ignore[no-untyped-call]
        _fit_block,
        data,
        scale=scale,
        months=months,
        mask=mask,
        min_values=min_values,
        source=source,
        dtype=np.float32,
        meta=np.empty((0,) * data.ndim, dtype=np.float32),
    )
    outputs = []
    for index, (first, dtype) in enumerate(
        [(data.chunks[0], np.float32)] + [((12,), np.float64)] * 3
    ):
        outputs.append(
            joint.map_blocks(
                _pick,
                index,
                chunks=(first, *space),
                dtype=dtype,
                meta=np.empty((0,) * data.ndim, dtype=dtype),
            )
        )
    return tuple(outputs)


def _space_coords(precip: xr.DataArray) -> dict[str, Any]:
    return {str(name): coord for name, coord in precip.coords.items() if "time" not in coord.dims}


@dataclass(frozen=True)
class FittedBlocks:
    """The fit of a grid as one task per block that also writes the block's SPI and
    parameters into a Zarr store (see :func:`write_fitted_block`): nothing is held between
    tasks or moved between workers, and a cluster schedules a fifth of the tasks."""

    data: Any  # dask array (time, *space), time in one chunk
    scale: int
    months: np.ndarray
    mask: np.ndarray
    min_values: int
    source: str

    def writes(self, store: Path) -> list[Any]:
        """One delayed write per block into ``store`` (its arrays already created)."""
        import dask.array as dsa

        done = dsa.map_blocks(  # type: ignore[no-untyped-call]
            write_fitted_block,
            self.data,
            store=str(store),
            scale=self.scale,
            months=self.months,
            mask=self.mask,
            min_values=self.min_values,
            source=self.source,
            chunks=tuple((1,) * len(c) for c in self.data.chunks),
            dtype=np.int8,
            meta=np.empty((0,) * self.data.ndim, dtype=np.int8),
        )
        return list(done.to_delayed().ravel())


def write_fitted_block(
    precip: np.ndarray,
    block_info: dict[Any, Any] | None = None,
    *,
    store: str,
    scale: int,
    months: np.ndarray,
    mask: np.ndarray,
    min_values: int,
    source: str,
) -> np.ndarray:
    """Fit and transform one block and write ``spi``, ``alpha``, ``beta`` and ``prob_zero``
    at the block's place in the Zarr ``store``; returns a one-cell marker."""
    import zarr

    assert block_info is not None  # dask passes it to a function that names it
    spi, *params = _fit_block(precip, scale, months, mask, min_values, source)
    where = (slice(None), *(slice(a, b) for a, b in block_info[0]["array-location"][1:]))
    group = zarr.open_group(store, mode="r+")
    for name, values in zip(("spi", "alpha", "beta", "prob_zero"), (spi, *params), strict=True):
        array = group[name]
        assert isinstance(array, zarr.Array)
        array[where] = values
    return np.ones((1,) * precip.ndim, dtype=np.int8)


@dataclass(frozen=True)
class SpiPlan:
    """A lazy SPI Dataset and, when it fits parameters, the same work as block writes."""

    dataset: xr.Dataset
    fitted: FittedBlocks | None


def compute_spi(
    precip: xr.DataArray,
    scale: int,
    calibration: tuple[int, int] | None = None,
    parameters: xr.Dataset | None = None,
    min_calibration_values: int = kernel.MIN_CALIBRATION_VALUES,
    source: str = "input",
) -> xr.Dataset:
    """Lazy SPI of ``precip`` (mm/month, time first) as a Dataset.

    Variables: ``spi`` (dimensionless, float32, same dims as ``precip``) and, when fitted
    here, ``alpha`` (gamma shape), ``beta`` (gamma scale, mm) and ``prob_zero`` (0-1) per
    calendar month (dims ``month`` 1..12 first, then space), all four from one task per
    block; a block with negative precipitation fails the computation with a
    :class:`PrecipitationInputError` naming ``source``. With ``parameters`` (a Dataset
    written by an earlier run) nothing is refitted. Time is kept in one chunk; space stays
    chunked as given; the blocks are read as the files hold them (time first).
    """
    return plan_spi(precip, scale, calibration, parameters, min_calibration_values, source).dataset


def plan_spi(
    precip: xr.DataArray,
    scale: int,
    calibration: tuple[int, int] | None = None,
    parameters: xr.Dataset | None = None,
    min_calibration_values: int = kernel.MIN_CALIBRATION_VALUES,
    source: str = "input",
) -> SpiPlan:
    """:func:`compute_spi`, with the fit also as block writes (:class:`FittedBlocks`)."""
    if scale not in kernel.SCALES:
        raise DroughtInputError(
            f"scale must be one of {', '.join(map(str, kernel.SCALES))}, not {scale}", field="scale"
        )
    times = _time_index(precip)
    if len(times) < scale:
        raise DroughtInputError(
            f"the series has {len(times)} months, fewer than the scale ({scale})", field="scale"
        )
    months = np.asarray(times.month - 1, dtype=np.int64)
    space = [d for d in precip.dims if d != "time"]
    precip = precip.transpose("time", *space).chunk({"time": -1})
    data = precip.data
    if not hasattr(data, "dask"):
        precip = precip.chunk({d: -1 for d in space})
        data = precip.data
    coords = _space_coords(precip)
    fitted = None
    if parameters is not None:
        import dask.array as dsa

        _check_parameters(parameters, precip, scale)
        chunks = {"month": -1, **{d: c for d, c in zip(space, data.chunks[1:], strict=True)}}
        arrays = [
            parameters[name].transpose("month", *space).chunk(chunks).data
            for name in ("alpha", "beta", "prob_zero")
        ]
        values = dsa.map_blocks(  # type: ignore[no-untyped-call]
            _given_block,
            data,
            *arrays,
            scale=scale,
            months=months,
            dtype=np.float32,
            meta=np.empty((0,) * data.ndim, dtype=np.float32),
        )
        out = xr.Dataset({"spi": xr.DataArray(values, dims=precip.dims, coords=precip.coords)})
        out.attrs.update(
            {
                "scale": scale,
                "calibration": parameters.attrs.get("calibration", ""),
                "parameters": "reused",
            }
        )
    else:
        mask = calibration_mask(times, calibration)
        values, alpha, beta, prob_zero = _lazy_fit(
            data, scale, months, mask, min_calibration_values, source
        )
        fitted = FittedBlocks(data, scale, months, mask, min_calibration_values, source)
        by_month = ("month", *space)
        out = xr.Dataset(
            {
                "spi": xr.DataArray(values, dims=precip.dims, coords=precip.coords),
                "alpha": xr.DataArray(alpha, dims=by_month, coords=coords),
                "beta": xr.DataArray(beta, dims=by_month, coords=coords),
                "prob_zero": xr.DataArray(prob_zero, dims=by_month, coords=coords),
            }
        )
        out = out.assign_coords(month=np.arange(1, 13))
        span = (
            f"{calibration[0]}-{calibration[1]}"
            if calibration
            else f"{times[0].year}-{times[-1].year}"
        )
        out.attrs.update({"scale": scale, "calibration": span, "parameters": "fitted"})
        out["alpha"].attrs.update({"long_name": "gamma shape parameter", "units": "1"})
        out["beta"].attrs.update({"long_name": "gamma scale parameter", "units": "mm"})
        out["prob_zero"].attrs.update(
            {"long_name": "probability of zero accumulation", "units": "1"}
        )
    out["spi"].attrs.update(
        {
            "long_name": f"Standardized Precipitation Index, {scale}-month",
            "units": "1",
            "valid_range": [-kernel.SPI_BOUND, kernel.SPI_BOUND],
            "references": "McKee, Doesken & Kleist (1993); WMO-No. 1090 (2012)",
        }
    )
    out.attrs["method"] = (
        "SPI, two-parameter gamma (Thom approximate MLE) per calendar month, "
        "mixed distribution for zeros, clipped to +/-3.09"
    )
    out.attrs["last_month"] = f"{times[-1]:%Y-%m}"
    return SpiPlan(out, fitted)


def _check_parameters(parameters: xr.Dataset, precip: xr.DataArray, scale: int) -> None:
    for name in ("alpha", "beta", "prob_zero"):
        if name not in parameters:
            raise DroughtInputError(
                f"the parameter file has no {name!r} variable", field="parameters"
            )
    saved = int(parameters.attrs.get("scale", -1))
    if saved != scale:
        raise DroughtInputError(
            f"the parameters were fitted for scale {saved}, not {scale}", field="parameters"
        )
    for dim in precip.dims:
        if dim == "time":
            continue
        if dim not in parameters.dims or parameters.sizes[dim] != precip.sizes[dim]:
            raise DroughtInputError(
                f"the parameters' {dim!r} axis does not match the input grid", field="parameters"
            )


@dataclass
class SpiRun:
    """What one SPI run did."""

    output: Path
    scale: int
    calibration: str
    scheduler: str
    shape: tuple[int, ...]
    first_month: str
    last_month: str
    notes: list[str] = field(default_factory=list)


def run_spi(
    precipitation: Precipitation,
    out: Path,
    scale: int,
    calibration: tuple[int, int] | None = None,
    scheduler: str | None = None,
    parameters_from: Path | None = None,
    progress: ProgressCallback | None = None,
    compress: bool | None = None,
) -> SpiRun:
    """Compute SPI for a whole input and write it (with the fitted parameters) to ``out``.

    Fitting, transforming and the check for negative input happen in one pass over the
    data, overlapping with reading and writing (see :func:`write_dataset`; ``compress``:
    None for the format's default). Idempotent: the same input and options give the same
    output, replacing the previous.
    """
    from iofs.monitor.drought.read import check_non_negative

    da = precipitation.data
    notes = list(precipitation.notes)
    parameters = open_parameters(parameters_from) if parameters_from else None
    if calibration and calibration[1] - calibration[0] + 1 < 30:
        notes.append(
            f"calibration {calibration[0]}-{calibration[1]} is shorter than the 30 "
            "years WMO recommends"
        )
    with dask_scheduler(scheduler) as used:
        if parameters is not None:
            check_non_negative(da, precipitation.source)
        notes.extend(used.notes)
        plan = plan_spi(da, scale, calibration, parameters, source=precipitation.source)
        ds = plan.dataset
        write_dataset(ds, out, progress, compress, plan.fitted.writes if plan.fitted else None)
    times = _time_index(da)
    return SpiRun(
        output=out,
        scale=scale,
        calibration=str(ds.attrs["calibration"]),
        scheduler=used.name,
        shape=tuple(int(s) for s in da.shape),
        first_month=f"{times[0]:%Y-%m}",
        last_month=f"{times[-1]:%Y-%m}",
        notes=notes,
    )


def latest_spi(
    precipitation: Precipitation, parameters_from: Path, scheduler: str | None = None
) -> xr.DataArray:
    """SPI of the latest month only, from saved parameters (reads just ``scale`` months and
    one calendar month of parameters); nothing is written (see
    :func:`iofs.monitor.drought.latest.update_latest`)."""
    from iofs.monitor.drought.latest import latest_dataset

    ds, _appended = latest_dataset(precipitation, parameters_from)
    with dask_scheduler(scheduler):
        return ds["spi"].isel(time=-1).compute()


# --- zonal table --------------------------------------------------------------------------


def zonal_path(settings: Settings) -> Path:
    """The Parquet file of monthly drought shares per area."""
    return drought_dir(settings) / ZONAL_FILE


def store_zonal(settings: Settings, table: pd.DataFrame) -> int:
    """Upsert rows into the zonal table (keyed by source, scale, level, area, month).

    All-or-nothing (temporary file, then rename); storing the same rows twice changes
    nothing. Returns the number of rows in the table afterwards.
    """
    missing = [c for c in ZONAL_COLUMNS if c not in table.columns]
    if missing:
        raise DroughtInputError(f"zonal table lacks columns {missing}")
    path = zonal_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = table[ZONAL_COLUMNS].copy()
    new["month"] = pd.to_datetime(new["month"]).dt.strftime("%Y-%m")
    key = ["source", "scale", "level", "area_id", "month"]
    if path.exists():
        old = pd.read_parquet(path)
        merged = pd.concat([old, new], ignore_index=True)
        merged = merged.drop_duplicates(subset=key, keep="last")
    else:
        merged = new
    merged = merged.sort_values(key).reset_index(drop=True)
    remove_stale(path.parent, depth=0, prefix=f".{path.name}.")
    with atomic_write(path) as tmp:
        merged.to_parquet(tmp, index=False)
        kill_point("drought:zonal-before-commit")
    return len(merged)


def _query(settings: Settings, sql: str, params: list[Any]) -> pd.DataFrame:
    path = zonal_path(settings)
    if not path.exists():
        return pd.DataFrame(columns=ZONAL_COLUMNS)
    with duckdb_cursor() as connection:
        frame: pd.DataFrame = connection.execute(
            sql.replace("{table}", f"read_parquet('{path.as_posix()}')"), params
        ).df()
    return frame


def available_scales(settings: Settings) -> list[int]:
    """Scales present in the zonal table."""
    frame = _query(settings, "SELECT DISTINCT scale FROM {table} ORDER BY scale", [])
    return [int(s) for s in frame["scale"]]


def oic_states() -> frozenset[str]:
    """ISO3 codes of the 57 OIC states (the members module's packaged reference)."""
    from iofs.members.service import oic_iso3

    return oic_iso3()


def country_series(
    settings: Settings, iso3: str, scale: int | None = None, *, include_non_oic: bool = False
) -> pd.DataFrame:
    """Monthly country rows of ``iso3`` (ISO 3166-1 alpha-3), oldest first; empty for a
    country outside the 57 OIC states unless ``include_non_oic``.

    Columns: month (YYYY-MM), scale, mean_spi, share_* (percent of the country's area with
    data, 0-100), coverage (percent of the country's area with data), pixels, source.
    """
    code = iso3.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise DroughtInputError(
            _("A country is a three-letter ISO 3166-1 alpha-3 code."), field="iso3"
        )
    if not include_non_oic and code not in oic_states():
        return pd.DataFrame(columns=ZONAL_COLUMNS)
    sql = "SELECT * FROM {table} WHERE level = 'country' AND iso3 = ?"
    params: list[Any] = [code]
    if scale is not None:
        sql += " AND scale = ?"
        params.append(scale)
    return _query(settings, sql + " ORDER BY scale, month, source", params)


def latest_by_country(
    settings: Settings, scale: int, *, include_non_oic: bool = False
) -> pd.DataFrame:
    """Each country's own most recent month at ``scale``: one row per iso3, the 57 OIC
    states only unless ``include_non_oic``."""
    frame = _query(
        settings,
        """
        SELECT * FROM {table} WHERE level = 'country' AND scale = ?
        QUALIFY row_number() OVER (PARTITION BY iso3 ORDER BY month DESC, source) = 1
        ORDER BY iso3""",
        [scale],
    )
    if include_non_oic:
        return frame
    return frame[frame["iso3"].isin(oic_states())].reset_index(drop=True)


def monthly_by_country(
    settings: Settings, scale: int, *, include_non_oic: bool = False
) -> pd.DataFrame:
    """Every month of every country at ``scale`` (one row per iso3 and month, the first
    source when several), the 57 OIC states only unless ``include_non_oic``; shares in
    percent 0–100 of the area with data."""
    frame = _query(
        settings,
        """
        SELECT * FROM {table} WHERE level = 'country' AND scale = ?
        QUALIFY row_number() OVER (PARTITION BY iso3, month ORDER BY source) = 1
        ORDER BY iso3, month""",
        [scale],
    )
    if include_non_oic:
        return frame
    return frame[frame["iso3"].isin(oic_states())].reset_index(drop=True)


def drought_category(mean_spi: float | None) -> str:
    """The McKee class of a mean SPI as a map category (CSS class suffix)."""
    if mean_spi is None or not np.isfinite(mean_spi):
        return "nodata"
    if mean_spi <= -2.0:
        return "extreme"
    if mean_spi <= -1.5:
        return "severe"
    if mean_spi <= -1.0:
        return "moderate"
    return "normal"


def default_boundaries() -> Path:
    """The world-atlas 50m TopoJSON the web app serves (installed by ``make install``)."""
    from iofs.i18n import package_root

    return package_root() / "vendor" / "countries-50m.json"


@functools.cache
def country_shapes() -> dict[str, list[np.ndarray]]:
    """ISO3 → polygon rings ((n, 2) lon/lat arrays) of the world-atlas countries the app
    serves (read once); empty when the boundaries are not installed."""
    from iofs.monitor.drought import zonal

    path = default_boundaries()
    areas = zonal.read_topojson_countries(path) if path.exists() else []
    return {area.iso3: area.rings for area in areas}


def zonal_from_output(
    settings: Settings,
    spi_output: Path,
    admin1: Path | None = None,
    id_field: str = "shapeID",
    iso3_field: str | None = None,
    source: str | None = None,
    last: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """Zonal drought statistics of an SPI output per country (and admin1 when ``admin1``
    GeoJSON is given), stored in the zonal table. Returns (new rows, rows in the table).

    ``last``: only the last N months (a monthly update after
    :func:`iofs.monitor.drought.latest.update_latest`); the boundaries are rasterised once
    per grid and the masks kept in the drought store (``labels/``) for the next month."""
    from iofs.monitor.drought import zonal

    ds = open_result(spi_output)
    if "lat" not in ds["spi"].dims:
        raise DroughtInputError(f"{spi_output}: zonal statistics need a lat/lon grid")
    name = source or Path(spi_output).name.split(".")[0]
    spi = ds["spi"].assign_attrs(scale=ds.attrs.get("scale", 0))
    if last is not None:
        spi = spi.isel(time=slice(-last, None))
    try:
        boundaries = default_boundaries()
        if not boundaries.exists():
            raise DroughtInputError(
                f"{boundaries}: country boundaries are missing; run `make install`"
            )
        masks = drought_dir(settings) / "labels"
        frames = [
            zonal.zonal_statistics(
                spi, zonal.read_topojson_countries(boundaries), "country", name, masks
            )
        ]
        if admin1 is not None:
            frames.append(
                zonal.zonal_statistics(
                    spi,
                    zonal.read_geojson_areas(admin1, id_field, iso3_field),
                    "admin1",
                    name,
                    masks,
                )
            )
    except zonal.BoundaryError as error:
        raise DroughtInputError(str(error), field="boundaries") from None
    table = pd.concat(frames, ignore_index=True)
    if table.empty:
        raise DroughtInputError(f"{spi_output}: the grid covers no country or area")
    return table, store_zonal(settings, table)


__all__ = ["PrecipitationInputError", "kernel"]


# --- slices: what was loaded, and removing it ----------------------------------------------

#: SPI outputs kept in the drought store (``--out`` inside it): NetCDF files and Zarr stores.
SPI_OUTPUTS = ("*.nc", "*.zarr")


def _zonal_slices(analytics_dir: Path) -> list[SliceInfo]:
    path = analytics_dir / "drought" / ZONAL_FILE
    if not path.exists():
        return []
    table = pd.read_parquet(path, columns=["source", "scale", "iso3", "month"])
    stamp, size = modified_at(path), file_size(path)
    out = []
    for source, rows in table.groupby("source", sort=True):
        scales = ", ".join(f"SPI-{int(s)}" for s in sorted(rows["scale"].unique()))
        out.append(
            SliceInfo(
                id=f"drought:zonal/{source}",
                dataset="drought",
                source=str(source),
                kind=f"zonal ({scales})",
                rows=len(rows),
                countries=int(rows["iso3"].nunique()),
                first=str(rows["month"].min()),
                last=str(rows["month"].max()),
                ingested_at=stamp,
                size=round(size * len(rows) / max(len(table), 1)),
            )
        )
    return out


def _spi_slice(path: Path) -> SliceInfo:
    first = last = None
    steps = 0
    with contextlib.suppress(InputError, KeyError, ValueError, OSError), open_result(path) as ds:
        times = pd.DatetimeIndex(ds["time"].values)
        steps = len(times)
        if steps:
            first, last = times.min().strftime("%Y-%m"), times.max().strftime("%Y-%m")
    return SliceInfo(
        id=f"drought:spi/{path.name}",
        dataset="drought",
        source=path.name,
        kind="spi",
        rows=steps,
        countries=0,
        first=first,
        last=last,
        ingested_at=modified_at(path),
        size=file_size(path),
    )


def slices(analytics_dir: Path) -> list[SliceInfo]:
    """The zonal drought table, one slice per source (SPI output) it was computed from, and
    the SPI outputs kept in the drought store."""
    from iofs.ingest_files import visible_files

    folder = analytics_dir / "drought"
    outputs = sorted({p for pattern in SPI_OUTPUTS for p in visible_files(folder, pattern)})
    return _zonal_slices(analytics_dir) + [_spi_slice(path) for path in outputs]


def remove_slice(analytics_dir: Path, slice_id: str) -> SliceInfo:
    """Remove one source's rows from the zonal table (rewritten atomically), or one SPI
    output kept in the store (renamed away, then deleted)."""
    name = split_id(slice_id, "drought")
    kind, _, rest = name.partition("/")
    if kind == "zonal":
        found = [s for s in _zonal_slices(analytics_dir) if s.id == slice_id]
        if not found:
            raise UnknownSlice(slice_id)
        path = analytics_dir / "drought" / ZONAL_FILE
        table = pd.read_parquet(path)
        kept = table[table["source"] != rest].reset_index(drop=True)
        remove_stale(path.parent, depth=0, prefix=f".{path.name}.")
        if kept.empty:
            discard([path])
        else:
            with atomic_write(path) as tmp:
                kept.to_parquet(tmp, index=False)
                kill_point("drought:zonal-remove-before-commit")
        return found[0]
    path = analytics_dir / "drought" / rest
    if (
        kind != "spi"
        or "/" in rest
        or not path.exists()
        or not any(path.match(pattern) for pattern in SPI_OUTPUTS)
    ):
        raise UnknownSlice(slice_id)
    info = _spi_slice(path)
    discard([path])
    return info
