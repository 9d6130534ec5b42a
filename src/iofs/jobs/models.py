"""Tables of the job queue: one row per submitted job, one per schedule.

A job's row is its whole record: the queue backends (:mod:`iofs.jobs.backends`) only carry
*which* job to run next; state, progress, log and result always live here, so every page,
API answer and CLI listing reads the same record whichever backend dispatched it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from iofs.db import Base

#: The states of a job, in the order a job passes through them.
QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
#: States a job never leaves.
FINISHED_STATES = (SUCCEEDED, FAILED, CANCELLED)


def ensure_tables() -> None:
    """Load every module's tables, the owners' ``user_account`` among them, before a job or
    schedule row is inserted (its foreign keys name them). Loaded through the manifest, not
    imported here: a module importing the queue does not import the accounts' tables."""
    from iofs.modules import load_models

    load_models()


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in UTC, aware in Python on every database.

    PostgreSQL keeps ``timestamptz``; SQLite keeps text without an offset (SQLAlchemy's
    format), so values are turned into UTC before they are written and marked UTC when read:
    comparisons in SQL (``heartbeat_at < :bound``) then compare like with like.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Job(Base):
    """One submitted job: what to run, for whom, how far it got and what it produced.

    ``progress_done`` / ``progress_total`` are in the kind's own unit (rows, files, bytes);
    ``log`` keeps only the last :data:`iofs.jobs.service.LOG_LIMIT_BYTES` of text;
    ``error`` is one sentence the owner can act on; ``worker`` is ``host:pid``.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state_id", "state", "id"),
        Index("ix_jobs_owner_id_finished_at", "owner_id", "finished_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    #: The language its sentences (message, error, result text) are written in.
    language: Mapped[str] = mapped_column(String(2), default="en")
    state: Mapped[str] = mapped_column(String(12), default=QUEUED)
    progress_done: Mapped[float] = mapped_column(Float, default=0.0)
    progress_total: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(String(500), default="")
    log: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(120), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def finished(self) -> bool:
        """Whether the job has reached a state it never leaves."""
        return self.state in FINISHED_STATES

    @property
    def percent(self) -> float | None:
        """Progress in percent (0–100), or None while the total is unknown."""
        if not self.progress_total:
            return 100.0 if self.state == SUCCEEDED else None
        return max(0.0, min(100.0, 100.0 * self.progress_done / self.progress_total))


class JobSchedule(Base):
    """A kind submitted again and again on a cadence (see :mod:`iofs.jobs.cadence`).

    ``cadence`` is ``hourly`` (at ``minute``), ``daily`` (at ``hour``:``minute`` UTC),
    ``weekly`` (on ``weekday``, 0 = Monday, at ``hour``:``minute``) or ``monthly`` (on
    ``day`` 1–31, the month's last day when shorter, at ``hour``:``minute``).
    """

    __tablename__ = "job_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cadence: Mapped[str] = mapped_column(String(8))
    hour: Mapped[int] = mapped_column(SmallInteger, default=0)
    minute: Mapped[int] = mapped_column(SmallInteger, default=0)
    weekday: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    day: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
