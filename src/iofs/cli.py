"""The ``iofs`` command line: the root commands, and every module's groups from the manifest.

A module's commands are declared in its manifest (:class:`iofs.modules.Command`) and imported
only when invoked: ``iofs --help`` lists them from the manifest's help texts, so it loads no
module, no database layer and no heavy library. Shared verbs (``ingest``, ``fetch``) are
groups whose subcommands come from several modules.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import _click as click  # Typer ships its own click: its groups are built on it
from typer.core import TyperCommand, TyperGroup

from iofs import __version__
from iofs.cli_support import console, database_failure, fail, session_factory, settings


class LazyGroup(TyperGroup):
    """A command group whose manifest commands are imported when first invoked.

    ``verb`` names the shared verb the group stands for (None: the root ``iofs``); its lazy
    commands are the manifest entries declared under that verb.
    """

    verb: str | None = None
    _listing_help = False

    def _lazy(self) -> dict[str, Any]:
        from iofs.modules import commands

        return {entry.name: entry for entry in commands() if entry.group == self.verb}

    def list_commands(self, ctx: click.Context) -> list[str]:
        own = super().list_commands(ctx)
        return own + [name for name in self._lazy() if name not in own]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in self._lazy():
            return found
        entry = self._lazy()[cmd_name]
        if self._listing_help:
            # Listing the group: show the manifest's help without importing the command.
            return TyperCommand(cmd_name, help=entry.help, short_help=entry.help)
        command = _load_command(entry)
        self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a database that cannot be used is one sentence and exit 2. After
        ``iofs ingest …`` / ``iofs fetch …``, the shared analytics store (when one is set) is
        pushed."""
        try:
            result = super().invoke(ctx)
        except Exception as error:
            if self.verb in {"ingest", "fetch"}:
                from iofs.analytics_store.cli import push_after_command

                push_after_command(failed=getattr(error, "exit_code", 1) != 0)
            reason = database_failure(error)
            if reason is None:
                raise
            raise fail(reason, 2) from None
        if self.verb in {"ingest", "fetch"}:
            from iofs.analytics_store.cli import push_after_command

            push_after_command(failed=False)
        return result

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing_help = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing_help = False


def _load_command(entry: Any) -> click.Command:
    """The click command of a manifest entry: a Typer app (group) or a command function."""
    from iofs.modules import resolve

    target = resolve(entry.target)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = entry.name
        return group
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    holder.command(entry.name)(target)
    return typer.main.get_group(holder).commands[entry.name]


app = typer.Typer(
    name="iofs",
    cls=LazyGroup,
    help="Information system of the Islamic Organization for Food Security (IOFS).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Operational database: migrations.", no_args_is_help=True)


def _verb_group(verb: str) -> type[LazyGroup]:
    """A lazy group class for the shared verb ``verb``."""
    return type(f"{verb.title()}Group", (LazyGroup,), {"verb": verb})


ingest_app = typer.Typer(
    cls=_verb_group("ingest"),
    no_args_is_help=True,
    help="Import public datasets into the analytics store.",
)
fetch_app = typer.Typer(
    cls=_verb_group("fetch"),
    no_args_is_help=True,
    help="Download public datasets (the only network use of iofs).",
)
demo_app = typer.Typer(help="Demonstration data from public sources.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ingest_app, name="ingest")
app.add_typer(fetch_app, name="fetch")
app.add_typer(demo_app, name="demo")


def _version(value: bool) -> None:
    if value:
        console.print(f"iofs {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """iofs: members, food-security monitoring, programmes, gene bank, Strategic Vision 2031."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface (default IOFS_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default IOFS_PORT).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes (default: one per core on PostgreSQL, one on SQLite). "
            "SIGHUP replaces them one by one without dropping requests.",
        ),
    ] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Start the web app (pages, JSON API under /api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    from iofs.db import current_revision, pending_migrations
    from iofs.http.logs import logging_config

    config = settings()
    config.ensure_data_dir()
    url = config.resolved_database_url
    if current_revision(url) is None:
        raise fail("the database has no tables yet; run `iofs db upgrade` (or `make run`).")
    if pending_migrations(url):
        raise fail("the database is behind the code; run `iofs db upgrade` (or `make run`).")
    processes = workers or _default_workers(url)
    if reload and processes > 1:
        raise fail("--reload runs one process; leave out --workers.", 2)
    if processes > 1:
        os.environ[METRICS_DIR_ENV] = str(_fresh_metrics_dir(config.data_dir))
    bind_host, bind_port = host or config.host, port or config.port
    console.print(
        f"iofs {__version__} serving on http://{bind_host}:{bind_port} "
        f"(database: {url.split('://', 1)[0]}, data: {config.data_dir}, "
        f"{processes} worker{'s' if processes > 1 else ''})"
    )
    _print_first_steps()
    from iofs.jobs.worker import start_embedded  # the job worker thread (IOFS_JOBS_EMBEDDED)

    start_embedded(config)
    # Forwarded headers (client address, https) are believed only from IOFS_TRUSTED_PROXIES.
    # The app writes its own access log (with the request id), so uvicorn's is off.
    uvicorn.run(
        "iofs.web.app:create_app",
        factory=True,
        host=bind_host,
        port=bind_port,
        reload=reload,
        workers=processes if processes > 1 else None,
        # A worker imports every module before it is ready: seconds, more on a busy machine.
        timeout_worker_healthcheck=120,
        timeout_keep_alive=config.keep_alive_seconds,
        log_level=config.log_level,
        log_config=logging_config(config.log_level, config.log_format),
        access_log=False,
        proxy_headers=bool(config.trusted_proxies),
        forwarded_allow_ips=config.trusted_proxies or None,
    )


#: prometheus_client's multiprocess mode: where each worker writes its metric values.
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _default_workers(url: str) -> int:
    """One worker per core on PostgreSQL; one on SQLite, whose writes take turns anyway."""
    if url.startswith("sqlite"):
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _fresh_metrics_dir(data_dir: Path) -> Path:
    """An empty folder for the workers' metric files (values of a previous run removed)."""
    folder = data_dir / ".metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _print_first_steps() -> None:
    """On an installation without an administrator, say how to create the first one."""
    from sqlalchemy.exc import SQLAlchemyError

    from iofs.accounts.service import has_active_admin
    from iofs.db import transaction

    try:
        with transaction(session_factory()) as session:
            if has_active_admin(session):
                return
    except SQLAlchemyError:  # a hint only: never stops the server from starting
        return
    console.print(
        "No administrator account yet. Create the first one (the password is asked for):\n"
        "  iofs users create --email you@example.org --role admin\n"
        "then sign in at /signin. Sample data for every module: iofs demo load"
    )


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "heads",
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


@demo_app.command("load")
def demo_load(
    from_shared: Annotated[
        Path | None,
        typer.Option(
            help="A shared data folder (laid out as ../shared/data): its real WFP prices and "
            "FAOSTAT files are ingested instead of the packaged illustrative samples."
        ),
    ] = None,
) -> None:
    """Load every module's demonstration data, prices, FAOSTAT and drought too (idempotent)."""
    from iofs.accounts.service import cli_principal
    from iofs.db import transaction
    from iofs.demo import load_all, load_files

    if from_shared is not None and not from_shared.is_dir():
        raise fail(f"{from_shared}: no such folder.", 2)
    with transaction(session_factory()) as session:
        results = load_all(session, cli_principal())
    results += load_files(settings(), from_shared)
    if not results:
        console.print("no module has demonstration data yet")
    for module, summary in results:
        console.print(f"{module}: {summary}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="iofs")


if __name__ == "__main__":
    main()
