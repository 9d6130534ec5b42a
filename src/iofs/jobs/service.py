"""Public functions of the job queue that other modules call (plain data in, records out)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.jobs.models import FINISHED_STATES, Job


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def finished_since(session: Session, owner_id: int, since: datetime) -> list[Job]:
    """The jobs of ``owner_id`` that finished (succeeded, failed or were cancelled) strictly
    after ``since`` (a naive ``since`` is read as UTC), oldest first."""
    statement = (
        select(Job)
        .where(
            Job.owner_id == owner_id,
            Job.state.in_(FINISHED_STATES),
            Job.finished_at > _utc(since),
        )
        .order_by(Job.finished_at, Job.id)
    )
    return list(session.scalars(statement))
