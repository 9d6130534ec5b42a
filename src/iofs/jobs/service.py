"""Public functions of the job queue: submit a job, read and cancel jobs with the caller's
permissions checked against the job, and the finished jobs of an owner (digests).

Modules submit their kinds through :func:`submit`; pages and API read through
:func:`jobs_page` (keyset-paged), the CLI through :func:`visible_jobs`, one job through
:func:`get_job`, so the same rule decides everywhere who sees a job: its owner; the
secretariat (``jobs.view_all``); and whoever holds the kind's permission everywhere (not
only for some states).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from iofs.errors import NotFoundError
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.jobs import queue
from iofs.jobs.files import job_dir
from iofs.jobs.kinds import JobKind
from iofs.jobs.models import FINISHED_STATES, Job
from iofs.jobs.permissions import VIEW_ALL
from iofs.jobs.runner import check_params
from iofs.modules import job_kinds
from iofs.permissions import ANY, REGISTRY, Principal, allows

if TYPE_CHECKING:
    from iofs.config import Settings


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


def kinds() -> dict[str, JobKind]:
    """Every job kind the installed modules declare, by name."""
    return dict(job_kinds())


def submit(
    session: Session,
    settings: Settings,
    kind: str,
    params: Mapping[str, Any] | None = None,
    *,
    owner_id: int | None = None,
    files: Mapping[str, bytes] | None = None,
    registry: Mapping[str, JobKind] | None = None,
) -> Job:
    """Queue a job of ``kind``, commit it and tell the workers.

    ``files`` (name → content) are written to :func:`job_dir` before the commit; the job
    finds them there by name. Raises :class:`iofs.errors.InputError` for an unknown kind or
    parameters its ``run`` does not take.
    """
    available = registry if registry is not None else kinds()
    values = dict(params or {})
    if kind in available:
        check_params(available[kind], values)
    job = queue.submit(session, available, kind, values, owner_id)
    folder = job_dir(settings, job.id)
    try:
        for name, content in (files or {}).items():
            folder.mkdir(parents=True, exist_ok=True)
            (folder / Path(name).name).write_bytes(content)
        session.commit()
    except BaseException:
        session.rollback()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    from iofs.jobs.backends import backend_for

    backend_for(settings).dispatch(job.id)
    return job


def _reaches_everywhere(principal: Principal, permission: str) -> bool:
    declared = REGISTRY.get(permission)
    if declared is None:
        return False
    return any(declared.roles.get(role) is ANY for role in principal.roles)


def _visible(principal: Principal, statement: Select[Any]) -> Select[Any]:
    """``statement`` on jobs narrowed to those ``principal`` may see."""
    if allows(principal, VIEW_ALL):
        return statement
    wide = [
        name
        for name, kind in kinds().items()
        if kind.permission and _reaches_everywhere(principal, kind.permission)
    ]
    conditions = []
    if principal.user_id is not None:
        conditions.append(Job.owner_id == principal.user_id)
    if wide:
        conditions.append(Job.kind.in_(wide))
    return statement.where(or_(*conditions) if conditions else false())


#: Name bound into the job list's page cursors.
JOBS_SCOPE = "jobs.list"
#: The job list's order, newest first: by id, which grows with each submission (the primary
#: key serves it; ``ix_jobs_state_id`` with a state filter).
JOB_KEYS = (SortKey(Job.id, descending=True),)


def _order() -> list[Any]:
    """``ORDER BY`` terms of :data:`JOB_KEYS`."""
    return [key.column.desc() if key.descending else key.column.asc() for key in JOB_KEYS]


def _jobs_query(
    principal: Principal, *, state: str | None = None, kind: str | None = None
) -> Select[Any]:
    """The jobs ``principal`` may see, filtered by state and kind (unordered): the one
    query behind the paged list (:func:`jobs_page`) and the CLI's (:func:`visible_jobs`)."""
    statement = _visible(principal, select(Job))
    if state:
        statement = statement.where(Job.state == state)
    if kind:
        statement = statement.where(Job.kind == kind)
    return statement


def visible_jobs(
    session: Session,
    principal: Principal,
    *,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 50,
) -> list[Job]:
    """The newest ``limit`` jobs ``principal`` may see (the CLI; pages and API read
    :func:`jobs_page`)."""
    statement = _jobs_query(principal, state=state, kind=kind)
    return list(session.scalars(statement.order_by(*_order()).limit(limit)))


def jobs_page(
    session: Session,
    principal: Principal,
    after: str | None,
    limit: int,
    secret: str,
    *,
    state: str | None = None,
    kind: str | None = None,
) -> Page[Job]:
    """One page of the jobs ``principal`` may see, newest first, after the cursor ``after``
    (a changed cursor is a 400); filtered by state and kind in SQL, like the permission."""
    pager = Pager(JOBS_SCOPE, JOB_KEYS, secret)
    statement = _jobs_query(principal, state=state, kind=kind)
    return pager.fetch(session, statement, after, limit, key=lambda job: (job.id,))


def get_job(session: Session, principal: Principal, job_id: int) -> Job:
    """The job ``job_id`` if ``principal`` may see it; :class:`NotFoundError` otherwise (a
    job that is not yours is not found, rather than forbidden: its existence is not told)."""
    job: Job | None = session.scalar(_visible(principal, select(Job).where(Job.id == job_id)))
    if job is None:
        raise NotFoundError(_("There is no job %(id)d.") % {"id": job_id})
    return job


def cancel_job(session: Session, settings: Settings, principal: Principal, job_id: int) -> Job:
    """Cancel a job the principal may see (committed): a queued one at once, a running one
    at its next progress report (its work rolls back). A finished job is left as it was."""
    job = get_job(session, principal, job_id)
    queue.cancel(session, job, settings)
    session.commit()
    return job
