"""``iofs ingest prices`` and ``iofs prices anomalies|alerts``."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from iofs.monitor.prices import ingest, service, views

prices_app = typer.Typer(
    help="Food prices: GIEWS IPA and WFP ALPS signals, alerts.", no_args_is_help=True
)
FORMATS = ("table", "json", "csv")


def ingest_prices(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Price CSV files: WFP HDX, old WFP VAM or HDX HAPI layout, or any with --mapping."
        ),
    ],
    country: Annotated[
        str | None,
        typer.Option(help="ISO3 for files without a countryiso3 column or country in the name."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="CSV of source,target rows for a generic price file: a column, =CONSTANT or "
            "date(year, month[, day]) as source, a WFP column as target."
        ),
    ] = None,
) -> None:
    """Ingest WFP market-price files (country or global, with or without the HXL row), their
    markets/commodities/currencies files, or a generic CSV with --mapping: validated,
    all-or-nothing per file, idempotent."""
    from iofs.cli_support import console, fail, settings

    analytics = settings().analytics_dir
    failed = 0
    try:
        renames = ingest.read_mapping(mapping) if mapping else None
    except (ingest.PriceFileError, OSError) as error:
        raise fail(str(error), 2) from None
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("ingesting prices", total=len(paths))
        for path in paths:
            try:
                report = ingest.ingest_file(path, analytics, country, renames)
            except ingest.PriceFileError as error:
                failed += 1
                console.print(f"[red]✗[/] {error}", highlight=False)
                for problem in error.problems:
                    console.print(f"    {problem}", highlight=False)
            else:
                console.print(
                    f"✓ {report.source}: {report.rows:,} rows, {report.series:,} "
                    f"series ({', '.join(report.countries)})"
                )
                if report.layout != "hdx" or report.delimiter != ",":
                    console.print(
                        f"  read as the {report.layout} layout, separator {report.delimiter!r}",
                        highlight=False,
                    )
                if report.duplicates_folded:
                    console.print(
                        f"  {report.duplicates_folded:,} duplicate observation(s) "
                        "folded: the same series and date in an older file, removed "
                        "there.",
                        highlight=False,
                    )
                if report.warning_count:
                    console.print(
                        f"  [yellow]{report.warning_count:,} implausible row(s)[/], "
                        "stored but kept out of the signals until confirmed "
                        f"(`iofs prices confirm {report.source}`):",
                        highlight=False,
                    )
                    for warning in report.warnings:
                        console.print(f"    {warning}", highlight=False)
                if report.non_oic_rows:
                    console.print(
                        f"  {report.non_oic_rows:,} row(s) fell outside the 57 OIC "
                        f"states ({', '.join(report.non_oic_countries)}): stored, "
                        "but kept out of OIC views.",
                        highlight=False,
                    )
            progress.advance(task)
    if failed:
        raise fail(f"{failed} of {len(paths)} file(s) rejected; those wrote nothing.", 2)


@prices_app.command("confirm")
def confirm_command(
    source: Annotated[str, typer.Argument(help="The ingested file name (see `iofs data list`).")],
) -> None:
    """Confirm the implausible rows of an ingested file: they enter the signals."""
    from iofs.cli_support import console, fail, settings

    try:
        count = ingest.confirm_warnings(settings().analytics_dir, source)
    except ingest.PriceFileError as error:
        raise fail(str(error), 2) from None
    console.print(f"✓ {count:,} row(s) of {source} confirmed.", highlight=False)


def _check(output: str, month: str | None) -> None:
    from iofs.cli_support import fail

    if output not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}.", 2)
    if month is not None and not service.month_is_valid(month):
        raise fail(f"--month must look like 2024-09, not {month!r}.", 2)


def _signals(include_non_oic: bool = False) -> service.Signals:
    from iofs.cli_support import fail, settings

    try:
        return service.scoped(service.signals(settings().analytics_dir), include_non_oic)
    except service.NoPriceData as error:
        raise fail(str(error)) from None


NonOic = Annotated[
    bool, typer.Option("--include-non-oic", help="Also show countries outside the 57 OIC states.")
]


def _emit(records: list[dict[str, object]], columns: list[str], title: str, output: str) -> None:
    from iofs.cli_support import console

    if output == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    if output == "csv":
        writer = csv.DictWriter(
            sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(records)
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for record in records:
        table.add_row(
            *(
                ""
                if record.get(c) is None
                else (f"{record[c]:.3f}" if isinstance(record.get(c), float) else str(record[c]))
                for c in columns
            )
        )
    console.print(table)


@prices_app.command("anomalies")
def anomalies_command(
    country: Annotated[str | None, typer.Option(help="ISO3 code.")] = None,
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: latest).")] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    include_non_oic: NonOic = False,
) -> None:
    """IPA and ALPS of every series in a month, worst first."""
    _check(output, month)
    result = _signals(include_non_oic)
    rows = service.anomalies_for(result, country, month)
    records = [r.model_dump() for r in views.signal_records(rows)]
    _emit(
        records,
        views.OUTPUT_COLUMNS,
        f"Price anomalies {month or service.latest_month(result)}",
        output,
    )


@prices_app.command("alerts")
def alerts_command(
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: latest).")] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    include_non_oic: NonOic = False,
) -> None:
    """Monthly country summary: series in IPA watch/alert, ALPS alert, worst series, new."""
    _check(output, month)
    result = _signals(include_non_oic)
    records = [r.model_dump() for r in views.alert_records(service.country_alerts(result, month))]
    _emit(
        records,
        [
            "country",
            "month",
            "series",
            "ipa_watch",
            "ipa_alert",
            "alps_alert",
            "alert_share",
            "worst_market",
            "worst_commodity",
            "worst_ipa",
            "new_alerts",
        ],
        "Price alerts by country",
        output,
    )
