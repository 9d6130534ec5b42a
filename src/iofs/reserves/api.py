"""JSON API of the reserves module (/api/v1/reserves/…).

Reads are public (reserve positions are published, as APTERR's and ECOWAS's); writes need the
module's permissions, checked again by the services for the record's country.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from iofs.errors import InputError
from iofs.http.deps import db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import body_limit, require
from iofs.i18n import gettext as _
from iofs.permissions import Principal
from iofs.reserves import ledger, matching, registry, releases, stock_import, triggers, views
from iofs.reserves import vocabulary as v
from iofs.reserves.schemas import (
    AssessmentIn,
    DecisionIn,
    DeliveryIn,
    DispatchIn,
    LotIn,
    MovementIn,
    PledgeIn,
    ReplenishmentIn,
    RequestIn,
    SettlementIn,
    SystemIn,
    TargetIn,
    TransferIn,
    WarehouseIn,
)

router = APIRouter(prefix="/reserves", tags=["reserves"])

RefPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Iso3Query = Annotated[str | None, Query(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]
RequestStatusQuery = Annotated[
    str | None, Query(max_length=12, pattern="^(" + "|".join(v.REQUEST_STATUSES) + ")$")
]
OnQuery = Annotated[dt.date | None, Query(description="Balances at the end of this date")]
MAX_UPLOAD_BYTES = 10_000_000


def _done(session: Session, **values: Any) -> dict[str, Any]:
    session.commit()
    return values


@router.get("/status", summary="Per system: pledged vs held vs target (tonnes, USD)")
def status(on: OnQuery = None, session: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return views.status_rows(session, on)


@router.get("/cover", summary="Per state: tonnes held, cover days, AMIS stocks-to-use")
def cover(
    request: Request,
    on: OnQuery = None,
    country: Iso3Query = None,
    session: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    return views.cover_rows(session, request.app.state.settings.analytics_dir, on, country)


@router.get(
    "/positions",
    response_model=PageOut[dict[str, Any]],
    summary="Lots with their balances (tonnes) on a date, keyset-paged",
)
def positions(
    request: Request,
    response: Response,
    on: OnQuery = None,
    country: Iso3Query = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    session: Session = Depends(db_session),
) -> PageOut[dict[str, Any]]:
    """By state, warehouse and lot code: pass ``next`` as ``after`` for the following page
    (also in the ``Link: <…>; rel="next"`` header)."""
    page = ledger.positions_page(session, on, after, limit, secret_of(request), country=country)
    link_header(request, response, page)
    return PageOut[dict[str, Any]](
        items=[views.position_row(item) for item in page.items], next=page.next
    )


@router.get(
    "/warnings",
    response_model=PageOut[dict[str, Any]],
    summary="Rotation-due and expiry warnings, keyset-paged",
)
def warnings(
    request: Request,
    response: Response,
    country: Iso3Query = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 1000),
    session: Session = Depends(db_session),
) -> PageOut[dict[str, Any]]:
    """Soonest first (due date, lot code, kind): pass ``next`` as ``after`` for the
    following page (also in the ``Link: <…>; rel="next"`` header)."""
    page = ledger.warnings_page(
        session, dt.date.today(), after, limit, secret_of(request), country=country
    )
    link_header(request, response, page)
    return PageOut[dict[str, Any]](items=[vars(item) for item in page.items], next=page.next)


@router.put("/systems", summary="Create or update a reserve system and its members")
def put_system(
    body: SystemIn,
    principal: Principal = Depends(require("reserves.registry.write")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    return _done(session, code=registry.put_system(session, principal, body).code)


@router.put("/targets", summary="Set a system's target for a commodity (tonnes)")
def put_target(
    body: TargetIn,
    principal: Principal = Depends(require("reserves.registry.write")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    return _done(session, id=registry.put_target(session, principal, body).id)


@router.put("/pledges", summary="Create or update a member's pledge")
def put_pledge(
    body: PledgeIn,
    principal: Principal = Depends(require("reserves.registry.write")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    return _done(session, reference=registry.put_pledge(session, principal, body).reference)


@router.put("/warehouses", summary="Create or update a warehouse")
def put_warehouse(
    body: WarehouseIn,
    principal: Principal = Depends(require("reserves.registry.write")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    return _done(session, code=registry.put_warehouse(session, principal, body).code)


@router.put("/lots", summary="Create or update a lot (focal points: their states)")
def put_lot(
    body: LotIn,
    principal: Principal = Depends(require("reserves.stock.write")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    return _done(session, code=ledger.put_lot(session, principal, body).code)


@router.post("/lots/{code}/movements", summary="Record a receipt, rotation or loss")
def post_movement(
    code: RefPath,
    body: MovementIn,
    principal: Principal = Depends(require("reserves.stock.write")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    row = ledger.record_movement(session, principal, code, body)
    target = ledger.lot(session, code)
    return _done(session, id=row.id, balance_t=str(ledger.balance(session, target.id)))


@router.post("/lots/{code}/transfers", summary="Transfer tonnes to another lot")
def post_transfer(
    code: RefPath,
    body: TransferIn,
    principal: Principal = Depends(require("reserves.stock.write")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    out, into = ledger.transfer(session, principal, code, body)
    return _done(session, out=out.id, into=into.id)


@router.post(
    "/import",
    summary="Import stock positions (CSV or .xlsx): a background job, all-or-nothing",
    response_model=None,
    status_code=202,
)
@body_limit()
async def import_positions(
    request: Request,
    file: UploadFile = File(...),
    principal: Principal = Depends(require("reserves.stock.write")),
    session: Session = Depends(db_session),
) -> JSONResponse:
    """The file is read and queued as a background job: 202 with the job's URL
    (``GET /api/v1/jobs/{id}``: when finished, the lots and movements recorded, or every
    problem with its file, row, field and reason; any problem and nothing is written). A
    file that cannot be read answers 422 at once, a workbook too large to read (declared
    size, cells, uncompressed size) 413. Importing the same sheet again changes nothing."""
    from iofs.reserves.jobs import submit_import

    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise InputError(_("The file is too large."), "file")
    try:
        job = submit_import(
            session, request.app.state.settings, principal, file.filename or "upload.csv", content
        )
    except stock_import.StockImportError as error:
        session.rollback()
        return JSONResponse(
            status_code=error.status_code,
            content={
                "detail": str(error),
                "errors": [
                    {"file": p.file, "row": p.row, "field": p.field, "reason": p.reason}
                    for p in error.problems
                ],
            },
        )
    url = f"/api/v1/jobs/{job.id}"
    return JSONResponse(
        status_code=202,
        content={"job": job.id, "state": job.state, "url": url, "page": f"/jobs/{job.id}"},
        headers={"Location": url},
    )


@router.get(
    "/requests",
    response_model=PageOut[dict[str, Any]],
    summary="Release requests with their timelines, keyset-paged",
)
def list_requests(
    request: Request,
    response: Response,
    country: Iso3Query = None,
    status: RequestStatusQuery = None,
    after: str | None = AFTER,
    limit: int = limit_query(100, 500),
    session: Session = Depends(db_session),
) -> PageOut[dict[str, Any]]:
    """Newest first (request date, then id), of one state and/or status: pass ``next`` as
    ``after`` for the following page (also in the ``Link: <…>; rel="next"`` header)."""
    page = releases.requests_page(
        session, after, limit, secret_of(request), country=country, status=status
    )
    link_header(request, response, page)
    return PageOut[dict[str, Any]](
        items=[views.request_row(session, row) for row in page.items], next=page.next
    )


@router.get("/requests/{reference}", summary="One release request and its timeline")
def get_request(reference: RefPath, session: Session = Depends(db_session)) -> dict[str, Any]:
    return views.request_row(session, releases.request(session, reference))


@router.get("/requests/{reference}/matches", summary="Ranked OIC sources for the request")
def get_matches(
    request: Request, reference: RefPath, session: Session = Depends(db_session)
) -> list[dict[str, Any]]:
    target = releases.request(session, reference)
    need = target.decided_t or target.quantity_t
    return [
        vars(found)
        for found in matching.match(
            session,
            request.app.state.settings.analytics_dir,
            target.country,
            target.commodity,
            Decimal(need),
            dt.date.today(),
        )
    ]


@router.post("/requests", summary="Request a release (focal points: their states)")
def post_request(
    body: RequestIn,
    principal: Principal = Depends(require("reserves.requests.write")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    row = releases.create_request(session, principal, body)
    return _done(session, reference=row.reference)


@router.post("/drafts", summary="Raise draft requests from the trigger rules (decision support)")
def post_drafts(
    request: Request,
    principal: Principal = Depends(require("reserves.assess")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    settings = request.app.state.settings
    today = dt.date.today()
    drafts = triggers.pilot_drafts(
        settings.analytics_dir, settings, session, sorted(registry.oic_states()), today
    )
    created = triggers.raise_drafts(session, principal, drafts, today)
    return _done(session, created=[row.reference for row in created])


def _step(name: str, permission: str, model: type[Any], action: Any) -> None:
    def handler(
        reference: RefPath,
        body: Any,
        principal: Principal = Depends(require(permission)),
        session: Session = Depends(db_session),
    ) -> dict[str, Any]:
        target = action(session, principal, reference, body)
        return _done(
            session,
            reference=reference,
            status=getattr(target, "status", None) or releases.request(session, reference).status,
        )

    handler.__annotations__["body"] = model
    handler.__name__ = f"post_{name}"
    router.add_api_route(
        f"/requests/{{reference}}/{name}",
        handler,
        methods=["POST"],
        summary=f"Request step: {name}",
    )


_step("assessment", "reserves.assess", AssessmentIn, releases.assess)
_step("decision", "reserves.decide", DecisionIn, releases.decide)
_step("dispatch", "reserves.stock.write", DispatchIn, releases.dispatch)
_step("delivery", "reserves.requests.write", DeliveryIn, releases.deliver)
_step("replenishment", "reserves.assess", ReplenishmentIn, releases.oblige_replenishment)
_step("settlement", "reserves.requests.write", SettlementIn, releases.settle_replenishment)
