"""Recording, querying, exporting and verifying the audit log.

Every service that changes a record calls :func:`created`, :func:`updated` or :func:`deleted`
(bulk imports :func:`created_many`) in the same transaction as the change: the entry is queued
in that transaction and joins the hash chain when it commits (:mod:`iofs.audit.chain`), so a
change and its audit entry commit or fail together.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, func, inspect, literal, select, union_all
from sqlalchemy.orm import Session

from iofs.audit.chain import (
    COLUMNS,
    GENESIS_HASH,
    batch,
    enqueue,
    entry_hash,
    hashed_fields,
    plain,
    queued_count,
)
from iofs.audit.chain import actor_label as actor_label  # how callers name actors
from iofs.audit.models import AuditEntry, AuditHead, AuditStateHead
from iofs.audit.permissions import PERMISSIONS  # noqa: F401 - declared before use
from iofs.db import Base
from iofs.http.paging import Page, Pager, SortKey
from iofs.permissions import Principal

#: Tables whose every row must be explained by the audit log: name -> model.
AUDITED: dict[str, type[Base]] = {}
#: Columns replaced by a digest in snapshots (secrets must never reach the log).
REDACTED_COLUMNS = {"password_hash", "token_hash", "key_hash"}
#: Columns that change without a person's action and are left out of snapshots.
VOLATILE_COLUMNS = {"last_used_at"}


def audited(model: type[Base]) -> type[Base]:
    """Declare that every row of ``model`` is created and changed only through audited calls."""
    AUDITED[model.__tablename__] = model
    return model


def snapshot(record: Base) -> dict[str, Any]:
    """The record's column values as JSON-ready data, secrets replaced by a digest."""
    values: dict[str, Any] = {}
    for column in inspect(type(record)).columns:
        name = column.key
        if name in VOLATILE_COLUMNS:
            continue
        value = getattr(record, name)
        if name in REDACTED_COLUMNS and value is not None:
            value = "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:16]
        values[name] = plain(value)
    return values


def snapshot_json(values: dict[str, Any] | None) -> str | None:
    """How a snapshot is stored in an entry's ``before``/``after``: JSON with sorted keys."""
    return None if values is None else json.dumps(values, sort_keys=True, ensure_ascii=False)


def _record_id(record: Base) -> str:
    identity = inspect(record).identity
    if identity is None:
        raise ValueError("flush the record before auditing it (it has no primary key yet)")
    return "/".join(str(part) for part in identity)


def record(
    session: Session,
    principal: Principal,
    action: str,
    record_type: str,
    record_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Queue one entry in the caller's transaction; it joins the chain when that commits
    (:mod:`iofs.audit.chain`), so its id and hash are known only then."""
    items = [(record_id, snapshot_json(before), snapshot_json(after))]
    enqueue(session, batch(principal, datetime.now(UTC), action, record_type, items))


def created_many(
    session: Session,
    principal: Principal,
    record_type: str,
    items: Iterable[tuple[str, str]],
    moment: datetime | None = None,
) -> int:
    """Queue the creation entries of many records at once (bulk imports), given as ``(record
    id, snapshot JSON)`` — the JSON exactly :func:`snapshot_json` of the record's
    :func:`snapshot` (``iofs audit verify`` compares them) — all at ``moment`` (default now).
    The same entries as :func:`created` one by one. Returns the entry count."""
    queued = [(record_id, None, after) for record_id, after in items]
    enqueue(session, batch(principal, moment or datetime.now(UTC), "create", record_type, queued))
    return len(queued)


def created(session: Session, principal: Principal, obj: Base) -> None:
    """Audit a new record (flushes it first to get its key)."""
    session.flush()
    record(session, principal, "create", obj.__tablename__, _record_id(obj), None, snapshot(obj))


def updated(session: Session, principal: Principal, obj: Base, before: dict[str, Any]) -> bool:
    """Audit a change of ``obj`` from ``before`` (a :func:`snapshot`); nothing if unchanged.
    Returns whether there was a change to audit."""
    session.flush()
    after = snapshot(obj)
    if after == before:
        return False
    record(session, principal, "update", obj.__tablename__, _record_id(obj), before, after)
    return True


def deleted(session: Session, principal: Principal, obj: Base) -> None:
    """Delete ``obj`` and audit it."""
    before = snapshot(obj)
    record_id = _record_id(obj)
    session.delete(obj)
    session.flush()
    record(session, principal, "delete", obj.__tablename__, record_id, before, None)


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit page, API and export."""

    actor: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    since: date | None = None
    until: date | None = None


def filtered(where: AuditFilter) -> Select[AuditEntry]:
    """The entries matching ``where`` (actor, record, dates), unordered."""
    statement = select(AuditEntry)
    if where.actor:
        statement = statement.where(AuditEntry.actor == where.actor.strip().lower())
    if where.record_type:
        statement = statement.where(AuditEntry.record_type == where.record_type)
    if where.record_id:
        statement = statement.where(AuditEntry.record_id == where.record_id)
    if where.since:
        statement = statement.where(
            AuditEntry.at >= datetime.combine(where.since, datetime.min.time(), UTC)
        )
    if where.until:
        statement = statement.where(
            AuditEntry.at < datetime.combine(where.until, datetime.max.time(), UTC)
        )
    return statement


def query(
    session: Session, where: AuditFilter, limit: int = 200, offset: int = 0
) -> list[AuditEntry]:
    """Entries newest first, filtered (the export and the CLI; lists page with
    :func:`entries_page`)."""
    statement = filtered(where).order_by(AuditEntry.id.desc())
    return list(session.execute(statement.limit(limit).offset(offset)).scalars())


#: Name bound into the audit log's page cursors.
PAGE_SCOPE = "audit.entries"


def entries_page(
    session: Session, where: AuditFilter, after: str | None, limit: int, secret: str
) -> Page[AuditEntry]:
    """One page of entries newest first, keyset-paged by id (``after``: the cursor of the
    previous page's ``next``; a changed cursor is a 400)."""
    pager = Pager(PAGE_SCOPE, [SortKey(AuditEntry.id, descending=True)], secret)
    return pager.fetch(session, filtered(where), after, limit, key=lambda e: (e.id,))


#: Columns of the CSV export, in order.
CSV_COLUMNS = COLUMNS


def export_csv(entries: Iterable[AuditEntry]) -> Iterator[str]:
    """CSV lines (header first) of ``entries``; text that a spreadsheet would read as a
    formula (an actor's or record's text beginning with ``=``) is quoted."""
    from iofs.spreadsheets import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for entry in entries:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(plain(getattr(entry, name))) for name in CSV_COLUMNS])
        yield buffer.getvalue()


@dataclass
class VerifyReport:
    """Result of :func:`verify`: entries checked and every problem found, as sentences."""

    entries: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    """Check the chain (ids consecutive, each hash and link correct) and completeness.

    Completeness: every row of every audited table equals the ``after`` of its latest entry,
    and no record whose latest entry is not a deletion has vanished, so a change made behind
    the application's back (direct SQL) is reported too.
    """
    problems: list[str] = []
    previous_hash = GENESIS_HASH
    expected_id = 1
    latest: dict[tuple[str, str], AuditEntry] = {}
    count = 0
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        count += 1
        if entry.id != expected_id:
            problems.append(f"entries {expected_id}–{entry.id - 1} are missing (deleted).")
        if entry.prev_hash != previous_hash:
            problems.append(f"entry {entry.id} does not link to the entry before it.")
        if entry_hash(hashed_fields(entry)) != entry.hash:
            problems.append(f"entry {entry.id} was altered after it was written.")
        previous_hash = entry.hash
        expected_id = entry.id + 1
        latest[(entry.record_type, entry.record_id)] = entry
    for table, model in AUDITED.items():
        seen: set[str] = set()
        for row in session.execute(select(model)).scalars():
            key = _record_id(row)
            seen.add(key)
            last = latest.get((table, key))
            if last is None or last.action == "delete":
                problems.append(
                    f"{table} {key} exists but the audit log has no record of its creation."
                )
            elif last.after is None or json.loads(last.after) != snapshot(row):
                problems.append(
                    f"{table} {key} differs from its last audited state (entry {last.id})."
                )
        for (record_type, record_id), last in latest.items():
            if record_type == table and record_id not in seen and last.action != "delete":
                problems.append(f"{table} {record_id} was deleted without an audit entry.")
    return VerifyReport(entries=count, problems=problems)


def entry_count(session: Session) -> int:
    """Number of entries in the log as this transaction sees it: those committed and those it
    has queued (they join the chain when it commits)."""
    committed = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    return int(committed) + queued_count(session)


class Newest(NamedTuple):
    """The newest committed audit entries: what says whether records changed since an answer
    was made from them."""

    #: Record type → the id of its newest entry.
    by_type: dict[str, int]
    #: (record type, ISO3 state or ``*``) → the id of its newest entry concerning the state,
    #: for the tables whose rows concern one state (:class:`AuditStateHead`).
    by_state: dict[tuple[str, str], int]


def newest_entries(connection: Connection | Session) -> Newest:
    """The newest entry of each record type, and of each (record type, state), in one small
    read of ``audit_head`` and ``audit_state_head`` (which the chain's append moves)."""
    by_type = select(AuditHead.record_type, literal(""), AuditHead.entry_id)
    by_state = select(AuditStateHead.record_type, AuditStateHead.state, AuditStateHead.entry_id)
    found = Newest({}, {})
    for kind, state, newest in connection.execute(union_all(by_type, by_state)).all():
        if state:
            found.by_state[(kind, state)] = int(newest)
        else:
            found.by_type[kind] = int(newest)
    return found


def newest_hash(session: Session, record_type: str) -> str:
    """The hash of the newest committed entry of ``record_type`` ("" when there is none): it
    changes with every write of that type, and, since each hash covers the whole chain before
    it, it also tells apart two logs that were emptied and refilled to the same length."""
    found = session.execute(
        select(AuditEntry.hash)
        .join(AuditHead, AuditHead.entry_id == AuditEntry.id)
        .where(AuditHead.record_type == record_type)
    ).scalar_one_or_none()
    return found or ""
