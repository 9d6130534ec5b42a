"""``iofs.jobs.service.finished_since``: an owner's jobs that finished after a moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from iofs.db import transaction
from iofs.jobs.models import Job
from iofs.jobs.service import finished_since
from tests.conftest import make_user

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _job(owner: int | None, state: str, finished: datetime | None) -> Job:
    return Job(
        kind="programmes.upload",
        params={},
        owner_id=owner,
        state=state,
        created_at=START - timedelta(hours=1),
        finished_at=finished,
    )


def test_finished_since_keeps_owner_and_moment(session_factory: sessionmaker[Session]) -> None:
    mine, _ = make_user(session_factory, "me@example.org", "secretariat")
    other, _ = make_user(session_factory, "other@example.org", "secretariat")
    with transaction(session_factory) as session:
        session.add_all(
            [
                _job(mine, "succeeded", START + timedelta(minutes=5)),
                _job(mine, "failed", START + timedelta(minutes=1)),
                _job(mine, "succeeded", START - timedelta(minutes=1)),  # before
                _job(mine, "succeeded", START),  # at the moment: not after it
                _job(mine, "running", None),
                _job(other, "succeeded", START + timedelta(minutes=2)),
            ]
        )
    with transaction(session_factory) as session:
        found = finished_since(session, mine, START)
        assert [(job.state, job.finished_at) for job in found] == [
            ("failed", START + timedelta(minutes=1)),
            ("succeeded", START + timedelta(minutes=5)),
        ]
        # a naive moment is read as UTC
        naive = finished_since(session, mine, (START + timedelta(minutes=3)).replace(tzinfo=None))
        assert [job.finished_at for job in naive] == [START + timedelta(minutes=5)]
