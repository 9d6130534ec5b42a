"""Pages of Strategic Vision 2031 (scorecards, reporting and review) and of partnerships."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from iofs.errors import InputError
from iofs.http.charts import vega_lite_svg
from iofs.http.deps import RecordId, db_session
from iofs.http.forms import filled_fields
from iofs.http.security import body_limit, current_principal, public_base_url, require
from iofs.http.templating import render
from iofs.i18n import current_language
from iofs.i18n import gettext as _
from iofs.members import service as members
from iofs.permissions import Principal, allows
from iofs.strategy import framework, partnerships, progress, reporting, vocabulary, workbook
from iofs.strategy.models import KpiValue
from iofs.validation import MAX_RECORD_ID

router = APIRouter(include_in_schema=False)

YearQuery = Annotated[int | None, Query(ge=1990, le=2100)]


def _year(session: Session, year: int | None) -> int:
    return year or reporting.latest_period_year(session) or date.today().year


def status_labels() -> dict[str, str]:
    return {s: _(label) for s, label in progress.STATUS_LABELS.items()}


def pillar_names(session: Session) -> dict[int, str]:
    """Pillar names in the current language (the stored translation, else English)."""
    language = current_language()
    names = {}
    for node in framework.tree(session):
        p = node.pillar
        names[p.number] = {"ar": p.name_ar, "fr": p.name_fr}.get(language) or p.name
    return names


def scorecard_svg(session: Session, scores: list[progress.PillarScore]) -> Markup:
    if not any(s.counts for s in scores):
        return Markup("")
    labels: dict[str, str] = {**status_labels(), "count": _("KPI assessments")}
    labels.update({f"pillar{n}": name for n, name in pillar_names(session).items()})
    return vega_lite_svg(progress.scorecard_spec(scores, labels))


def trend_svg(session: Session, kpi: Any, iso3: str | None) -> Markup:
    plan = framework.plan_for(session, kpi.id, iso3)
    observed = progress.series(session, kpi, iso3)
    if not observed and plan.baseline is None and not plan.targets:
        return Markup("")
    labels = {"plan": _("planned path"), "observed": _("observed"), "year": _("Year")}
    return vega_lite_svg(progress.trend_spec(kpi, plan, observed, labels))


@router.get("/strategy", response_class=HTMLResponse)
def overview(
    request: Request, year: YearQuery = None, session: Session = Depends(db_session)
) -> HTMLResponse:
    """Pillar scorecard for a year, with the rule, the periods and links onwards."""
    chosen = _year(session, year)
    scores = progress.pillar_scorecard(session, chosen)
    return render(
        request,
        "strategy/overview.html",
        {
            "year": chosen,
            "scores": scores,
            "chart": scorecard_svg(session, scores),
            "names": pillar_names(session),
            "labels": status_labels(),
            "statuses": progress.STATUSES,
            "rule": progress.RULE,
            "periods": reporting.list_periods(session),
            "states": sorted(progress.iofs_members(session)),
            "gaps": len(progress.missing(session, chosen)),
        },
    )


@router.get("/strategy/framework", response_class=HTMLResponse)
def framework_page(
    request: Request,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _framework_page(request, session, principal)


def _framework_page(
    request: Request,
    session: Session,
    principal: Principal,
    error: InputError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    from iofs import feeds

    tree = framework.tree(session)
    return render(
        request,
        "strategy/framework.html",
        {
            "tree": tree,
            "names": pillar_names(session),
            "can_edit": allows(principal, "strategy.framework.write"),
            "programmes": [p.programme for node in tree for p in node.programmes],
            "outcomes": [o.outcome for node in tree for p in node.programmes for o in p.outcomes],
            "feeds": feeds.available_feeds(),
            "error": str(error) if error else "",
            "error_field": error.field if error else "",
        },
        status_code=status_code,
    )


def _framework_post(
    request: Request, session: Session, principal: Principal, action: Any, anchor: str
) -> Response:
    try:
        action()
    except InputError as error:
        session.rollback()
        return _framework_page(request, session, principal, error, status_code=422)
    session.commit()
    return RedirectResponse(f"/strategy/framework#{anchor}", status_code=303)


def _number(values: dict[str, str], name: str) -> int:
    text = values.get(name, "")
    if not text.isdigit():
        raise InputError(_("Enter a whole number."), name)
    return int(text)


@router.post("/strategy/framework/pillars", response_class=HTMLResponse)
async def post_pillar(
    request: Request,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Create or rename a pillar."""
    values = await filled_fields(request)
    return _framework_post(
        request,
        session,
        principal,
        lambda: framework.put_pillar(
            session,
            principal,
            _number(values, "number"),
            values.get("name", ""),
            values.get("name_ar", ""),
            values.get("name_fr", ""),
            values.get("sources", ""),
        ),
        f"pillar-{values.get('number', '')}",
    )


@router.post("/strategy/framework/programmes", response_class=HTMLResponse)
async def post_strategic_programme(
    request: Request,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Create or update a strategic programme under a pillar."""
    values = await filled_fields(request)
    return _framework_post(
        request,
        session,
        principal,
        lambda: framework.put_programme(
            session,
            principal,
            framework.pillar_id(session, _number(values, "pillar_number")),
            values.get("code", ""),
            values.get("name", ""),
            values.get("sources", ""),
        ),
        f"pillar-{values.get('pillar_number', '')}",
    )


@router.post("/strategy/framework/outcomes", response_class=HTMLResponse)
async def post_outcome(
    request: Request,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Create or update an outcome under a programme."""
    values = await filled_fields(request)
    return _framework_post(
        request,
        session,
        principal,
        lambda: framework.put_outcome(
            session,
            principal,
            framework.programme_id(session, values.get("programme_code", "")),
            values.get("code", ""),
            values.get("statement", ""),
            values.get("illustrative") == "on",
            values.get("sources", ""),
        ),
        "edit",
    )


@router.post("/strategy/framework/kpis", response_class=HTMLResponse)
async def post_kpi(
    request: Request,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Create or update a KPI under an outcome."""
    values = await filled_fields(request)

    def action() -> None:
        framework.put_kpi(
            session,
            principal,
            {
                **values,
                "outcome_id": _number(values, "outcome_id"),
                "additive": values.get("additive") == "on",
                "illustrative": values.get("illustrative") == "on",
            },
        )

    return _framework_post(request, session, principal, action, "edit")


@router.get("/strategy/kpis/{kpi_id}", response_class=HTMLResponse)
def kpi_page(
    request: Request,
    kpi_id: RecordId,
    year: YearQuery = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """A KPI: definition, plan, trend chart, OIC aggregate, values by state."""
    kpi = framework.get_kpi(session, kpi_id)
    chosen = _year(session, year)
    return render(
        request,
        "strategy/kpi.html",
        {
            "kpi": kpi,
            "year": chosen,
            "plan": framework.plan_for(session, kpi.id, None),
            "chart": trend_svg(session, kpi, None),
            "assessment": progress.kpi_assessment(session, kpi, None, chosen),
            "aggregate": progress.oic_aggregate(session, kpi, chosen),
            "values": reporting.list_values(session, principal, kpi_id=kpi.id),
            "period_year": lambda v: reporting.period_year(session, v.period_id),
            "labels": status_labels(),
            "rule": progress.RULE,
            "pillar": framework.pillar_of(session, kpi),
        },
    )


def _state_page(
    request: Request,
    session: Session,
    principal: Principal,
    iso3: str,
    year: int | None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    state = members.get_member(session, iso3)
    chosen = _year(session, year)
    try:
        period = reporting.get_period(session, chosen)
    except InputError:
        period = None
    rows = progress.state_scorecard(session, state.iso3, chosen)
    entries: dict[int, KpiValue] = {}
    if period is not None:
        for value in reporting.list_values(session, principal, iso3=state.iso3, year=chosen):
            entries[value.kpi_id] = value
    return render(
        request,
        "strategy/state.html",
        {
            "state": state,
            "name": members.display_name(state, current_language()),
            "year": chosen,
            "period": period,
            "rows": rows,
            "entries": entries,
            "labels": status_labels(),
            "rule": progress.RULE,
            "gaps": progress.missing(session, chosen, state.iso3),
            "can_write": allows(principal, "strategy.values.write", country=state.iso3),
            "can_review": allows(principal, "strategy.values.review", country=state.iso3),
            "periods": reporting.list_periods(session),
            "error": error,
            "notice": notice,
        },
        status_code=status_code,
    )


@router.get("/strategy/states/{iso3}", response_class=HTMLResponse)
def state_page(
    request: Request,
    iso3: str,
    year: YearQuery = None,
    saved: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """A state's scorecard, its report for the period (form for focal points), review.

    ``saved`` (set by the redirect after a value is submitted) shows the confirmation."""
    notice = (
        _("Value saved. It counts once the secretariat approves it; you can still correct it.")
        if saved
        else None
    )
    return _state_page(request, session, principal, iso3, year, notice=notice)


@router.post("/strategy/states/{iso3}/values", response_class=HTMLResponse)
@body_limit()
async def report_value(
    request: Request,
    iso3: str,
    kpi_id: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)],
    year: Annotated[int, Form(ge=1990, le=2100)],
    value: Annotated[str, Form(max_length=40)],
    evidence_url: Annotated[str, Form(max_length=500)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
    evidence_file: Annotated[UploadFile | None, File()] = None,
    principal: Principal = Depends(require("strategy.values.write", country_param="iso3")),
    session: Session = Depends(db_session),
) -> Response:
    """Form post from the state page: the same service call as the API, plus a file."""
    evidence = None
    if evidence_file is not None and evidence_file.filename:
        content = await evidence_file.read(reporting.MAX_EVIDENCE_BYTES + 1)
        evidence = reporting.Evidence(
            evidence_file.filename[:200], evidence_file.content_type or "", content
        )
    try:
        reporting.report_value(
            session,
            principal,
            reporting.ValueInput(
                kpi_id=kpi_id,
                iso3=iso3,
                year=year,
                value=value,
                evidence_url=evidence_url,
                comment=comment,
            ),
            evidence,
        )
    except InputError as error:
        session.rollback()
        if error.not_found and error.field == "iso3":
            raise
        return _state_page(
            request, session, principal, iso3, year, error=str(error), status_code=422
        )
    session.commit()
    return RedirectResponse(
        f"/strategy/states/{iso3.upper()}?year={year}&saved={kpi_id}#report", status_code=303
    )


@router.post("/strategy/states/{iso3}/values/{value_id}/review", response_class=HTMLResponse)
def review_value(
    request: Request,
    iso3: str,
    value_id: RecordId,
    decision: Annotated[str, Form(max_length=16)],
    version: Annotated[int, Form(ge=1, le=MAX_RECORD_ID)],
    comment: Annotated[str, Form(max_length=4000)] = "",
    principal: Principal = Depends(require("strategy.values.review")),
    session: Session = Depends(db_session),
) -> Response:
    """Approve or send back the value as shown (the form carries its version; the service
    checks the value's own state)."""
    row = reporting.get_value(session, value_id)
    year = reporting.period_year(session, row.period_id)
    iso = row.iso3 or iso3
    try:
        reporting.review_value(session, principal, value_id, decision, comment, version=version)
    except InputError as error:
        session.rollback()
        status = error.status_code if isinstance(error, reporting.ReviewConflict) else 422
        return _state_page(
            request, session, principal, iso, year, error=str(error), status_code=status
        )
    session.commit()
    return RedirectResponse(
        f"/strategy/states/{row.iso3 or iso3.upper()}?year={year}#report", status_code=303
    )


@router.get("/strategy/values/{value_id}/evidence")
def evidence(
    value_id: RecordId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> Response:
    """The evidence file of a value, as an attachment."""
    row, stored = reporting.evidence_file(session, principal, value_id)
    name = (row.evidence_name or "evidence").replace('"', "").replace("\r", "").replace("\n", "")
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        stored.content,
        media_type=stored.content_type,
        headers={"Content-Disposition": f'attachment; filename="{ascii_name}"'},
    )


@router.get("/strategy/states/{iso3}/report.xlsx")
def report_template(
    iso3: str,
    year: YearQuery = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> Response:
    """The state's report for the period as an Excel workbook (fill in and upload back)."""
    state = members.get_member(session, iso3)
    chosen = _year(session, year)
    content = workbook.export_report(session, principal, state.iso3, chosen)
    return Response(
        content,
        media_type=workbook.XLSX_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="iofs-report-{state.iso3}-{chosen}.xlsx"'
        },
    )


@router.post("/strategy/states/{iso3}/report.xlsx", response_class=HTMLResponse)
@body_limit()
async def import_report(
    request: Request,
    iso3: str,
    year: Annotated[int, Form(ge=1990, le=2100)],
    file: Annotated[UploadFile, File()],
    principal: Principal = Depends(require("strategy.values.write", country_param="iso3")),
    session: Session = Depends(db_session),
) -> Response:
    """Upload a filled-in workbook: every row is checked; nothing is saved if one is wrong."""
    content = await file.read(workbook.MAX_BYTES + 1)
    try:
        result = workbook.import_report(session, principal, iso3, year, content)
    except workbook.ImportFailed as failure:
        session.rollback()
        return _state_page(
            request,
            session,
            principal,
            iso3,
            year,
            error="\n".join(failure.problems),
            status_code=failure.status_code,
        )
    except InputError as error:
        session.rollback()
        return _state_page(
            request, session, principal, iso3, year, error=str(error), status_code=422
        )
    session.commit()
    return _state_page(
        request,
        session,
        principal,
        iso3,
        year,
        notice=_("Workbook imported: %(changed)d values saved, %(unchanged)d unchanged.")
        % {"changed": result.changed, "unchanged": result.unchanged},
    )


@router.get("/strategy/missing", response_class=HTMLResponse)
def missing_page(
    request: Request, year: YearQuery = None, session: Session = Depends(db_session)
) -> HTMLResponse:
    """What is missing: per IOFS member state, the values not reported for the period."""
    chosen = _year(session, year)
    gaps = progress.missing(session, chosen)
    by_state: dict[str, list[progress.Gap]] = {}
    for gap in gaps:
        by_state.setdefault(gap.iso3, []).append(gap)
    return render(
        request,
        "strategy/missing.html",
        {"year": chosen, "by_state": by_state, "periods": reporting.list_periods(session)},
    )


# --- partnerships --------------------------------------------------------------------------


def _partnerships_page(
    request: Request,
    session: Session,
    principal: Principal,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    agreements = partnerships.list_agreements(session, principal)
    return render(
        request,
        "strategy/partnerships.html",
        {
            "partners": partnerships.list_partners(session),
            "agreements": agreements,
            "parties": {a.id: partnerships.parties(session, a.id) for a in agreements},
            "obligations": {a.id: partnerships.obligations(session, a.id) for a in agreements},
            "due": partnerships.due(session, principal),
            "events": partnerships.list_events(session),
            "activities": partnerships.list_activities(session),
            "programmes": {
                p.programme.id: p.programme for n in framework.tree(session) for p in n.programmes
            },
            "labels": vocabulary.LABELS,
            "reminder_labels": partnerships.REMINDER_LABELS,
            "can_write": allows(principal, "strategy.partnerships.write"),
            "kinds": vocabulary,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/partnerships", response_class=HTMLResponse)
def partnerships_page(
    request: Request,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _partnerships_page(request, session, principal)


@router.get("/partnerships/due", response_class=HTMLResponse)
def due_page(
    request: Request,
    days: Annotated[int, Query(ge=0, le=3650)] = 60,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return render(
        request,
        "strategy/due.html",
        {
            "due": partnerships.due(session, principal, days=days),
            "days": days,
            "reminder_labels": partnerships.REMINDER_LABELS,
        },
    )


@router.get("/partnerships/due.atom")
def due_feed(
    request: Request,
    days: Annotated[int, Query(ge=0, le=3650)] = 60,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> Response:
    """Atom feed (RFC 4287) of the reminders, for feed readers and mail gateways."""
    base = public_base_url(request)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    entries = []
    for r in partnerships.due(session, principal, days=days):
        what = _(partnerships.REMINDER_LABELS[r.kind])
        title = f"{r.due_on.isoformat()} — {what}: {r.agreement.title}"
        if r.obligation is not None:
            title += f" — {r.obligation.description}"
        ident = f"{r.kind}-{r.agreement.id}-{r.obligation.id if r.obligation else 0}-{r.due_on}"
        entries.append(
            f"<entry><title>{escape(title)}</title>"
            f"<id>{escape(base)}/partnerships/due#{escape(ident)}</id>"
            f"<updated>{now}</updated>"
            f'<link href="{escape(base)}/partnerships#agreement-{r.agreement.id}"/>'
            f"<summary>{escape(title)}</summary></entry>"
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(_('IOFS agreements: renewals, expiries and obligations due'))}"
        f"</title><id>{escape(base)}/partnerships/due.atom</id><updated>{now}</updated>"
        f'<link rel="self" href="{escape(base)}/partnerships/due.atom"/>'
        + "".join(entries)
        + "</feed>"
    )
    return Response(body, media_type="application/atom+xml")


def _form_error(
    request: Request, session: Session, principal: Principal, error: InputError
) -> HTMLResponse:
    session.rollback()
    return _partnerships_page(request, session, principal, error=str(error), status_code=422)


@router.post("/partnerships/agreements", response_class=HTMLResponse)
def add_agreement(
    request: Request,
    title: Annotated[str, Form(max_length=300)],
    kind: Annotated[str, Form(max_length=32)],
    status: Annotated[str, Form(max_length=16)] = "in_force",
    partner_id: Annotated[int | None, Form(ge=1, le=MAX_RECORD_ID)] = None,
    signed_on: Annotated[str, Form(max_length=10)] = "",
    expires_on: Annotated[str, Form(max_length=10)] = "",
    notice_days: Annotated[int, Form(ge=0, le=3650)] = 90,
    areas: Annotated[str, Form(max_length=500)] = "",
    sources: Annotated[str, Form(max_length=4000)] = "",
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> Response:
    try:
        partnerships.put_agreement(
            session,
            principal,
            {
                "title": title,
                "kind": kind,
                "status": status,
                "partner_ids": [partner_id] if partner_id else [],
                "signed_on": signed_on,
                "expires_on": expires_on,
                "notice_days": notice_days,
                "areas": areas,
                "sources": sources,
            },
        )
    except InputError as error:
        return _form_error(request, session, principal, error)
    session.commit()
    return RedirectResponse("/partnerships#agreements", status_code=303)


@router.post("/partnerships/agreements/{agreement_id}/obligations", response_class=HTMLResponse)
def add_obligation(
    request: Request,
    agreement_id: RecordId,
    description: Annotated[str, Form(max_length=500)],
    due_on: Annotated[str, Form(max_length=10)],
    owner: Annotated[str, Form(max_length=200)] = "",
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> Response:
    try:
        partnerships.add_obligation(
            session,
            principal,
            agreement_id,
            {"description": description, "due_on": due_on, "owner": owner},
        )
    except InputError as error:
        return _form_error(request, session, principal, error)
    session.commit()
    return RedirectResponse(f"/partnerships#agreement-{agreement_id}", status_code=303)


@router.post("/partnerships/obligations/{obligation_id}/done", response_class=HTMLResponse)
def obligation_done(
    obligation_id: RecordId,
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> Response:
    row = partnerships.set_obligation_done(session, principal, obligation_id, True)
    session.commit()
    return RedirectResponse(f"/partnerships#agreement-{row.agreement_id}", status_code=303)


@router.post("/partnerships/events", response_class=HTMLResponse)
def add_event(
    request: Request,
    name: Annotated[str, Form(max_length=300)],
    kind: Annotated[str, Form(max_length=16)] = "forum",
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    country: Annotated[str, Form(max_length=3)] = "",
    participation: Annotated[str, Form(max_length=4000)] = "",
    outcomes: Annotated[str, Form(max_length=4000)] = "",
    sources: Annotated[str, Form(max_length=4000)] = "",
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> Response:
    try:
        partnerships.put_event(
            session,
            principal,
            {
                "name": name,
                "kind": kind,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "place": place,
                "country": country or None,
                "participation": participation,
                "outcomes": outcomes,
                "sources": sources,
            },
        )
    except InputError as error:
        return _form_error(request, session, principal, error)
    session.commit()
    return RedirectResponse("/partnerships#events", status_code=303)


@router.post("/partnerships/activities", response_class=HTMLResponse)
def add_activity(
    request: Request,
    title: Annotated[str, Form(max_length=300)],
    kind: Annotated[str, Form(max_length=16)] = "training",
    starts_on: Annotated[str, Form(max_length=10)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    agreement_id: Annotated[int | None, Form(ge=1, le=MAX_RECORD_ID)] = None,
    programme_id: Annotated[int | None, Form(ge=1, le=MAX_RECORD_ID)] = None,
    participants_female: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    participants_male: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    sources: Annotated[str, Form(max_length=4000)] = "",
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> Response:
    try:
        partnerships.put_activity(
            session,
            principal,
            {
                "title": title,
                "kind": kind,
                "starts_on": starts_on,
                "place": place,
                "agreement_id": agreement_id,
                "programme_id": programme_id,
                "participants_female": participants_female,
                "participants_male": participants_male,
                "sources": sources,
            },
        )
    except InputError as error:
        return _form_error(request, session, principal, error)
    session.commit()
    return RedirectResponse("/partnerships#capacity", status_code=303)
