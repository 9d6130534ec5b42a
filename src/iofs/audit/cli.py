"""``iofs audit verify|export``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

audit_app = typer.Typer(help="The append-only audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Check the hash chain and that every audited record matches its last entry."""
    from iofs.audit import service
    from iofs.cli_support import console, fail, session_factory

    with session_factory()() as session:
        report = service.verify(session)
    if report.ok:
        console.print(f"audit log intact: {report.entries} entries, chain and records agree")
        return
    for problem in report.problems:
        console.print(f"[red]✗[/] {problem}", highlight=False)
    raise fail(
        f"audit log check failed: {len(report.problems)} problem(s) in {report.entries} entries."
    )


@audit_app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    actor: Annotated[str | None, typer.Option(help="Only this e-mail (or cli:…).")] = None,
    record_type: Annotated[str | None, typer.Option(help="Only this table.")] = None,
    since: Annotated[str | None, typer.Option(help="From date, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Until date, YYYY-MM-DD.")] = None,
) -> None:
    """Write the (filtered) audit log as CSV."""
    from iofs.audit import service
    from iofs.cli_support import console, fail, session_factory

    try:
        where = service.AuditFilter(
            actor=actor,
            record_type=record_type,
            since=date.fromisoformat(since) if since else None,
            until=date.fromisoformat(until) if until else None,
        )
    except ValueError:
        raise fail("--since/--until must be dates like 2026-01-31.", 2) from None
    with session_factory()() as session:
        entries = service.query(session, where, limit=10_000_000)
        with out.open("w", encoding="utf-8", newline="") as handle:
            for line in service.export_csv(entries):
                handle.write(line)
    console.print(f"wrote {len(entries)} entries to {out}")
