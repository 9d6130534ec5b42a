"""``iofs drought …``: SPI over grids, zonal drought shares, country summaries."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from iofs.cli_support import console, errors, fail
from iofs.errors import InputError
from iofs.monitor.drought.errors import PrecipitationInputError

drought_app = typer.Typer(
    help="Drought monitoring: SPI on gridded rainfall, per country.", no_args_is_help=True
)
FORMATS = ("table", "json", "csv")


@drought_app.command("spi")
def spi_command(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help=(
                "Monthly precipitation: NetCDF (.nc), Zarr store, GeoTIFF file or folder of "
                "monthly GeoTIFFs, or CSV series."
            ),
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output: a .nc file, else a Zarr store.")],
    scale: Annotated[int, typer.Option(help="Accumulation in months: 1, 3, 6, 9, 12, 24.")] = 3,
    calibration: Annotated[
        str | None,
        typer.Option(help="Calibration years, e.g. 1991-2020 (default: the whole record)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help=(
                "'threads' (default), or a dask.distributed address tcp://host:8786 "
                "(default IOFS_DASK_SCHEDULER)."
            )
        ),
    ] = None,
    variable: Annotated[str | None, typer.Option(help="Variable name in NetCDF/Zarr.")] = None,
    units: Annotated[str | None, typer.Option(help="Units when the file has none.")] = None,
    columns: Annotated[
        str | None, typer.Option(help="CSV columns to use, comma-separated.")
    ] = None,
    params: Annotated[
        Path | None,
        typer.Option(help=("Reuse the fitted parameters of an earlier output instead of fitting.")),
    ] = None,
    chunk: Annotated[int, typer.Option(help="Spatial chunk edge in pixels.", min=1)] = 256,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help=(
                "CSV of source,target rows naming a rainfall CSV's columns (targets: date, year, "
                "month, place, value, or 1-12 for the month columns of a years x months table)."
            )
        ),
    ] = None,
    compress: Annotated[
        bool | None,
        typer.Option(
            "--compress/--no-compress",
            help=(
                "Compress the output (default: Zarr Blosc-LZ4 on, NetCDF off; NetCDF zlib "
                "level 1 costs about as long as computing the SPI, for ~15 % smaller SPI)."
            ),
        ),
    ] = None,
) -> None:
    """Compute SPI (McKee 1993) for every pixel or series and write it with its parameters."""
    from iofs.cli_support import settings
    from iofs.monitor.drought import read, service

    config = settings()
    try:
        cal = service.parse_calibration(calibration)
        data = read.open_precipitation(
            input_path,
            variable=variable,
            units=units,
            columns=columns.split(",") if columns else None,
            chunk=chunk,
            mapping=read.read_mapping(mapping) if mapping else None,
        )
        for note in data.notes:
            console.print(f"[dim]{note}[/]")
        with Progress(
            TextColumn("SPI-{task.fields[scale]}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=errors,
        ) as bar:
            task = bar.add_task("spi", total=None, scale=scale)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            run = service.run_spi(
                data,
                out,
                scale,
                cal,
                scheduler=scheduler or config.dask_scheduler,
                parameters_from=params,
                progress=progress,
                compress=compress,
            )
    except PrecipitationInputError as error:
        raise fail(str(error), 2) from None
    except InputError as error:
        raise fail(str(error), 2) from None
    for note in run.notes[len(data.notes) :]:
        console.print(f"[yellow]note:[/] {note}")
    console.print(
        f"SPI-{run.scale} of {run.first_month}..{run.last_month} "
        f"{'x'.join(map(str, run.shape))} (calibration {run.calibration}, "
        f"{run.scheduler}) written to {run.output}"
    )


@drought_app.command("latest")
def latest_command(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT", help="Monthly precipitation ending in the month to compute."
        ),
    ],
    params: Annotated[
        Path,
        typer.Option(
            help=(
                "The output of `iofs drought spi` holding the fitted parameters; a Zarr "
                "store gets the new month appended."
            )
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the month alone here (.nc or Zarr).")
    ] = None,
    variable: Annotated[str | None, typer.Option(help="Variable name in NetCDF/Zarr.")] = None,
    units: Annotated[str | None, typer.Option(help="Units when the file has none.")] = None,
    chunk: Annotated[int, typer.Option(help="Spatial chunk edge in pixels.", min=1)] = 512,
    scheduler: Annotated[
        str | None,
        typer.Option(help="'threads' (default) or a dask.distributed address tcp://host:8786."),
    ] = None,
) -> None:
    """SPI of the input's latest month for every pixel from saved parameters (no refit)."""
    from iofs.cli_support import settings
    from iofs.i18n import gettext as _
    from iofs.monitor.drought import latest, read

    try:
        data = read.open_precipitation(input_path, variable=variable, units=units, chunk=chunk)
        run = latest.update_latest(
            data, params, out, scheduler=scheduler or settings().dask_scheduler
        )
    except (InputError, PrecipitationInputError) as error:
        raise fail(str(error), 2) from None
    console.print(
        _(
            "SPI-%(scale)d %(month)s: %(with_spi)d of %(pixels)d cells with SPI, mean "
            "%(mean).2f, %(moderate).1f%% at or below -1; written to %(where)s"
        )
        % {
            "scale": run.scale,
            "month": run.month,
            "with_spi": run.with_spi,
            "pixels": run.pixels,
            "mean": run.mean,
            "moderate": run.share_moderate,
            "where": ", ".join(map(str, run.written)) or _("nowhere (a NetCDF store is only read)"),
        },
        highlight=False,
    )


@drought_app.command("zonal")
def zonal_command(
    spi_output: Annotated[Path, typer.Argument(help="An output of `iofs drought spi`.")],
    admin1: Annotated[Path | None, typer.Option(help="Admin1 boundaries (GeoJSON).")] = None,
    id_field: Annotated[str, typer.Option(help="GeoJSON property naming each area.")] = "shapeID",
    iso3_field: Annotated[str | None, typer.Option(help="GeoJSON property with ISO3.")] = None,
    source: Annotated[str | None, typer.Option(help="Name of this dataset in the table.")] = None,
    last: Annotated[
        int | None,
        typer.Option(help="Only the last N months (e.g. 1 after `iofs drought latest`).", min=1),
    ] = None,
) -> None:
    """Drought shares per country (and admin1) into the monthly table the monitor reads."""
    from iofs.cli_support import settings
    from iofs.monitor.drought import service

    try:
        table, total = service.zonal_from_output(
            settings(), spi_output, admin1, id_field, iso3_field, source, last=last
        )
    except InputError as error:
        raise fail(str(error), 2) from None
    console.print(
        f"{len(table)} area-months for {table['area_id'].nunique()} areas stored; "
        f"the table holds {total} rows"
    )


@drought_app.command("summary")
def summary_command(
    iso3: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-3 code, e.g. SEN.")],
    scale: Annotated[int | None, typer.Option(help="Only this scale.")] = None,
    last: Annotated[int, typer.Option(help="Number of latest months to print.", min=1)] = 12,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """A country's latest monthly SPI and drought-class area shares."""
    from iofs.cli_support import settings
    from iofs.monitor.drought import service

    if output not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {output!r}.", 2)
    try:
        frame = service.country_series(settings(), iso3, scale)
    except InputError as error:
        raise fail(str(error), 2) from None
    if frame.empty:
        raise fail(
            f"no drought statistics for {iso3.upper()}; run `iofs drought spi` and "
            "`iofs drought zonal` first"
        )
    frame = frame.groupby("scale", group_keys=False).tail(last)
    records = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in frame.to_dict(orient="records")
    ]
    if output == "json":
        sys.stdout.write(json.dumps(records, indent=2, default=str) + "\n")
        return
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(frame.columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=f"Drought — {iso3.upper()}")
    for column in ("Scale", "Month", "Mean SPI", "≤-1 %", "≤-1.5 %", "≤-2 %", "Coverage %"):
        table.add_column(column, justify="right")

    def fmt(value: object, digits: int) -> str:
        return "—" if value is None else f"{value:.{digits}f}"

    for r in records:
        table.add_row(
            str(r["scale"]),
            str(r["month"]),
            fmt(r["mean_spi"], 2),
            fmt(r["share_moderate"], 1),
            fmt(r["share_severe"], 1),
            fmt(r["share_extreme"], 1),
            fmt(r["coverage"], 0),
        )
    console.print(table)
