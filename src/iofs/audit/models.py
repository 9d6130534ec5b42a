"""The audit log table. Rows are only ever inserted (database triggers refuse the rest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from iofs.db import Base


class AuditEntry(Base):
    """One create/update/delete of one record, by whom, when, from where, before and after.

    ``hash`` is SHA-256 over the entry's fields and ``prev_hash`` (the previous entry's hash), so
    editing, deleting or reordering any entry breaks the chain (see :func:`verify`).
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(300))
    token_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(8))
    record_type: Mapped[str] = mapped_column(String(64), index=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The newest audit entry of each record type (a table name, or ``data_slice``).

    Written in the same step as the entries themselves (:mod:`iofs.audit.chain`), so it is
    exactly ``SELECT record_type, max(id) FROM audit_entry GROUP BY record_type`` at every
    commit, read in one short query of a few dozen rows. The public answers' cache
    (:mod:`iofs.web.public_cache`) compares these ids for the record types a page reads, so a
    write to one module's records leaves the other modules' pages cached.
    """

    __tablename__ = "audit_head"

    record_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer)


class AuditStateHead(Base):
    """The newest audit entry of each record type *for each OIC state*, for the tables whose
    rows each concern one state (:attr:`iofs.modules.Module.state_fields`: a contribution's
    ``country``).

    Written with :class:`AuditHead` (:mod:`iofs.audit.chain`): an entry moves the row of every
    state its before and after snapshots name (both, when a contribution changes state), and
    of ``*`` when a snapshot does not say (an entry then concerns every state). Pages about
    one state compare these ids (:func:`iofs.data_dependencies.for_state`), so a contribution
    for Palestine leaves Mali's country brief kept. A table's entries that name no state (a
    contribution for no country) move no row here: no page about a state shows them.
    """

    __tablename__ = "audit_state_head"

    record_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: ISO 3166-1 alpha-3 code, or ``*``.
    state: Mapped[str] = mapped_column(String(3), primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer)
