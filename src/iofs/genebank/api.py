"""JSON API of the gene bank: /api/v1/genebank/…"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from iofs.genebank import exports, service
from iofs.genebank.schemas import (
    AccessionOut,
    AvailabilityIn,
    DatedIn,
    DistributionIn,
    DistributionOut,
    FacetValue,
    GerminationTestCreated,
    GerminationTestIn,
    GerminationTestOut,
    ImportIn,
    ImportOut,
    IssueOut,
    LotCreated,
    LotIn,
    LotOut,
    LotStatusOut,
    ObservationImportOut,
    ObservationIssueOut,
    OrderIn,
    PredictionOut,
    ProgenitorIn,
    ProgenitorOut,
    ReportedIn,
    ReportedOut,
    RequestIn,
    SafetyDuplicateIn,
    SafetyDuplicateOut,
    SearchOut,
    SpeciesConstantsOut,
    TraitIn,
    TraitOut,
    TraitSearchOut,
    WiewsCountOut,
)
from iofs.genebank.traits import trait_search_result
from iofs.genebank.vocabulary import DISTRIBUTION_STATES, REASON_WEIGHTS, ExportFormat, one_of
from iofs.http.deps import RecordId, db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import body_limit, current_principal, require
from iofs.i18n import gettext as _
from iofs.permissions import Principal
from iofs.spreadsheets import records_csv

router = APIRouter(prefix="/genebank", tags=["genebank"])

Text = Annotated[str, Query(max_length=128)]
#: A distribution status filter (requested, ordered, shipped, cancelled).
StatusQuery = Annotated[
    str | None, Query(pattern=one_of(DISTRIBUTION_STATES), description="Distribution status")
]


@router.get("/accessions", response_model=SearchOut, summary="Search accessions with facets")
def search_accessions(
    request: Request,
    response: Response,
    q: Text = "",
    genus: Text = "",
    crop: Text = "",
    country: Annotated[str, Query(max_length=3)] = "",
    sampstat: Annotated[str, Query(max_length=3)] = "",
    available: bool | None = None,
    with_coordinates: bool = False,
    after: str | None = AFTER,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[
        int,
        Query(
            ge=0,
            le=10_000,
            deprecated=True,
            description="Deprecated: page with `after` (the `next` of the previous page)",
        ),
    ] = 0,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> SearchOut:
    """Passport data by taxon/crop/accession number (``q``), genus, crop, country of origin,
    biological status (SAMPSTAT) and availability; the public sees available accessions.

    Pages in id order: pass ``next`` as ``after`` (also in the ``Link: <…>; rel="next"``
    header); ``offset`` still works up to 10,000 but is deprecated."""
    result, page = service.search_page(
        session,
        principal,
        service.SearchQuery(
            text=q,
            genus=genus,
            crop=crop,
            country=country,
            sampstat=sampstat,
            available=available,
            with_coordinates=with_coordinates,
            limit=limit,
            offset=offset,
        ),
        after,
        secret_of(request),
    )
    link_header(request, response, page)
    return SearchOut(
        total=result.total,
        accessions=[AccessionOut.model_validate(a) for a in result.accessions],
        facets={
            k: [FacetValue(value=v, count=n) for v, n in values]
            for k, values in result.facets.items()
        },
        next=page.next,
    )


@router.get("/collecting-sites", summary="Collecting sites of matching accessions (map points)")
def collecting_sites(
    q: Text = "",
    genus: Text = "",
    crop: Text = "",
    country: Annotated[str, Query(max_length=3)] = "",
    sampstat: Annotated[str, Query(max_length=3)] = "",
    available: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 2000,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    """``[{id, accenumb, taxon, lat, lon}]`` in decimal degrees, for the search page's map
    (same filters as the search; the public sees available accessions only)."""
    return service.collecting_points(
        session,
        principal,
        service.SearchQuery(
            text=q, genus=genus, crop=crop, country=country, sampstat=sampstat, available=available
        ),
        limit=limit,
    )


@router.get(
    "/accessions/{accession_id}",
    response_model=AccessionOut,
    summary="One accession's passport data",
)
def get_accession(
    accession_id: RecordId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> AccessionOut:
    return AccessionOut.model_validate(service.get_accession(session, principal, accession_id))


@router.put(
    "/accessions/{accession_id}/availability",
    response_model=AccessionOut,
    summary="Mark an accession available for distribution (or not)",
)
def set_availability(
    accession_id: RecordId,
    body: AvailabilityIn,
    principal: Principal = Depends(require("genebank.passport.write")),
    session: Session = Depends(db_session),
) -> AccessionOut:
    accession = service.set_available(session, principal, accession_id, body.available)
    session.commit()
    return AccessionOut.model_validate(accession)


@router.post(
    "/imports",
    response_model=ImportOut,
    responses={
        202: {"description": "Valid: the import is queued as a background job (its URL given)"},
        422: {"description": "Nothing imported; the first error named, every one listed"},
    },
    summary="Import MCPD passport data (CSV): checked at once, written by a background job",
)
def import_passport(
    request: Request,
    body: ImportIn,
    principal: Principal = Depends(require("genebank.passport.write")),
    session: Session = Depends(db_session),
) -> Response:
    """All-or-nothing unless ``partial``; a file with errors answers 422 at once, naming the
    first (line, column, reason) and listing them all (at most 1,000). A valid file (or a
    ``partial`` one) is written by a background job: 202 with the job's URL
    (``GET /api/v1/jobs/{id}``: when finished, accessions inserted, updated, unchanged and
    lines left out). ``dry_run`` only checks (200). The CSV is read as a file is by the CLI
    (:func:`iofs.genebank.mcpd.validate_text`)."""
    report = service.validate_csv_text(body.csv)
    issues = [
        IssueOut(line=i.line, column=i.column, severity=i.severity, reason=i.reason)
        for i in list(report.issues())[:1000]
    ]
    if body.dry_run:
        return JSONResponse(
            ImportOut(
                inserted=0,
                updated=0,
                unchanged=0,
                rejected_lines=[r.line for r in report.invalid],
                errors=report.error_count,
                warnings=report.warning_count,
                issues=issues,
            ).model_dump()
        )
    if report.error_count and not body.partial:  # all-or-nothing: refused before any job
        error = service.ImportRejected(report)
        first = next(i for i in report.issues() if i.severity == "error")
        return JSONResponse(
            {
                "detail": _("line %(line)d, column %(column)s: %(reason)s.")
                % {"line": first.line, "column": first.column, "reason": first.reason}
                + f" {error}",
                "field": first.column,
                "issues": [i.model_dump() for i in issues],
            },
            status_code=422,
        )
    from iofs.genebank.jobs import submit_import

    job = submit_import(session, request.app.state.settings, principal, body.csv, body.partial)
    url = f"/api/v1/jobs/{job.id}"
    return JSONResponse(
        {
            "job": job.id,
            "state": job.state,
            "url": url,
            "page": f"/jobs/{job.id}",
            "errors": report.error_count,
            "warnings": report.warning_count,
            "issues": [i.model_dump() for i in issues],
        },
        status_code=202,
        headers={"Location": url},
    )


@router.get(
    "/export", summary="Export passport data: MCPD CSV or XLSX, Genesys JSON or WIEWS counts"
)
def export(
    format: ExportFormat = "mcpd",
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> Response:
    out = io.StringIO()
    if format == "mcpd":
        service.export_mcpd(session, principal, out)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    if format == "mcpd-xlsx":
        return Response(
            exports.export_mcpd_xlsx(session, principal),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="mcpd.xlsx"'},
        )
    if format == "genesys-json":
        service.export_genesys_json(session, principal, out)
        return Response(out.getvalue(), media_type="application/json")
    rows = service.wiews_counts(session, principal)
    return Response(_json_list([WiewsCountOut(**r) for r in rows]), media_type="application/json")


def _json_list(items: list[WiewsCountOut]) -> str:
    return "[" + ",".join(i.model_dump_json() for i in items) + "]"


@router.get(
    "/accessions/{accession_id}/lots",
    response_model=list[LotStatusOut],
    summary="An accession's lots with viability predictions",
)
def accession_lots(
    accession_id: RecordId,
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> list[LotStatusOut]:
    service.get_accession(session, principal, accession_id)
    return [_status_out(s) for s in service.lot_statuses(session, principal, accession_id)]


@router.post(
    "/accessions/{accession_id}/lots",
    response_model=LotCreated,
    status_code=201,
    summary="Add a seed lot",
)
def create_lot(
    accession_id: RecordId,
    body: LotIn,
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> LotCreated:
    lot, warnings = service.create_lot(session, principal, accession_id, body)
    session.commit()
    return LotCreated(lot=LotOut.model_validate(lot), warnings=warnings)


@router.post(
    "/accessions/{accession_id}/safety-duplicates",
    response_model=SafetyDuplicateOut,
    status_code=201,
    summary="Record a safety duplicate deposit",
)
def add_duplicate(
    accession_id: RecordId,
    body: SafetyDuplicateIn,
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> SafetyDuplicateOut:
    duplicate = service.add_safety_duplicate(session, principal, accession_id, body)
    session.commit()
    return SafetyDuplicateOut.model_validate(duplicate)


@router.get(
    "/accessions/{accession_id}/safety-duplicates",
    response_model=list[SafetyDuplicateOut],
    summary="Safety duplicates",
)
def list_duplicates(
    accession_id: RecordId,
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> list[SafetyDuplicateOut]:
    return [
        SafetyDuplicateOut.model_validate(d) for d in service.duplicates_of(session, accession_id)
    ]


def progenitor_out(item: service.Progenitor) -> ProgenitorOut:
    parent = item.accession
    return ProgenitorOut(
        id=item.link.id,
        accession_id=item.link.accession_id,
        progenitor_id=item.link.progenitor_id,
        progenitor=f"{parent.instcode} {parent.accenumb}" if parent else "",
        doi=item.doi,
    )


@router.get(
    "/accessions/{accession_id}/progenitors",
    response_model=list[ProgenitorOut],
    summary="An accession's progenitors (GLIS progdoi)",
)
def list_progenitors(
    accession_id: RecordId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> list[ProgenitorOut]:
    service.get_accession(session, principal, accession_id)
    return [progenitor_out(p) for p in service.progenitors_of(session, accession_id)]


@router.post(
    "/accessions/{accession_id}/progenitors",
    response_model=list[ProgenitorOut],
    status_code=201,
    summary="Record a progenitor (an accession here, or a DOI)",
)
def add_progenitor(
    accession_id: RecordId,
    body: ProgenitorIn,
    principal: Principal = Depends(require("genebank.passport.write")),
    session: Session = Depends(db_session),
) -> list[ProgenitorOut]:
    service.add_progenitor(
        session, principal, accession_id, body.progenitor_id, body.doi, body.accenumb
    )
    session.commit()
    return [progenitor_out(p) for p in service.progenitors_of(session, accession_id)]


@router.post(
    "/lots/{lot_id}/germination-tests",
    response_model=GerminationTestCreated,
    status_code=201,
    summary="Record a germination test",
)
def add_test(
    lot_id: RecordId,
    body: GerminationTestIn,
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> GerminationTestCreated:
    test, warnings = service.record_germination_test(
        session, principal, lot_id, body.tested_on, body.sown, body.germinated, body.method
    )
    session.commit()
    return GerminationTestCreated(test=GerminationTestOut.model_validate(test), warnings=warnings)


@router.get(
    "/lots/{lot_id}/germination-tests",
    response_model=list[GerminationTestOut],
    summary="A lot's germination tests",
)
def list_tests(
    lot_id: RecordId,
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> list[GerminationTestOut]:
    service.get_lot(session, lot_id)
    return [GerminationTestOut.model_validate(t) for t in service.tests_of(session, [lot_id])]


@router.post(
    "/lots/{lot_id}/distributions",
    response_model=DistributionOut,
    status_code=201,
    summary="Request, order and ship a sample at once (stock decremented)",
)
def distribute(
    lot_id: RecordId,
    body: DistributionIn,
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> DistributionOut:
    shipment = service.distribute(session, principal, lot_id, body)
    session.commit()
    return DistributionOut.model_validate(shipment)


@router.post(
    "/accessions/{accession_id}/distribution-requests",
    response_model=DistributionOut,
    status_code=201,
    summary="Request a sample of an accession",
)
def request_sample(
    accession_id: RecordId,
    body: RequestIn,
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> DistributionOut:
    request = service.request_sample(session, principal, accession_id, body)
    session.commit()
    return DistributionOut.model_validate(request)


@router.post(
    "/distributions/{distribution_id}/order",
    response_model=DistributionOut,
    summary="Order a requested sample: lot, agreement, seeds",
)
def order_sample(
    distribution_id: RecordId,
    body: OrderIn,
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> DistributionOut:
    order = service.order_sample(session, principal, distribution_id, body)
    session.commit()
    return DistributionOut.model_validate(order)


@router.post(
    "/distributions/{distribution_id}/ship",
    response_model=DistributionOut,
    summary="Ship an ordered sample (stock decremented)",
)
def ship_sample(
    distribution_id: RecordId,
    body: DatedIn,
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> DistributionOut:
    shipment = service.ship_sample(session, principal, distribution_id, body.on)
    session.commit()
    return DistributionOut.model_validate(shipment)


@router.post(
    "/distributions/{distribution_id}/cancel",
    response_model=DistributionOut,
    summary="Cancel a request or an order",
)
def cancel_sample(
    distribution_id: RecordId,
    body: DatedIn,
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> DistributionOut:
    cancelled = service.cancel_sample(session, principal, distribution_id, body.on)
    session.commit()
    return DistributionOut.model_validate(cancelled)


@router.get(
    "/distributions",
    response_model=PageOut[DistributionOut],
    summary="Distributions (requests, orders, shipments), oldest request first, keyset-paged",
)
def list_distributions(
    request: Request,
    response: Response,
    status: StatusQuery = None,
    accession_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    country: Annotated[
        str | None, Query(pattern=r"^[A-Za-z]{3}$", description="Recipient country (ISO3)")
    ] = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> PageOut[DistributionOut]:
    """By request date, then id; filtered by status, accession and recipient country. Pass
    ``next`` as ``after`` for the following page (also in the ``Link: <…>; rel="next"``
    header). The SMTA report (``/smta-report``) lists every shipment at once."""
    page = service.distributions_page(
        session,
        principal,
        after,
        limit,
        secret_of(request),
        accession_id=accession_id,
        status=status,
        country=country,
    )
    link_header(request, response, page)
    return PageOut[DistributionOut](
        items=[DistributionOut.model_validate(d) for d in page.items], next=page.next
    )


@router.get("/smta-report", summary="SMTA report (one row per sample sent)")
def smta_report(
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> Response:
    """CSV through the shared export writer: recipients' names and addresses come from
    request forms, and text a spreadsheet would run as a formula is quoted."""
    rows = service.smta_report(session, principal)
    return Response(records_csv(rows, service.SMTA_COLUMNS), media_type="text/csv; charset=utf-8")


@router.get(
    "/easy-smta", summary="Easy-SMTA report (XML) of shipped SMTAs", response_class=Response
)
def easy_smta(
    everything: Annotated[bool, Query(alias="all")] = False,
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> Response:
    """The XML Easy-SMTA accepts for bulk reporting: the SMTAs not yet reported (``all``:
    every shipped SMTA)."""
    shipments = service.distributions(session, principal, status="shipped") if everything else None
    return Response(
        service.easy_smta_xml(session, principal, service.Provider.from_settings(), shipments),
        media_type="application/xml",
    )


@router.get(
    "/smta-unreported",
    response_model=PageOut[DistributionOut],
    summary="Shipped SMTA distributions not yet reported to Easy-SMTA, keyset-paged",
)
def smta_unreported(
    request: Request,
    response: Response,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> PageOut[DistributionOut]:
    """Oldest request first; pass ``next`` as ``after`` for the following page (also in the
    ``Link: <…>; rel="next"`` header). The Easy-SMTA XML (``/easy-smta``) holds them all."""
    page = service.unreported_page(session, principal, after, limit, secret_of(request))
    link_header(request, response, page)
    return PageOut[DistributionOut](
        items=[DistributionOut.model_validate(d) for d in page.items], next=page.next
    )


@router.post(
    "/smta-reported",
    response_model=ReportedOut,
    summary="Record that Easy-SMTA accepted these distributions' reports",
)
def smta_reported(
    body: ReportedIn,
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> ReportedOut:
    marked = service.mark_reported(session, principal, body.distribution_ids)
    session.commit()
    return ReportedOut(marked=marked)


@router.get(
    "/traits",
    response_model=PageOut[TraitOut],
    summary="Trait definitions (characterization and evaluation), by code, keyset-paged",
)
def list_traits(
    request: Request,
    response: Response,
    crop: Text = "",
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    session: Session = Depends(db_session),
) -> PageOut[TraitOut]:
    """By code; ``crop`` keeps one crop's. Pass ``next`` as ``after`` for the following page
    (also in the ``Link: <…>; rel="next"`` header)."""
    page = service.traits_page(session, after, limit, secret_of(request), crop)
    link_header(request, response, page)
    return PageOut[TraitOut](items=[TraitOut.model_validate(t) for t in page.items], next=page.next)


@router.put(
    "/traits",
    response_model=TraitOut,
    summary="Define a trait, or update the one with the same code",
)
def define_trait(
    body: TraitIn,
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> TraitOut:
    trait = service.define_trait(session, principal, body)
    session.commit()
    return TraitOut.model_validate(trait)


def rejection(error: service.ObservationsRejected, limit: int = 1000) -> JSONResponse:
    """422 naming every bad row (at most ``limit``); nothing was imported."""
    return JSONResponse(
        {
            "detail": str(error),
            "issues": [
                ObservationIssueOut(line=i.line, column=i.column, reason=i.reason).model_dump()
                for i in error.issues[:limit]
            ],
        },
        status_code=422,
    )


@router.post(
    "/observations",
    response_model=ObservationImportOut,
    responses={422: {"description": "Nothing imported; every bad row named"}},
    summary="Import trait observations (CSV or .xlsx; all-or-nothing)",
)
@body_limit()
async def import_observations(
    file: UploadFile = File(...),
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Columns INSTCODE, ACCENUMB, TRAIT, VALUE and optionally DATE (YYYY-MM-DD), SITE,
    ENVIRONMENT, OBSERVER; re-importing the same rows changes nothing."""
    rows = service.read_observation_rows(file.filename or "upload.csv", await file.read())
    try:
        result = service.import_observations(session, principal, rows)
    except service.ObservationsRejected as error:
        session.rollback()
        return rejection(error)
    session.commit()
    return JSONResponse(
        ObservationImportOut(inserted=result.inserted, unchanged=result.unchanged).model_dump()
    )


@router.get("/observations", summary="Export trait observations (CSV, re-importable)")
def export_observations(
    principal: Principal = Depends(current_principal), session: Session = Depends(db_session)
) -> Response:
    out = io.StringIO()
    service.export_observations(session, principal, out)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")


@router.get(
    "/trait-search",
    response_model=TraitSearchOut,
    summary="Accessions by trait values (e.g. DRT>=7 and DTH<=110)",
)
def trait_search(
    where: Annotated[
        list[str],
        Query(min_length=1, max_length=10, description="CODE>=VALUE (or <=, =, >, <); all hold."),
    ],
    q: Text = "",
    genus: Text = "",
    crop: Text = "",
    country: Annotated[str, Query(max_length=3)] = "",
    sampstat: Annotated[str, Query(max_length=3)] = "",
    available: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> TraitSearchOut:
    """Accessions with an observation meeting each condition, with the search's filters;
    the public sees available accessions."""
    criteria = [c for text in where for c in service.parse_criteria(text[:256])]
    found = trait_search_result(
        session,
        principal,
        criteria,
        limit=limit,
        offset=offset,
        filters=service.SearchQuery(
            text=q, genus=genus, crop=crop, country=country, sampstat=sampstat, available=available
        ),
    )
    return TraitSearchOut(
        total=found.total,
        approximate=found.approximate,
        accessions=[AccessionOut.model_validate(a) for a in found.accessions],
    )


@router.get("/climate-smart", summary="Accessions from sites with frequent drought (SPI-12)")
def climate_smart(
    request: Request,
    state: Annotated[str, Query(min_length=3, max_length=3)],
    min_share: Annotated[float | None, Query(ge=0, le=1)] = None,
    sampstat: Annotated[str, Query(max_length=3, pattern=r"^[0-9]*$")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    """For a state's drought history (share of months its mean SPI-12 was ≤ −1.5), the
    accessions collected where SPI-12 ≤ −1.5 at least as often (or ``min_share``), most
    exposed first; ``sampstat`` a status prefix (3: landraces)."""
    found = service.climate_smart(
        session, principal, request.app.state.settings, state, min_share, sampstat, limit, offset
    )
    history = found.history
    return {
        "state": history.iso3,
        "state_months": history.months,
        "state_severe_months": history.severe_months,
        "state_share": history.share,
        "threshold": found.threshold,
        "grid_months": found.grid_months,
        "located": found.located,
        "total": found.total,
        "accessions": [
            {
                **AccessionOut.model_validate(m.accession).model_dump(),
                "drought_share": round(m.share, 4),
            }
            for m in found.matches
        ],
    }


@router.get(
    "/regeneration-queue",
    response_model=PageOut[LotStatusOut],
    summary="Lots to regenerate or test, most urgent first, keyset-paged",
)
def regeneration_queue(
    request: Request,
    response: Response,
    reason: Annotated[
        str | None,
        Query(pattern=one_of(REASON_WEIGHTS), description="Only the lots with this reason"),
    ] = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> PageOut[LotStatusOut]:
    """By urgency, then predicted regeneration date, then lot id; ``reason`` keeps the
    lots with that reason (e.g. ``test_overdue``, ``below_three_sowings``). Pass ``next`` as
    ``after`` for the following page (also in the ``Link: <…>; rel="next"`` header)."""
    queue = service.regeneration_queue(session, principal)
    page = service.queue_page(queue, after, limit, secret_of(request), reason or "")
    link_header(request, response, page)
    return PageOut[LotStatusOut](items=[_status_out(s) for s in page.items], next=page.next)


@router.get(
    "/viability-constants",
    response_model=list[SpeciesConstantsOut],
    summary="Ellis & Roberts species viability constants in use",
)
def viability_constants(session: Session = Depends(db_session)) -> list[SpeciesConstantsOut]:
    return [
        SpeciesConstantsOut(
            species=c.species,
            ke=c.ke,
            cw=c.cw,
            ch=c.ch,
            cq=c.cq,
            single_temperature=c.single_temperature,
            reference=c.reference,
        )
        for c in service.list_constants(session)
    ]


def _status_out(status: service.LotStatus) -> LotStatusOut:
    p = status.prediction
    return LotStatusOut(
        lot=LotOut.model_validate(status.lot),
        accession_id=status.accession.id,
        accenumb=status.accession.accenumb,
        taxon=status.accession.taxon,
        latest_pct=status.latest_pct,
        prediction=None
        if p is None
        else PredictionOut(
            method=p.method,
            ki_probit=p.ki,
            sigma_days=p.sigma_days,
            initial_pct=p.initial_pct,
            days_to_85pct_of_initial=min(p.days_to_85pct_of_initial, 1e12),
            regeneration_due=p.regeneration_due,
            next_test_due=p.next_test_due,
            current_pct=p.current_pct,
        ),
        reasons=status.reasons,
        urgency=status.urgency,
        seeds_for_three_sowings=status.seeds_for_three_sowings,
    )
