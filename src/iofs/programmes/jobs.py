"""Background jobs of the programmes module: the Excel workbook upload.

The page and the API store the uploaded workbook under the job's folder
(``<data dir>/jobs/<id>/``) and answer at once; a worker then runs the same all-or-nothing
upload as before (:func:`iofs.programmes.exchange.workbook_upload.upload`), as the person who
uploaded it, in one transaction: any bad row and nothing is written, every problem listed.
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
from iofs.programmes import service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from iofs.config import Settings
    from iofs.jobs.models import Job
    from iofs.permissions import Principal

#: The name the uploaded workbook is stored under in the job's folder.
WORKBOOK = "workbook.xlsx"

UPLOAD = JobKind(
    name="programmes.upload",
    run="iofs.programmes.jobs:upload",
    title=N_("Programme workbook upload"),
    permission="programmes.deliveries.write",
)


def _workbook(context: JobContext, file: str) -> Path:
    path = Path(file)
    if path.is_absolute() or context.job_id is None:
        return path
    return job_dir(context.settings, context.job_id) / path.name


def upload(context: JobContext, file: str = WORKBOOK) -> dict[str, Any]:
    """Enter every row of the workbook ``file`` (in the job's folder, or an absolute path
    from the command line); returns the summary sentence, the counts per sheet and a link
    to the review queue. Raises :class:`JobRejected` with every problem (sheet, row, column,
    reason) when any row is wrong: then nothing was written."""
    from iofs.programmes.exchange import workbook_upload

    path = _workbook(context, file)
    try:
        data = path.read_bytes()
    except OSError:
        raise JobRejected(
            _("The uploaded workbook %(file)s is no longer there; upload it again.")
            % {"file": path.name},
            {"errors": []},
        ) from None
    context.progress(0, None, _("Reading the workbook"))

    def entered(done: int, total: int) -> None:
        context.progress(done, total, _("Entering the rows"))

    try:
        with transaction(context.session_factory) as session:
            principal = job_principal(session, context.owner_id, UPLOAD.name)
            report = workbook_upload.upload(
                session, principal, data, context.settings.analytics_dir, progress=entered
            )
            summary = service.upload_summary(report)
    except workbook_upload.UploadRejected as rejected:
        raise JobRejected(
            str(rejected),
            {
                "errors": [
                    {"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason}
                    for e in rejected.errors
                ],
                "forbidden": rejected.forbidden,
            },
        ) from None
    context.log(summary)
    if context.job_id is not None and path.parent == job_dir(context.settings, context.job_id):
        path.unlink(missing_ok=True)  # entered: the rows are in the database now
    return {
        "summary": summary,
        "sheets": {
            sheet: {"created": c.created, "changed": c.changed, "unchanged": c.unchanged}
            for sheet, c in report.sheets.items()
        },
        "links": [
            {"href": "/programmes/review", "label": _("The review queue: the new figures")},
            {"href": "/programmes/entry#upload", "label": _("Upload another workbook")},
        ],
    }


def check_file(data: bytes) -> None:
    """Refuse at once, before any job, a file that is too large or not a workbook (zip
    bombs, XML attacks, huge declared sheets): raises ``UploadRejected`` with ``refused``
    set, whose ``status_code`` is the answer (413 or 422). Opening the workbook to check it
    reads no row."""
    from iofs import spreadsheets
    from iofs.programmes.exchange import workbook_upload
    from iofs.programmes.exchange.workbook_columns import LIMITS, MAX_BYTES

    def refused(problem: spreadsheets.WorkbookRefused) -> workbook_upload.UploadRejected:
        return workbook_upload.UploadRejected(
            [workbook_upload.RowError("", None, None, str(problem))], problem
        )

    if len(data) > MAX_BYTES:
        raise refused(
            spreadsheets.WorkbookRefused(
                _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES >> 20},
                too_large=True,
            )
        )
    try:
        with spreadsheets.read_workbook(data, LIMITS):
            pass
    except spreadsheets.WorkbookRefused as problem:
        raise refused(problem) from None


def submit_upload(session: Session, settings: Settings, principal: Principal, data: bytes) -> Job:
    """Check the file (:func:`check_file`), store it in a new job's folder and queue the
    upload as ``principal``; returns the job (committed)."""
    from iofs.jobs.service import submit

    check_file(data)
    return submit(
        session,
        settings,
        UPLOAD.name,
        {"file": WORKBOOK},
        owner_id=principal.user_id,
        files={WORKBOOK: data},
    )
