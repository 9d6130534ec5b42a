"""The ``/data/fetches`` page: the last run of every public-data source (read-only).

Each row is a source's newest ``fetch_runs`` row (:func:`iofs.fetching.runs.last_runs`):
what it is (a state's WFP prices, an IPC file, the INFORM release, a FAOSTAT domain), the
status of its last run, when it finished (UTC), the rows its ingest added and, for a failed
run, the sentence that says why. Readers need ``data.read`` (secretariat, viewers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from iofs import countries
from iofs.fetching.models import FetchRun
from iofs.fetching.runs import STATUS_LABELS, last_runs
from iofs.http.deps import db_session
from iofs.http.security import require
from iofs.http.templating import render
from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _
from iofs.monitor.data import permissions as _declared  # noqa: F401 - declares data.*
from iofs.permissions import Principal

router = APIRouter(include_in_schema=False)

#: Dataset of a source (its name's prefix) → label msgid, in display order.
DATASETS: dict[str, str] = {
    "prices": N_("Food prices"),
    "ipc": N_("IPC phases"),
    "risk": N_("Risk inputs"),
    "faostat": N_("FAOSTAT"),
}


@dataclass(frozen=True)
class FetchRow:
    """One source's last run, as the page shows it."""

    dataset: str
    what: str
    status: str
    status_label: str
    finished_at: datetime
    rows_added: int
    bytes: int | None
    url: str
    error: str | None


def describe(source: str) -> tuple[str, str]:
    """(dataset label, what the source is) for people, in the current language: a state's
    name for prices, the file for IPC, the release for INFORM, the domain for FAOSTAT."""
    dataset, _sep, rest = source.partition(":")
    label = _(DATASETS[dataset]) if dataset in DATASETS else dataset
    if dataset == "prices":
        return label, countries.name(rest, current_language())
    if source == "risk:inform":
        return label, _("INFORM release")
    if dataset == "faostat" and rest.endswith(":download"):
        return label, _("%(domain)s (download only)") % {"domain": rest.removesuffix(":download")}
    return label, rest


def rows(session: Session) -> list[FetchRow]:
    """The last run of every source, by dataset then name."""
    order = {name: position for position, name in enumerate(DATASETS)}
    shown: list[tuple[int, str, FetchRow]] = []
    for run in last_runs(session):
        dataset, what = describe(run.source)
        shown.append(
            (order.get(run.source.partition(":")[0], len(order)), what, _row(run, dataset, what))
        )
    return [row for _o, _w, row in sorted(shown, key=lambda item: (item[0], item[1]))]


def _row(run: FetchRun, dataset: str, what: str) -> FetchRow:
    return FetchRow(
        dataset=dataset,
        what=what,
        status=run.status,
        status_label=_(STATUS_LABELS.get(run.status, run.status)),
        finished_at=run.finished_at,
        rows_added=run.rows_added,
        bytes=run.bytes,
        url=run.url,
        error=run.error,
    )


@router.get("/data/fetches", response_class=HTMLResponse)
def fetches_page(
    request: Request,
    _principal: Principal = Depends(require("data.read")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The last run of every public-data source, with its status, time, rows and error."""
    return render(request, "data/fetches.html", {"runs": rows(session)})
