"""The ``fetch_runs`` table: one row per fetch of one source (a download and its ingest).

A source is named ``<dataset>:<what>`` (``prices:AFG``, ``ipc:ipc_global_national_long.csv``,
``inform:gri``, ``faostat:QCL``). The row keeps the answer's validators (ETag,
Last-Modified), so the next run of the source asks the server only for a changed file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from iofs.db import Base

#: The statuses of a finished run.
FETCHED = "fetched"
NOT_MODIFIED = "not_modified"
FAILED = "failed"
STATUSES = (FETCHED, NOT_MODIFIED, FAILED)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored with its time zone, always read back as UTC (SQLite keeps none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("fetch run times must be aware (UTC)")
        value = value.astimezone(UTC)
        # SQLite keeps text without an offset: store UTC wall time, compare like with like.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class FetchRun(Base):
    """One run of one source: what was asked, what came back, what the ingest added.

    ``status``: ``fetched`` (new bytes, ingested), ``not_modified`` (the server or the
    file's SHA-256 said unchanged; nothing ingested) or ``failed`` (``error`` says why, one
    sentence). ``bytes``: the file's size; ``rows_added``: the store's rows after the ingest
    minus before (negative when a new release holds fewer). ``job_id``: the background job
    that ran it (None: the command line).
    """

    __tablename__ = "fetch_runs"
    __table_args__ = (Index("ix_fetch_runs_source_id", "source", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))
    bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    etag: Mapped[str | None] = mapped_column(String(400), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
