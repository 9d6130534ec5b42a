"""Pages of the programmes module: overview, appeal, programme, donor, country, entry, review.

Every page shows approved figures to everyone; entry forms and the review queue appear to
those allowed, and every post goes through the same service call as the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from iofs import countries
from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.http.deps import db_session
from iofs.http.forms import filled_fields
from iofs.http.paging import AFTER, pager_context, secret_of
from iofs.http.security import body_limit, current_principal, require
from iofs.http.templating import render
from iofs.i18n import current_language
from iofs.i18n import gettext as _
from iofs.permissions import Principal, allows
from iofs.programmes import (
    charts,
    contributions,
    figures,
    pipeline,
    registry,
    results,
    review,
    service,
)
from iofs.programmes import vocabulary as v
from iofs.validation import MAX_RECORD_ID

router = APIRouter(include_in_schema=False)

CodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Iso3Path = Annotated[str, Path(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]
KindPath = Annotated[
    str,
    Path(
        pattern=r"^(contribution|status|stage|beneficiaries|"
        r"indicator_value)$"
    ),
]
RecordPath = Annotated[int, Path(ge=1, le=MAX_RECORD_ID)]


def labels() -> dict[str, str]:
    """Every code of the module's vocabularies in the current language."""
    return {code: _(label) for code, label in v.LABELS.items()}


def sector_names() -> dict[str, str]:
    """DAC sector names in the current language."""
    return {code: _(name) for code, name in v.SECTORS.items()}


def localised(record: Any, field: str = "title") -> str:
    """A record's title or name in the current language, English when not translated."""
    language = current_language()
    return getattr(record, f"{field}_{language}", "") or getattr(record, field)


def _names(session: Session) -> dict[str, str]:
    names = {row.code: localised(row, "name") for row in registry.organisations(session)}
    names.update({row.code: localised(row) for row in registry.appeals(session)})
    names.update({row.code: localised(row) for row in registry.programmes(session)})
    return names


def flow_chart(session: Session, appeal_id: int | None = None, **only: Any) -> Markup:
    """The donor → appeal → country diagram of counted money (``only``: see figures.flows)."""
    flows = figures.flows(session, appeal_id, **only)
    names = _names(session)
    # Destination countries by name (the codes stay as keys); a donor state keeps its
    # organisation name from the registry.
    language = current_language()
    for flow in flows:
        if flow.country and flow.country not in names:
            names[flow.country] = countries.name(flow.country, language)
    return charts.flow_svg(flows, names, _("Flow of funds: donor → appeal or programme → country"))


def _context(principal: Principal) -> dict[str, Any]:
    return {
        "labels": labels(),
        "sectors": sector_names(),
        "localised": localised,
        "can_enter": allows(principal, "programmes.contributions.write")
        or allows(principal, "programmes.deliveries.write"),
        "can_review": allows(principal, "programmes.read_pending"),
    }


@router.get("/programmes", response_class=HTMLResponse)
def overview(
    request: Request,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Appeals with coverage and gaps, programmes, donors' pledge conversion, flows."""
    appeals = [service.appeal_summary(session, code) for code in service.appeal_codes(session)]
    return render(
        request,
        "programmes/overview.html",
        {
            **_context(principal),
            "appeals": appeals,
            "programmes": registry.programmes(session),
            "conversion": figures.pledge_conversion(session),
            "flow": flow_chart(session),
            "donors": registry.organisations(session),
        },
    )


def _contributions(
    request: Request, session: Session, principal: Principal, after: str | None, **where: str
) -> dict[str, Any]:
    """The page's contributions, 100 at a time (``after``), with the pager's links."""
    page = service.contributions_page(session, principal, after, 100, secret_of(request), **where)
    return {"contributions": page.items, **pager_context(request, page)}


@router.get("/programmes/appeals/{code}", response_class=HTMLResponse)
def appeal_page(
    request: Request,
    code: CodePath,
    after: str | None = AFTER,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """An appeal: delivered of required tonnes, coverage, gaps, donors, pipeline, timeline."""
    appeal = registry.appeal(session, code)
    found = figures.appeal_figures(session, appeal)
    revisions = registry.revisions(session, appeal.id)
    timeline = figures.timeline(session, appeal)
    return render(
        request,
        "programmes/appeal.html",
        {
            **_context(principal),
            "appeal": appeal,
            "figures": found,
            "revisions": [
                (revision, registry.requirements(session, revision.id)) for revision in revisions
            ],
            **_contributions(request, session, principal, after, appeal=code),
            "consignments": [
                (row, pipeline.stages(session, row.id))
                for row in pipeline.consignments(session, appeal_id=appeal.id)
            ],
            "flow": flow_chart(session, appeal.id),
            "timeline": charts.timeline_svg(
                timeline,
                {
                    "funded": _("Funded (USD, cumulative)"),
                    "delivered": _("Distributed (t, cumulative)"),
                    "date": _("Date"),
                },
            ),
            "points": timeline,
        },
    )


@router.get("/programmes/donors/{code}", response_class=HTMLResponse)
def donor_page(
    request: Request,
    code: CodePath,
    after: str | None = AFTER,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """A donor: what it gave, to what, at which status; its pledge conversion."""
    donor = registry.organisation(session, code, "code")
    conversion = [line for line in figures.pledge_conversion(session) if line.donor == donor.code]
    return render(
        request,
        "programmes/donor.html",
        {
            **_context(principal),
            "donor": donor,
            "totals": service.donor_totals(session, donor),
            **_contributions(request, session, principal, after, donor=donor.code),
            "conversion": conversion[0] if conversion else None,
            "flow": flow_chart(session, donor_id=donor.id),
            "appeals": {row.id: row for row in registry.appeals(session)},
            "programmes": {row.id: row for row in registry.programmes(session)},
        },
    )


@router.get("/programmes/countries/{iso3}", response_class=HTMLResponse)
def country_page(
    request: Request,
    iso3: Iso3Path,
    after: str | None = AFTER,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """A country: its projects, money received, tonnes through the pipeline, people reached."""
    code = iso3.upper()
    projects = registry.projects(session, country=code)
    if not projects and not pipeline.consignments(session, country=code):
        raise NotFoundError(_("No programme works in %(country)s.") % {"country": code}, "iso3")
    return render(
        request,
        "programmes/country.html",
        {
            **_context(principal),
            "iso3": code,
            "projects": projects,
            "funding": figures.country_funding(session, code),
            "stages": figures.country_delivered_t(session, code),
            "beneficiaries": pipeline.reached(session, code),
            **_contributions(request, session, principal, after, country=code),
            "activities": results.activities(session, [row.id for row in projects]),
            "flow": flow_chart(session, country=code),
        },
    )


def _entry_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: InputError | None = None,
    form: str = "",
    values: dict[str, Any] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    response = render(
        request,
        "programmes/entry.html",
        {
            **_context(principal),
            "may_contribute": allows(principal, "programmes.contributions.write"),
            "may_deliver": allows(principal, "programmes.deliveries.write"),
            "organisations": registry.organisations(session),
            "appeals": registry.appeals(session),
            "projects": registry.projects(session),
            "consignments": pipeline.consignments(session),
            "programmes": registry.programmes(session),
            "indicators": results.indicators(session),
            "indicator_owners": _indicator_owners(session),
            "may_edit_projects": allows(principal, "programmes.projects.write"),
            "may_manage": allows(principal, "programmes.manage"),
            "error": str(error) if error else "",
            "error_field": error.field if error else "",
            "form": form,
            "values": values or {},
            "notice": notice,
        },
    )
    response.status_code = status_code
    return response


def _indicator_owners(session: Session) -> dict[int, str]:
    """Indicator id → "project CODE" or "programme CODE": one code can be defined at both levels
    (a programme's indicator sums its projects'), and the entry list must tell them apart."""
    programmes = {row.id: row.code for row in registry.programmes(session)}
    projects = {row.id: row.code for row in registry.projects(session)}
    owners = {}
    for row in results.indicators(session):
        if row.project_id is not None:
            owners[row.id] = _("project %(code)s") % {"code": projects.get(row.project_id, "?")}
        else:
            owners[row.id] = _("programme %(code)s") % {
                "code": programmes.get(row.programme_id or 0, "?")
            }
    return owners


@router.get("/programmes/entry", response_class=HTMLResponse)
def entry(
    request: Request,
    recorded: Annotated[str, Query(max_length=64)] = "",
    principal: Principal = Depends(require("programmes.deliveries.write")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Forms to record contributions, deliveries and people reached, and the Excel upload."""
    notice = (
        (
            _("Recorded %(reference)s; it counts once someone else approves it.")
            % {"reference": recorded}
        )
        if recorded
        else ""
    )
    return _entry_page(request, session, principal, notice=notice)


async def _save_form(
    request: Request,
    session: Session,
    principal: Principal,
    form: str,
    save: Callable[[dict[str, Any]], str],
    checkboxes: tuple[str, ...] = (),
) -> Response:
    """Post of one entry form: the service call ``save(values)`` (returning what was recorded)
    commits and redirects; an input error re-renders the form with its values (422)."""
    values: dict[str, Any] = dict(await filled_fields(request))
    for name in checkboxes:
        values[name] = values.get(name) == "on"
    try:
        recorded = save(values)
    except InputError as error:
        session.rollback()
        return _entry_page(
            request, session, principal, error=error, form=form, values=values, status_code=422
        )
    session.commit()
    return RedirectResponse(
        f"/programmes/entry?{urlencode({'recorded': recorded})}", status_code=303
    )


def _without(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key not in names}


@router.post("/programmes/entry/contribution", response_class=HTMLResponse)
async def enter_contribution(
    request: Request,
    principal: Principal = Depends(require("programmes.contributions.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Record a contribution from the form (the API's service call)."""
    analytics_dir = request.app.state.settings.analytics_dir
    return await _save_form(
        request,
        session,
        principal,
        "contribution",
        lambda values: (
            contributions.put_contribution(session, principal, values, analytics_dir)[0].reference
        ),
        checkboxes=("illustrative",),
    )


@router.post("/programmes/entry/stage", response_class=HTMLResponse)
async def enter_stage(
    request: Request,
    principal: Principal = Depends(require("programmes.deliveries.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Record a consignment reaching a pipeline stage."""

    def save(values: dict[str, Any]) -> str:
        reference = values.get("consignment", "")
        pipeline.add_stage(session, principal, reference, _without(values, "consignment"))
        return str(reference)

    return await _save_form(request, session, principal, "stage", save)


@router.post("/programmes/entry/beneficiaries", response_class=HTMLResponse)
async def enter_beneficiaries(
    request: Request,
    principal: Principal = Depends(require("programmes.deliveries.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Record people or households targeted or reached."""
    return await _save_form(
        request,
        session,
        principal,
        "beneficiaries",
        lambda values: pipeline.put_beneficiaries(session, principal, values).country,
    )


@router.post("/programmes/entry/project", response_class=HTMLResponse)
async def enter_project(
    request: Request,
    principal: Principal = Depends(require("programmes.projects.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Create or update a country project (focal points: their own states)."""
    return await _save_form(
        request,
        session,
        principal,
        "project",
        lambda values: registry.put_project(session, principal, values).code,
    )


@router.post("/programmes/entry/indicator-value", response_class=HTMLResponse)
async def enter_indicator_value(
    request: Request,
    principal: Principal = Depends(require("programmes.projects.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Record a target or actual of a result indicator for a period."""

    def save(values: dict[str, Any]) -> str:
        raw_id = str(values.get("indicator", ""))
        if not raw_id.isdigit():
            raise InputError(_("Choose an indicator."), "indicator")
        return results.put_value(
            session, principal, int(raw_id), _without(values, "indicator")
        ).kind

    return await _save_form(request, session, principal, "indicator", save)


@router.post("/programmes/entry/activity", response_class=HTMLResponse)
async def enter_activity(
    request: Request,
    principal: Principal = Depends(require("programmes.projects.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Record a training or other activity of a project, with participants by sex."""
    return await _save_form(
        request,
        session,
        principal,
        "activity",
        lambda values: results.put_activity(session, principal, values).kind,
    )


@router.post("/programmes/entry/organisation", response_class=HTMLResponse)
async def enter_organisation(
    request: Request,
    principal: Principal = Depends(require("programmes.manage")),
    session: Session = Depends(db_session),
) -> Response:
    """Create or update a donor, partner or implementer."""
    return await _save_form(
        request,
        session,
        principal,
        "organisation",
        lambda values: registry.put_organisation(session, principal, values).code,
    )


@router.post("/programmes/entry/programme", response_class=HTMLResponse)
async def enter_programme(
    request: Request,
    principal: Principal = Depends(require("programmes.manage")),
    session: Session = Depends(db_session),
) -> Response:
    """Create or update a programme."""
    return await _save_form(
        request,
        session,
        principal,
        "programme",
        lambda values: registry.put_programme(session, principal, values).code,
        checkboxes=("humanitarian",),
    )


@router.post("/programmes/entry/indicator", response_class=HTMLResponse)
async def enter_indicator(
    request: Request,
    principal: Principal = Depends(require("programmes.projects.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Define a result indicator of a programme (secretariat) or of a project (its state)."""
    return await _save_form(
        request,
        session,
        principal,
        "indicator-definition",
        lambda values: results.put_indicator(session, principal, values).code,
    )


@router.post("/programmes/entry/appeal", response_class=HTMLResponse)
async def enter_appeal(
    request: Request,
    principal: Principal = Depends(require("programmes.manage")),
    session: Session = Depends(db_session),
) -> Response:
    """Create or update an appeal."""
    return await _save_form(
        request,
        session,
        principal,
        "appeal",
        lambda values: registry.put_appeal(session, principal, values).code,
    )


def requirement_lines(text: str) -> list[dict[str, str]]:
    """Requirement rows typed one per line as ``country; sector; year; USD[; tonnes]``."""
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(";")]
        if len(parts) not in (4, 5):
            raise InputError(
                _(
                    "Line %(line)d: write country; sector; year; USD; tonnes "
                    "(tonnes may be left out)."
                )
                % {"line": number},
                "requirements",
            )
        rows.append(
            dict(
                zip(
                    ("country", "sector_code", "year", "amount_usd", "quantity_t"),
                    parts,
                    strict=False,
                )
            )
        )
    return rows


@router.post("/programmes/entry/revision", response_class=HTMLResponse)
async def enter_revision(
    request: Request,
    principal: Principal = Depends(require("programmes.manage")),
    session: Session = Depends(db_session),
) -> Response:
    """Record an appeal's requirements: the original (0) or a dated revision with a reason."""

    def save(values: dict[str, Any]) -> str:
        appeal_code = str(values.get("appeal", ""))
        registry.put_revision(
            session,
            principal,
            appeal_code,
            {
                **_without(values, "appeal"),
                "requirements": requirement_lines(str(values.get("requirements", ""))),
            },
        )
        return appeal_code

    return await _save_form(request, session, principal, "revision", save)


@router.post("/programmes/entry/upload", response_class=HTMLResponse)
@body_limit()
async def upload_sheet(
    request: Request,
    file: Annotated[UploadFile, File()],
    principal: Principal = Depends(require("programmes.deliveries.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Upload the Excel template: the file is checked and queued as a background job (all
    rows or none, every problem named on the job's page, to which this answers 303)."""
    from iofs.programmes.exchange import workbook_upload
    from iofs.programmes.jobs import submit_upload

    data = await file.read(20_000_001)
    try:
        if len(data) > 20_000_000:
            raise InputError(_("The file is larger than 20 MB."), "file")
        job = submit_upload(session, request.app.state.settings, principal, data)
    except workbook_upload.UploadRejected as rejected:
        session.rollback()
        return _entry_page(
            request,
            session,
            principal,
            error=rejected.refused or rejected,
            form="upload",
            status_code=rejected.status_code,
        )
    except InputError as error:
        session.rollback()
        return _entry_page(request, session, principal, error=error, form="upload", status_code=422)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _reconciliation_page(
    request: Request,
    session: Session,
    principal: Principal,
    code: str,
    notice: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    from iofs.programmes.exchange import fts_reconcile

    appeal = registry.appeal(session, code)
    lines = fts_reconcile.reconcile(session, code)
    response = render(
        request,
        "programmes/reconciliation.html",
        {
            **_context(principal),
            "appeal": appeal,
            "lines": lines,
            "summary": fts_reconcile.summary(lines),
            "statuses": {
                key: _(label) for key, label in fts_reconcile.RECONCILIATION_STATUSES.items()
            },
            "differences": {key: _(label) for key, label in fts_reconcile.DIFFERENCES.items()},
            "may_import": allows(principal, "programmes.exchange"),
            "notice": notice,
            "error": error,
        },
    )
    response.status_code = status_code
    return response


@router.get("/programmes/appeals/{code}/reconciliation", response_class=HTMLResponse)
def reconciliation(
    request: Request,
    code: CodePath,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The appeal's contributions side by side with the flows FTS publishes for it."""
    return _reconciliation_page(request, session, principal, code)


@router.post("/programmes/appeals/{code}/fts", response_class=HTMLResponse)
@body_limit()
async def import_fts(
    request: Request,
    code: CodePath,
    file: Annotated[UploadFile, File()],
    principal: Principal = Depends(require("programmes.exchange")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Import an FTS flow response (JSON) for the appeal, then show the reconciliation."""
    from iofs.programmes.exchange import fts_import

    data = await file.read(50_000_001)
    try:
        if len(data) > 50_000_000:
            raise InputError(_("The file is larger than 50 MB."), "file")
        report = fts_import.import_flows(session, principal, code, data)
    except InputError as error:
        session.rollback()
        if error.not_found:
            raise
        return _reconciliation_page(
            request, session, principal, code, error=str(error), status_code=422
        )
    session.commit()
    return _reconciliation_page(
        request, session, principal, code, notice=service.fts_summary(report)
    )


@router.get("/programmes/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    kind: Annotated[str, Query(max_length=32)] = "",
    country: Annotated[str, Query(max_length=3)] = "",
    after: str | None = AFTER,
    principal: Principal = Depends(require("programmes.read_pending")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Figures awaiting a second person's approval (those the visitor may see), 100 a page,
    filtered by kind of figure and country."""
    return _review_page(request, session, principal, after=after, kind=kind, country=country)


def _review_page(
    request: Request,
    session: Session,
    principal: Principal,
    error: str = "",
    status_code: int = 200,
    after: str | None = None,
    kind: str = "",
    country: str = "",
) -> HTMLResponse:
    kind = kind if kind in review.REVIEWABLE else ""
    country = country.upper()
    page = review.queue_page(
        session, principal, after, 100, secret_of(request), kind or None, country or None
    )
    return render(
        request,
        "programmes/review.html",
        {
            **_context(principal),
            "rows": page.items,
            **pager_context(request, page),
            "kinds": list(review.REVIEWABLE),
            "kind_labels": review.KIND_LABELS,
            "where": {"kind": kind, "country": country},
            "me": audit.actor_label(principal),
            "may_approve": allows(principal, review.APPROVE),
            "error": error,
        },
        status_code=status_code,
    )


@router.post("/programmes/review/{kind}/{record_id}", response_class=HTMLResponse)
def review_figure(
    request: Request,
    kind: KindPath,
    record_id: RecordPath,
    decision: Annotated[str, Form(max_length=16)],
    version: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)],
    note: Annotated[str, Form(max_length=500)] = "",
    principal: Principal = Depends(require("programmes.approve")),
    session: Session = Depends(db_session),
) -> Response:
    """Approve or reject one figure, as shown (the form carries the version it showed)."""
    try:
        review.decide(session, principal, kind, record_id, decision, note, version=version)
    except InputError as error:
        session.rollback()
        if error.not_found:
            raise
        status = error.status_code if isinstance(error, review.ReviewConflict) else 422
        return _review_page(request, session, principal, str(error), status_code=status)
    session.commit()
    return RedirectResponse("/programmes/review", status_code=303)


@router.get("/programmes/{code}", response_class=HTMLResponse)
def programme_page(
    request: Request,
    code: CodePath,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """A programme: its country projects, funding, results (rolled up) and activities."""
    programme = registry.programme(session, code, "code")
    projects = registry.projects(session, programme_id=programme.id)
    indicators = results.indicators(session, programme_id=programme.id)
    project_indicators = results.indicators(session, project_ids=[row.id for row in projects])
    return render(
        request,
        "programmes/programme.html",
        {
            **_context(principal),
            "programme": programme,
            "projects": projects,
            "funding": figures.programme_funding(session, programme.id),
            "indicators": [
                (
                    row,
                    results.rolled_up(session, programme.id, row.code)
                    or results.periods(results.values(session, row.id)),
                )
                for row in indicators
            ],
            "project_indicators": [
                (
                    row,
                    results.periods(results.values(session, row.id)),
                    next(p for p in projects if p.id == row.project_id),
                )
                for row in project_indicators
            ],
            "activities": results.activities(session, [row.id for row in projects]),
            "appeals": registry.appeals(session, programme.id),
            "flow": flow_chart(session, programme_id=programme.id),
        },
    )
