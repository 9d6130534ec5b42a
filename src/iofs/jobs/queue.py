"""The job records' state changes, each one atomic statement: submit, claim, beat, finish,
cancel, requeue and the recovery of jobs whose worker vanished.

Claims are single ``UPDATE … WHERE state = 'queued'`` statements, so two workers can never
both take one job: on PostgreSQL the oldest queued row is picked with ``FOR UPDATE SKIP
LOCKED`` (workers racing take different rows instead of waiting for each other); SQLite runs
one write at a time, so the same UPDATE there is atomic by itself. A worker's later writes
carry ``WHERE worker = :me``: a job that was recovered and handed to another worker is not
overwritten by the one that lost it.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from iofs.errors import InputError
from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _
from iofs.jobs.files import request_cancel
from iofs.jobs.kinds import JobKind
from iofs.jobs.models import CANCELLED, FAILED, QUEUED, RUNNING, Job, ensure_tables
from iofs.jobs.translate import in_language

if TYPE_CHECKING:
    from iofs.config import Settings

#: The error of a job whose worker stopped while running it (a msgid).
WORKER_STOPPED = N_("The worker stopped while running this job; run it again.")
#: How much of a job's log is kept (bytes of UTF-8 text, the most recent lines).
LOG_LIMIT_BYTES = 64 * 1024


def now() -> datetime:
    """The current moment in UTC."""
    return datetime.now(UTC)


def worker_name(suffix: str = "") -> str:
    """This process as a job's ``worker``: ``host:pid`` (``#n`` for a second thread)."""
    return f"{socket.gethostname()}:{os.getpid()}{suffix}"


def bounded_log(text: str, limit: int = LOG_LIMIT_BYTES) -> str:
    """The last ``limit`` bytes of ``text``, cut at a line start when one is near."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[-limit:].decode("utf-8", errors="ignore")
    newline = kept.find("\n")
    return kept[newline + 1 :] if 0 <= newline < 200 else kept


def changed_rows(session: Session, statement: Executable) -> int:
    """Run an UPDATE and return how many rows it changed."""
    result = cast("CursorResult[Any]", session.execute(statement))
    return int(result.rowcount)


def submit(
    session: Session,
    kinds: Mapping[str, JobKind],
    kind: str,
    params: Mapping[str, Any] | None = None,
    owner_id: int | None = None,
    language: str | None = None,
    running_by: str | None = None,
) -> Job:
    """Add a queued job (flushed, not committed: the caller commits, then dispatches).

    ``language`` (default: the current one) is the language the job's sentences are written
    in; ``running_by`` names the worker that runs it at once (a foreground run: no other
    worker may claim it). Raises :class:`InputError` for an unknown kind or parameters that
    are not JSON.
    """
    if kind not in kinds:
        raise InputError(
            _("There is no job kind %(kind)s; known kinds: %(known)s.")
            % {"kind": kind, "known": ", ".join(sorted(kinds)) or "-"},
            "kind",
        )
    ensure_tables()
    values = dict(params or {})
    try:
        json.dumps(values)
    except (TypeError, ValueError):
        raise InputError(
            _("The job's parameters must be plain text and numbers."), "params"
        ) from None
    job = Job(
        kind=kind,
        params=values,
        owner_id=owner_id,
        language=language or current_language(),
        state=QUEUED,
        progress_done=0.0,
        message="",
        log="",
        cancel_requested=False,
        attempts=0,
        created_at=now(),
    )
    if running_by is not None:
        job.state, job.worker, job.attempts = RUNNING, running_by, 1
        job.started_at = job.heartbeat_at = job.created_at
    session.add(job)
    session.flush()
    return job


def _running_values(worker: str) -> dict[str, Any]:
    moment = now()
    return {
        "state": RUNNING,
        "worker": worker,
        "started_at": moment,
        "heartbeat_at": moment,
        "attempts": Job.attempts + 1,
    }


def claim_next(session: Session, worker: str) -> int | None:
    """Take the oldest queued job for ``worker`` (one UPDATE; committed); its id or None.

    An idle queue is seen with a read first, so that an idle worker polling SQLite does not
    take its write lock every second."""
    oldest = select(Job.id).where(Job.state == QUEUED).order_by(Job.id).limit(1)
    if session.scalar(oldest) is None:
        session.rollback()
        return None
    if session.get_bind().dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    statement = (
        update(Job)
        .where(Job.id == oldest.scalar_subquery(), Job.state == QUEUED)
        .values(**_running_values(worker))
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    claimed = session.execute(statement).scalar()
    session.commit()
    return claimed


def claim(session: Session, job_id: int, worker: str) -> bool:
    """Take the queued job ``job_id`` for ``worker`` (Redis dispatch); False when it is no
    longer queued (cancelled, or taken by another worker). Committed."""
    statement = (
        update(Job)
        .where(Job.id == job_id, Job.state == QUEUED)
        .values(**_running_values(worker))
        .execution_options(synchronize_session=False)
    )
    taken = changed_rows(session, statement) == 1
    session.commit()
    return taken


def beat(
    session: Session,
    job_id: int,
    worker: str,
    *,
    done: float,
    total: float | None,
    message: str,
    log: str,
) -> bool:
    """Record a running job's heartbeat and progress; returns whether its cancellation was
    asked for. Committed."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker == worker, Job.state == RUNNING)
        .values(
            heartbeat_at=now(),
            progress_done=done,
            progress_total=total,
            message=message[:500],
            log=bounded_log(log),
        )
        .execution_options(synchronize_session=False)
    )
    asked = session.scalar(select(Job.cancel_requested).where(Job.id == job_id))
    session.commit()
    return bool(asked)


def record_outcome(
    session: Session,
    job_id: int,
    worker: str,
    *,
    state: str,
    result: dict[str, Any] | None,
    error: str | None,
    done: float,
    total: float | None,
    message: str,
    log: str,
) -> None:
    """Record how a job ended (succeeded, failed or cancelled). Committed.

    Written even when the job was meanwhile marked failed as stale by another worker: the
    worker that ran it knows what happened (its transaction committed or not).
    """
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker == worker)
        .values(
            state=state,
            result=result,
            error=error,
            finished_at=now(),
            heartbeat_at=now(),
            progress_done=done,
            progress_total=total,
            message=message[:500],
            log=bounded_log(log),
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()


def requeue(session: Session, job_id: int, worker: str, log: str) -> None:
    """Put a job a stopping worker did not finish back in the queue (its transaction rolled
    back, so nothing of it was written). Committed."""
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker == worker, Job.state == RUNNING)
        .values(
            state=QUEUED,
            worker=None,
            started_at=None,
            heartbeat_at=None,
            progress_done=0.0,
            progress_total=None,
            message="",
            log=bounded_log(log),
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()


def cancel(session: Session, job: Job, settings: Settings) -> Job:
    """Cancel ``job``: a queued job at once, a running one at its next progress report (its
    transaction rolls back). A finished job is left as it is. Not committed."""
    if job.state == QUEUED:
        moved = changed_rows(
            session,
            update(Job)
            .where(Job.id == job.id, Job.state == QUEUED)
            .values(state=CANCELLED, finished_at=now(), cancel_requested=True)
            .execution_options(synchronize_session=False),
        )
        if moved == 1:
            session.refresh(job)
            return job
        session.refresh(job)
    if job.state == RUNNING:
        if session.get_bind().dialect.name == "sqlite":
            request_cancel(settings, job.id)
        else:
            changed_rows(
                session,
                update(Job)
                .where(Job.id == job.id, Job.state == RUNNING)
                .values(cancel_requested=True)
                .execution_options(synchronize_session=False),
            )
            session.refresh(job)
    return job


def _pid_alive(worker: str | None) -> bool | None:
    """Whether the worker process named ``host:pid[#n]`` lives: None when on another host."""
    if not worker:
        return None
    host, _sep, rest = worker.rpartition(":")
    if host != socket.gethostname():
        return None
    try:
        pid = int(rest.partition("#")[0])
    except ValueError:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale(session: Session, stale_seconds: float) -> list[int]:
    """Mark failed the running jobs whose worker vanished; returns their ids. Committed.

    A worker vanished when it ran on this host and its process is gone, or when its
    heartbeat is older than ``stale_seconds``, unless it runs on this host and lives (on
    SQLite a long import holds the write lock, so its heartbeats wait: its process is the
    better witness). Imports are all-or-nothing, so such a job wrote nothing.
    """
    bound = now() - timedelta(seconds=stale_seconds)
    candidates = session.execute(
        select(Job.id, Job.worker, Job.heartbeat_at, Job.language).where(Job.state == RUNNING)
    ).all()
    recovered: list[int] = []
    for job_id, worker, heartbeat, language in candidates:
        alive = _pid_alive(worker)
        old = heartbeat is None or heartbeat < bound
        if alive is False or (alive is None and old):
            with in_language(language):
                sentence = _(WORKER_STOPPED)
            moved = changed_rows(
                session,
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING, Job.worker == worker)
                .values(
                    state=FAILED,
                    error=sentence,
                    finished_at=now(),
                )
                .execution_options(synchronize_session=False),
            )
            if moved == 1:
                recovered.append(job_id)
    session.commit()
    return recovered


def queued_ids(session: Session, older_than: datetime | None = None) -> list[int]:
    """Ids of the queued jobs, oldest first (created before ``older_than`` when given)."""
    statement = select(Job.id).where(Job.state == QUEUED).order_by(Job.id)
    if older_than is not None:
        statement = statement.where(Job.created_at < older_than)
    return list(session.scalars(statement))
