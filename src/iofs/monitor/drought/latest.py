"""The latest month only: SPI of one new month for every pixel from saved parameters.

``iofs drought spi`` saves the fitted mixed-gamma parameters (``alpha``, ``beta``,
``prob_zero``, dims ``month, lat, lon``, one calendar month per chunk) beside the SPI in its
output. A monthly refresh then needs, per pixel, only the last ``scale`` months of
precipitation and the parameters of ONE calendar month (1/12 of them): no refit and no
reading of the 45-year record. On a Zarr store the new month is appended (or, when it is
the store's last month already, rewritten in place — running the same update twice changes
nothing); a NetCDF output is left as it is and the month goes to ``--out``.

The numbers equal a full recompute's last month (same kernel, same parameters; McKee,
Doesken & Kleist 1993; WMO-No. 1090, 2012).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from iofs.i18n import gettext as _
from iofs.monitor.drought import spi as kernel
from iofs.monitor.drought.errors import DroughtInputError
from iofs.monitor.drought.output import open_result, write_dataset
from iofs.monitor.drought.read import Precipitation
from iofs.monitor.drought.scheduler import dask_scheduler

#: Grid coordinates must agree to this many degrees (CHIRPS: 0.05 degree cells).
GRID_TOLERANCE = 1e-6


@dataclass
class LatestRun:
    """What one latest-month update did. ``share_moderate``: percent of the cells with SPI
    at or below -1 (unweighted); ``mean``: mean SPI over those cells (dimensionless)."""

    month: str
    scale: int
    pixels: int
    with_spi: int
    mean: float
    share_moderate: float
    store: Path
    written: list[Path]
    appended: bool


def _last_month(store: xr.Dataset) -> pd.Period | None:
    """The store's last month: its time axis (the truth, also after a run killed between
    appending and updating the attribute), else its ``last_month`` attribute."""
    if "time" in store.coords and store.sizes.get("time", 0):
        return pd.Period(pd.Timestamp(store["time"].values[-1]), freq="M")
    text = store.attrs.get("last_month")
    return pd.Period(str(text), freq="M") if text else None


def _check_grid(store: xr.Dataset, precip: xr.DataArray, path: Path) -> None:
    for dim in (d for d in precip.dims if d != "time"):
        if dim not in store["alpha"].dims:
            raise DroughtInputError(
                _("%(path)s: the saved parameters have no %(dim)s axis; the input has one.")
                % {"path": path, "dim": dim},
                field="grid",
            )
        ours, theirs = precip.sizes[dim], store.sizes[dim]
        if ours != theirs:
            raise DroughtInputError(
                _(
                    "%(path)s: the input has %(ours)d %(dim)s cells but the saved parameters "
                    "have %(theirs)d; they are not the same grid."
                )
                % {"path": path, "ours": ours, "theirs": theirs, "dim": dim},
                field="grid",
            )
        if dim in precip.coords and dim in store.coords:
            a = np.asarray(precip[dim].values)
            b = np.asarray(store[dim].values)
            numeric = np.issubdtype(a.dtype, np.number) and np.issubdtype(b.dtype, np.number)
            same = (
                np.allclose(a, b, rtol=0, atol=GRID_TOLERANCE) if numeric else np.array_equal(a, b)
            )
            if not same:
                raise DroughtInputError(
                    _(
                        "%(path)s: the input's %(dim)s coordinates differ from the saved "
                        "parameters' (first %(ours)s against %(theirs)s); they are not the "
                        "same grid."
                    )
                    % {"path": path, "dim": dim, "ours": a[0], "theirs": b[0]},
                    field="grid",
                )


def _latest_block(
    precip: np.ndarray, alpha: np.ndarray, beta: np.ndarray, prob_zero: np.ndarray, scale: int
) -> np.ndarray:
    """SPI of the last step of a (scale, *space) block from one calendar month's
    parameters (1, *space)."""
    months = np.zeros(precip.shape[0], dtype=np.int64)
    values = kernel.spi_from_parameters_time_major(
        precip, scale, months, kernel.GammaParameters(alpha, beta, prob_zero)
    )
    return values[-1:]


def latest_dataset(precipitation: Precipitation, store_path: Path) -> tuple[xr.Dataset, bool]:
    """Lazy one-month SPI Dataset of the input's last month, and whether it follows the
    store's last month (True: append; False: the store's last month itself, rewrite).

    Refused with a sentence (:class:`DroughtInputError`): the store missing or holding no
    parameters, an input shorter than the scale, a month that neither follows nor equals
    the store's last month (Zarr stores), a different grid.
    """
    import dask.array as dsa

    store_path = Path(store_path)
    if not store_path.exists():
        raise DroughtInputError(
            _("%(path)s: no saved parameters there; run `iofs drought spi` first.")
            % {"path": store_path},
            field="parameters",
        )
    store = open_result(store_path)
    missing = [name for name in ("alpha", "beta", "prob_zero") if name not in store]
    if missing:
        raise DroughtInputError(
            _(
                "%(path)s holds no fitted parameters (%(names)s missing); give the output of "
                "an `iofs drought spi` run that fitted them."
            )
            % {"path": store_path, "names": ", ".join(missing)},
            field="parameters",
        )
    scale = int(store.attrs.get("scale", 0))
    da = precipitation.data
    times = pd.DatetimeIndex(da["time"].values)
    if scale < 1 or len(times) < scale:
        raise DroughtInputError(
            _("%(source)s has %(n)d months; SPI-%(scale)d of its latest month needs %(scale)d.")
            % {"source": precipitation.source, "n": len(times), "scale": scale},
            field="input",
        )
    month = pd.Period(times[-1], freq="M")
    last = _last_month(store)
    appended = True
    if store_path.is_dir() and last is not None:
        if month == last:
            appended = False
        elif month != last + 1:
            raise DroughtInputError(
                _(
                    "%(source)s ends in %(month)s, which does not follow %(last)s, the last "
                    "month in %(path)s; update it month by month (the next one is %(next)s)."
                )
                % {
                    "source": precipitation.source,
                    "month": month,
                    "last": last,
                    "path": store_path,
                    "next": last + 1,
                },
                field="month",
            )
    space = [d for d in da.dims if d != "time"]
    recent = da.isel(time=slice(-scale, None)).transpose("time", *space)
    _check_grid(store, recent, store_path)
    recent = recent.chunk({"time": -1})
    chunks = {d: c for d, c in zip(space, recent.data.chunks[1:], strict=True)}
    calendar = store[["alpha", "beta", "prob_zero"]].sel(month=[month.month])
    arrays = [
        calendar[name].transpose("month", *space).chunk({"month": 1, **chunks}).data
        for name in ("alpha", "beta", "prob_zero")
    ]
    values = dsa.map_blocks(  # type: ignore[no-untyped-call]
        _latest_block,
        recent.data,
        *arrays,
        scale=scale,
        chunks=((1,), *recent.data.chunks[1:]),
        dtype=np.float32,
        meta=np.empty((0,) * recent.ndim, dtype=np.float32),
    )
    coords: dict[str, Any] = {
        str(name): coord for name, coord in recent.coords.items() if "time" not in coord.dims
    }
    coords["time"] = [month.to_timestamp()]
    spi = xr.DataArray(values, dims=recent.dims, coords=coords, attrs=store["spi"].attrs)
    out = xr.Dataset({"spi": spi})
    out.attrs.update(
        {
            "scale": scale,
            "calibration": store.attrs.get("calibration", ""),
            "parameters": "reused",
            "last_month": str(month),
        }
    )
    return out, appended


def _summary(values: np.ndarray) -> tuple[int, float, float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0, math.nan, 0.0
    return int(finite.size), float(finite.mean()), float((finite <= -1).mean() * 100)


def update_latest(
    precipitation: Precipitation,
    store_path: Path,
    out: Path | None = None,
    scheduler: str | None = None,
) -> LatestRun:
    """SPI of the input's latest month from the parameters saved in ``store_path``.

    A Zarr store gets the month appended (or rewritten when it is already its last
    month) and its ``last_month`` attribute moved on; ``out`` (``.nc`` or Zarr), when
    given, receives the month alone. A NetCDF store is only read. Pixel statistics of the
    month are returned for the CLI to print.
    """
    store_path = Path(store_path)
    ds, appended = latest_dataset(precipitation, store_path)
    written: list[Path] = []
    with dask_scheduler(scheduler):
        computed = ds.compute()
        if out is not None:
            write_dataset(computed.chunk(), Path(out))
            written.append(Path(out))
        if store_path.is_dir():
            _into_store(computed, store_path, appended)
            written.append(store_path)
    values = np.asarray(computed["spi"].values)
    count, mean, moderate = _summary(values)
    return LatestRun(
        month=str(ds.attrs["last_month"]),
        scale=int(ds.attrs["scale"]),
        pixels=int(values.size),
        with_spi=count,
        mean=mean,
        share_moderate=moderate,
        store=store_path,
        written=written,
        appended=appended,
    )


def _into_store(month: xr.Dataset, store_path: Path, appended: bool) -> None:
    """Append ``month`` to the Zarr store's SPI (or rewrite its last step), then record
    the new last month (a run killed in between is repaired by running it again)."""
    import zarr

    spi = month[["spi"]].drop_vars(
        [c for c in month.coords if c not in month["spi"].dims], errors="ignore"
    )
    spi["spi"].encoding.clear()
    if appended:
        spi.to_zarr(store_path, append_dim="time", consolidated=False)
    else:
        size = int(open_result(store_path).sizes["time"])
        space = [str(d) for d in spi["spi"].dims if d != "time"]
        spi.drop_vars(space, errors="ignore").to_zarr(
            store_path, region={"time": slice(size - 1, size)}, mode="r+", consolidated=False
        )
    group = zarr.open_group(str(store_path), mode="r+")
    group.attrs["last_month"] = month.attrs["last_month"]
