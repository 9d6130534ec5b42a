"""Job schedules: a kind with its parameters submitted on a cadence, and the enqueueing of
the due ones by whichever worker looks first, exactly once.

A due schedule is taken with ``UPDATE job_schedules SET next_run_at = :next WHERE id = :id
AND next_run_at = :old``, in the same transaction as the job it submits: of two workers
looking at once, one moves ``next_run_at`` and queues the job; the other's UPDATE matches
no row (PostgreSQL re-reads the row once the first commits; SQLite writes one at a time).
A schedule missed while no worker ran (the server was off) runs once when a worker comes
back, not once per missed slot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from iofs.audit import service as audit
from iofs.errors import NotFoundError
from iofs.i18n import gettext as _
from iofs.jobs import queue
from iofs.jobs.cadence import Cadence
from iofs.jobs.kinds import JobKind
from iofs.jobs.models import Job, JobSchedule, ensure_tables
from iofs.jobs.permissions import MANAGE_SCHEDULES
from iofs.jobs.runner import check_params
from iofs.permissions import Principal, authorize


def cadence_of(schedule: JobSchedule) -> Cadence:
    """A stored schedule's cadence."""
    return Cadence(schedule.cadence, schedule.hour, schedule.minute, schedule.weekday, schedule.day)


def add(
    session: Session,
    principal: Principal,
    registry: Mapping[str, JobKind],
    kind: str,
    params: Mapping[str, Any],
    cadence: Cadence,
) -> JobSchedule:
    """Add an enabled schedule (audited; not committed); its first run is the cadence's next
    moment from now."""
    authorize(principal, MANAGE_SCHEDULES)
    ensure_tables()
    if kind not in registry:
        raise queue_kind_error(registry, kind)
    check_params(registry[kind], params)
    schedule = JobSchedule(
        kind=kind,
        params=dict(params),
        cadence=cadence.kind,
        hour=cadence.hour,
        minute=cadence.minute,
        weekday=cadence.weekday,
        day=cadence.day,
        enabled=True,
        next_run_at=cadence.next_after(queue.now()),
        created_by=principal.user_id,
        created_at=queue.now(),
    )
    session.add(schedule)
    audit.created(session, principal, schedule)
    return schedule


def queue_kind_error(registry: Mapping[str, JobKind], kind: str) -> NotFoundError:
    """The error for an unknown kind (a sentence naming the known ones)."""
    return NotFoundError(
        _("There is no job kind %(kind)s; known kinds: %(known)s.")
        % {"kind": kind, "known": ", ".join(sorted(registry)) or "-"}
    )


def list_schedules(session: Session, principal: Principal) -> list[JobSchedule]:
    """Every schedule, by id (secretariat only)."""
    authorize(principal, MANAGE_SCHEDULES)
    return list(session.scalars(select(JobSchedule).order_by(JobSchedule.id)))


def get_schedule(session: Session, principal: Principal, schedule_id: int) -> JobSchedule:
    """One schedule (secretariat only); :class:`NotFoundError` when there is none."""
    authorize(principal, MANAGE_SCHEDULES)
    schedule = session.get(JobSchedule, schedule_id)
    if schedule is None:
        raise NotFoundError(_("There is no schedule %(id)d.") % {"id": schedule_id})
    return schedule


def set_enabled(
    session: Session, principal: Principal, schedule_id: int, enabled: bool
) -> JobSchedule:
    """Enable or disable a schedule (audited; not committed). Enabling starts again from the
    cadence's next moment, so a schedule off for a month does not run at once."""
    schedule = get_schedule(session, principal, schedule_id)
    before = audit.snapshot(schedule)
    if enabled and not schedule.enabled:
        schedule.next_run_at = cadence_of(schedule).next_after(queue.now())
    schedule.enabled = enabled
    audit.updated(session, principal, schedule, before)
    return schedule


def remove(session: Session, principal: Principal, schedule_id: int) -> None:
    """Remove a schedule (audited; not committed); the jobs it submitted stay."""
    audit.deleted(session, principal, get_schedule(session, principal, schedule_id))


def last_jobs(session: Session, schedules: list[JobSchedule]) -> dict[int, Job]:
    """The last job each schedule submitted, by schedule id."""
    ids = [s.last_job_id for s in schedules if s.last_job_id is not None]
    if not ids:
        return {}
    jobs = {job.id: job for job in session.scalars(select(Job).where(Job.id.in_(ids)))}
    return {
        s.id: jobs[s.last_job_id]
        for s in schedules
        if s.last_job_id is not None and s.last_job_id in jobs
    }


def enqueue_due(factory: sessionmaker[Session], registry: Mapping[str, JobKind]) -> list[int]:
    """Submit a job for every enabled schedule whose time has come; returns the new jobs'
    ids (committed; the caller dispatches them). Safe to call from many workers at once."""
    moment = queue.now()
    with factory() as session:
        due = list(
            session.execute(
                select(JobSchedule.id, JobSchedule.next_run_at).where(
                    JobSchedule.enabled.is_(True), JobSchedule.next_run_at <= moment
                )
            ).all()
        )
    submitted: list[int] = []
    for schedule_id, old in due:
        with factory() as session:
            schedule = session.get(JobSchedule, schedule_id)
            if schedule is None:
                continue
            following = cadence_of(schedule).next_after(moment)
            taken = queue.changed_rows(
                session,
                update(JobSchedule)
                .where(
                    JobSchedule.id == schedule_id,
                    JobSchedule.next_run_at == old,
                    JobSchedule.enabled.is_(True),
                )
                .values(next_run_at=following)
                .execution_options(synchronize_session=False),
            )
            if taken != 1:
                session.rollback()
                continue
            if schedule.kind not in registry:  # a module removed: skip, keep the schedule
                session.commit()
                continue
            job = queue.submit(session, registry, schedule.kind, schedule.params, None, "en")
            session.execute(
                update(JobSchedule)
                .where(JobSchedule.id == schedule_id)
                .values(last_job_id=job.id)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            submitted.append(job.id)
    return submitted
