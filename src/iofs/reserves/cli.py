"""``iofs reserves …``: status, cover, stock-position import, requests, supply matching."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from iofs.cli_support import check_format, errors, fail, print_records

reserves_app = typer.Typer(
    help="Food security reserves: stocks, cover, releases, supply matching.", no_args_is_help=True
)

Format = Annotated[str, typer.Option("--format", help="table, json or csv.")]
On = Annotated[
    str | None,
    typer.Option(
        "--on", help="Balances at the end of this date (YYYY-MM-DD; default: every movement)."
    ),
]


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--on must be a date (YYYY-MM-DD), not {value!r}.", 2) from None


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _json(value: Any) -> Any:
    if isinstance(value, Decimal | dt.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    raise TypeError(type(value).__name__)


def _print(rows: list[dict[str, Any]], output: str, title: str, columns: list[str]) -> None:
    print_records(
        rows,
        output,
        title,
        columns=columns,
        cell=_cell,
        json_default=_json,
        justify={name: "right" for name in columns if name.endswith(("_t", "_usd", "_days"))},
    )


@reserves_app.command()
def status(on: On = None, output: Format = "table") -> None:
    """Per reserve system and commodity: tonnes pledged, held and targeted."""
    check_format(output)
    from iofs.cli_support import session_factory
    from iofs.reserves import views

    with session_factory()() as session:
        rows = views.status_rows(session, _date(on))
    _print(
        rows,
        output,
        "Reserve systems: pledged vs held vs target",
        [
            "name",
            "commodity",
            "pledged_t",
            "pledged_usd",
            "held_t",
            "target_t",
            "held_percent_of_target",
        ],
    )


@reserves_app.command()
def cover(
    on: On = None,
    country: Annotated[str | None, typer.Option(help="One state (ISO3).")] = None,
    output: Format = "table",
) -> None:
    """Per state and commodity: tonnes held, days of food use covered, stocks-to-use."""
    check_format(output)
    from iofs.cli_support import session_factory, settings
    from iofs.reserves import views

    with session_factory()() as session:
        rows = views.cover_rows(session, settings().analytics_dir, _date(on), country)
    _print(
        rows,
        output,
        "Reserve cover per state",
        [
            "state",
            "commodity",
            "held_t",
            "food_use_t_per_year",
            "cover_days",
            "stocks_to_use_percent",
            "faostat_year",
        ],
    )


@reserves_app.command("import")
def import_positions(
    path: Annotated[Path, typer.Argument(help="CSV or .xlsx sheet of stock positions.")],
) -> None:
    """Import stock positions (all-or-nothing; a second import changes nothing)."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import console, session_factory
    from iofs.db import transaction
    from iofs.reserves import stock_import

    if not path.is_file():
        raise fail(f"{path} is not a file.", 2)
    try:
        with transaction(session_factory()) as session:
            report = stock_import.import_positions(
                session, cli_principal(), path.name, path.read_bytes()
            )
    except stock_import.StockImportError as error:
        for problem in error.problems:
            errors.print(str(problem), highlight=False)
        raise fail(str(error), 2) from None
    console.print(
        f"{report.rows} rows: {report.lots_created} lots created, "
        f"{report.movements} movements recorded, {report.unchanged} unchanged."
    )


@reserves_app.command()
def requests(
    country: Annotated[str | None, typer.Option(help="One state (ISO3).")] = None,
    output: Format = "table",
) -> None:
    """Release requests with their status and days from request to delivery."""
    check_format(output)
    from iofs.cli_support import session_factory
    from iofs.reserves import releases, views

    with session_factory()() as session:
        rows = [
            views.request_row(session, row) for row in releases.requests(session, country=country)
        ]
    if output == "json":
        _print(rows, output, "", [])
        return
    flat = [
        {
            **row,
            "timeline": " → ".join(f"{step['step']} {step['dated']}" for step in row["timeline"]),
        }
        for row in rows
    ]
    _print(
        flat,
        output,
        "Release requests",
        [
            "reference",
            "state",
            "commodity",
            "quantity_t",
            "decided_t",
            "delivered_t",
            "status",
            "days_to_delivery",
            "timeline",
        ],
    )


@reserves_app.command()
def match(
    country: Annotated[str, typer.Argument(help="The deficit state (ISO3).")],
    commodity: Annotated[str, typer.Argument(help="wheat, rice, maize, …")],
    tonnes: Annotated[str, typer.Argument(help="Tonnes needed.")],
    output: Format = "table",
) -> None:
    """Rank OIC sources (reserve lots elsewhere, surplus states) for a state's need."""
    check_format(output)
    from iofs.cli_support import session_factory, settings
    from iofs.reserves import matching, registry
    from iofs.reserves import vocabulary as v

    if commodity not in v.COMMODITIES:
        raise fail(f"commodity must be one of {', '.join(v.COMMODITIES)}.", 2)
    try:
        need = Decimal(tonnes)
    except ArithmeticError:
        raise fail(f"tonnes must be a number, not {tonnes!r}.", 2) from None
    with session_factory()() as session:
        found = matching.match(
            session, settings().analytics_dir, country.upper(), commodity, need, dt.date.today()
        )
    rows = [{**vars(item), "state": registry.state_name(item.iso3)} for item in found]
    if output == "json":
        typer.echo(json.dumps(rows, default=_json, ensure_ascii=False, indent=2))
        return
    _print(
        rows,
        output,
        f"OIC sources for {need:,} t of {commodity} to {registry.state_name(country.upper())}",
        ["rank", "kind", "state", "source", "available_t", "share_of_need_percent", "value_usd"],
    )


@reserves_app.command("rebuild-balances")
def rebuild_balances(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Only compare the cache with the movements; exit 1 if they differ."
        ),
    ] = False,
) -> None:
    """Rebuild the monthly closing balances of every lot from the ledger's movements (the
    cache balances are read from), or check that they agree."""
    from iofs.cli_support import console, session_factory
    from iofs.db import transaction
    from iofs.reserves import ledger

    if check:
        with session_factory()() as session:
            differences = ledger.check_closings(session)
        for lot_id, month, stored, expected in differences[:20]:
            errors.print(
                f"lot {lot_id}, {month:%Y-%m}: {stored} kg stored, {expected} kg "
                "from the movements",
                highlight=False,
            )
        if differences:
            raise fail(
                f"{len(differences)} closing balances differ from the movements; run "
                "iofs reserves rebuild-balances."
            )
        console.print("The closing balances agree with the movements.")
        return
    with transaction(session_factory()) as session:
        written = ledger.rebuild_closings(session)
    console.print(f"{written} closing balances rebuilt from the movements.")
