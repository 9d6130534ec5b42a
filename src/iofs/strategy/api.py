"""JSON API of Strategic Vision 2031 (/api/v1/strategy) and partnerships (/api/v1/partnerships)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from sqlalchemy.orm import Session

from iofs import feeds
from iofs.errors import InputError
from iofs.http.deps import RecordId, db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import body_limit, current_principal, require
from iofs.i18n import gettext as _
from iofs.permissions import Principal
from iofs.strategy import framework, partnerships, progress, reporting, workbook
from iofs.strategy import vocabulary as v
from iofs.strategy.models import Kpi
from iofs.strategy.schemas import (
    ActivityIn,
    ActivityOut,
    AgreementIn,
    AgreementOut,
    AssessmentOut,
    EventIn,
    EventOut,
    FeedOut,
    FrameworkRecordOut,
    GapOut,
    KpiIn,
    KpiOut,
    ObligationIn,
    ObligationOut,
    OutcomeIn,
    OutcomeOut,
    PartnerIn,
    PartnerOut,
    PeriodIn,
    PeriodOut,
    PeriodStatusIn,
    PillarIn,
    PillarOut,
    PillarScoreOut,
    PlanIn,
    PlanOut,
    ProgrammeIn,
    ProgrammeOut,
    ReminderOut,
    ReviewIn,
    ValueIn,
    ValueOut,
)
from iofs.validation import MAX_RECORD_ID

router = APIRouter(tags=["strategy"])
partnerships_router = APIRouter(tags=["partnerships"])

YearQuery = Annotated[int | None, Query(ge=1990, le=2100, description="Reporting year")]
YearPath = Annotated[int, Path(ge=1990, le=2100, description="Reporting year")]
Iso3Path = Annotated[str, Path(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]
Iso3Query = Annotated[str | None, Query(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]


def _year(session: Session, year: int | None) -> int:
    return year or reporting.latest_period_year(session) or date.today().year


def _kpi_out(kpi: Kpi) -> KpiOut:
    return KpiOut.model_validate(kpi)


@router.get(
    "/strategy/framework",
    response_model=list[PillarOut],
    summary="Strategic Vision 2031 results framework",
)
def get_framework(session: Session = Depends(db_session)) -> list[PillarOut]:
    """Pillars → programmes → outcomes → KPIs."""
    return [
        PillarOut(
            number=n.pillar.number,
            name=n.pillar.name,
            name_ar=n.pillar.name_ar,
            name_fr=n.pillar.name_fr,
            sources=n.pillar.sources,
            programmes=[
                ProgrammeOut(
                    code=p.programme.code,
                    name=p.programme.name,
                    sources=p.programme.sources,
                    outcomes=[
                        OutcomeOut(
                            code=o.outcome.code,
                            statement=o.outcome.statement,
                            illustrative=o.outcome.illustrative,
                            kpis=[_kpi_out(k) for k in o.kpis],
                        )
                        for o in p.outcomes
                    ],
                )
                for p in n.programmes
            ],
        )
        for n in framework.tree(session)
    ]


@router.put(
    "/strategy/pillars",
    response_model=FrameworkRecordOut,
    summary="Create or rename a pillar by number",
)
def put_pillar(
    body: PillarIn,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> FrameworkRecordOut:
    row = framework.put_pillar(
        session, principal, body.number, body.name, body.name_ar, body.name_fr, body.sources
    )
    session.commit()
    return FrameworkRecordOut(id=row.id, key=str(row.number))


@router.put(
    "/strategy/programmes",
    response_model=FrameworkRecordOut,
    summary="Create or update a strategic programme by code, under a pillar",
)
def put_programme(
    body: ProgrammeIn,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> FrameworkRecordOut:
    row = framework.put_programme(
        session,
        principal,
        framework.pillar_id(session, body.pillar_number),
        body.code,
        body.name,
        body.sources,
    )
    session.commit()
    return FrameworkRecordOut(id=row.id, key=row.code)


@router.put(
    "/strategy/outcomes",
    response_model=FrameworkRecordOut,
    summary="Create or update an outcome by code, under a programme",
)
def put_outcome(
    body: OutcomeIn,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> FrameworkRecordOut:
    row = framework.put_outcome(
        session,
        principal,
        framework.programme_id(session, body.programme_code),
        body.code,
        body.statement,
        body.illustrative,
        body.sources,
    )
    session.commit()
    return FrameworkRecordOut(id=row.id, key=row.code)


@router.put("/strategy/kpis", response_model=KpiOut, summary="Create or update a KPI by code")
def put_kpi(
    body: KpiIn,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> KpiOut:
    kpi = framework.put_kpi(session, principal, body)
    session.commit()
    return _kpi_out(kpi)


@router.get("/strategy/kpis/{kpi_id}", response_model=KpiOut, summary="One KPI")
def get_kpi(kpi_id: RecordId, session: Session = Depends(db_session)) -> KpiOut:
    return _kpi_out(framework.get_kpi(session, kpi_id))


@router.put(
    "/strategy/kpis/{kpi_id}/plan",
    response_model=PlanOut,
    summary="Set a KPI's baseline or a yearly target (overall or for a state)",
)
def put_plan(
    kpi_id: RecordId,
    body: PlanIn,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> PlanOut:
    row = framework.set_plan(
        session,
        principal,
        kpi_id,
        body.iso3,
        body.kind,
        body.year,
        body.value,
        body.illustrative,
        body.sources,
    )
    session.commit()
    return PlanOut.model_validate(row)


@router.get("/strategy/feeds", response_model=list[FeedOut], summary="Automatic KPI feeds")
def list_feeds() -> list[FeedOut]:
    return [
        FeedOut(name=f.name, description=_(f.description), unit=f.unit)
        for f in feeds.available_feeds()
    ]


@router.get("/strategy/periods", response_model=list[PeriodOut], summary="Reporting periods")
def list_periods(session: Session = Depends(db_session)) -> list[PeriodOut]:
    return [PeriodOut.model_validate(p) for p in reporting.list_periods(session)]


@router.put(
    "/strategy/periods", response_model=PeriodOut, summary="Create or update a reporting period"
)
def put_period(
    body: PeriodIn,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> PeriodOut:
    period = reporting.put_period(
        session, principal, body.year, body.status, body.opens_on, body.closes_on
    )
    session.commit()
    return PeriodOut.model_validate(period)


@router.post(
    "/strategy/periods/{year}/status",
    response_model=PeriodOut,
    summary="Open or close a reporting period",
)
def set_period_status(
    year: YearPath,
    body: PeriodStatusIn,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> PeriodOut:
    period = reporting.set_period_status(session, principal, year, body.status)
    session.commit()
    return PeriodOut.model_validate(period)


@router.get(
    "/strategy/values",
    response_model=PageOut[ValueOut],
    summary="Reported KPI values, keyset-paged",
)
def list_values(
    request: Request,
    response: Response,
    iso3: Iso3Query = None,
    year: YearQuery = None,
    kpi_id: Annotated[int | None, Query(ge=1, le=MAX_RECORD_ID)] = None,
    status: v.ValueStatus | None = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> PageOut[ValueOut]:
    """Approved values; unapproved ones too for the secretariat, viewers and the state's
    focal points. By year, KPI and state (overall values first): pass ``next`` as ``after``
    for the following page (also in the ``Link: <…>; rel="next"`` header)."""
    page = reporting.values_page(
        session,
        principal,
        after,
        limit,
        secret_of(request),
        iso3=iso3,
        year=year,
        kpi_id=kpi_id,
        status=status,
    )
    link_header(request, response, page)
    return PageOut[ValueOut](
        items=[ValueOut.model_validate(value) for value in page.items], next=page.next
    )


@router.post(
    "/strategy/states/{iso3}/values",
    response_model=ValueOut,
    status_code=201,
    summary="Report a state's KPI value (with an evidence link)",
)
def report_state_value(
    iso3: Iso3Path,
    body: ValueIn,
    principal: Principal = Depends(require("strategy.values.write", country_param="iso3")),
    session: Session = Depends(db_session),
) -> ValueOut:
    row = reporting.report_value(
        session,
        principal,
        reporting.ValueInput(
            kpi_id=body.kpi_id,
            iso3=iso3,
            year=body.year,
            value=body.value,
            evidence_url=body.evidence_url,
            comment=body.comment,
        ),
    )
    session.commit()
    return ValueOut.model_validate(row)


@router.post(
    "/strategy/overall-values",
    response_model=ValueOut,
    status_code=201,
    summary="Report an IOFS-wide KPI value (secretariat)",
)
def report_overall_value(
    body: ValueIn,
    principal: Principal = Depends(require("strategy.framework.write")),
    session: Session = Depends(db_session),
) -> ValueOut:
    row = reporting.report_value(
        session,
        principal,
        reporting.ValueInput(
            kpi_id=body.kpi_id,
            iso3=None,
            year=body.year,
            value=body.value,
            evidence_url=body.evidence_url,
            comment=body.comment,
        ),
    )
    session.commit()
    return ValueOut.model_validate(row)


@router.post(
    "/strategy/values/{value_id}/review",
    response_model=ValueOut,
    summary="Approve a value (it locks) or ask for a correction",
    responses={
        409: {"description": "The value changed since the version named, or was already reviewed"}
    },
)
def review_value(
    value_id: RecordId,
    body: ReviewIn,
    principal: Principal = Depends(require("strategy.values.review")),
    session: Session = Depends(db_session),
) -> ValueOut:
    """Review the version of the value you saw; its maker may not review it."""
    try:
        row = reporting.review_value(
            session, principal, value_id, body.decision, body.comment, version=body.version
        )
    except reporting.ReviewConflict as conflict:
        session.rollback()
        raise HTTPException(conflict.status_code, str(conflict)) from None
    session.commit()
    return ValueOut.model_validate(row)


def _assessment_out(row: progress.ScorecardRow) -> AssessmentOut:
    a = row.assessment
    return AssessmentOut(
        kpi_id=row.kpi.id,
        kpi_code=row.kpi.code,
        kpi_name=row.kpi.name,
        unit=row.kpi.unit,
        status=a.status,
        value=a.value,
        expected=a.expected,
        target_year=a.target[0] if a.target else None,
        target_value=a.target[1] if a.target else None,
        illustrative_plan=row.illustrative_plan,
    )


@router.get(
    "/strategy/states/{iso3}/scorecard",
    response_model=list[AssessmentOut],
    summary="A state's scorecard: each KPI on or off track",
)
def state_scorecard(
    iso3: Iso3Path, year: YearQuery = None, session: Session = Depends(db_session)
) -> list[AssessmentOut]:
    """Approved (or fed) values against the linear path from baseline to target."""
    return [
        _assessment_out(r) for r in progress.state_scorecard(session, iso3, _year(session, year))
    ]


@router.get("/strategy/scorecard", response_model=list[PillarScoreOut], summary="Pillar scorecard")
def pillar_scorecard(
    year: YearQuery = None, session: Session = Depends(db_session)
) -> list[PillarScoreOut]:
    return [
        PillarScoreOut(number=s.number, name=s.name, counts=dict(s.counts))
        for s in progress.pillar_scorecard(session, _year(session, year))
    ]


@router.get(
    "/strategy/missing",
    response_model=list[GapOut],
    summary="What is missing: values IOFS member states have not reported",
)
def missing(
    year: YearQuery = None, iso3: Iso3Query = None, session: Session = Depends(db_session)
) -> list[GapOut]:
    return [
        GapOut(iso3=g.iso3, kpi_id=g.kpi.id, kpi_code=g.kpi.code, reason=g.reason)
        for g in progress.missing(session, _year(session, year), iso3)
    ]


@router.post(
    "/strategy/states/{iso3}/import",
    response_model=dict[str, int],
    summary="Import a state's filled-in report workbook (all rows or none)",
)
@body_limit()
async def import_workbook(
    iso3: Iso3Path,
    year: Annotated[int, Form(ge=1990, le=2100)],
    file: Annotated[UploadFile, File()],
    principal: Principal = Depends(require("strategy.values.write", country_param="iso3")),
    session: Session = Depends(db_session),
) -> dict[str, int]:
    """Every row is validated first; one problem (named by row and column) and nothing is
    saved. Re-importing the same workbook changes nothing."""
    content = await file.read(workbook.MAX_BYTES + 1)
    try:
        result = workbook.import_report(session, principal, iso3, year, content)
    except workbook.ImportFailed as failure:
        session.rollback()
        if failure.status_code == 413:
            raise HTTPException(413, str(failure)) from None
        raise InputError("; ".join(failure.problems), "file") from None
    session.commit()
    return {"changed": result.changed, "unchanged": result.unchanged}


# --- partnerships --------------------------------------------------------------------------


@partnerships_router.get(
    "/partnerships/partners", response_model=list[PartnerOut], summary="Partner organisations"
)
def list_partners(session: Session = Depends(db_session)) -> list[PartnerOut]:
    return [PartnerOut.model_validate(p) for p in partnerships.list_partners(session)]


@partnerships_router.put(
    "/partnerships/partners",
    response_model=PartnerOut,
    summary="Create or update a partner by name",
)
def put_partner(
    body: PartnerIn,
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> PartnerOut:
    row = partnerships.put_partner(session, principal, body)
    session.commit()
    return PartnerOut.model_validate(row)


@partnerships_router.get(
    "/partnerships/agreements",
    response_model=list[AgreementOut],
    summary="Agreements (drafts only for the secretariat and viewers)",
)
def list_agreements(
    principal: Principal = Depends(current_principal), session: Session = Depends(db_session)
) -> list[AgreementOut]:
    return [
        AgreementOut.model_validate(a) for a in partnerships.list_agreements(session, principal)
    ]


@partnerships_router.put(
    "/partnerships/agreements",
    response_model=AgreementOut,
    summary="Create or update an agreement by title",
)
def put_agreement(
    body: AgreementIn,
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> AgreementOut:
    row = partnerships.put_agreement(session, principal, body)
    session.commit()
    return AgreementOut.model_validate(row)


@partnerships_router.post(
    "/partnerships/agreements/{agreement_id}/obligations",
    response_model=ObligationOut,
    status_code=201,
    summary="Add an obligation to an agreement",
)
def add_obligation(
    agreement_id: RecordId,
    body: ObligationIn,
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> ObligationOut:
    row = partnerships.add_obligation(session, principal, agreement_id, body)
    session.commit()
    return ObligationOut.model_validate(row)


@partnerships_router.get(
    "/partnerships/due",
    response_model=list[ReminderOut],
    summary="Renewals, expiries and obligations due",
)
def due(
    days: Annotated[int, Query(ge=0, le=3650)] = partnerships.DEFAULT_WINDOW_DAYS,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> list[ReminderOut]:
    return [
        ReminderOut(
            kind=r.kind,
            due_on=r.due_on,
            days_left=r.days_left,
            agreement_id=r.agreement.id,
            agreement_title=r.agreement.title,
            obligation_id=r.obligation.id if r.obligation else None,
            obligation=r.obligation.description if r.obligation else None,
        )
        for r in partnerships.due(session, principal, days=days)
    ]


@partnerships_router.get(
    "/partnerships/events", response_model=list[EventOut], summary="Events and forums"
)
def list_events(session: Session = Depends(db_session)) -> list[EventOut]:
    return [EventOut.model_validate(e) for e in partnerships.list_events(session)]


@partnerships_router.put(
    "/partnerships/events", response_model=EventOut, summary="Create or update an event by name"
)
def put_event(
    body: EventIn,
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> EventOut:
    row = partnerships.put_event(session, principal, body)
    session.commit()
    return EventOut.model_validate(row)


@partnerships_router.get(
    "/partnerships/activities",
    response_model=list[ActivityOut],
    summary="Capacity-building activities",
)
def list_activities(session: Session = Depends(db_session)) -> list[ActivityOut]:
    return [ActivityOut.model_validate(a) for a in partnerships.list_activities(session)]


@partnerships_router.put(
    "/partnerships/activities",
    response_model=ActivityOut,
    summary="Create or update a capacity-building activity by title",
)
def put_activity(
    body: ActivityIn,
    principal: Principal = Depends(require("strategy.partnerships.write")),
    session: Session = Depends(db_session),
) -> ActivityOut:
    row = partnerships.put_activity(session, principal, body)
    session.commit()
    return ActivityOut.model_validate(row)
