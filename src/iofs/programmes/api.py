"""JSON API of the programmes module (/api/v1/programmes/…).

Reads of approved figures are public; entries need the module's permissions (checked again
by the services for the record's country); reviews need ``programmes.approve``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from iofs.errors import InputError
from iofs.http.deps import RecordId, db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import body_limit, current_principal, require
from iofs.i18n import gettext as _
from iofs.permissions import Principal
from iofs.programmes import (
    contributions,
    figures,
    pipeline,
    registry,
    results,
    review,
    service,
)
from iofs.programmes import vocabulary as v
from iofs.programmes.models import Contribution, Organisation, Programme, Project
from iofs.programmes.schemas import (
    ActivityIn,
    AppealIn,
    AppealSummaryOut,
    BeneficiariesIn,
    ConsignmentIn,
    ContributionIn,
    ContributionOut,
    ConversionOut,
    FigureOut,
    FlowOut,
    IndicatorIn,
    IndicatorValueIn,
    OrganisationIn,
    OrganisationOut,
    PendingOut,
    ProgrammeIn,
    ProgrammeOut,
    ProjectIn,
    ProjectOut,
    RecordOut,
    ReviewIn,
    RevisionIn,
    StageIn,
    StatusIn,
)

router = APIRouter(prefix="/programmes", tags=["programmes"])

MAX_UPLOAD_BYTES = 20_000_000
MAX_FTS_BYTES = 50_000_000

CodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")]
CodeQuery = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Iso3Query = Annotated[str | None, Query(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]
KindPath = Annotated[
    str,
    Path(
        pattern=r"^(contribution|status|stage|beneficiaries|"
        r"indicator_value)$"
    ),
]


def _figure(kind: str, record: Any) -> FigureOut:
    return FigureOut(
        kind=kind,
        id=record.id,
        approval=record.approval,
        entered_by=record.entered_by,
        reviewed_by=record.reviewed_by,
        version=record.version,
    )


def contribution_out(row: Contribution, donor: Organisation) -> ContributionOut:
    """The API shape of a contribution."""
    return ContributionOut(
        id=row.id,
        reference=row.reference,
        donor=donor.code,
        status=row.status,
        approval=row.approval,
        modality=row.modality,
        decided_on=row.decided_on,
        currency=row.currency,
        amount=row.amount,
        exchange_rate=row.exchange_rate,
        amount_usd=row.amount_usd,
        commodity=row.commodity,
        quantity_t=row.quantity_t,
        country=row.country,
        new_money=row.new_money,
        illustrative=row.illustrative,
    )


@router.get("", response_model=list[ProgrammeOut], summary="Programmes and their projects")
def list_programmes(session: Session = Depends(db_session)) -> list[ProgrammeOut]:
    programmes = session.query(Programme).order_by(Programme.code).all()
    projects = session.query(Project).order_by(Project.code).all()
    return [
        ProgrammeOut.model_validate(programme).model_copy(
            update={
                "projects": [
                    ProjectOut.model_validate(project)
                    for project in projects
                    if project.programme_id == programme.id
                ]
            }
        )
        for programme in programmes
    ]


@router.put("", response_model=RecordOut, summary="Create or update a programme by code")
def put_programme(
    body: ProgrammeIn,
    principal: Principal = Depends(require("programmes.manage")),
    session: Session = Depends(db_session),
) -> RecordOut:
    row = registry.put_programme(session, principal, body)
    session.commit()
    return RecordOut(id=row.id, code=row.code)


@router.put(
    "/projects",
    response_model=RecordOut,
    summary="Create or update a country project (focal points: their states)",
)
def put_project(
    body: ProjectIn,
    principal: Principal = Depends(require("programmes.projects.write")),
    session: Session = Depends(db_session),
) -> RecordOut:
    row = registry.put_project(session, principal, body)
    session.commit()
    return RecordOut(id=row.id, code=row.code)


@router.get(
    "/organisations",
    response_model=list[OrganisationOut],
    summary="Donors, partners and implementers",
)
def list_organisations(session: Session = Depends(db_session)) -> list[OrganisationOut]:
    return [
        OrganisationOut.model_validate(row)
        for row in session.query(Organisation).order_by(Organisation.name)
    ]


@router.put(
    "/organisations",
    response_model=RecordOut,
    summary="Create or update an organisation by code (ISO3 for states)",
)
def put_organisation(
    body: OrganisationIn,
    principal: Principal = Depends(require("programmes.manage")),
    session: Session = Depends(db_session),
) -> RecordOut:
    row = registry.put_organisation(session, principal, body)
    session.commit()
    return RecordOut(id=row.id, code=row.code)


@router.get(
    "/appeals",
    response_model=list[AppealSummaryOut],
    summary="Appeals with requirement, funding, coverage and gaps (USD, tonnes)",
)
def list_appeals(session: Session = Depends(db_session)) -> list[AppealSummaryOut]:
    return [
        AppealSummaryOut.model_validate(service.appeal_summary(session, code))
        for code in service.appeal_codes(session)
    ]


@router.put("/appeals", response_model=RecordOut, summary="Create or update an appeal by code")
def put_appeal(
    body: AppealIn,
    principal: Principal = Depends(require("programmes.manage")),
    session: Session = Depends(db_session),
) -> RecordOut:
    row = registry.put_appeal(session, principal, body)
    session.commit()
    return RecordOut(id=row.id, code=row.code)


@router.get("/appeals/{code}", response_model=AppealSummaryOut, summary="One appeal's figures")
def get_appeal(code: CodePath, session: Session = Depends(db_session)) -> AppealSummaryOut:
    return AppealSummaryOut.model_validate(service.appeal_summary(session, code))


@router.put(
    "/appeals/{code}/revisions",
    response_model=RecordOut,
    summary="Record an appeal's requirements (revision 0 = original)",
)
def put_revision(
    code: CodePath,
    body: RevisionIn,
    principal: Principal = Depends(require("programmes.manage")),
    session: Session = Depends(db_session),
) -> RecordOut:
    row = registry.put_revision(session, principal, code, body)
    session.commit()
    return RecordOut(id=row.id, code=f"{code}/{row.number}")


@router.get(
    "/appeals/{code}/flows",
    response_model=list[FlowOut],
    summary="Donor → appeal → country flows (USD, commitments and payments)",
)
def appeal_flows(code: CodePath, session: Session = Depends(db_session)) -> list[FlowOut]:
    appeal = registry.appeal(session, code)
    return [FlowOut.model_validate(flow) for flow in figures.flows(session, appeal.id)]


@router.get(
    "/contributions",
    response_model=PageOut[ContributionOut],
    summary="Contributions (approved; pending ones to those allowed to see them), keyset-paged",
)
def list_contributions(
    request: Request,
    response: Response,
    donor: CodeQuery = None,
    appeal: CodeQuery = None,
    country: Iso3Query = None,
    status: v.ContributionStatus | None = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> PageOut[ContributionOut]:
    """Newest first (decision date, then id): pass ``next`` as ``after`` for the following
    page (also in the ``Link: <…>; rel="next"`` header)."""
    page = service.contributions_page(
        session,
        principal,
        after,
        limit,
        secret_of(request),
        donor=donor,
        appeal=appeal,
        country=country,
        status=status,
    )
    link_header(request, response, page)
    return PageOut[ContributionOut](
        items=[contribution_out(row, org) for row, org in page.items], next=page.next
    )


@router.post(
    "/contributions",
    response_model=FigureOut,
    status_code=201,
    summary="Record a contribution (awaits a second person's approval)",
)
def post_contribution(
    body: ContributionIn,
    request: Request,
    principal: Principal = Depends(require("programmes.contributions.write")),
    session: Session = Depends(db_session),
) -> FigureOut:
    row, _changed = contributions.put_contribution(
        session, principal, body, request.app.state.settings.analytics_dir
    )
    session.commit()
    return _figure("contribution", row)


@router.post(
    "/contributions/{reference}/status",
    response_model=FigureOut,
    status_code=201,
    summary="Record a contribution's next status (commitment, paid)",
)
def post_status(
    reference: CodePath,
    body: StatusIn,
    principal: Principal = Depends(require("programmes.contributions.write")),
    session: Session = Depends(db_session),
) -> FigureOut:
    step = contributions.add_status(session, principal, reference, body)
    session.commit()
    return _figure("status", step)


@router.put(
    "/consignments",
    response_model=RecordOut,
    summary="Create or update a consignment (focal points: their states)",
)
def put_consignment(
    body: ConsignmentIn,
    principal: Principal = Depends(require("programmes.deliveries.write")),
    session: Session = Depends(db_session),
) -> RecordOut:
    row = pipeline.put_consignment(session, principal, body)
    session.commit()
    return RecordOut(id=row.id, code=row.reference)


@router.post(
    "/consignments/{reference}/stages",
    response_model=FigureOut,
    status_code=201,
    summary="Record a consignment reaching a pipeline stage",
)
def post_stage(
    reference: CodePath,
    body: StageIn,
    principal: Principal = Depends(require("programmes.deliveries.write")),
    session: Session = Depends(db_session),
) -> FigureOut:
    row = pipeline.add_stage(session, principal, reference, body)
    session.commit()
    return _figure("stage", row)


@router.put(
    "/beneficiaries",
    response_model=FigureOut,
    summary="Record people or households targeted or reached (counts only)",
)
def put_beneficiaries(
    body: BeneficiariesIn,
    principal: Principal = Depends(require("programmes.deliveries.write")),
    session: Session = Depends(db_session),
) -> FigureOut:
    row = pipeline.put_beneficiaries(session, principal, body)
    session.commit()
    return _figure("beneficiaries", row)


@router.put(
    "/indicators",
    response_model=RecordOut,
    summary="Create or update a result indicator of a programme or project",
)
def put_indicator(
    body: IndicatorIn,
    principal: Principal = Depends(require("programmes.projects.write")),
    session: Session = Depends(db_session),
) -> RecordOut:
    row = results.put_indicator(session, principal, body)
    session.commit()
    return RecordOut(id=row.id, code=row.code)


@router.put(
    "/indicators/{indicator_id}/values",
    response_model=FigureOut,
    summary="Record an indicator's target or actual for a period",
)
def put_indicator_value(
    indicator_id: RecordId,
    body: IndicatorValueIn,
    principal: Principal = Depends(require("programmes.projects.write")),
    session: Session = Depends(db_session),
) -> FigureOut:
    row = results.put_value(session, principal, indicator_id, body)
    session.commit()
    return _figure("indicator_value", row)


@router.put(
    "/activities",
    response_model=RecordOut,
    summary="Record a training or other activity of a project",
)
def put_activity(
    body: ActivityIn,
    principal: Principal = Depends(require("programmes.projects.write")),
    session: Session = Depends(db_session),
) -> RecordOut:
    row = results.put_activity(session, principal, body)
    session.commit()
    return RecordOut(id=row.id, code=row.title)


@router.get(
    "/review",
    response_model=PageOut[PendingOut],
    summary="Figures awaiting approval that you may see, keyset-paged",
)
def list_pending(
    request: Request,
    response: Response,
    kind: Annotated[str | None, Query(max_length=32, description="contribution, status, …")] = None,
    country: Annotated[str | None, Query(min_length=3, max_length=3, description="ISO3")] = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 500),
    principal: Principal = Depends(require("programmes.read_pending")),
    session: Session = Depends(db_session),
) -> PageOut[PendingOut]:
    """The queue in its order (kind, then id): pass ``next`` as ``after`` for the following
    page (also in the ``Link: <…>; rel="next"`` header)."""
    page = review.queue_page(
        session,
        principal,
        after,
        limit,
        secret_of(request),
        kind,
        country.upper() if country else None,
    )
    link_header(request, response, page)
    return PageOut[PendingOut](
        items=[PendingOut.model_validate(row) for row in page.items], next=page.next
    )


@router.post(
    "/review/{kind}/{record_id}",
    response_model=FigureOut,
    summary="Approve or reject a figure entered by someone else",
    responses={
        409: {"description": "The figure changed since the version named, or was already reviewed"}
    },
)
def post_review(
    kind: KindPath,
    record_id: RecordId,
    body: ReviewIn,
    principal: Principal = Depends(require("programmes.approve")),
    session: Session = Depends(db_session),
) -> Any:
    """Decide on the version of the figure you saw (``version`` from the review queue)."""
    try:
        row = review.decide(
            session, principal, kind, record_id, body.decision, body.note, version=body.version
        )
    except review.ReviewConflict as conflict:
        session.rollback()
        return JSONResponse({"detail": str(conflict)}, status_code=conflict.status_code)
    session.commit()
    return _figure(kind, row)


@router.get(
    "/pledge-conversion",
    response_model=list[ConversionOut],
    summary="Per donor: USD pledged, of which paid, of which still open",
)
def pledge_conversion(session: Session = Depends(db_session)) -> list[ConversionOut]:
    return [
        ConversionOut(
            donor=line.donor,
            name=line.name,
            pledged_usd=line.pledged_usd,
            paid_usd=line.paid_usd,
            open_usd=line.open_usd,
            conversion_percent=line.conversion_percent,
        )
        for line in figures.pledge_conversion(session)
    ]


@router.get(
    "/exports/iati.xml",
    summary="IATI 2.03 activity file (programmes and projects)",
    response_class=Response,
)
def export_iati(session: Session = Depends(db_session)) -> Response:
    from iofs.programmes.exchange import iati_export

    return Response(
        iati_export.activities_xml(session),
        media_type="application/xml",
        headers={"Content-Disposition": 'attachment; filename="iofs-iati.xml"'},
    )


@router.get(
    "/exports/contributions.hxl.csv",
    summary="Contributions as HXL-tagged CSV",
    response_class=Response,
)
def export_hxl(session: Session = Depends(db_session)) -> Response:
    from iofs.programmes.exchange import hxl

    return Response(
        hxl.contributions_csv(session),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="iofs-contributions.hxl.csv"'},
    )


@router.get(
    "/exports/3w.hxl.csv",
    summary="Who does what where (3W) as HXL-tagged CSV",
    response_class=Response,
)
def export_3w(session: Session = Depends(db_session)) -> Response:
    from iofs.programmes.exchange import hxl

    return Response(
        hxl.three_w_csv(session),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="iofs-3w.hxl.csv"'},
    )


@router.get("/exports/fts.json", summary="FTS-style flows (JSON)", response_class=Response)
def export_fts_json(appeal: CodeQuery = None, session: Session = Depends(db_session)) -> Response:
    from iofs.programmes.exchange import fts_export

    return Response(fts_export.flows_json(session, appeal), media_type="application/json")


@router.get("/exports/fts.csv", summary="FTS-style flows (CSV)", response_class=Response)
def export_fts_csv(appeal: CodeQuery = None, session: Session = Depends(db_session)) -> Response:
    from iofs.programmes.exchange import fts_export

    return Response(
        fts_export.flows_csv(session, appeal),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="iofs-flows.csv"'},
    )


@router.get("/template.xlsx", summary="Excel template for bulk entry", response_class=Response)
def template(session: Session = Depends(db_session)) -> Response:
    from iofs.programmes.exchange import workbook_template

    return Response(
        workbook_template.template(session),
        media_type=workbook_template.XLSX_TYPE,
        headers={"Content-Disposition": 'attachment; filename="iofs-programmes.xlsx"'},
    )


@router.post(
    "/upload",
    summary="Upload the Excel template: a background job enters all rows or none",
    status_code=202,
)
@body_limit()
def upload(
    request: Request,
    file: Annotated[UploadFile, File()],
    principal: Principal = Depends(require("programmes.deliveries.write")),
    session: Session = Depends(db_session),
) -> Response:
    """The file is checked and queued as a background job: 202 with the job's URL
    (``GET /api/v1/jobs/{id}``: its state, progress and, when finished, the counts per sheet
    or every problem with its sheet, row, column and reason; if any row is wrong nothing is
    written). A file too large to read (zip bombs, huge declared sheets) is refused at once
    (413); one that is not a workbook, or carries an XML entity attack, answers 422."""
    from iofs.programmes.exchange import workbook_upload
    from iofs.programmes.jobs import submit_upload

    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(_("The file is larger than 20 MB."), "file")
    try:
        job = submit_upload(session, request.app.state.settings, principal, data)
    except workbook_upload.UploadRejected as rejected:
        session.rollback()
        return JSONResponse(
            status_code=rejected.status_code,
            content={
                "detail": str(rejected.refused or rejected),
                "errors": [
                    {"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason}
                    for e in rejected.errors
                ],
            },
        )
    url = f"/api/v1/jobs/{job.id}"
    return JSONResponse(
        status_code=202,
        content={"job": job.id, "state": job.state, "url": url, "page": f"/jobs/{job.id}"},
        headers={"Location": url},
    )


@router.post("/appeals/{code}/fts", summary="Import an FTS flow response (JSON) for an appeal")
@body_limit()
def import_fts(
    code: CodePath,
    file: Annotated[UploadFile, File()],
    principal: Principal = Depends(require("programmes.exchange")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    """All flows or none; re-importing the same response changes nothing."""
    from iofs.programmes.exchange import fts_import

    data = file.file.read(MAX_FTS_BYTES + 1)
    if len(data) > MAX_FTS_BYTES:
        raise InputError(_("The file is larger than 50 MB."), "file")
    report = fts_import.import_flows(session, principal, code, data)
    session.commit()
    return {"summary": service.fts_summary(report), **asdict(report)}


@router.get(
    "/appeals/{code}/reconciliation",
    summary="The appeal's contributions against its imported FTS flows",
)
def reconciliation(code: CodePath, session: Session = Depends(db_session)) -> dict[str, Any]:
    """Lines ``match``, ``differ``, ``missing_in_fts`` or ``missing_in_iofs``, and totals."""
    from iofs.programmes.exchange import fts_reconcile

    lines = fts_reconcile.reconcile(session, code)
    return {
        "summary": asdict(fts_reconcile.summary(lines)),
        "lines": [asdict(line) for line in lines],
    }
