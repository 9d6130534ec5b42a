"""JSON API of the job queue (/api/v1/jobs…): the jobs the caller may see, one job, cancel.

Who sees a job is decided by :mod:`iofs.jobs.service` against the job: its owner, the
secretariat, and whoever holds the kind's permission everywhere; others get 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from iofs.http.deps import RecordId, db_session
from iofs.http.security import require
from iofs.jobs import service, views
from iofs.jobs.models import STATES
from iofs.jobs.permissions import OWN
from iofs.permissions import Principal
from iofs.validation import MAX_RECORD_ID

router = APIRouter(prefix="/jobs", tags=["jobs"])

StatePattern = "^(" + "|".join(STATES) + ")$"


@router.get("", summary="Background jobs you may see, newest first")
def list_jobs(
    state: Annotated[str | None, Query(pattern=StatePattern)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_RECORD_ID, description="Only jobs with a smaller id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    principal: Principal = Depends(require(OWN)),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    """Your jobs (the secretariat: everyone's), newest first, without their parameters,
    result and log (``GET /api/v1/jobs/{id}`` has them); ``next`` is the ``before`` value of
    the following page, null on the last."""
    jobs = service.visible_jobs(
        session, principal, state=state, kind=kind, before_id=before, limit=limit + 1
    )
    shown = jobs[:limit]
    owners = views.owner_names(session, shown)
    return {
        "items": [
            views.job_document(job, owners.get(job.owner_id or 0), full=False) for job in shown
        ],
        "next": shown[-1].id if len(jobs) > limit else None,
    }


@router.get("/{job_id}", summary="One background job: state, progress, result, error, log")
def get_job(
    job_id: RecordId,
    principal: Principal = Depends(require(OWN)),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    """The job; 404 when it does not exist or is not yours to see."""
    job = service.get_job(session, principal, job_id)
    return views.job_document(job, views.owner_names(session, [job]).get(job.owner_id or 0))


@router.post("/{job_id}/cancel", summary="Cancel a background job")
def cancel_job(
    request: Request,
    job_id: RecordId,
    principal: Principal = Depends(require(OWN)),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    """A queued job is cancelled at once; a running one stops at its next progress report
    and rolls back (its state turns ``cancelled`` then). A finished job is left as it was."""
    job = service.cancel_job(session, request.app.state.settings, principal, job_id)
    return views.job_document(job)
