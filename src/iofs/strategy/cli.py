"""``iofs strategy …`` and ``iofs partnerships …`` commands (Typer + Rich)."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iofs.cli_support import console, errors, fail
from iofs.errors import InputError

strategy_app = typer.Typer(
    help="Strategic Vision 2031: reports, scorecards, gaps.", no_args_is_help=True
)
partnerships_app = typer.Typer(
    help="Partnerships: agreements, reminders, events.", no_args_is_help=True
)


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


class Language(StrEnum):
    ar = "ar"
    en = "en"
    fr = "fr"


@strategy_app.command("report")
def report(
    state: Annotated[str, typer.Option("--state", help="ISO3 code of the member state.")],
    period: Annotated[
        int, typer.Option("--period", min=1990, max=2100, help="Reporting year (YYYY).")
    ],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[ReportFormat, typer.Option("--format", help="html, pdf or xlsx.")] = (
        ReportFormat.pdf
    ),
    lang: Annotated[Language, typer.Option("--lang", help="ar, en or fr.")] = Language.en,
) -> None:
    """Write a state's Strategic Vision 2031 report for a period (scorecard, gaps, charts)."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.strategy import report as strategy_report

    with session_factory()() as session:
        try:
            content = strategy_report.build(
                session, cli_principal(), state, period, fmt.value, lang.value
            )
        except InputError as error:
            raise fail(str(error), 2) from None
    out.write_bytes(content)
    console.print(f"wrote {out} ({len(content):,} bytes, {fmt.value}, {lang.value})")


@strategy_app.command("missing")
def missing(
    period: Annotated[int, typer.Option("--period", min=1990, max=2100)],
    state: Annotated[str | None, typer.Option("--state")] = None,
) -> None:
    """List values IOFS member states have not reported (or must correct) for a period."""
    from iofs.cli_support import session_factory
    from iofs.strategy import progress

    with session_factory()() as session:
        try:
            gaps = progress.missing(session, period, state)
        except InputError as error:
            raise fail(str(error), 2) from None
        table = Table(title=f"Missing values {period}")
        for column in ("state", "KPI", "reason"):
            table.add_column(column)
        for gap in gaps:
            table.add_row(gap.iso3, f"{gap.kpi.code} {gap.kpi.name}", gap.reason)
    console.print(table)


@strategy_app.command("import")
def import_workbook(
    state: Annotated[str, typer.Option("--state")],
    period: Annotated[int, typer.Option("--period", min=1990, max=2100)],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import a filled-in report workbook: all rows or none."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.db import transaction
    from iofs.strategy import workbook

    try:
        with transaction(session_factory()) as session:
            result = workbook.import_report(
                session, cli_principal(), state, period, file.read_bytes()
            )
    except workbook.ImportFailed as failure:
        for problem in failure.problems:
            errors.print(f"[red]-[/] {problem}", highlight=False)
        raise fail("nothing was imported", 2) from None
    except InputError as error:
        raise fail(str(error), 2) from None
    console.print(f"{result.changed} values saved, {result.unchanged} unchanged")


@partnerships_app.command("due")
def due(
    days: Annotated[
        int, typer.Option("--days", min=0, max=3650, help="Window in days from today.")
    ] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Agreements expiring or due for renewal, and obligations due, within the window."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.strategy import partnerships

    with session_factory()() as session:
        reminders = partnerships.due(session, cli_principal(), date.today(), days)
        rows = [
            {
                "due_on": r.due_on.isoformat(),
                "days_left": r.days_left,
                "kind": r.kind,
                "agreement": r.agreement.title,
                "obligation": r.obligation.description if r.obligation else None,
                "owner": r.obligation.owner if r.obligation else None,
            }
            for r in reminders
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print(f"nothing due within {days} days")
        return
    table = Table(title=f"Due within {days} days")
    for column in ("due", "days", "what", "agreement", "obligation", "owner"):
        table.add_column(column)
    for row in rows:
        style = "red" if int(str(row["days_left"])) < 0 else None
        table.add_row(
            str(row["due_on"]),
            str(row["days_left"]),
            str(row["kind"]),
            str(row["agreement"]),
            str(row["obligation"] or ""),
            str(row["owner"] or ""),
            style=style,
        )
    console.print(table)
