"""Background jobs of the gene bank: the MCPD passport import sent through the API.

The API validates the CSV at once (a file with errors answers 422 with every issue, as
before) and queues the write, the slow part for a large collection, as a job: the text is
stored under the job's folder (``<data dir>/jobs/<id>/``) and a worker runs the same bulk,
all-or-nothing import (:func:`iofs.genebank.service.import_passport`) as the curator who
sent it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from iofs.db import transaction
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.jobs.errors import JobRejected
from iofs.jobs.files import job_dir
from iofs.jobs.kinds import JobContext, JobKind
from iofs.jobs.principals import job_principal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from iofs.config import Settings
    from iofs.jobs.models import Job
    from iofs.permissions import Principal

#: The name the CSV text is stored under in the job's folder.
PASSPORTS = "passports.csv"

PASSPORT_IMPORT = JobKind(
    name="genebank.passport_import",
    run="iofs.genebank.jobs:passport_import",
    title=N_("Gene bank passport import (MCPD)"),
    permission="genebank.passport.write",
)


def _issues(report: Any, name: str) -> list[dict[str, Any]]:
    return [
        {"file": name, "row": issue.line, "field": issue.column, "reason": issue.reason}
        for issue in list(report.issues())[:1000]
        if issue.severity == "error"
    ]


def passport_import(
    context: JobContext, file: str = PASSPORTS, partial: bool = False
) -> dict[str, Any]:
    """Validate and import the MCPD CSV ``file`` (in the job's folder, or an absolute path
    from the command line); ``partial`` imports the valid rows only. Returns the accessions
    inserted, updated and unchanged and the lines left out. Raises :class:`JobRejected` with
    every error (line, column, reason) when the file has errors and ``partial`` is off: then
    nothing was written."""
    from iofs.genebank import service

    path = Path(file)
    if not path.is_absolute() and context.job_id is not None:
        path = job_dir(context.settings, context.job_id) / path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise JobRejected(
            _("The uploaded file %(file)s is no longer there; send it again.")
            % {"file": path.name},
            {"errors": []},
        ) from None
    context.progress(0, None, _("Checking the passport data"))
    report = service.validate_csv_text(text, path.name)
    total = len(report.rows)
    written = 0

    def wrote(count: int) -> None:
        nonlocal written
        written += count
        context.progress(written, total, _("Writing the accessions"))

    try:
        with transaction(context.session_factory) as session:
            principal = job_principal(session, context.owner_id, PASSPORT_IMPORT.name)
            result = service.import_passport(
                session, principal, report, partial=bool(partial), progress=wrote
            )
    except service.ImportRejected as rejected:
        raise JobRejected(str(rejected), {"errors": _issues(report, path.name)}) from None
    summary = _(
        "%(inserted)d accessions inserted, %(updated)d updated, %(unchanged)d unchanged; "
        "%(rejected)d lines left out."
    ) % {
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": len(result.rejected),
    }
    context.log(summary)
    if context.job_id is not None and path.parent == job_dir(context.settings, context.job_id):
        path.unlink(missing_ok=True)  # written: the accessions are in the database now
    return {
        "summary": summary,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected_lines": [row.line for row in result.rejected],
        "warnings": report.warning_count,
        "links": [{"href": "/genebank", "label": _("The gene bank")}],
    }


def submit_import(
    session: Session, settings: Settings, principal: Principal, text: str, partial: bool
) -> Job:
    """Store the (already validated) CSV text in a new job's folder and queue its import as
    ``principal``; returns the job (committed)."""
    from iofs.jobs.service import submit

    return submit(
        session,
        settings,
        PASSPORT_IMPORT.name,
        {"file": PASSPORTS, "partial": partial},
        owner_id=principal.user_id,
        files={PASSPORTS: text.encode("utf-8")},
    )
