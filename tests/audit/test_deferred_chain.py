"""The audit chain is appended at commit (#21 item 3): entries queued in a transaction join the
chain only when it commits, in commit order, with consecutive ids; a rollback (of the whole
transaction or of a savepoint) drops what it queued; a long import holds no lock that other
audited writes wait for (PostgreSQL), and on SQLite a write behind it waits for the busy
timeout or is told the database is busy; a process killed in the middle of the append leaves
the chain intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from iofs import db
from iofs.accounts.service import cli_principal
from iofs.audit import chain
from iofs.audit import service as audit
from iofs.audit.models import AuditEntry
from iofs.config import Settings
from iofs.db import transaction
from iofs.strategy import partnerships  # noqa: F401 - declares the partners audited
from iofs.strategy.models import Partner
from iofs.web.app import create_app
from tests.conftest import make_user
from tests.test_import_kill import _unlocked


def _add_partners(session: Session, names: Iterable[str]) -> None:
    """Create partners and audit each, as an import does (one flush, one entry per row)."""
    rows = [Partner(name=name) for name in names]
    session.add_all(rows)
    session.flush()
    for row in rows:
        audit.created(session, cli_principal(), row)


def _chain(factory: sessionmaker[Session]) -> list[tuple[int, str, str]]:
    """(id, action, partner name of the entry's record) of every entry, in id order."""
    with factory() as session:
        names = {row.id: row.name for row in session.execute(select(Partner.id, Partner.name))}
        return [
            (entry.id, entry.action, names.get(int(entry.record_id), "?"))
            for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]


def _verified(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        report = audit.verify(session)
    assert report.ok, report.problems
    ids = [entry_id for entry_id, _action, _name in _chain(factory)]
    assert ids == list(range(1, len(ids) + 1))


def _is_postgres(factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        return session.get_bind().dialect.name == "postgresql"


def test_entries_join_the_chain_at_commit_and_a_rollback_drops_them(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        _add_partners(session, ["Rolled back"])
        assert chain.queued_count(session) == 1
        session.rollback()
        assert chain.queued_count(session) == 0
        _add_partners(session, ["First", "Second"])
        assert chain.queued_count(session) == 2
        assert session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == 0
        assert audit.entry_count(session) == 2  # as the transaction will leave the log
        session.commit()
        assert chain.queued_count(session) == 0
        _add_partners(session, ["Closed without commit"])
    assert _chain(session_factory) == [(1, "create", "First"), (2, "create", "Second")]
    _verified(session_factory)


@pytest.mark.parametrize("spill_after", [chain.SPILL_AFTER, 3])
def test_a_savepoint_rolled_back_drops_the_entries_queued_inside_it(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, spill_after: int
) -> None:
    """With a small spill size the queue lies in its temporary file across several chunks and
    the rollbacks cut inside one of them."""
    monkeypatch.setattr(chain, "SPILL_AFTER", spill_after)
    with transaction(session_factory) as session:
        _add_partners(session, [f"kept {n}" for n in range(5)])
        savepoint = session.begin_nested()
        _add_partners(session, [f"dropped {n}" for n in range(7)])
        savepoint.rollback()
        with session.begin_nested():
            _add_partners(session, ["kept 5"])
            inner = session.begin_nested()
            _add_partners(session, ["dropped 7", "dropped 8"])
            inner.rollback()
            _add_partners(session, ["kept 6"])
        with pytest.raises(ValueError, match="refused"), session.begin_nested():
            _add_partners(session, ["dropped 9"])
            raise ValueError("refused")
        assert chain.queued_count(session) == 7
        with session.begin_nested():
            _add_partners(session, [f"kept {n}" for n in range(7, 12)])
    names = [name for _id, _action, name in _chain(session_factory)]
    assert names == [f"kept {n}" for n in range(12)]
    _verified(session_factory)


def test_updates_and_deletions_are_queued_in_order(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        _add_partners(session, ["Partner"])
        row = session.execute(select(Partner)).scalar_one()
        before = audit.snapshot(row)
        assert not audit.updated(session, cli_principal(), row, before)  # nothing changed
        row.acronym = "P"
        assert audit.updated(session, cli_principal(), row, before)
        audit.deleted(session, cli_principal(), row)
    with session_factory() as session:
        actions = list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())
    assert actions == ["create", "update", "delete"]
    _verified(session_factory)


def test_small_and_large_appends_make_one_chain_and_move_the_heads(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a web request's few entries are appended in two pipelines, an import's
    many by COPY; interleaved, they give one chain that verifies, and the heads name each
    type's newest entry either way."""
    pipelined: list[int] = []
    original = chain._append_pipelined

    def counted(session: Session, queue: chain._Queue) -> None:
        pipelined.append(queue.length)
        original(session, queue)

    monkeypatch.setattr(chain, "_append_pipelined", counted)
    sizes = [1, chain.PIPELINED_UP_TO + 1, 2, chain.PIPELINED_UP_TO, 250, 1]
    for batch, size in enumerate(sizes):
        with transaction(session_factory) as session:
            _add_partners(session, [f"batch {batch} row {n}" for n in range(size)])
    postgres = _is_postgres(session_factory)
    assert pipelined == ([1, 2, chain.PIPELINED_UP_TO, 1] if postgres else [])
    names = [name for _id, _action, name in _chain(session_factory)]
    assert names == [f"batch {b} row {n}" for b, size in enumerate(sizes) for n in range(size)]
    _verified(session_factory)
    with session_factory() as session:
        assert audit.newest_entries(session).by_type["strategy_partner"] == sum(sizes)


def test_a_long_import_does_not_hold_up_other_audited_writes(
    session_factory: sessionmaker[Session],
) -> None:
    if not _is_postgres(session_factory):
        pytest.skip(
            "concurrent writers need PostgreSQL: SQLite has one writer for the whole database "
            "(see test_on_sqlite_a_write_behind_a_long_import_waits_or_is_told_busy)"
        )
    rows = 5000
    long_import = session_factory()
    try:
        _add_partners(long_import, [f"imported {n}" for n in range(rows)])
        started = time.monotonic()
        with transaction(session_factory) as other:
            other.execute(text("SET LOCAL lock_timeout = '20s'"))  # a regression fails, not hangs
            _add_partners(other, ["Written meanwhile"])
        waited = time.monotonic() - started
        assert waited < 5, f"the other write waited {waited:.1f} s"
        assert long_import.in_transaction() and chain.queued_count(long_import) == rows
        with session_factory() as reader:
            assert reader.execute(select(func.count()).select_from(Partner)).scalar_one() == 1
        started = time.monotonic()
        long_import.commit()
        appended = time.monotonic() - started
    finally:
        long_import.close()
    assert appended < 30, f"the commit of {rows} entries took {appended:.1f} s"
    entries = _chain(session_factory)
    assert entries[0] == (1, "create", "Written meanwhile")  # commit order
    assert [name for _id, _action, name in entries[1:]] == [f"imported {n}" for n in range(rows)]
    _verified(session_factory)


def _long_import(
    factory: sessionmaker[Session],
    rows: int,
    hold_s: float | None,
    held: threading.Event,
    answered: threading.Event,
) -> None:
    """Import ``rows`` partners and keep the write lock ``hold_s`` seconds, or (None) until
    the other write has been answered — on a loaded machine that request may start later than
    any fixed hold."""
    with transaction(factory) as session:
        _add_partners(session, [f"imported {n}" for n in range(rows)])  # holds the write lock
        held.set()
        if hold_s is None:
            answered.wait(60)
        else:
            time.sleep(hold_s)


@pytest.mark.parametrize(("timeout_ms", "hold_s", "status"), [(5_000, 0.5, 200), (200, None, 503)])
def test_on_sqlite_a_write_behind_a_long_import_waits_or_is_told_busy(
    settings: Settings,
    loaded_registry: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    timeout_ms: int,
    hold_s: float | None,
    status: int,
) -> None:
    if _is_postgres(loaded_registry):
        pytest.skip("SQLite's single writer; PostgreSQL: test_a_long_import_does_not_hold_up_…")
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", timeout_ms)
    _, token = make_user(loaded_registry, "writer@iofs.example", "admin")
    rows = 2000
    with TestClient(create_app(settings)) as client:
        held, answered = threading.Event(), threading.Event()
        importer = threading.Thread(
            target=_long_import, args=(loaded_registry, rows, hold_s, held, answered)
        )
        importer.start()
        assert held.wait(60)
        answer = client.put(
            "/api/v1/partnerships/partners?lang=fr",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "Queued partner", "kind": "other"},
        )
        answered.set()
        importer.join()
    assert answer.status_code == status, answer.text
    with loaded_registry() as session:
        report = audit.verify(session)
        partners = session.execute(
            select(AuditEntry.record_id)
            .where(AuditEntry.record_type == "strategy_partner")
            .order_by(AuditEntry.id)
        ).scalars()
        names = {row.id: row.name for row in session.execute(select(Partner.id, Partner.name))}
        logged = [names[int(record_id)] for record_id in partners]
    assert report.ok, report.problems
    imported = [f"imported {n}" for n in range(rows)]
    if status == 503:
        assert "occupée" in answer.json()["detail"]
        assert logged == imported
    else:
        assert logged == [*imported, "Queued partner"]  # commit order


#: Imports partners in a subprocess and kills it: ``chain-end`` (the chain locked and its end
#: read, nothing appended), ``commit`` (every entry appended, COMMIT not yet sent) or ``never``.
RUNNER = """
import os, signal, sys
from sqlalchemy import event
from iofs.accounts.service import cli_principal
from iofs.audit import chain, service as audit
from iofs.db import make_engine, make_session_factory, transaction
from iofs.strategy import partnerships
from iofs.strategy.models import Partner

url, when, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
chain.SPILL_AFTER = 700  # the queue in several chunks

def die(*_args):
    os.kill(os.getpid(), signal.SIGKILL)

engine = make_engine(url)
if when == "chain-end":
    @event.listens_for(engine, "after_cursor_execute")
    def _after(connection, cursor, statement, *_args):
        if "FROM audit_entry ORDER BY audit_entry.id DESC" in statement:
            die()
elif when == "commit":
    event.listen(engine, "commit", die)
with transaction(make_session_factory(engine)) as session:
    partners = [Partner(name=f"imported {n}") for n in range(rows)]
    session.add_all(partners)
    session.flush()
    for partner in partners:
        audit.created(session, cli_principal(), partner)
"""


def test_a_process_killed_while_appending_leaves_the_chain_intact(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        _add_partners(session, ["Before"])
    url = settings.resolved_database_url
    rows = 2000

    def run(when: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, url, when, str(rows)],
            env={**os.environ},
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        assert when == "never" or done.returncode == -signal.SIGKILL, done.stderr
        _unlocked(session_factory)
        return done.returncode

    for when in ("chain-end", "commit"):
        run(when)
        assert _chain(session_factory) == [(1, "create", "Before")], when
        _verified(session_factory)
    assert run("never") == 0
    with transaction(session_factory) as session:
        _add_partners(session, ["After"])
    names = [name for _id, _action, name in _chain(session_factory)]
    assert names == ["Before", *[f"imported {n}" for n in range(rows)], "After"]
    _verified(session_factory)
