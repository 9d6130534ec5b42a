"""Crash-safe database imports (#20): each import that writes to the database — the programme
workbook, FTS flows, the Strategic Vision report workbook, reserve stock positions — is run as
the CLI in a subprocess and killed with SIGKILL inside its transaction (after rows were
flushed to the database, at the commit, and after a delay). Killed before its commit, the
database must be exactly as before, row for row; whatever the moment, a rerun must succeed and
the audit log must verify.

The kill points are SQLAlchemy session events installed by the subprocess itself, so the
production code carries no test hook; the ingests into the analytics store are covered by
``tests/test_ingest_kill.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.config import Settings
from iofs.db import transaction
from iofs.models import Base
from tests.programmes.test_workbook import _good, _xlsx

#: Runs the root CLI with a kill installed: ``flush`` (after the first flush of the
#: transaction: rows sent, not committed), ``commit`` (as the commit starts) or a delay in
#: seconds after start-up.
RUNNER = """
import os, signal, sys, threading
from sqlalchemy import event
from sqlalchemy.orm import Session

def die(*_args):
    os.kill(os.getpid(), signal.SIGKILL)

when = os.environ["KILL_WHEN"]
if when == "flush":
    event.listen(Session, "after_flush", die)
elif when == "commit":
    event.listen(Session, "before_commit", die)
elif when != "never":
    threading.Timer(float(when), die).start()
from iofs.cli import app
app(sys.argv[1:], prog_name="iofs")
"""


@dataclass(frozen=True)
class Import:
    """How to set an import up and run it: ``prepare`` loads the data it builds on and writes
    its input file; ``command`` is the CLI command for that file."""

    prepare: Callable[[Session, Path], Path]
    command: Callable[[Path], list[str]]


def _programmes_demo(session: Session) -> None:
    from iofs.programmes import demo

    demo.load(session, cli_principal())


def _workbook(session: Session, folder: Path) -> Path:
    _programmes_demo(session)
    path = folder / "phase2.xlsx"
    path.write_bytes(_xlsx(_good()))
    return path


def _fts(session: Session, folder: Path) -> Path:
    from iofs.programmes.exchange import fts_export

    _programmes_demo(session)
    document = json.loads(fts_export.flows_json(session, "F4H-GAZA"))
    for number, flow in enumerate(document["data"]["flows"], start=900001):
        flow["id"] = number  # flows FTS publishes, not yet held
    path = folder / "fts.json"
    path.write_text(json.dumps(document))
    return path


def _strategy(session: Session, folder: Path) -> Path:
    from iofs.strategy import demo, workbook

    demo.load(session, cli_principal())
    book = load_workbook(io.BytesIO(workbook.export_report(session, cli_principal(), "KAZ", 2025)))
    sheet = book[workbook.SHEET]
    rows = [r for r in range(workbook.HEADER_ROW + 1, sheet.max_row + 1)]
    row = next(r for r in rows if sheet.cell(r, 1).value == "NGB.1")  # accessions conserved
    sheet.cell(row, 6).value = 15321
    sheet.cell(row, 7).value = "https://example.org/kaz/genebank-inventory-2025"
    path = folder / "kaz-2025.xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def _reserves(session: Session, folder: Path) -> Path:
    from iofs.reserves import demo

    _programmes_demo(session)
    demo.load(session, cli_principal())
    path = folder / "positions.csv"
    path.write_text(
        "warehouse,lot,commodity,received_on,quantity_t,as_of\n"
        "KAZ-KOSTANAY,KAZ-KILL-1,wheat,2025-01-01,120,2025-06-01\n"
        "KAZ-KOSTANAY,KAZ-KILL-2,wheat,2025-01-01,80,2025-06-01\n"
    )
    return path


IMPORTS: dict[str, Import] = {
    "programme-workbook": Import(_workbook, lambda p: ["programmes", "import", "xlsx", str(p)]),
    "fts": Import(_fts, lambda p: ["programmes", "import", "fts", str(p), "--appeal", "F4H-GAZA"]),
    "strategy-workbook": Import(
        _strategy, lambda p: ["strategy", "import", str(p), "--state", "KAZ", "--period", "2025"]
    ),
    "reserve-positions": Import(_reserves, lambda p: ["reserves", "import", str(p)]),
}


def _snapshot(factory: sessionmaker[Session]) -> tuple[str, dict[str, int]]:
    """A digest of every row of every table (ordered by primary key) and the row counts."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    with factory() as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            counts[table.name] = len(rows)
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest(), counts


def _run(settings: Settings, command: list[str], when: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "IOFS_DATABASE_URL": settings.resolved_database_url,
        "IOFS_DATA_DIR": str(settings.data_dir),
        "IOFS_SECRET_KEY": settings.secret_key or "",
        "KILL_WHEN": when,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-c", RUNNER, *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def _unlocked(factory: sessionmaker[Session]) -> None:
    """PostgreSQL ends a killed client's transaction when it notices the closed socket; wait
    until no other session of this database holds locks, so the checks read settled data."""
    with factory() as session:
        if session.bind is None or session.bind.dialect.name != "postgresql":
            return
        for _ in range(100):
            busy = session.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state <> 'idle'"
                )
            ).scalar()
            if not busy:
                return
            session.execute(text("SELECT pg_sleep(0.05)"))


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_a_killed_import_leaves_the_database_as_before_and_a_rerun_succeeds(
    kind: str, settings: Settings, loaded_registry: sessionmaker[Session], tmp_path: Path
) -> None:
    spec = IMPORTS[kind]
    with transaction(loaded_registry) as session:
        path = spec.prepare(session, tmp_path)
    command = spec.command(path)
    before, counts_before = _snapshot(loaded_registry)
    for when in ("flush", "commit"):
        killed = _run(settings, command, when)
        assert killed.returncode == -signal.SIGKILL, (when, killed.stdout, killed.stderr)
        _unlocked(loaded_registry)
        assert _snapshot(loaded_registry)[0] == before, f"{kind}: killed at {when} changed rows"
    killed = _run(settings, command, "1.5")
    _unlocked(loaded_registry)
    if killed.returncode == -signal.SIGKILL:
        state, _counts = _snapshot(loaded_registry)
        if state == before:
            rerun = _run(settings, command, "never")
            assert rerun.returncode == 0, (rerun.stdout, rerun.stderr)
    else:  # the import finished before the timer: it must have succeeded
        assert killed.returncode == 0, (killed.stdout, killed.stderr)
    done, counts_after = _snapshot(loaded_registry)
    assert done != before and counts_after != counts_before, f"{kind}: the import wrote nothing"
    again = _run(settings, command, "never")
    assert "Traceback" not in again.stdout + again.stderr
    verified = _run(settings, ["audit", "verify"], "never")
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout
