"""``iofs labels …``: seed the shipped labels, count missing translations, export and import.

Input errors (a file that cannot be read, a wrong line) stop with exit status 2 and one
sentence naming the file, line, field and reason; nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iofs.cli_support import check_format, console, fail, print_records

labels_app = typer.Typer(
    help="Translated data labels: seed, missing counts, export and import CSV.",
    no_args_is_help=True,
)

Format = Annotated[str, typer.Option("--format", help="table, json or csv.")]


@labels_app.command()
def seed() -> None:
    """Add the labels shipped with iofs and refresh those still as shipped (edits kept)."""
    from iofs.cli_support import session_factory
    from iofs.db import transaction
    from iofs.labels import service

    with transaction(session_factory()) as session:
        summary = service.seed(session)
    console.print(
        f"{summary.created} labels added, {summary.updated} updated, {summary.kept} kept as edited."
    )


@labels_app.command()
def missing(output: Format = "table") -> None:
    """Per domain and language: codes, and how many have no translation."""
    check_format(output)
    from iofs.cli_support import session_factory
    from iofs.labels import service

    with session_factory()() as session:
        rows = [c.__dict__ for c in service.missing_counts(session)]
    print_records(
        rows,
        output,
        "Missing translations",
        columns=["domain", "language", "total", "missing"],
        justify={"total": "right", "missing": "right"},
    )


@labels_app.command("export")
def export(
    path: Annotated[Path, typer.Argument(help="CSV file to write ('-': standard output).")],
    domain: Annotated[str | None, typer.Option(help="Only this domain.")] = None,
    language: Annotated[str | None, typer.Option(help="Only this language (en, ar, fr).")] = None,
) -> None:
    """Write the labels as CSV (domain, code, language, text, source); formulas neutralised."""
    from iofs.cli_support import session_factory
    from iofs.labels import transfer

    with session_factory()() as session:
        text = transfer.export_csv(session, domain, language)
    if str(path) == "-":
        typer.echo(text, nl=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise fail(f"{path}: cannot write the file ({error.strerror}).", 2) from None
    console.print(f"{text.count(chr(10)) - 1} labels written to {path}.")


@labels_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV file: domain, code, language, text, source.")],
) -> None:
    """Import labels from CSV: every line is checked first; one wrong line and nothing is
    imported (exit status 2)."""
    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.db import transaction
    from iofs.errors import InputError
    from iofs.labels import transfer

    try:
        data = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise fail(f"{path}: cannot read the file ({error.strerror}).", 2) from None
    except UnicodeDecodeError:
        raise fail(f"{path}: the file is not UTF-8 text.", 2) from None
    try:
        with transaction(session_factory()) as session:
            summary = transfer.import_csv(session, cli_principal(), data)
    except InputError as error:
        raise fail(f"{path}: {error} Nothing was imported.", 2) from None
    console.print(
        f"{summary.created} labels added, {summary.changed} changed, {summary.unchanged} unchanged."
    )


@labels_app.command()
def register(
    domain: Annotated[str, typer.Argument(help="Domain, e.g. commodity or faostat.item.")],
    path: Annotated[Path, typer.Argument(help="A data file (CSV) holding the codes.")],
    column: Annotated[str, typer.Option(help="The column holding the codes.")] = "commodity",
) -> None:
    """Add the codes a data file uses that have no label yet (their English is the code), so
    that ``iofs labels missing`` and the labels page count their missing translations."""
    import csv

    from iofs.accounts.service import cli_principal
    from iofs.cli_support import session_factory
    from iofs.db import transaction
    from iofs.errors import InputError
    from iofs.labels import service

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if column not in (reader.fieldnames or []):
                raise fail(f"{path}: line 1 has no column {column!r}.", 2)
            codes = {
                (row.get(column) or "").strip()
                for row in reader
                if not (row.get(column) or "").startswith("#")  # an HXL hashtag row
            }
    except OSError as error:
        raise fail(f"{path}: cannot read the file ({error.strerror}).", 2) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise fail(f"{path}: not a UTF-8 CSV file ({error}).", 2) from None
    try:
        with transaction(session_factory()) as session:
            added = service.register_codes(session, cli_principal(), domain, codes, path.name)
    except InputError as error:
        raise fail(f"{path}: field {error.field or 'domain'}: {error}", 2) from None
    console.print(f"{added} codes of {domain} added from {path.name}.")
