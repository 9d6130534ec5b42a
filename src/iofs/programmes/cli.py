"""``iofs programmes …``: appeals and their coverage, exports, imports, the review queue."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from iofs.cli_support import console, errors, fail
from iofs.errors import InputError

programmes_app = typer.Typer(
    help="Programmes, appeals, contributions and deliveries.", no_args_is_help=True
)


class ExportFormat(StrEnum):
    iati = "iati"
    hxl = "hxl"
    three_w = "3w"
    fts = "fts"


class ImportFormat(StrEnum):
    xlsx = "xlsx"
    fts = "fts"


class Output(StrEnum):
    table = "table"
    json = "json"


def _money(value: object) -> str:
    return f"{value:,.2f}"


@programmes_app.command("appeals")
def appeals(
    fmt: Annotated[Output, typer.Option("--format", help="table or json.")] = (Output.table),
) -> None:
    """Every appeal with its requirement, funding, coverage and gaps (USD and tonnes)."""
    from iofs.cli_support import session_factory
    from iofs.programmes import service

    with session_factory()() as session:
        rows = [service.appeal_summary(session, code) for code in service.appeal_codes(session)]
    if fmt is Output.json:
        console.print_json(json.dumps(rows, default=str))
        return
    table = Table(title="Appeals")
    for column in (
        "appeal",
        "required USD",
        "funded USD",
        "coverage %",
        "gap USD",
        "required t",
        "delivered t",
        "gap t",
    ):
        table.add_column(column, justify="left" if column == "appeal" else "right")
    for row in rows:
        table.add_row(
            row["code"],
            _money(row["required_usd"]),
            _money(row["funded_usd"]),
            "—" if row["coverage_percent"] is None else f"{row['coverage_percent']:.1f}",
            _money(row["gap_usd"]),
            "—" if row["required_t"] is None else f"{row['required_t']:,}",
            f"{row['delivered_t']:,}",
            "—" if row["gap_t"] is None else f"{row['gap_t']:,}",
        )
    console.print(table)


@programmes_app.command("export")
def export(
    fmt: Annotated[ExportFormat, typer.Argument(help="iati, hxl (contributions), 3w or fts.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="File to write; for fts a name ending in .csv writes CSV, else JSON."
        ),
    ],
    appeal: Annotated[str | None, typer.Option("--appeal", help="Only this appeal (fts).")] = None,
) -> None:
    """Export IATI 2.03 activity XML, HXL CSV (contributions or 3W) or FTS-style flows."""
    from iofs.cli_support import session_factory

    with session_factory()() as session:
        try:
            if fmt is ExportFormat.iati:
                from iofs.programmes.exchange import iati_checks, iati_export

                content: bytes = iati_export.activities_xml(session)
                for problem in iati_checks.ruleset_errors(content):
                    errors.print(f"[yellow]IATI rule:[/] {problem}", highlight=False)
            elif fmt is ExportFormat.hxl:
                from iofs.programmes.exchange import hxl

                content = hxl.contributions_csv(session).encode()
            elif fmt is ExportFormat.three_w:
                from iofs.programmes.exchange import hxl

                content = hxl.three_w_csv(session).encode()
            else:
                from iofs.programmes.exchange import fts_export

                text = (
                    fts_export.flows_csv(session, appeal)
                    if out.suffix.lower() == ".csv"
                    else fts_export.flows_json(session, appeal)
                )
                content = text.encode()
        except InputError as error:
            raise fail(str(error), 2) from None
    out.write_bytes(content)
    console.print(f"wrote {out} ({len(content):,} bytes)")


@programmes_app.command("template")
def template(out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")]) -> None:
    """Write the Excel template for bulk entry of contributions and deliveries."""
    from iofs.cli_support import session_factory
    from iofs.programmes.exchange import workbook_template

    with session_factory()() as session:
        out.write_bytes(workbook_template.template(session))
    console.print(f"wrote {out}")


@programmes_app.command("import")
def import_file(
    fmt: Annotated[
        ImportFormat,
        typer.Argument(help="xlsx (the template) or fts (an FTS API flow response, JSON)."),
    ],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    appeal: Annotated[
        str | None, typer.Option("--appeal", help="The appeal the FTS flows belong to.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything, write nothing.")
    ] = False,
) -> None:
    """Import an Excel sheet or FTS flows: all-or-nothing, every bad row named."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory, settings
    from iofs.programmes import service

    factory = session_factory()
    with factory() as session:
        transaction = session.begin()
        try:
            if fmt is ImportFormat.xlsx:
                from iofs.programmes.exchange import workbook_upload

                try:
                    report = workbook_upload.upload(
                        session, cli_principal(), path.read_bytes(), settings().analytics_dir
                    )
                except workbook_upload.UploadRejected as rejected:
                    transaction.rollback()
                    if rejected.refused is not None:  # the file itself, before its rows
                        raise fail(f"{rejected.refused} Nothing was imported.", 2) from None
                    for problem in rejected.errors:
                        errors.print(str(problem), highlight=False)
                    raise fail(
                        f"{len(rejected.errors)} problem(s); nothing was imported.", 2
                    ) from None
                summary = service.upload_summary(report)
            else:
                if not appeal:
                    raise fail("Say which appeal the flows belong to: --appeal CODE.", 2)
                from iofs.programmes.exchange import fts_import

                summary = service.fts_summary(
                    fts_import.import_flows(session, cli_principal(), appeal, path.read_bytes())
                )
        except InputError as error:
            transaction.rollback()
            where = f" ({error.field})" if error.field else ""
            raise fail(f"{error}{where} Nothing was imported.", 2) from None
        if dry_run:
            transaction.rollback()
            console.print(f"dry run, nothing written: {summary}")
            return
        transaction.commit()
    console.print(summary)


@programmes_app.command("reconcile")
def reconcile(appeal: Annotated[str, typer.Argument(help="Appeal code.")]) -> None:
    """Compare an appeal's contributions with its imported FTS flows."""
    from iofs.cli_support import session_factory
    from iofs.programmes.exchange import fts_reconcile

    with session_factory()() as session:
        try:
            lines = fts_reconcile.reconcile(session, appeal)
        except InputError as error:
            raise fail(str(error), 2) from None
    found = fts_reconcile.summary(lines)
    table = Table(title=f"{appeal}: iofs vs FTS")
    for column in ("status", "iofs", "iofs USD", "FTS flow", "FTS USD", "differences"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            line.status,
            line.reference or "—",
            "—" if line.iofs_usd is None else _money(line.iofs_usd),
            str(line.fts_id or "—"),
            "—" if line.fts_usd is None else _money(line.fts_usd),
            ", ".join(line.differences),
        )
    console.print(table)
    console.print(
        ", ".join(f"{status}: {count}" for status, count in found.counts.items())
        + f" — iofs {_money(found.iofs_usd)} USD, FTS {_money(found.fts_usd)} USD"
    )


@programmes_app.command("pending")
def pending() -> None:
    """Figures awaiting a second person's approval."""
    from iofs.cli_support import session_factory
    from iofs.programmes import review

    with session_factory()() as session:
        rows = review.pending(session)
    table = Table(title="Awaiting approval")
    for column in ("kind", "id", "version", "entered by", "figure"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.kind, str(row.id), str(row.version), row.entered_by, row.summary)
    console.print(table)


@programmes_app.command("review")
def review_figure(
    kind: Annotated[
        str, typer.Argument(help="contribution, status, stage, beneficiaries or indicator_value.")
    ],
    record_id: Annotated[int, typer.Argument(min=1)],
    version: Annotated[
        int,
        typer.Option(
            "--version",
            min=1,
            help="The version you saw (see "
            "`iofs programmes pending`); "
            "a figure changed since is "
            "refused.",
        ),
    ],
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead of approve.")] = False,
    note: Annotated[str, typer.Option("--note", help="Why (required to reject).")] = "",
) -> None:
    """Approve (or reject) the version of a figure entered by someone else."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.db import transaction
    from iofs.permissions import PermissionDenied
    from iofs.programmes import review

    try:
        with transaction(session_factory()) as session:
            review.decide(
                session,
                cli_principal(),
                kind,
                record_id,
                "rejected" if reject else "approved",
                note,
                version=version,
            )
    except (InputError, PermissionDenied) as error:
        raise fail(str(error), 2) from None
    console.print(f"{kind} {record_id} version {version}: {'rejected' if reject else 'approved'}")
