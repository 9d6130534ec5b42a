"""The ``iofs`` command line: one Typer app; each module adds its command group."""

from __future__ import annotations

import csv
import io
import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from iofs import __version__
from iofs.config import Settings, SettingsError, load_settings

console = Console()
errors = Console(stderr=True)

app = typer.Typer(
    name="iofs",
    help="Information system of the Islamic Organization for Food Security (IOFS).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Operational database: migrations.", no_args_is_help=True)
members_app = typer.Typer(help="OIC member states and IOFS membership.", no_args_is_help=True)
ingest_app = typer.Typer(help="Import public datasets into the analytics store.",
                         no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(members_app, name="members")
app.add_typer(ingest_app, name="ingest")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    """Settings from the environment; invalid settings stop with one clear sentence."""
    try:
        return load_settings()
    except SettingsError as error:
        raise fail(str(error), 2) from None


def _version(value: bool) -> None:
    if value:
        console.print(f"iofs {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """iofs: members, food-security monitoring, programmes, gene bank, Strategic Vision 2031."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default IOFS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default IOFS_PORT).")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Start the web app (pages, JSON API under /api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    from iofs.db import current_revision, pending_migrations

    config = settings()
    config.ensure_data_dir()
    url = config.resolved_database_url
    if current_revision(url) is None:
        raise fail("the database has no tables yet; run `iofs db upgrade` (or `make run`).")
    if pending_migrations(url):
        raise fail("the database is behind the code; run `iofs db upgrade` (or `make run`).")
    bind_host, bind_port = host or config.host, port or config.port
    console.print(f"iofs {__version__} serving on http://{bind_host}:{bind_port} "
                  f"(database: {url.split('://', 1)[0]}, data: {config.data_dir})")
    uvicorn.run("iofs.web.app:create_app", factory=True, host=bind_host, port=bind_port,
                reload=reload, log_level=config.log_level, proxy_headers=False)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "heads",
               ) -> None:
    """Apply database migrations (creates the SQLite file on first run)."""
    from iofs.db import current_revision, upgrade

    config = settings()
    config.ensure_data_dir()
    url = config.resolved_database_url
    try:
        upgrade(url, revision)
    except Exception as error:
        raise fail(f"could not migrate the database at {url.split('@')[-1]}: {error}") from None
    console.print(f"database at revision {current_revision(url)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from iofs.db import current_revision

    console.print(current_revision(settings().resolved_database_url) or "empty (not migrated)")


def _session_factory() -> sessionmaker[Session]:
    """Sessions on the configured database."""
    from iofs.db import make_engine, make_session_factory

    return make_session_factory(make_engine(settings().resolved_database_url))


@members_app.command("load")
def members_load() -> None:
    """Load (or refresh) the packaged reference data: states, General Assembly, Board."""
    from iofs.db import transaction
    from iofs.members import service

    with transaction(_session_factory()) as session:
        report = service.load_reference(session)
    for table, counts in report.counts.items():
        console.print(f"{table}: {counts['inserted']} inserted, {counts['updated']} updated, "
                      f"{counts['unchanged']} unchanged")


FORMATS = ("table", "json", "csv")


@members_app.command("list")
def members_list(
    group: Annotated[str | None, typer.Option(help="arab, african, asian or unknown.")] = None,
    status: Annotated[str | None, typer.Option(help="IOFS status: member, not_member, unknown.")]
    = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """List the OIC member states (the same records as GET /api/v1/members)."""
    from iofs.members import service
    from iofs.members.models import IofsStatus, OicGroup

    if output not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {output!r}.", 2)
    try:
        chosen_group = OicGroup(group) if group else None
    except ValueError:
        raise fail(f"--group must be one of {', '.join(g.value for g in OicGroup)}, "
                   f"not {group!r}.", 2) from None
    try:
        chosen_status = IofsStatus(status) if status else None
    except ValueError:
        raise fail(f"--status must be one of {', '.join(s.value for s in IofsStatus)}, "
                   f"not {status!r}.", 2) from None
    with _session_factory()() as session:
        states = service.list_members(session, group=chosen_group, iofs_status=chosen_status)
    if not states and not (group or status):
        raise fail("the registry is empty; run `iofs members load`.")
    records = [s.model_dump(mode="json") for s in states]
    if output == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    elif output == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else ["iso3"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(title=f"OIC member states ({len(states)})")
        for column in ("ISO3", "Name", "OIC group", "OIC since", "IOFS status", "Signed"):
            table.add_column(column)
        for s in states:
            table.add_row(s.iso3, s.name_en, s.oic_group.value, str(s.oic_accession_year),
                          s.iofs_status.value, s.iofs_statute_signed_on or "")
        console.print(table)


@members_app.command("show")
def members_show(
    iso3: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-3 code, e.g. KAZ.")],
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Show one member state with its codes, names, membership and sources."""
    from iofs.members import service

    with _session_factory()() as session:
        try:
            state = service.get_member(session, iso3)
        except service.UnknownMemberState as error:
            raise fail(str(error)) from None
    if output == "json":
        sys.stdout.write(json.dumps(state.model_dump(mode="json"), ensure_ascii=False,
                                    indent=2) + "\n")
        return
    table = Table(show_header=False, title=f"{state.name_en} ({state.iso3})")
    table.add_column("field", style="bold")
    table.add_column("value")
    for name, value in state.model_dump(mode="json").items():
        table.add_row(name, "" if value is None else str(value))
    console.print(table)


# Module command groups are added below, one block per module.
from iofs.accounts.cli import tokens_app, users_app  # noqa: E402
from iofs.audit.cli import audit_app  # noqa: E402

app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
from iofs.strategy.cli import partnerships_app, strategy_app  # noqa: E402

app.add_typer(strategy_app, name="strategy")
app.add_typer(partnerships_app, name="partnerships")

from iofs.genebank.cli import genebank_app  # noqa: E402

app.add_typer(genebank_app, name="genebank")

from iofs.monitor.drought.cli import drought_app  # noqa: E402

app.add_typer(drought_app, name="drought")

from iofs.monitor.faostat.cli import fetch_app, indicators_command, ingest_faostat  # noqa: E402

ingest_app.command("faostat")(ingest_faostat)
app.command("indicators")(indicators_command)
app.add_typer(fetch_app, name="fetch")

from iofs.monitor.prices.cli import ingest_prices, prices_app  # noqa: E402

ingest_app.command("prices")(ingest_prices)
app.add_typer(prices_app, name="prices")

from iofs.programmes.cli import programmes_app  # noqa: E402

app.add_typer(programmes_app, name="programmes")

demo_app = typer.Typer(help="Demonstration data from public sources.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("load")
def demo_load() -> None:
    """Load every module's sourced demonstration data (idempotent)."""
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.demo import load_all

    with transaction(_session_factory()) as session:
        results = load_all(session, cli_principal())
    if not results:
        console.print("no module has demonstration data yet")
    for module, summary in results:
        console.print(f"{module}: {summary}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
