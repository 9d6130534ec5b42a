"""What the jobs' pages and API show of a job: names, not codes, in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.accounts.models import User
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.jobs.models import Job
from iofs.jobs.service import kinds

#: The states as a reader sees them (msgids).
STATE_LABELS = {
    "queued": N_("Waiting in the queue"),
    "running": N_("Running"),
    "succeeded": N_("Succeeded"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}
#: Labels of the result fields kinds return (msgids); other fields are shown by their key.
RESULT_LABELS = {
    "archive": N_("Archive written"),
    "bytes": N_("Size (bytes)"),
    "tables": N_("Tables"),
    "rows": N_("Rows"),
    "files": N_("Files"),
    "removed": N_("Archives removed"),
    "counted": N_("Counted"),
    "url": N_("Link"),
}
#: Result fields shown in their own way (the summary, links, row problems, per-sheet counts).
SHOWN_APART = {"summary", "links", "errors", "forbidden", "sheets"}


def kind_title(name: str) -> str:
    """A kind's title in the current language (its name when no module declares it)."""
    kind = kinds().get(name)
    return _(kind.title) if kind is not None else name


def state_label(state: str) -> str:
    """A state in the current language."""
    return _(STATE_LABELS.get(state, state))


def owner_names(session: Session, jobs: Iterable[Job]) -> dict[int, str]:
    """Display names of the jobs' owners, by user id."""
    ids = {job.owner_id for job in jobs if job.owner_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return {user_id: name for user_id, name in rows}


def result_fields(result: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """(label, value) of the plain fields of a result, for a definition list."""
    if not result:
        return []
    return [
        (_(RESULT_LABELS[key]) if key in RESULT_LABELS else key, value)
        for key, value in result.items()
        if key not in SHOWN_APART
    ]


def job_document(job: Job, owner: str | None = None, full: bool = True) -> dict[str, Any]:
    """A job as the API answers it (JSON-ready); without ``full`` (lists) its parameters,
    result and log are left out."""

    def moment(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    document = {
        "id": job.id,
        "kind": job.kind,
        "title": kind_title(job.kind),
        "state": job.state,
        "state_label": state_label(job.state),
        "finished": job.finished,
        "owner_id": job.owner_id,
        "owner": owner,
        "progress": {
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
            "message": job.message,
        },
        "params": job.params,
        "result": job.result,
        "error": job.error,
        "log": job.log,
        "attempts": job.attempts,
        "worker": job.worker,
        "created_at": moment(job.created_at),
        "started_at": moment(job.started_at),
        "finished_at": moment(job.finished_at),
        "heartbeat_at": moment(job.heartbeat_at),
        "url": f"/api/v1/jobs/{job.id}",
        "page": f"/jobs/{job.id}",
    }
    if not full:
        for key in ("params", "result", "log"):
            document.pop(key)
    return document
