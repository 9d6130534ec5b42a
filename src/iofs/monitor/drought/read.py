"""Read monthly precipitation as users have it, lazily (xarray + Dask), with units checked.

Formats: NetCDF (CF conventions, e.g. CHIRPS v2.0 monthly: variable ``precip``, dims
``time, latitude, longitude``, units ``mm/month``), Zarr stores, GeoTIFF stacks (one band per
file with the month in the file name, e.g. ``chirps-v2.0.1981.01.tif``; needs rioxarray), and
station/area series as CSV: one numeric column per station or area beside ``date`` (YYYY-MM)
or ``year``,``month``; long (date, place, value); or the Excel pivot (years × months), see
:func:`read_csv`. A NetCDF climatology (12 long-term means) is refused with a sentence.

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

from iofs.ingest_files import FileShapeError, read_csv_header, sniff_csv
from iofs.monitor.drought.errors import PrecipitationInputError

__all__ = ["PrecipitationInputError"]

#: Names tried, in order, when the variable is not given.
PRECIP_NAMES = ("precip", "pr", "precipitation", "prcp", "tp", "rain", "rainfall", "rfe")
_LAT_NAMES = ("lat", "latitude", "y")
_LON_NAMES = ("lon", "longitude", "x")
_MM_PER_MONTH = {
    "mm/month",
    "mm month-1",
    "mm month^-1",
    "mm/mon",
    "millimeters/month",
    "millimetres/month",
    "mm per month",
    "mm",
}
_MM_PER_DAY = {"mm/day", "mm d-1", "mm day-1", "mm/d", "mm day^-1", "millimeters/day"}
_KG_M2_S = {"kg m-2 s-1", "kg m^-2 s^-1", "kg/m2/s", "kg m**-2 s**-1", "kg/m^2/s"}
_M_PER_MONTH = {"m", "m/month", "m month-1"}
_INCH_PER_MONTH = {"in", "inch", "inches", "in/month", "inches/month"}


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
            "(e.g. mm/month, mm/day, kg m-2 s-1)"
        )
    unit = _normalise_units(str(units))
    days = da["time"].dt.days_in_month
    if unit in _MM_PER_MONTH:
        return da, f"{name}: units {units!r} read as mm/month"
    if unit in _MM_PER_DAY:
        return (da * days).assign_attrs(da.attrs), (
            f"{name}: converted from {units!r} to mm/month (times days in month)"
        )
    if unit in _KG_M2_S:
        return (da * days * 86400.0).assign_attrs(da.attrs), (
            f"{name}: converted from {units!r} to mm/month (1 kg m-2 = 1 mm; times seconds in "
            "month)"
        )
    if unit in _M_PER_MONTH:
        return (da * 1000.0).assign_attrs(da.attrs), (
            f"{name}: converted from {units!r} to mm/month (times 1000)"
        )
    if unit in _INCH_PER_MONTH:
        return (da * 25.4).assign_attrs(da.attrs), (
            f"{name}: converted from {units!r} to mm/month (times 25.4)"
        )
    raise PrecipitationInputError(
        f"variable {name!r} has units {units!r}, which are not precipitation units iofs "
        "knows (mm/month, mm/day, kg m-2 s-1, m, inches)"
    )


def _month_start_times(da: xr.DataArray, source: str) -> xr.DataArray:
    """Times moved to the first of their month; monthly, increasing, no gaps or repeats."""
    if "time" not in da.dims:
        raise PrecipitationInputError(f"{source}: no 'time' dimension (dims: {list(da.dims)})")
    try:
        index = pd.DatetimeIndex(
            da.indexes["time"].to_datetimeindex()
            if hasattr(da.indexes["time"], "to_datetimeindex")
            else da.indexes["time"]
        )
    except (TypeError, ValueError) as error:
        raise PrecipitationInputError(f"{source}: time values are not dates: {error}") from None
    periods = index.to_period("M")
    if periods.has_duplicates:
        duplicate = periods[periods.duplicated()][0]
        raise PrecipitationInputError(
            f"{source}: month {duplicate} appears more than once; monthly data is expected"
        )
    if not periods.is_monotonic_increasing:
        da = da.isel(time=np.argsort(periods.asi8))
        periods = periods.sort_values()
    if len(periods) > 1:
        steps = np.diff(periods.asi8)
        if (steps != 1).any():
            gap = int(np.argmax(steps != 1))
            raise PrecipitationInputError(
                f"{source}: months are not consecutive: {periods[gap]} is followed by "
                f"{periods[gap + 1]} (fill missing months with NaN, e.g. _FillValue)"
            )
    return da.assign_coords(time=periods.to_timestamp())


def _standard_grid(da: xr.DataArray, source: str) -> xr.DataArray:
    rename: dict[str, str] = {}
    for target, names in (("lat", _LAT_NAMES), ("lon", _LON_NAMES)):
        found = [d for d in da.dims if str(d).lower() in names]
        if not found:
            raise PrecipitationInputError(
                f"{source}: no {target} dimension (looked for {', '.join(names)}; "
                f"dims are {list(da.dims)})"
            )
        if found[0] != target:
            rename[str(found[0])] = target
    da = da.rename(rename)
    extra = [d for d in da.dims if d not in ("time", "lat", "lon")]
    for dim in extra:
        if da.sizes[dim] != 1:
            raise PrecipitationInputError(
                f"{source}: unexpected dimension {dim!r} of size {da.sizes[dim]}"
            )
        da = da.isel({dim: 0}, drop=True)
    return da.transpose("time", "lat", "lon")


def _refuse_climatology(ds: xr.Dataset, name: str, source: str) -> None:
    """A climatology (12 long-term monthly means, CF ``climatology`` bounds, or a ``month``
    axis instead of ``time``) is refused with a sentence: SPI needs the monthly series."""
    dims = [str(d).lower() for d in ds[name].dims]
    calendar_axis = [d for d in dims if d in ("month", "months", "calendar_month", "season")]
    time_attrs = ds["time"].attrs if "time" in ds.variables else {}
    bounded = "climatology" in time_attrs or "climatology_bounds" in ds.variables
    if (calendar_axis and "time" not in dims) or bounded:
        size = ds[name].sizes.get(calendar_axis[0]) if calendar_axis else ds[name].sizes.get("time")
        raise PrecipitationInputError(
            f"{source}: variable {name!r} holds a climatology ({size} long-term "
            f"{'monthly ' if size == 12 else ''}means), not a time series of months; SPI "
            "needs the monthly precipitation of every year (e.g. CHIRPS monthly, "
            "chirps-v2.0.monthly.nc)"
        )


def _pick_variable(ds: xr.Dataset, variable: str | None, source: str) -> str:
    if variable is not None:
        if variable not in ds.data_vars:
            raise PrecipitationInputError(
                f"{source}: no variable {variable!r} (variables: "
                f"{', '.join(map(str, ds.data_vars))})"
            )
        return variable
    for name in PRECIP_NAMES:
        if name in ds.data_vars:
            return name
    timed = [str(v) for v in ds.data_vars if "time" in ds[v].dims or "month" in ds[v].dims]
    if len(timed) == 1:
        return timed[0]
    raise PrecipitationInputError(
        f"{source}: cannot tell which variable is precipitation "
        f"(variables: {', '.join(map(str, ds.data_vars))}); "
        "give it with --variable"
    )


def _finish(
    da: xr.DataArray, name: str, units: str | None, source: str, chunk: int
) -> Precipitation:
    da = _month_start_times(da, source)
    given = units if units is not None else da.attrs.get("units")
    # float32 files (CHIRPS) stay float32: the kernel reads them as they are, no copy.
    dtype = "float32" if da.dtype == np.float32 else "float64"
    da, note = to_mm_per_month(da.astype(dtype), given, name)
    da.attrs["units"] = "mm/month"
    dims = [d for d in da.dims if d != "time"]
    da = da.chunk({"time": -1, **{d: min(chunk, da.sizes[d]) for d in dims}})
    return Precipitation(da.rename("precip"), source, [note])


def open_netcdf(path: Path) -> xr.Dataset:
    """A NetCDF file, lazily, with the netCDF4 engine named (so xarray does not import every
    installed backend, rioxarray among them, to guess one); another engine if that fails."""
    try:
        return xr.open_dataset(path, chunks={}, decode_times=True, engine="netcdf4")
    except (OSError, ValueError):
        return xr.open_dataset(path, chunks={}, decode_times=True)


def open_grid(
    path: str | Path, variable: str | None = None, units: str | None = None, chunk: int = 256
) -> Precipitation:
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
            ds = open_netcdf(path)
    except Exception as error:
        raise PrecipitationInputError(
            f"{source}: cannot be opened as NetCDF or Zarr ({type(error).__name__}: {error})"
        ) from None
    name = _pick_variable(ds, variable, source)
    _refuse_climatology(ds, name, source)
    da = _standard_grid(ds[name], f"{source}: variable {name!r}")
    return _finish(da, name, units, source, chunk)


_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})[._-]?(0[1-9]|1[0-2])(?!\d)")


def open_geotiff_stack(
    paths: Path | list[Path], units: str | None = None, chunk: int = 256
) -> Precipitation:
    """Stack single-band GeoTIFFs, one per month (the month read from each file name)."""
    try:
        import rioxarray
    except ImportError:  # pragma: no cover - rioxarray is a dependency
        raise PrecipitationInputError(
            "reading GeoTIFF needs rioxarray (pip install rioxarray)"
        ) from None
    files = (
        sorted([*paths.glob("*.tif"), *paths.glob("*.tiff")])
        if isinstance(paths, Path)
        else list(paths)
    )
    if not files:
        raise PrecipitationInputError(f"{paths}: no .tif files found")
    arrays: list[xr.DataArray] = []
    times = []
    for file in files:
        match = _DATE_IN_NAME.search(file.name)
        if match is None:
            raise PrecipitationInputError(
                f"{file}: no year and month (YYYY.MM, YYYY-MM or YYYYMM) in the file name"
            )
        opened = rioxarray.open_rasterio(file, chunks={}, masked=True)
        if not isinstance(opened, xr.DataArray):
            raise PrecipitationInputError(
                f"{file}: holds several subdatasets; one band per month is expected"
            )
        band = opened
        if band.sizes.get("band", 1) != 1:
            raise PrecipitationInputError(
                f"{file}: has {band.sizes['band']} bands; one band per month is expected"
            )
        arrays.append(band.isel(band=0, drop=True))
        times.append(pd.Timestamp(int(match.group(1)), int(match.group(2)), 1))
    file_units = units or arrays[0].attrs.get("units")
    da = xr.concat(arrays, dim=pd.Index(times, name="time"), join="exact")
    da = da.drop_vars([c for c in da.coords if c not in ("time", "x", "y")])
    da = _standard_grid(da, str(paths))
    return _finish(da, "GeoTIFF", file_units, str(paths), chunk)


_PLACE_NAMES = (
    "place",
    "station",
    "area",
    "name",
    "site",
    "location",
    "admin",
    "id",
    "series",
    "region",
    "district",
)
_VALUE_NAMES = ("value", "precip", "precipitation", "rain", "rainfall", "prcp", "rr", "mm")
_MONTH_WORDS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "janv", "janvier"),
            ("feb", "february", "fev", "fév", "février", "fevrier"),
            ("mar", "march", "mars"),
            ("apr", "april", "avr", "avril"),
            ("may", "mai"),
            ("jun", "june", "juin"),
            ("jul", "july", "juil", "juillet"),
            ("aug", "august", "aou", "aoû", "août", "aout"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "octobre"),
            ("nov", "november", "novembre"),
            ("dec", "december", "déc", "décembre", "decembre"),
        ),
        1,
    )
    for name in names
}
#: Targets a drought CSV mapping file may name.
MAPPING_TARGETS = (
    "date",
    "year",
    "month",
    "place",
    "value",
    *(str(month) for month in range(1, 13)),
)


def read_mapping(path: str | Path) -> dict[str, str]:
    """A rainfall mapping file: CSV rows ``source,target`` (target: date, year, month, place,
    value, or 1–12 for the month columns of a years × months table)."""
    path = Path(path)
    try:
        shape = sniff_csv(path)
        with path.open(encoding=shape.encoding, newline="") as handle:
            rows = list(csv.reader(handle, delimiter=shape.delimiter))
    except (FileShapeError, csv.Error, UnicodeDecodeError, OSError) as error:
        raise PrecipitationInputError(f"{path}: not a readable mapping CSV ({error})") from None
    mapping: dict[str, str] = {}
    for line, row in enumerate(rows, 1):
        if not row or (line == 1 and [c.strip().lower() for c in row] == ["source", "target"]):
            continue
        if len(row) != 2 or row[1].strip().lower() not in MAPPING_TARGETS:
            raise PrecipitationInputError(
                f"{path}, line {line}: expected 'source,target' with target one of "
                f"{', '.join(MAPPING_TARGETS)}"
            )
        mapping[row[0].strip()] = row[1].strip().lower()
    return mapping


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, cells) of every data row; a file that is not CSV text is refused
    naming the line."""
    try:
        shape = sniff_csv(path)
        header = read_csv_header(path, shape)
    except FileShapeError as error:
        raise PrecipitationInputError(str(error)) from None
    rows: list[tuple[int, list[str]]] = []
    line = 0
    try:
        with path.open(newline="", encoding=shape.encoding) as handle:
            reader = csv.reader(handle, delimiter=shape.delimiter, strict=True)
            for row in reader:
                line = reader.line_num
                if line <= header.skip or not any(cell.strip() for cell in row):
                    continue
                rows.append((line, [cell.strip() for cell in row]))
    except csv.Error as error:
        raise PrecipitationInputError(
            f"{path}, line {line + 1}: not well-formed CSV ({error})"
        ) from None
    except UnicodeDecodeError:
        raise PrecipitationInputError(
            f"{path}, after line {line}: bytes that are not "
            f"{shape.encoding} text; save the file as UTF-8"
        ) from None
    return header.names, rows


def _number(cell: str, path: Path, line: int, column: str) -> float:
    if cell == "" or cell.lower() in ("na", "nan", "-", "n/a"):
        return float("nan")
    try:
        number = float(cell.replace(",", ".") if cell.count(",") == 1 and "." not in cell else cell)
    except ValueError:
        raise PrecipitationInputError(
            f"{path}, line {line}, column {column!r}: {cell!r} is not a number"
        ) from None
    if number < 0 or not np.isfinite(number):
        raise PrecipitationInputError(
            f"{path}, line {line}, column {column!r}: precipitation "
            f"{cell} is negative or not finite"
        )
    return number


def _month(cells: dict[str, str], date_cols: list[str], path: Path, line: int) -> pd.Timestamp:
    try:
        if len(date_cols) == 1:
            text = cells.get(date_cols[0], "")
            if not re.match(r"^\d{4}-\d{1,2}", text):
                raise ValueError(text)
            return pd.Timestamp(text[:7].rstrip("-") + "-01")
        return pd.Timestamp(int(cells.get(date_cols[0], "")), int(cells.get(date_cols[1], "")), 1)
    except (ValueError, TypeError, OverflowError):
        raise PrecipitationInputError(
            f"{path}, line {line}: date {[cells.get(c, '') for c in date_cols]} is not a year "
            "and month"
        ) from None


def read_csv(
    path: str | Path,
    columns: list[str] | None = None,
    units: str = "mm/month",
    mapping: dict[str, str] | None = None,
) -> Precipitation:
    """Station or area series from CSV: dims (time, series), mm/month.

    Layouts (separator, encoding and line ends detected):

    - *wide*: a ``date`` column (YYYY-MM or YYYY-MM-DD) or ``year`` and ``month`` columns, and
      one numeric column per station or area (or those in ``columns``);
    - *long*: date (or year, month), a place column (station, area, name …) and a value
      column (value, rain, precipitation …), one row per place and month;
    - *years × months* (the common Excel pivot): a ``year`` column and twelve month columns
      (Jan…Dec, January…, 1…12, French names too), optionally a place column.

    ``mapping`` (see :func:`read_mapping`) names the columns when the header does not.
    Empty cells are missing. Bad cells are reported with their line number and column.
    """
    path = Path(path)
    if not path.is_file():
        raise PrecipitationInputError(f"{path}: no such file")
    names, rows = _rows(path)
    renamed = [(mapping or {}).get(name, name) for name in names]
    lower = [name.lower() for name in renamed]

    def find(*candidates: str) -> str | None:
        for candidate in candidates:
            if candidate in lower:
                return names[lower.index(candidate)]
        return None

    date_col = find("date", "time", "month_start")
    year_col, month_col = find("year", "yr", "année", "annee"), find("month", "mois")
    date_cols = [date_col] if date_col else [year_col, month_col] if year_col and month_col else []
    place_col = find(*_PLACE_NAMES)
    value_col = find(*_VALUE_NAMES)
    month_cols = {
        name: _MONTH_WORDS.get(low, int(low) if low.isdigit() and 1 <= int(low) <= 12 else 0)
        for name, low in zip(names, lower, strict=True)
    }
    month_cols = {name: month for name, month in month_cols.items() if month}
    series: dict[str, dict[pd.Timestamp, float]] = {}

    def put(place: str, stamp: pd.Timestamp, value: float, line: int) -> None:
        values = series.setdefault(place, {})
        if stamp in values:
            raise PrecipitationInputError(
                f"{path}, line {line}: {place!r} has {stamp:%Y-%m} "
                "twice; one value per place and month is expected"
            )
        values[stamp] = value

    if year_col and len(set(month_cols.values())) == 12 and not month_col:
        for line, row in rows:
            cells = dict(zip(names, row, strict=False))
            try:
                year = int(cells.get(year_col, ""))
            except ValueError:
                raise PrecipitationInputError(
                    f"{path}, line {line}, column {year_col!r}: "
                    f"{cells.get(year_col, '')!r} is not a year"
                ) from None
            if not 1000 <= year <= 9999:
                raise PrecipitationInputError(
                    f"{path}, line {line}, column {year_col!r}: {year} is not a year"
                )
            place = cells.get(place_col, "") if place_col else "rainfall"
            for column, month in month_cols.items():
                put(
                    place or "rainfall",
                    pd.Timestamp(year, month, 1),
                    _number(cells.get(column, ""), path, line, column),
                    line,
                )
    elif not date_cols:
        raise PrecipitationInputError(
            f"{path}: needs a 'date' column or 'year' and 'month' "
            f"columns, or a year column and twelve month columns "
            f"(header: {names}); name them with --mapping"
        )
    elif place_col and value_col and not columns:
        for line, row in rows:
            cells = dict(zip(names, row, strict=False))
            place = cells.get(place_col, "")
            if not place:
                raise PrecipitationInputError(
                    f"{path}, line {line}, column {place_col!r}: the place is empty"
                )
            put(
                place,
                _month(cells, date_cols, path, line),
                _number(cells.get(value_col, ""), path, line, value_col),
                line,
            )
    else:
        wanted = columns or [h for h in names if h not in date_cols]
        missing = [c for c in wanted if c not in names]
        if missing or not wanted:
            raise PrecipitationInputError(
                f"{path}: no column(s) {missing or wanted} (header: {names})"
            )
        for line, row in rows:
            cells = dict(zip(names, row, strict=False))
            stamp = _month(cells, date_cols, path, line)
            for column in wanted:
                put(column, stamp, _number(cells.get(column, ""), path, line, column), line)
    if not series:
        raise PrecipitationInputError(f"{path}: no data rows")
    places = list(series)
    months = sorted({stamp for values in series.values() for stamp in values})
    table = np.full((len(months), len(places)), np.nan)
    position = {stamp: index for index, stamp in enumerate(months)}
    for place_index, place in enumerate(places):
        for stamp, value in series[place].items():
            table[position[stamp], place_index] = value
    da = xr.DataArray(
        table, dims=("time", "series"), coords={"time": pd.DatetimeIndex(months), "series": places}
    )
    return _finish(da, "CSV", units, str(path), chunk=max(1, len(places)))


def open_precipitation(
    path: str | Path,
    variable: str | None = None,
    units: str | None = None,
    columns: list[str] | None = None,
    chunk: int = 256,
    mapping: dict[str, str] | None = None,
) -> Precipitation:
    """Any supported input by its file name: ``.csv`` (or ``.txt``/``.tsv``) series, else a
    grid."""
    if Path(path).suffix.lower() in (".csv", ".tsv", ".txt"):
        return read_csv(path, columns=columns, units=units or "mm/month", mapping=mapping)
    return open_grid(path, variable=variable, units=units, chunk=chunk)


def check_non_negative(da: xr.DataArray, source: str) -> None:
    """Refuse negative precipitation (computes a reduction over the lazy array)."""
    minimum = float(da.min(skipna=True).compute())
    if np.isfinite(minimum) and minimum < 0:
        raise PrecipitationInputError(
            f"{source}: precipitation has negative values (minimum {minimum:g} mm/month)"
        )
