"""``iofs members``: the OIC member-state registry from the terminal."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from iofs.cli_support import check_format, console, fail, print_records, session_factory

members_app = typer.Typer(help="OIC member states and IOFS membership.", no_args_is_help=True)


@members_app.command("load")
def members_load() -> None:
    """Load (or refresh) the packaged reference data: states, General Assembly, Board."""
    from iofs.db import transaction
    from iofs.members import service

    with transaction(session_factory()) as session:
        report = service.load_reference(session)
    for table, counts in report.counts.items():
        console.print(
            f"{table}: {counts['inserted']} inserted, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged"
        )


@members_app.command("list")
def members_list(
    group: Annotated[str | None, typer.Option(help="arab, african, asian or unknown.")] = None,
    status: Annotated[
        str | None, typer.Option(help="IOFS status: member, not_member, unknown.")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """List the OIC member states (the same records as GET /api/v1/members)."""
    from iofs.members import service
    from iofs.members.models import IofsStatus, OicGroup

    check_format(output)
    try:
        chosen_group = OicGroup(group) if group else None
    except ValueError:
        raise fail(
            f"--group must be one of {', '.join(g.value for g in OicGroup)}, not {group!r}.", 2
        ) from None
    try:
        chosen_status = IofsStatus(status) if status else None
    except ValueError:
        raise fail(
            f"--status must be one of {', '.join(s.value for s in IofsStatus)}, not {status!r}.", 2
        ) from None
    with session_factory()() as session:
        states = service.list_members(session, group=chosen_group, iofs_status=chosen_status)
    if not states and not (group or status):
        raise fail("the registry is empty; run `iofs members load`.")
    records = [s.model_dump(mode="json") for s in states]
    if output != "table":
        print_records(records, output, "", empty_column="iso3")
        return
    from rich.table import Table

    table = Table(title=f"OIC member states ({len(states)})")
    for column in ("ISO3", "Name", "OIC group", "OIC since", "IOFS status", "Signed"):
        table.add_column(column)
    for s in states:
        table.add_row(
            s.iso3,
            s.name_en,
            s.oic_group.value,
            str(s.oic_accession_year),
            s.iofs_status.value,
            s.iofs_statute_signed_on or "",
        )
    console.print(table)


@members_app.command("show")
def members_show(
    iso3: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-3 code, e.g. KAZ.")],
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Show one member state with its codes, names, membership and sources."""
    from iofs.members import service

    with session_factory()() as session:
        try:
            state = service.get_member(session, iso3)
        except service.UnknownMemberState as error:
            raise fail(str(error)) from None
    if output == "json":
        sys.stdout.write(
            json.dumps(state.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
        )
        return
    from rich.table import Table

    table = Table(show_header=False, title=f"{state.name_en} ({state.iso3})")
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, value in state.model_dump(mode="json").items():
        table.add_row(name, "" if value is None else str(value))
    console.print(table)
