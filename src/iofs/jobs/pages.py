"""Pages of the job queue: my jobs (the secretariat: every job), one job with its progress
refreshing until it ends, and the schedules (secretariat).

The job page polls its own panel with htmx every two seconds while the job is queued or
running (``HX-Request`` answers only the panel); a finished job's panel carries no trigger,
so the polling stops by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iofs.errors import InputError
from iofs.http.deps import db_session
from iofs.http.paging import AFTER, pager_context, secret_of
from iofs.http.security import require
from iofs.http.templating import render
from iofs.i18n import gettext as _
from iofs.jobs import schedules, service, views
from iofs.jobs.cadence import CADENCES, WEEKDAY_NAMES, Cadence
from iofs.jobs.models import STATES
from iofs.jobs.params import parse_pairs
from iofs.jobs.permissions import MANAGE_SCHEDULES, OWN, VIEW_ALL
from iofs.permissions import Principal, allows
from iofs.validation import MAX_RECORD_ID

router = APIRouter(include_in_schema=False)

JobPath = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]
STYLESHEET = FilePath(__file__).parent / "static" / "jobs.css"
#: Jobs per page of the list.
PAGE_SIZE = 50
#: Seconds between two refreshes of a running job's panel.
POLL_SECONDS = 2


def _common() -> dict[str, Any]:
    return {
        "state_label": views.state_label,
        "kind_title": views.kind_title,
        "poll_seconds": POLL_SECONDS,
    }


@router.get("/jobs/jobs.css")
def stylesheet() -> Response:
    """The stylesheet of the jobs' pages (served from the module, same origin)."""
    return Response(
        STYLESHEET.read_text(encoding="utf-8"),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/jobs", response_class=HTMLResponse)
def job_list(
    request: Request,
    state: Annotated[str | None, Query(max_length=12)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    after: str | None = AFTER,
    principal: Principal = Depends(require(OWN)),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """My jobs, newest first (the secretariat sees everyone's), :data:`PAGE_SIZE` a page,
    filtered by state and kind; the pager's links keep the filters."""
    known = service.kinds()
    state = state if state in STATES else None
    kind = kind if kind in known else None
    page = service.jobs_page(
        session, principal, after, PAGE_SIZE, secret_of(request), state=state, kind=kind
    )
    return render(
        request,
        "jobs/list.html",
        {
            **_common(),
            "jobs": page.items,
            **pager_context(request, page),
            "owners": views.owner_names(session, page.items),
            "everyone": allows(principal, VIEW_ALL),
            "may_schedule": allows(principal, MANAGE_SCHEDULES),
            "states": STATES,
            "state": state,
            "kinds": _kind_choices(known),
            "kind": kind,
        },
    )


def _kind_choices(names: Iterable[str]) -> list[tuple[str, str]]:
    """(kind, title in the reader's language) of ``names``, by title: a form's choices."""
    return sorted(((name, views.kind_title(name)) for name in names), key=lambda item: item[1])


def _schedules_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: str = "",
    notice: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = schedules.list_schedules(session, principal)
    return render(
        request,
        "jobs/schedules.html",
        {
            **_common(),
            "schedules": found,
            "last": schedules.last_jobs(session, found),
            "cadence_of": schedules.cadence_of,
            "kinds": _kind_choices(service.kinds()),
            "cadences": CADENCES,
            "weekdays": [_(name) for name in WEEKDAY_NAMES],
            "error": error,
            "notice": notice,
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/jobs/schedules", response_class=HTMLResponse)
def schedule_list(
    request: Request,
    principal: Principal = Depends(require(MANAGE_SCHEDULES)),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Every schedule with its next and last run, and the form to add one (secretariat)."""
    return _schedules_page(request, session, principal)


def _time(value: str) -> tuple[int, int]:
    hour, sep, minute = value.partition(":")
    if not sep or not hour.isdigit() or not minute.isdigit():
        raise InputError(_("Give the time as HH:MM (UTC)."), "time")
    return int(hour), int(minute)


@router.post("/jobs/schedules", response_class=HTMLResponse)
def schedule_add(
    request: Request,
    kind: Annotated[str, Form(max_length=64)],
    cadence: Annotated[str, Form(max_length=8)],
    time: Annotated[str, Form(max_length=5)] = "00:00",
    weekday: Annotated[int, Form(ge=0, le=6)] = 0,
    day: Annotated[int, Form(ge=1, le=31)] = 1,
    params: Annotated[str, Form(max_length=4000)] = "",
    principal: Principal = Depends(require(MANAGE_SCHEDULES)),
    session: Session = Depends(db_session),
) -> Response:
    """Add a schedule from the form; a problem re-renders the form with its values (422)."""
    values = {
        "kind": kind,
        "cadence": cadence,
        "time": time,
        "weekday": str(weekday),
        "day": str(day),
        "params": params,
    }
    try:
        hour, minute = _time(time)
        chosen = Cadence(
            cadence,
            hour=0 if cadence == "hourly" else hour,
            minute=minute,
            weekday=weekday if cadence == "weekly" else None,
            day=day if cadence == "monthly" else None,
        )
        schedules.add(
            session, principal, service.kinds(), kind, parse_pairs(params.splitlines()), chosen
        )
    except InputError as problem:
        session.rollback()
        return _schedules_page(
            request, session, principal, error=str(problem), values=values, status_code=422
        )
    session.commit()
    return RedirectResponse("/jobs/schedules", status_code=303)


@router.post("/jobs/schedules/{schedule_id}/{action}", response_class=HTMLResponse)
def schedule_change(
    schedule_id: JobPath,
    action: Annotated[str, Path(pattern=r"^(enable|disable|remove)$")],
    principal: Principal = Depends(require(MANAGE_SCHEDULES)),
    session: Session = Depends(db_session),
) -> Response:
    """Enable, disable or remove a schedule (audited)."""
    if action == "remove":
        schedules.remove(session, principal, schedule_id)
    else:
        schedules.set_enabled(session, principal, schedule_id, action == "enable")
    session.commit()
    return RedirectResponse("/jobs/schedules", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: JobPath,
    principal: Principal = Depends(require(OWN)),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """One job: state, progress (refreshing while it runs), result or problems, log. Someone
    who may not see the job gets 404, as for a job that does not exist."""
    job = service.get_job(session, principal, job_id)
    context = {
        **_common(),
        "job": job,
        "owner": views.owner_names(session, [job]).get(job.owner_id or 0),
        "fields": views.result_fields(job.result),
    }
    if request.headers.get("hx-request") == "true":
        return render(request, "jobs/_panel.html", context)
    return render(request, "jobs/job.html", context)


@router.post("/jobs/{job_id}/cancel", response_class=HTMLResponse)
def job_cancel(
    request: Request,
    job_id: JobPath,
    principal: Principal = Depends(require(OWN)),
    session: Session = Depends(db_session),
) -> Response:
    """Cancel the job (owner or secretariat), then back to its page."""
    service.cancel_job(session, request.app.state.settings, principal, job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
