"""Read monthly precipitation as users have it, lazily (xarray + Dask), with units checked.

Formats: NetCDF (CF conventions, e.g. CHIRPS v2.0 monthly: variable ``precip``, dims
``time, latitude, longitude``, units ``mm/month``), Zarr stores, GeoTIFF stacks (one band per
file with the month in the file name, e.g. ``chirps-v2.0.1981.01.tif``; needs rioxarray), and
station/area series as CSV (``date`` as YYYY-MM or ``year``,``month`` columns, one numeric
column per station or area).

Every reader returns a :class:`Precipitation`: a DataArray in mm/month with dims
``(time, lat, lon)`` for grids or ``(time, series)`` for CSV, time at month start, chunked
with the whole time axis in one chunk (the SPI fit needs every month of a pixel).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

#: Names tried, in order, when the variable is not given.
PRECIP_NAMES = ("precip", "pr", "precipitation", "prcp", "tp", "rain", "rainfall", "rfe")
_LAT_NAMES = ("lat", "latitude", "y")
_LON_NAMES = ("lon", "longitude", "x")
_MM_PER_MONTH = {"mm/month", "mm month-1", "mm month^-1", "mm/mon", "millimeters/month",
                 "millimetres/month", "mm per month", "mm"}
_MM_PER_DAY = {"mm/day", "mm d-1", "mm day-1", "mm/d", "mm day^-1", "millimeters/day"}
_KG_M2_S = {"kg m-2 s-1", "kg m^-2 s^-1", "kg/m2/s", "kg m**-2 s**-1", "kg/m^2/s"}
_M_PER_MONTH = {"m", "m/month", "m month-1"}
_INCH_PER_MONTH = {"in", "inch", "inches", "in/month", "inches/month"}


class PrecipitationInputError(ValueError):
    """The input cannot be read as monthly precipitation; the message says where and why."""


@dataclass
class Precipitation:
    """Monthly precipitation (mm/month) and what was done to read it."""

    data: xr.DataArray
    source: str
    notes: list[str] = field(default_factory=list)


def _normalise_units(units: str) -> str:
    return re.sub(r"\s+", " ", units.strip().lower())


def to_mm_per_month(da: xr.DataArray, units: str | None, name: str) -> tuple[xr.DataArray, str]:
    """``da`` converted to mm/month from ``units``; returns the data and a note of what was done.

    Accepted: mm/month (and "mm" for monthly totals), mm/day (times days in month),
    kg m-2 s-1 (CF flux; 1 kg m-2 = 1 mm; times seconds in month), m (times 1000) and
    inches (times 25.4). Anything else is refused naming the variable and its units.
    """
    if units is None or not str(units).strip():
        raise PrecipitationInputError(
            f"variable {name!r} has no units attribute; give them with --units "
            "(e.g. mm/month, mm/day, kg m-2 s-1)")
    unit = _normalise_units(str(units))
    days = da["time"].dt.days_in_month
    if unit in _MM_PER_MONTH:
        return da, f"{name}: units {units!r} read as mm/month"
    if unit in _MM_PER_DAY:
        return (da * days).assign_attrs(da.attrs), (
            f"{name}: converted from {units!r} to mm/month (times days in month)")
    if unit in _KG_M2_S:
        return (da * days * 86400.0).assign_attrs(da.attrs), (
            f"{name}: converted from {units!r} to mm/month (1 kg m-2 = 1 mm; times seconds in "
            "month)")
    if unit in _M_PER_MONTH:
        return (da * 1000.0).assign_attrs(da.attrs), (
            f"{name}: converted from {units!r} to mm/month (times 1000)")
    if unit in _INCH_PER_MONTH:
        return (da * 25.4).assign_attrs(da.attrs), (
            f"{name}: converted from {units!r} to mm/month (times 25.4)")
    raise PrecipitationInputError(
        f"variable {name!r} has units {units!r}, which are not precipitation units iofs "
        "knows (mm/month, mm/day, kg m-2 s-1, m, inches)")


def _month_start_times(da: xr.DataArray, source: str) -> xr.DataArray:
    """Times moved to the first of their month; monthly, increasing, no gaps or repeats."""
    if "time" not in da.dims:
        raise PrecipitationInputError(f"{source}: no 'time' dimension (dims: {list(da.dims)})")
    try:
        index = pd.DatetimeIndex(da.indexes["time"].to_datetimeindex()
                                 if hasattr(da.indexes["time"], "to_datetimeindex")
                                 else da.indexes["time"])
    except (TypeError, ValueError) as error:
        raise PrecipitationInputError(f"{source}: time values are not dates: {error}") from None
    periods = index.to_period("M")
    if periods.has_duplicates:
        duplicate = periods[periods.duplicated()][0]
        raise PrecipitationInputError(f"{source}: month {duplicate} appears more than once; "
                                      "monthly data is expected")
    if not periods.is_monotonic_increasing:
        da = da.isel(time=np.argsort(periods.asi8))
        periods = periods.sort_values()
    if len(periods) > 1:
        steps = np.diff(periods.asi8)
        if (steps != 1).any():
            gap = int(np.argmax(steps != 1))
            raise PrecipitationInputError(
                f"{source}: months are not consecutive: {periods[gap]} is followed by "
                f"{periods[gap + 1]} (fill missing months with NaN, e.g. _FillValue)")
    return da.assign_coords(time=periods.to_timestamp())


def _standard_grid(da: xr.DataArray, source: str) -> xr.DataArray:
    rename: dict[str, str] = {}
    for target, names in (("lat", _LAT_NAMES), ("lon", _LON_NAMES)):
        found = [d for d in da.dims if str(d).lower() in names]
        if not found:
            raise PrecipitationInputError(
                f"{source}: no {target} dimension (looked for {', '.join(names)}; "
                f"dims are {list(da.dims)})")
        if found[0] != target:
            rename[str(found[0])] = target
    da = da.rename(rename)
    extra = [d for d in da.dims if d not in ("time", "lat", "lon")]
    for dim in extra:
        if da.sizes[dim] != 1:
            raise PrecipitationInputError(f"{source}: unexpected dimension {dim!r} of size "
                                          f"{da.sizes[dim]}")
        da = da.isel({dim: 0}, drop=True)
    return da.transpose("time", "lat", "lon")


def _pick_variable(ds: xr.Dataset, variable: str | None, source: str) -> str:
    if variable is not None:
        if variable not in ds.data_vars:
            raise PrecipitationInputError(f"{source}: no variable {variable!r} (variables: "
                                          f"{', '.join(map(str, ds.data_vars))})")
        return variable
    for name in PRECIP_NAMES:
        if name in ds.data_vars:
            return name
    timed = [str(v) for v in ds.data_vars if "time" in ds[v].dims]
    if len(timed) == 1:
        return timed[0]
    raise PrecipitationInputError(f"{source}: cannot tell which variable is precipitation "
                                  f"(variables: {', '.join(map(str, ds.data_vars))}); "
                                  "give it with --variable")


def _finish(da: xr.DataArray, name: str, units: str | None, source: str,
            chunk: int) -> Precipitation:
    da = _month_start_times(da, source)
    given = units if units is not None else da.attrs.get("units")
    da, note = to_mm_per_month(da.astype("float64"), given, name)
    da.attrs["units"] = "mm/month"
    dims = [d for d in da.dims if d != "time"]
    da = da.chunk({"time": -1, **{d: min(chunk, da.sizes[d]) for d in dims}})
    return Precipitation(da.rename("precip"), source, [note])


def open_grid(path: str | Path, variable: str | None = None, units: str | None = None,
              chunk: int = 256) -> Precipitation:
    """Open a NetCDF file, Zarr store or GeoTIFF stack lazily as mm/month on (time, lat, lon).

    ``units`` overrides (or supplies) the file's units attribute. ``chunk`` is the spatial
    chunk edge in pixels; time is always a single chunk.
    """
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise PrecipitationInputError(f"{source}: no such file or directory")
    if path.is_dir() and not (path / ".zgroup").exists() and not (path / "zarr.json").exists():
        return open_geotiff_stack(path, units=units, chunk=chunk)
    if path.suffix.lower() in (".tif", ".tiff"):
        return open_geotiff_stack([path], units=units, chunk=chunk)
    try:
        if path.is_dir() or path.suffix.lower() == ".zarr":
            ds = xr.open_zarr(path, chunks={})
        else:
            ds = xr.open_dataset(path, chunks={}, decode_times=True)
    except Exception as error:
        raise PrecipitationInputError(f"{source}: cannot be opened as NetCDF or Zarr "
                                      f"({type(error).__name__}: {error})") from None
    name = _pick_variable(ds, variable, source)
    da = _standard_grid(ds[name], f"{source}: variable {name!r}")
    return _finish(da, name, units, source, chunk)


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})[._-]?(0[1-9]|1[0-2])(?!\d)")


def open_geotiff_stack(paths: Path | list[Path], units: str | None = None,
                       chunk: int = 256) -> Precipitation:
    """Stack single-band GeoTIFFs, one per month (the month read from each file name)."""
    try:
        import rioxarray
    except ImportError:  # pragma: no cover - rioxarray is a dependency
        raise PrecipitationInputError("reading GeoTIFF needs rioxarray (pip install "
                                      "rioxarray)") from None
    files = (sorted([*paths.glob("*.tif"), *paths.glob("*.tiff")])
             if isinstance(paths, Path) else list(paths))
    if not files:
        raise PrecipitationInputError(f"{paths}: no .tif files found")
    arrays: list[xr.DataArray] = []
    times = []
    for file in files:
        match = _DATE_IN_NAME.search(file.name)
        if match is None:
            raise PrecipitationInputError(f"{file}: no year and month (YYYY.MM, YYYY-MM or "
                                          "YYYYMM) in the file name")
        opened = rioxarray.open_rasterio(file, chunks={}, masked=True)
        if not isinstance(opened, xr.DataArray):
            raise PrecipitationInputError(f"{file}: holds several subdatasets; one band per "
                                          "month is expected")
        band = opened
        if band.sizes.get("band", 1) != 1:
            raise PrecipitationInputError(f"{file}: has {band.sizes['band']} bands; one band "
                                          "per month is expected")
        arrays.append(band.isel(band=0, drop=True))
        times.append(pd.Timestamp(int(match.group(1)), int(match.group(2)), 1))
    file_units = units or arrays[0].attrs.get("units")
    da = xr.concat(arrays, dim=pd.Index(times, name="time"), join="exact")
    da = da.drop_vars([c for c in da.coords if c not in ("time", "x", "y")])
    da = _standard_grid(da, str(paths))
    return _finish(da, "GeoTIFF", file_units, str(paths), chunk)


def read_csv(path: str | Path, columns: list[str] | None = None,
             units: str = "mm/month") -> Precipitation:
    """Station or area series from CSV: dims (time, series), mm/month.

    The date is a ``date`` column (YYYY-MM or YYYY-MM-DD) or ``year`` and ``month`` columns;
    every other column (or those in ``columns``) is one series. Empty cells are missing.
    Bad cells are reported with their line number and column.
    """
    path = Path(path)
    if not path.exists():
        raise PrecipitationInputError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        lower = [h.lower() for h in header]
        if "date" in lower:
            date_cols = [header[lower.index("date")]]
        elif "year" in lower and "month" in lower:
            date_cols = [header[lower.index("year")], header[lower.index("month")]]
        else:
            raise PrecipitationInputError(f"{path}: needs a 'date' column or 'year' and "
                                          f"'month' columns (header: {header})")
        wanted = columns or [h for h in header if h not in date_cols]
        missing = [c for c in wanted if c not in header]
        if missing or not wanted:
            raise PrecipitationInputError(f"{path}: no column(s) {missing or wanted} "
                                          f"(header: {header})")
        dates: list[pd.Timestamp] = []
        values: list[list[float]] = []
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            try:
                if len(date_cols) == 1:
                    stamp = pd.Timestamp(row[date_cols[0]][:7] + "-01")
                else:
                    stamp = pd.Timestamp(int(row[date_cols[0]]), int(row[date_cols[1]]), 1)
            except (ValueError, TypeError):
                raise PrecipitationInputError(
                    f"{path}, line {line}: date {[row[c] for c in date_cols]} is not a "
                    "year and month") from None
            numbers = []
            for column in wanted:
                cell = row.get(column, "")
                if cell == "" or cell.lower() in ("na", "nan"):
                    numbers.append(np.nan)
                    continue
                try:
                    number = float(cell)
                except ValueError:
                    raise PrecipitationInputError(
                        f"{path}, line {line}, column {column!r}: {cell!r} is not a "
                        "number") from None
                if number < 0 or not np.isfinite(number):
                    raise PrecipitationInputError(
                        f"{path}, line {line}, column {column!r}: precipitation {cell} is "
                        "negative or not finite")
                numbers.append(number)
            dates.append(stamp)
            values.append(numbers)
    if not dates:
        raise PrecipitationInputError(f"{path}: no data rows")
    da = xr.DataArray(np.array(values, dtype=np.float64), dims=("time", "series"),
                      coords={"time": pd.DatetimeIndex(dates), "series": wanted})
    return _finish(da, "CSV", units, str(path), chunk=max(1, len(wanted)))


def open_precipitation(path: str | Path, variable: str | None = None,
                       units: str | None = None, columns: list[str] | None = None,
                       chunk: int = 256) -> Precipitation:
    """Any supported input by its file name: ``.csv`` series, else a grid."""
    if Path(path).suffix.lower() == ".csv":
        return read_csv(path, columns=columns, units=units or "mm/month")
    return open_grid(path, variable=variable, units=units, chunk=chunk)


def check_non_negative(da: xr.DataArray, source: str) -> None:
    """Refuse negative precipitation (computes a reduction over the lazy array)."""
    minimum = float(da.min(skipna=True).compute())
    if np.isfinite(minimum) and minimum < 0:
        raise PrecipitationInputError(f"{source}: precipitation has negative values "
                                      f"(minimum {minimum:g} mm/month)")
