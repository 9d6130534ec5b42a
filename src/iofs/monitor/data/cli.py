"""``iofs data list`` and ``iofs data remove SLICE``: what was loaded into the analytics store."""

from __future__ import annotations

from typing import Annotated

import typer

data_app = typer.Typer(
    help="What was loaded into the analytics store: list slices, remove one (audited).",
    no_args_is_help=True,
)

COLUMNS = ("id", "dataset", "source", "kind", "rows", "countries", "span", "ingested_at", "size")


@data_app.command("list")
def list_command(
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Each ingested slice: id, dataset, source file, domain or kind, rows, countries, span
    (first–last period), when it was ingested and its size on disk."""
    from iofs.cli_support import check_format, print_records, settings
    from iofs.monitor.data import service

    check_format(output)
    rows = service.records(service.list_slices(settings().analytics_dir))
    if output == "table":
        for row in rows:
            row["size"] = service.human_size(int(str(row["size"])))
            row["ingested_at"] = str(row["ingested_at"] or "")[:16].replace("T", " ")
    print_records(
        rows,
        output,
        "Slices of the analytics store",
        columns=COLUMNS,
        justify={"rows": "right", "countries": "right", "size": "right"},
    )


@data_app.command("remove")
def remove_command(
    slice_id: Annotated[
        str, typer.Argument(metavar="SLICE", help="The slice's id, as `iofs data list` shows.")
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove one slice from the analytics store (audited); asks first unless --yes."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import console, fail, session_factory, settings
    from iofs.db import transaction
    from iofs.monitor.data import service
    from iofs.slices import UnknownSlice

    analytics = settings().analytics_dir
    try:
        info = service.get_slice(analytics, slice_id)
    except UnknownSlice as error:
        raise fail(str(error), 2) from None
    described = (
        f"{info.id} ({info.source}, {info.rows:,} rows, {info.countries} countries"
        + (f", {service.span(info)}" if info.first else "")
        + ")"
    )
    if not yes and not typer.confirm(f"Remove {described}?", default=False):
        raise fail("nothing was removed.", 1)
    try:
        with transaction(session_factory()) as session:
            removed = service.remove(session, cli_principal(), analytics, slice_id)
    except UnknownSlice as error:
        raise fail(str(error), 2) from None
    console.print(
        f"removed {removed.id}: {removed.source}, {removed.rows:,} rows, "
        f"{removed.countries} countries" + (f", {service.span(removed)}" if removed.first else ""),
        highlight=False,
    )
