"""No traceback from a damaged workbook (#17 item 5): the programme entry workbook and the
Strategic Vision report workbook, mutated as users' files are (a broken zip, or rows and
cells damaged and written back as a workbook), are imported through the CLI: they import
(exit 0), or stop with exit status 2 and a sentence saying where and why, the database
unchanged. Same mutations and budget as ``tests/test_importer_fuzz.py``.
"""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from typer.testing import CliRunner

from iofs.accounts.service import cli_principal
from iofs.cli import app
from iofs.db import make_engine, make_session_factory, transaction, upgrade
from tests.programmes.test_workbook import _good, _xlsx
from tests.test_importer_fuzz import _BASE, _WHERE, _ZIP_DAMAGE, FUZZ, _mutations, mutate

_STORES: dict[str, Path] = {}


def _store(name: str, load: Callable[[Any], None]) -> Path:
    """A migrated SQLite database with the member registry and ``load``'s data (made once)."""
    if name not in _STORES:
        from iofs.members import service as members

        path = _BASE / f"{name}.sqlite3"
        upgrade(f"sqlite:///{path}")
        engine = make_engine(f"sqlite:///{path}")
        with transaction(make_session_factory(engine)) as session:
            members.load_reference(session)
            load(session)
        engine.dispose()
        _STORES[name] = path
    return _STORES[name]


def _programmes(session: Any) -> None:
    from iofs.programmes import demo

    demo.load(session, cli_principal())


def _strategy(session: Any) -> None:
    from iofs.strategy import demo

    demo.load(session, cli_principal())


def _strategy_seed() -> bytes:
    from iofs.strategy import workbook

    engine = make_engine(f"sqlite:///{_store('strategy', _strategy)}")
    with make_session_factory(engine)() as session:
        data = workbook.export_report(session, cli_principal(), "KAZ", 2025)
    engine.dispose()
    book = load_workbook(io.BytesIO(data))
    sheet = book[workbook.SHEET]
    for row in range(workbook.HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(row, 1).value == "NGB.1":
            sheet.cell(row, 6).value = 15321
            sheet.cell(row, 7).value = "https://example.org/kaz/genebank-inventory-2025"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rows(data: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book}


def _damaged(seed: bytes, sheet: str, mutation: tuple[str, int, int]) -> bytes:
    """``seed`` with its bytes damaged (a broken zip) or the rows of ``sheet`` damaged as
    text and written back, the other sheets as they were."""
    if mutation[0] in _ZIP_DAMAGE:
        return mutate(seed, *mutation)
    sheets = _rows(seed)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        ["" if v is None else v for v in row] for row in sheets[sheet]
    )
    text = mutate(out.getvalue().encode(), *mutation).decode("utf-8", errors="replace")
    text = text.replace("\x00", "")
    try:
        sheets[sheet] = [list(r) for r in csv.reader(io.StringIO(text))]
    except csv.Error:
        sheets[sheet] = [line.split(",") for line in text.splitlines()]
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        target = book.create_sheet(title)
        for row in rows:
            target.append([_cell(c) for c in row[:300]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """``value`` as openpyxl can store it: text without the control characters a worksheet
    cannot hold (a user's spreadsheet program drops them too), at most 32,000 characters."""
    if not isinstance(value, str):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:32_000]


def _counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        tables = [
            t
            for (t,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not t.startswith("sqlite_")
        ]
        return {t: connection.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _check(database: Path, name: str, damaged: bytes, command: list[str], tmp: Path) -> None:
    copy = tmp / "iofs.sqlite3"
    shutil.copy(database, copy)
    before = _counts(copy)
    path = tmp / name
    path.write_bytes(damaged)
    env = {"IOFS_DATABASE_URL": f"sqlite:///{copy}", "IOFS_DATA_DIR": str(tmp / "var")}
    result = CliRunner().invoke(app, [*command, str(path)], env={**env, "IOFS_ENV": "test"})
    if result.exit_code == 0:
        return
    message = " ".join(result.output.split())
    assert result.exit_code == 2, (result.exit_code, message[-2000:], result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert "Traceback" not in message and _WHERE.search(message), message[-2000:]
    assert _counts(copy) == before


@FUZZ
@given(mutation=_mutations())
def test_programme_workbook_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    database = _store("programmes", _programmes)
    damaged = _damaged(_xlsx(_good()), "contributions", mutation)
    tmp = tmp_path_factory.mktemp("programme-workbook")
    _check(database, "entry.xlsx", damaged, ["programmes", "import", "xlsx"], tmp)


@FUZZ
@given(mutation=_mutations())
def test_strategy_workbook_never_traceback(
    tmp_path_factory: pytest.TempPathFactory, mutation: tuple[str, int, int]
) -> None:
    from iofs.strategy import workbook

    database = _store("strategy", _strategy)
    damaged = _damaged(_strategy_seed(), workbook.SHEET, mutation)
    tmp = tmp_path_factory.mktemp("strategy-workbook")
    command = ["strategy", "import", "--state", "KAZ", "--period", "2025"]
    _check(database, "kaz-2025.xlsx", damaged, command, tmp)
