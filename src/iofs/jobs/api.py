"""JSON API of the job queue (/api/v1/jobs…): the jobs the caller may see, one job, cancel.

Who sees a job is decided by :mod:`iofs.jobs.service` against the job: its owner, the
secretariat, and whoever holds the kind's permission everywhere; others get 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from iofs.http.deps import RecordId, db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import require
from iofs.jobs import service, views
from iofs.jobs.models import STATES
from iofs.jobs.permissions import OWN
from iofs.permissions import Principal

router = APIRouter(prefix="/jobs", tags=["jobs"])

StatePattern = "^(" + "|".join(STATES) + ")$"


@router.get(
    "",
    response_model=PageOut[dict[str, Any]],
    summary="Background jobs you may see, newest first, keyset-paged",
)
def list_jobs(
    request: Request,
    response: Response,
    state: Annotated[str | None, Query(pattern=StatePattern)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    after: str | None = AFTER,
    limit: int = limit_query(50, 200),
    principal: Principal = Depends(require(OWN)),
    session: Session = Depends(db_session),
) -> PageOut[dict[str, Any]]:
    """Your jobs (the secretariat: everyone's), newest first, without their parameters,
    result and log (``GET /api/v1/jobs/{id}`` has them), filtered by state and kind. Pass a
    page's ``next`` as ``after`` for the following page (also in the ``Link: <…>;
    rel="next"`` header); ``next`` is null on the last page."""
    page = service.jobs_page(
        session, principal, after, limit, secret_of(request), state=state, kind=kind
    )
    link_header(request, response, page)
    owners = views.owner_names(session, page.items)
    return PageOut[dict[str, Any]](
        items=[
            views.job_document(job, owners.get(job.owner_id or 0), full=False) for job in page.items
        ],
        next=page.next,
    )


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
