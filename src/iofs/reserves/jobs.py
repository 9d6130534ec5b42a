"""Background jobs of the reserves module: the stock-position import (CSV or .xlsx).

The API checks the file at once (unreadable, or a workbook too large to read: 413/422),
stores it under the job's folder (``<data dir>/jobs/<id>/``) and answers 202; a worker then
runs the same all-or-nothing import (:func:`iofs.reserves.stock_import.import_positions`) as
the person who sent it: any bad row and nothing is written, every problem listed.
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

STOCK_IMPORT = JobKind(
    name="reserves.stock_import",
    run="iofs.reserves.jobs:stock_import",
    title=N_("Reserve stock positions import"),
    permission="reserves.stock.write",
)


def _problems(error: Any) -> list[dict[str, Any]]:
    return [
        {"file": p.file, "row": p.row, "field": p.field, "reason": p.reason} for p in error.problems
    ]


def stock_import(context: JobContext, file: str) -> dict[str, Any]:
    """Import the sheet ``file`` (its name in the job's folder, or an absolute path from the
    command line); returns the rows read, lots created, movements recorded and rows
    unchanged. Raises :class:`JobRejected` with every problem (file, row, field, reason)
    when any row is wrong: then nothing was written."""
    from iofs.reserves import stock_import as importer

    path = Path(file)
    if not path.is_absolute() and context.job_id is not None:
        path = job_dir(context.settings, context.job_id) / path.name
    try:
        content = path.read_bytes()
    except OSError:
        raise JobRejected(
            _("The uploaded file %(file)s is no longer there; send it again.")
            % {"file": path.name},
            {"errors": []},
        ) from None
    context.progress(0, None, _("Importing the stock positions"))
    try:
        with transaction(context.session_factory) as session:
            principal = job_principal(session, context.owner_id, STOCK_IMPORT.name)
            report = importer.import_positions(session, principal, path.name, content)
    except importer.StockImportError as error:
        raise JobRejected(str(error), {"errors": _problems(error)}) from None
    summary = _(
        "%(rows)d rows: %(lots)d lots created, %(movements)d movements recorded, "
        "%(unchanged)d unchanged."
    ) % {
        "rows": report.rows,
        "lots": report.lots_created,
        "movements": report.movements,
        "unchanged": report.unchanged,
    }
    context.log(summary)
    context.progress(report.rows, report.rows, summary)
    return {
        "summary": summary,
        "rows": report.rows,
        "lots_created": report.lots_created,
        "movements": report.movements,
        "unchanged": report.unchanged,
        "lots": report.lots,
        "links": [{"href": "/reserves", "label": _("The reserves: stocks and cover")}],
    }


def submit_import(
    session: Session, settings: Settings, principal: Principal, name: str, content: bytes
) -> Job:
    """Read the sheet once to refuse an unreadable or oversized file at once
    (``StockImportError``, 413/422), then store it in a new job's folder and queue the import
    as ``principal``; returns the job (committed)."""
    from iofs.jobs.service import submit
    from iofs.reserves import stock_import as importer

    stored = Path(name).name or "upload.csv"
    importer.read_rows(stored, content)
    return submit(
        session,
        settings,
        STOCK_IMPORT.name,
        {"file": stored},
        owner_id=principal.user_id,
        files={stored: content},
    )
