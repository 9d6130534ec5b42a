"""The audit log's hash chain: entries queued in a transaction, appended at its commit.

An audited write queues its entry in the session (:func:`enqueue`): the record, the before and
after snapshots (as JSON text), the actor and the time. Just before the outermost transaction
commits, :func:`_append_queued` takes the chain's lock, reads the chain's end, gives the queued
entries their ids and hashes in order, inserts them in bulk and moves each record type's
newest id in :class:`~iofs.audit.models.AuditHead` (and, for the tables whose rows concern
one state, each state's newest in :class:`~iofs.audit.models.AuditStateHead`); the commit
then releases the lock. The
lock is held for the append only (tens of milliseconds for 10,000 entries), never across a
long import, so other writes never wait for one; the entries' order is the order in
which transactions commit. A rollback discards the queue, and a savepoint rolled back
discards what was queued inside it.

Each entry's ``hash`` is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of
:func:`hashed_fields`, whose ``prev_hash`` is the previous entry's hash (:data:`GENESIS_HASH`
for the first); :func:`entry_hash` is what :func:`iofs.audit.service.verify` recomputes. At the
commit the canonical text is assembled from pieces encoded once per batch (about 2 µs an
entry); a test holds the two forms together.

Large queues (bulk imports of millions of rows) go to a temporary file in chunks of
:data:`SPILL_AFTER` entries, so memory stays bounded.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any, NamedTuple

from sqlalchemy import event, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

from iofs.audit.models import AuditEntry, AuditHead, AuditStateHead
from iofs.data_dependencies import ANY_STATE, data_dependencies
from iofs.db import bulk_insert, driver_value
from iofs.modules import StateField
from iofs.permissions import Principal

GENESIS_HASH = "0" * 64
ACTIONS = ("create", "update", "delete")
#: Queued entries held in memory before they are written to the queue's temporary file.
SPILL_AFTER = 20_000

#: ``session.info`` keys: the queue, and the queue's length when each savepoint began.
_QUEUE = "iofs.audit.queue"
_MARKS = "iofs.audit.savepoints"

#: JSON string encoding as ``json.dumps(..., ensure_ascii=False)`` writes it.
_json_text = json.encoder.encode_basestring


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: enums by value, decimals as text, times in UTC ISO 8601."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical(fields: dict[str, Any]) -> bytes:
    """The canonical JSON of ``fields``: sorted keys, no spaces, UTF-8."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(fields: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry's :func:`hashed_fields`."""
    return hashlib.sha256(canonical(fields)).hexdigest()


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    """The fields of ``entry`` its hash covers."""
    return {
        "id": entry.id,
        "at": plain(entry.at),
        "actor_user_id": entry.actor_user_id,
        "actor": entry.actor,
        "token_id": entry.token_id,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }


def actor_label(principal: Principal) -> str:
    """How the log names the actor: the e-mail, or e.g. ``cli:root`` for the terminal."""
    return principal.email or principal.label or "anonymous"


#: One queued entry: (record id, before snapshot JSON, after snapshot JSON).
Item = tuple[str, str | None, str | None]


class Batch(NamedTuple):
    """Queued entries of one action on one record type, by one actor at one moment."""

    at: datetime
    actor: str
    actor_user_id: int | None
    token_id: int | None
    ip: str | None
    user_agent: str | None
    action: str
    record_type: str
    items: Sequence[Item]


def batch(
    principal: Principal, at: datetime, action: str, record_type: str, items: Sequence[Item]
) -> Batch:
    """A :class:`Batch` of ``items`` by ``principal`` (user agent cut to its column's 255)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return Batch(
        at,
        actor_label(principal),
        principal.user_id,
        principal.token_id,
        principal.ip,
        (principal.user_agent or "")[:255] or None,
        action,
        record_type,
        items,
    )


def _pieces(entries: Batch) -> tuple[str, str, str]:
    """The canonical JSON of an entry of ``entries`` before its ``after``, between ``ip`` and
    ``prev_hash``'s value, and after ``record_id`` (keys in sorted order)."""

    def constant(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    head = (
        f'{{"action":{constant(entries.action)},"actor":{constant(entries.actor)},'
        f'"actor_user_id":{constant(entries.actor_user_id)},"after":'
    )
    ip = f',"ip":{constant(entries.ip)},"prev_hash":"'
    tail = (
        f',"record_type":{constant(entries.record_type)},'
        f'"token_id":{constant(entries.token_id)},"user_agent":{constant(entries.user_agent)}}}'
    )
    return head, ip, tail


def chain_rows(
    entries: Batch,
    entry_id: int,
    prev_hash: str,
    stored_at: Any,
    rows: list[tuple[Any, ...]],
    pieces: dict[tuple[Any, ...], tuple[str, str, str]] | None = None,
) -> tuple[int, str]:
    """Append to ``rows`` the audit-entry rows (columns :data:`COLUMNS`) of ``entries``, ids from
    ``entry_id``, chained from ``prev_hash``, ``at`` stored as ``stored_at`` (the driver's form
    of ``entries.at``). Returns the next id and the last hash. ``pieces`` keeps the encoded
    constant parts of batches by the same actor, action and record type across calls.

    The canonical JSON of :func:`canonical` is assembled from pre-encoded pieces, so the keys
    must stay in sorted order here."""
    key = entries[1:8]  # actor … record type
    encoded = None if pieces is None else pieces.get(key)
    if encoded is None:
        encoded = _pieces(entries)
        if pieces is not None:
            pieces[key] = encoded
    head, ip, tail = encoded
    at = ',"at":' + _json_text(plain(entries.at)) + ',"before":'
    sha256 = hashlib.sha256
    common = (stored_at, entries.actor, entries.actor_user_id, entries.token_id, entries.ip)
    kind = (entries.user_agent, entries.action, entries.record_type)
    for record_id, before, after in entries.items:
        text_of = (
            head
            + ("null" if after is None else _json_text(after))
            + at
            + ("null" if before is None else _json_text(before))
            + ',"id":'
            + str(entry_id)
            + ip
            + prev_hash
            + '","record_id":'
            + _json_text(record_id)
            + tail
        )
        digest = sha256(text_of.encode()).hexdigest()
        rows.append((entry_id, *common, *kind, record_id, before, after, prev_hash, digest))
        prev_hash = digest
        entry_id += 1
    return entry_id, prev_hash


#: Columns of the rows of :func:`chain_rows`, in order.
COLUMNS = [
    "id",
    "at",
    "actor",
    "actor_user_id",
    "token_id",
    "ip",
    "user_agent",
    "action",
    "record_type",
    "record_id",
    "before",
    "after",
    "prev_hash",
    "hash",
]


def _first(batches: list[Batch], count: int) -> list[Batch]:
    """The first ``count`` entries of ``batches``."""
    kept: list[Batch] = []
    for queued in batches:
        if count <= 0:
            break
        if len(queued.items) > count:
            queued = queued._replace(items=list(queued.items[:count]))
        kept.append(queued)
        count -= len(queued.items)
    return kept


class _Queue:
    """A transaction's queued batches, in order: the older ones pickled in a temporary file
    in chunks (file offset, entry count), the newest in memory."""

    def __init__(self) -> None:
        self.memory: list[Batch] = []
        self.in_memory = 0
        self.length = 0
        self.file: IO[bytes] | None = None
        self.spilled: list[tuple[int, int]] = []

    def add(self, queued: Batch) -> None:
        self.memory.append(queued)
        self.in_memory += len(queued.items)
        self.length += len(queued.items)
        if self.in_memory >= SPILL_AFTER:
            self._spill()

    def _spill(self) -> None:
        if self.file is None:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        offset = self.file.seek(0, 2)
        pickle.dump(self.memory, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.spilled.append((offset, self.in_memory))
        self.memory, self.in_memory = [], 0

    def truncate(self, length: int) -> None:
        """Keep the first ``length`` entries (a savepoint rolled back)."""
        if length >= self.length:
            return
        start = self.length - self.in_memory  # where the memory's entries begin
        if length < start:
            assert self.file is not None
            while start > length:
                offset, count = self.spilled.pop()
                start -= count
            self.file.seek(offset)
            self.memory, self.in_memory = pickle.load(self.file), count  # noqa: S301 - ours
            self.file.truncate(offset)
        self.memory = _first(self.memory, length - start)
        self.in_memory = length - start
        self.length = length

    def chunks(self) -> Iterator[list[Batch]]:
        """The queued batches in order, a chunk at a time."""
        for offset, _count in self.spilled:
            assert self.file is not None
            self.file.seek(offset)
            yield pickle.load(self.file)  # noqa: S301 - our own temporary file
        yield self.memory

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


#: Left in ``session.info`` when an append failed: the transaction must be rolled back.
_FAILED = "failed"


def enqueue(session: Session, queued: Batch) -> None:
    """Queue ``queued`` for the chain, to be appended when the session's transaction commits."""
    if not queued.items:
        return
    session.connection()  # in a transaction, so that its end discards or appends the queue
    queue = session.info.get(_QUEUE)
    if queue is None:
        queue = session.info[_QUEUE] = _Queue()
    elif queue == _FAILED:
        raise RuntimeError("the audit entries of this transaction failed: roll it back")
    queue.add(queued)


def queued_count(session: Session) -> int:
    """Entries queued in the session's transaction, not yet in the chain."""
    queue = session.info.get(_QUEUE)
    return queue.length if isinstance(queue, _Queue) else 0


#: Appends of at most this many entries take :func:`_append_pipelined` on PostgreSQL.
PIPELINED_UP_TO = 100
#: The chain's lock (PostgreSQL): advisory locks are database-wide, so the key includes the
#: schema; installations (or test runs) in other schemas keep their own chains.
LOCK_SQL = "SELECT pg_advisory_xact_lock(7316011, hashtext(current_schema()))"
END_SQL = "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1"


def _lock_chain(session: Session) -> None:
    """Serialise appends to the chain (PostgreSQL; SQLite writers are serial anyway) until the
    transaction ends.

    Advisory locks are database-wide, so the key includes the schema: installations (or test
    runs) in other schemas of the same database keep their own chains and never wait for us.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(LOCK_SQL))


def _append_pipelined(session: Session, queue: _Queue) -> None:
    """A web request's append on PostgreSQL in two round trips while the lock is held: the
    lock and the chain's end in one pipeline, the entries and the heads in another (then the
    commit). The general path takes six (lock, end, COPY's two, heads, commit); under load
    each round trip is a wait for the server and then for the worker's interpreter lock, so
    that the lock, which every audited write queues on, was held for hundreds of milliseconds.

    In READ COMMITTED each statement reads the rows committed when it starts, and the server
    runs a pipeline's statements in order, so the end is read after the lock is granted."""
    raw: Any = session.connection().connection.driver_connection
    with raw.pipeline(), raw.cursor() as locking, raw.cursor() as reading:
        locking.execute(LOCK_SQL)
        reading.execute(END_SQL)
        last = reading.fetchone()
    next_id, previous = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    rows: list[tuple[Any, ...]] = []
    heads: dict[str, int] = {}
    notes = StateNotes(data_dependencies().state_fields)
    pieces: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    at_column = AuditEntry.__table__.c.at
    for queued in queue.memory:
        stored = driver_value(session, at_column, queued.at)
        first = next_id
        next_id, previous = chain_rows(queued, next_id, previous, stored, rows, pieces)
        heads[queued.record_type] = next_id - 1
        notes.note(queued, first)
    by_state = notes.heads
    one_row = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    # Table and column names come from the models, never from input.
    entries = (
        f"INSERT INTO audit_entry ({', '.join(COLUMNS)}) VALUES "  # noqa: S608
        + ", ".join([one_row] * len(rows))
    )
    moved = (
        "INSERT INTO audit_head (record_type, entry_id) VALUES "  # noqa: S608 - placeholders only
        + ", ".join(["(%s, %s)"] * len(heads))
        + " ON CONFLICT (record_type) DO UPDATE SET entry_id = EXCLUDED.entry_id"
    )
    moved_by_state = (
        "INSERT INTO audit_state_head (record_type, state, entry_id) VALUES "  # noqa: S608
        + ", ".join(["(%s, %s, %s)"] * len(by_state))
        + " ON CONFLICT (record_type, state) DO UPDATE SET entry_id = EXCLUDED.entry_id"
    )
    with raw.pipeline(), raw.cursor() as inserting, raw.cursor() as heading:
        inserting.execute(entries, [value for row in rows for value in row])
        heading.execute(moved, [value for head in heads.items() for value in head])
        if by_state:
            heading.execute(
                moved_by_state,
                [v for (kind, state), last in by_state.items() for v in (kind, state, last)],
            )


def _append(session: Session, queue: _Queue) -> None:
    """Lock the chain, read its end and insert the queued entries after it."""
    if not queue.length:  # everything queued was in savepoints rolled back
        return
    small = not queue.spilled and queue.length <= PIPELINED_UP_TO
    if small and session.get_bind().dialect.name == "postgresql":
        _append_pipelined(session, queue)
        return
    _lock_chain(session)
    last = session.execute(
        select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    next_id, previous = (last.id + 1, last.hash) if last else (1, GENESIS_HASH)
    at_column = AuditEntry.__table__.c.at
    pieces: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    heads: dict[str, int] = {}
    notes = StateNotes(data_dependencies().state_fields)
    for chunk in queue.chunks():
        rows: list[tuple[Any, ...]] = []
        for queued in chunk:
            stored = driver_value(session, at_column, queued.at)
            first = next_id
            next_id, previous = chain_rows(queued, next_id, previous, stored, rows, pieces)
            heads[queued.record_type] = next_id - 1
            notes.note(queued, first)
        bulk_insert(session, AuditEntry.__table__, COLUMNS, rows)
    _move_heads(session, heads, notes.heads)


def _move_heads(
    session: Session, heads: dict[str, int], by_state: dict[tuple[str, str], int]
) -> None:
    """Record the newest entry id of each record type just appended (:class:`AuditHead`) and
    of each (record type, state) (:class:`AuditStateHead`), in the append's transaction and
    under its lock: one upsert of a row per record type, one per record type and state."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    if heads:
        statement = insert(AuditHead).values(
            [{"record_type": kind, "entry_id": last} for kind, last in heads.items()]
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[AuditHead.record_type],
                set_={"entry_id": statement.excluded.entry_id},
            )
        )
    if by_state:
        per_state = insert(AuditStateHead).values(
            [
                {"record_type": kind, "state": state, "entry_id": last}
                for (kind, state), last in by_state.items()
            ]
        )
        session.execute(
            per_state.on_conflict_do_update(
                index_elements=[AuditStateHead.record_type, AuditStateHead.state],
                set_={"entry_id": per_state.excluded.entry_id},
            )
        )


def _snapshots(before: str | None, after: str | None) -> Iterator[dict[str, Any] | None]:
    """The entry's snapshots that exist, parsed (None for one that is not a JSON object)."""
    for written in (before, after):
        if written is None:
            continue
        try:
            snapshot = json.loads(written)
        except ValueError:
            snapshot = None
        yield snapshot if isinstance(snapshot, dict) else None


def states_of(before: str | None, after: str | None, field: str) -> set[str]:
    """The states (upper-case ISO3) an entry's snapshots name in ``field``: both when a record
    moved from one to another, none when it names none, and
    :data:`~iofs.data_dependencies.ANY_STATE` when a snapshot cannot say (not an object, or
    without the field): such an entry concerns every state."""
    found: set[str] = set()
    for snapshot in _snapshots(before, after):
        if snapshot is None or field not in snapshot:
            found.add(ANY_STATE)
        elif snapshot[field]:
            found.add(str(snapshot[field]).upper())
    return found


class StateNotes:
    """The newest entry per (record type, state) of one append, for the tables with a
    :class:`~iofs.modules.StateField` (:func:`iofs.data_dependencies.data_dependencies`)."""

    def __init__(self, fields: Mapping[str, StateField]) -> None:
        self.fields = fields
        #: (record type, state) → newest entry id, what the append writes.
        self.heads: dict[tuple[str, str], int] = {}
        #: (record type, record id) → the states its entries in this append concern, for the
        #: tables whose rows concern the state of a row of that table (``via``).
        self.seen: dict[tuple[str, str], set[str]] = {}
        self.referenced = {d.via for d in fields.values() if d.via is not None}

    def note(self, queued: Batch, first_id: int) -> None:
        """Note the entries of ``queued`` (ids from ``first_id``)."""
        declared = self.fields.get(queued.record_type)
        if declared is None:
            return
        kind = queued.record_type
        for offset, (record_id, before, after) in enumerate(queued.items):
            if declared.via is None:
                states = states_of(before, after, declared.field)
            else:
                states = self._via(declared, before, after)
            if kind in self.referenced:
                self.seen.setdefault((kind, record_id), set()).update(states)
            for state in states:
                self.heads[(kind, state)] = first_id + offset

    def _via(self, declared: StateField, before: str | None, after: str | None) -> set[str]:
        """The states of the referenced rows, as their entries earlier in this append say
        (a status step is written with its contribution); every state when none does."""
        found: set[str] = set()
        for snapshot in _snapshots(before, after):
            reference = None if snapshot is None else snapshot.get(declared.field)
            states = self.seen.get((str(declared.via), str(reference)))
            if states is None:
                return {ANY_STATE}
            found |= states
        return found


@event.listens_for(Session, "before_commit")
def _append_queued(session: Session) -> None:
    """At the outermost commit, append the queue to the chain (a savepoint's release keeps
    its entries queued)."""
    if session.in_nested_transaction():
        return
    queue = session.info.get(_QUEUE)
    if queue is None:
        return
    if queue == _FAILED:
        raise RuntimeError("the audit entries of this transaction failed: roll it back")
    session.info[_QUEUE] = _FAILED  # until the append is done: a retried commit must not pass
    try:
        _append(session, queue)
    finally:
        queue.close()
    del session.info[_QUEUE]


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    """Remember how many entries were queued when a savepoint began."""
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = queued_count(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_savepoint(session: Session, previous_transaction: SessionTransaction) -> None:
    """A savepoint rolled back: drop the entries queued since it began."""
    if not previous_transaction.nested:
        return
    mark = session.info.get(_MARKS, {}).pop(previous_transaction, None)
    queue = session.info.get(_QUEUE)
    if mark is not None and isinstance(queue, _Queue):
        queue.truncate(mark)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended (committed with its entries, or rolled back): the
    queue is spent."""
    if transaction.parent is not None:
        return
    queue = session.info.pop(_QUEUE, None)
    if isinstance(queue, _Queue):
        queue.close()
    session.info.pop(_MARKS, None)
