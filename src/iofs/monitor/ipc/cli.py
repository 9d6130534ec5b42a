"""``iofs ingest ipc FILE…`` (:func:`ingest_ipc`) and ``iofs ipc latest|signals`` (``ipc_app``).

Thin: parse, call one function of :mod:`iofs.monitor.ipc.service`, render. Heavy libraries
load inside the commands, through the service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from iofs.cli_support import check_format, console, errors, fail, print_records, settings

ipc_app = typer.Typer(
    help="IPC / Cadre Harmonisé acute food insecurity: phases, P3+, signals.", no_args_is_help=True
)

LATEST_COLUMNS = [
    "country",
    "analysis_date",
    "kind",
    "period_from",
    "period_to",
    "population_analysed",
    "phase_p3_plus_people",
    "phase_p3_plus_share",
    "phase_4_people",
    "phase_5_people",
    "source",
]
SIGNAL_COLUMNS = [
    "country",
    "analysis_date",
    "kind",
    "period_from",
    "period_to",
    "criteria",
    "reason",
]
#: Table headers (json and csv keep the record's field names).
_HEADERS = {
    "analysis_date": "analysis",
    "period_from": "valid from",
    "period_to": "valid to",
    "population_analysed": "analysed",
    "phase_p3_plus_people": "P3+ people",
    "phase_p3_plus_share": "P3+",
    "phase_4_people": "phase 4",
    "phase_5_people": "phase 5",
}
_RIGHT = {
    _HEADERS[name]: "right"
    for name in (
        "population_analysed",
        "phase_p3_plus_people",
        "phase_p3_plus_share",
        "phase_4_people",
        "phase_5_people",
    )
}


def _emit(records: list[dict[str, Any]], columns: list[str], output: str, title: str) -> None:
    if output != "table":
        print_records(records, output, title, columns=columns if output == "csv" else None)
        return
    shown = [{_HEADERS.get(k, k): v for k, v in r.items()} for r in records]
    print_records(
        shown,
        output,
        title,
        columns=[_HEADERS.get(c, c) for c in columns],
        cell=_cell,
        justify=_RIGHT,
    )


def _cell(value: Any) -> str:
    """Table cells: people with thousands separators, shares as percent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value * 100:.1f} %"
    return str(value)


def _countries(count: int) -> str:
    return f"{count} {'country' if count == 1 else 'countries'}"


def ingest_ipc(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="HDX IPC (national, level-1, area; long or wide) or HDX HAPI food-security CSVs."
        ),
    ],
) -> None:
    """Ingest IPC / CH phase files: every file validated before anything is written,
    all-or-nothing (exit status 2 on bad input), idempotent."""
    from rich.progress import Progress

    from iofs.monitor.ipc import service

    analytics = settings().analytics_dir
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("ingesting IPC", total=2 * len(files))
        try:
            reports = service.ingest(files, analytics, lambda _path: progress.advance(task))
        except service.IpcIngestError as error:
            progress.stop()
            for message in error.refused:
                errors.print(f"[red]✗[/] {message}", highlight=False)
            for problem in error.problems:
                errors.print(f"    {problem}", highlight=False)
            raise fail(str(error), 2) from None
    for report in reports:
        if report.removed_temporaries:
            console.print(
                f"  removed {len(report.removed_temporaries)} temporary file(s) "
                "left by an interrupted ingest",
                highlight=False,
            )
            break
    for report in reports:
        if report.unchanged:
            console.print(
                f"= {report.source} ({report.layout}): unchanged, already ingested "
                f"({report.rows:,} rows); nothing written",
                highlight=False,
            )
            continue
        line = (
            f"✓ {report.source} ({report.layout}): {report.rows:,} rows, "
            f"{report.analyses:,} analyses, {_countries(len(report.countries))}"
        )
        if report.skipped:
            line += f"; {report.skipped:,} rows the source marks as duplicates skipped"
        console.print(line, highlight=False)
    outside = sum(r.non_oic_rows for r in reports)
    if outside:
        names = sorted({c for r in reports for c in r.non_oic_countries})
        console.print(
            f"  {outside:,} rows of {_countries(len(names))} outside the 57 OIC states "
            f"({', '.join(names)}): stored, left out of OIC views",
            highlight=False,
        )


def _month(month: str | None) -> str | None:
    from iofs.errors import InputError
    from iofs.monitor.ipc import service

    if month is None:
        return None
    try:
        service.month_start(month)
    except InputError:
        raise fail(f"--month must look like 2022-03, not {month!r}.", 2) from None
    return month


@ipc_app.command("latest")
def latest_command(
    iso3: Annotated[
        str | None, typer.Argument(help="ISO3 code (default: every OIC state).")
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(
            help="YYYY-MM: each country's latest analysis valid that month (default: its latest "
            "current analysis)."
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    include_non_oic: Annotated[
        bool, typer.Option("--include-non-oic", help="Also countries outside the 57 OIC states.")
    ] = False,
) -> None:
    """Latest IPC analysis per country: population analysed, P3+ people and share, phase 4
    and 5 (shares 0–1 in json/csv, percent in the table)."""
    from iofs.monitor.ipc import service

    check_format(output)
    chosen = _month(month)
    try:
        found = service.latest(
            settings().analytics_dir, chosen, iso3=iso3, include_non_oic=include_non_oic
        )
    except service.NoIpcData as error:
        raise fail(str(error)) from None
    if iso3 and not found:
        raise fail(
            f"No IPC analysis of {iso3.upper()}"
            f"{' valid in ' + chosen if chosen else ''}"
            f"{'' if include_non_oic else ' among the OIC states'}."
        )
    _emit(
        [a.record() for a in found],
        LATEST_COLUMNS,
        output,
        f"IPC: latest analyses{' valid in ' + chosen if chosen else ''}",
    )


@ipc_app.command("signals")
def signals_command(
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM: only analyses made that month.")
    ] = None,
    iso3: Annotated[str | None, typer.Option("--country", help="ISO3 code.")] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    include_non_oic: Annotated[
        bool, typer.Option("--include-non-oic", help="Also countries outside the 57 OIC states.")
    ] = False,
) -> None:
    """Food insecurity signals (HDX Signals rules): P3+ ≥ 20 % or P4+ ≥ 5 % and rising
    since the previous analysis of the same kind, or any population in phase 5."""
    from iofs.monitor.ipc import service

    check_format(output)
    chosen = _month(month)
    try:
        found = service.signals(
            settings().analytics_dir, chosen, iso3=iso3, include_non_oic=include_non_oic
        )
    except service.NoIpcData as error:
        raise fail(str(error)) from None
    _emit(
        [s.record() for s in found],
        SIGNAL_COLUMNS,
        output,
        f"IPC signals{' of ' + chosen if chosen else ''}",
    )
