"""What every command group shares: consoles, errors, settings, sessions, record printing.

The root ``iofs.cli`` and every module's ``cli.py`` import from here; nothing imports the root
CLI. Kept light on purpose: importing it loads Typer and Rich, not the database layer or any
module, so that ``iofs --help`` stays fast.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from iofs.config import Settings

console = Console()
errors = Console(stderr=True)

#: The output formats of list-like commands.
FORMATS = ("table", "json", "csv")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise (``raise fail(...)``)."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    """Settings from the environment; invalid settings stop with one clear sentence (exit 2)."""
    from iofs.config import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as error:
        raise fail(str(error), 2) from None


def database_failure(error: BaseException) -> str | None:
    """One sentence when ``error`` means the database cannot be used (unreachable, refused),
    else None; the root command turns it into ``error: …`` and exit status 2."""
    if "sqlalchemy" not in sys.modules:  # not imported: it cannot be a database error
        return None
    from iofs.config import SettingsError, describe_database_error, load_settings

    try:
        url: str | None = load_settings().resolved_database_url
    except SettingsError:
        url = None
    return describe_database_error(error, url)


def session_factory() -> sessionmaker[Session]:
    """Sessions on the configured database."""
    from iofs.db import make_engine, make_session_factory

    return make_session_factory(make_engine(settings().resolved_database_url))


def check_format(output: str, formats: Sequence[str] = FORMATS) -> None:
    """Stop with exit status 2 unless ``output`` is one of ``formats``."""
    if output not in formats:
        raise fail(f"--format must be one of {', '.join(formats)}, not {output!r}.", 2)


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def print_records(
    rows: Sequence[Mapping[str, Any]],
    output: str,
    title: str,
    *,
    columns: Sequence[str] | None = None,
    cell: Callable[[Any], str] = _plain,
    justify: Mapping[str, str] | None = None,
    json_default: Callable[[Any], Any] | None = None,
    empty_column: str = "empty",
) -> None:
    """Print ``rows`` as a Rich table, JSON (UTF-8, indented) or CSV on standard output.

    ``columns`` picks and orders the fields (default: the first row's keys; extra keys are
    ignored in CSV and the table); ``cell`` formats a table cell; ``justify`` maps a column to
    ``"right"``; ``empty_column`` names the header written when there are no rows.
    """
    check_format(output)
    names = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if output == "json":
        sys.stdout.write(
            json.dumps(list(rows), ensure_ascii=False, indent=2, default=json_default) + "\n"
        )
        return
    if output == "csv":
        from iofs.spreadsheets import neutralised

        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=names or [empty_column], extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        # Text a spreadsheet would run as a formula is quoted; everything else as it is.
        writer.writerows(
            {k: neutralised(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows
        )
        sys.stdout.write(buffer.getvalue())
        return
    from rich.table import Table

    table = Table(title=title)
    for name in names or [""]:
        table.add_column(name, justify=(justify or {}).get(name, "left"))  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(cell(row.get(name)) for name in names))
    console.print(table)
