"""Gene bank pages: search with facets and a map of collecting sites, the accession page
(passport, lots, tests, duplicates, distributions, history) and the curator dashboard."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from iofs.errors import InputError
from iofs.genebank import mcpd, service
from iofs.genebank.schemas import (
    DatedIn,
    DistributionIn,
    GerminationTestIn,
    LotIn,
    OrderIn,
    ProgenitorIn,
    RequesterIn,
    RequestIn,
    SafetyDuplicateIn,
    TraitIn,
)
from iofs.genebank.vocabulary import (
    COLLECTIONS,
    COLLSRC_LABELS,
    DISTRIBUTION_STATES,
    MLSSTAT_LABELS,
    MTA_TYPES,
    ORIGINS,
    PURPOSES,
    REASON_LABELS,
    REASON_WEIGHTS,
    SAMPSTAT_LABELS,
    SMTA_FORMS,
    STORAGE_LABELS,
    TRAIT_SCALES,
    one_of,
)
from iofs.http.deps import RecordId, db_session
from iofs.http.paging import AFTER, Page, pager_context, secret_of
from iofs.http.security import body_limit, current_principal, require
from iofs.http.templating import render
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.permissions import Principal, allows

router = APIRouter(include_in_schema=False)

#: Rows per page of the gene bank's paged lists (requests, the queue, unreported SMTAs,
#: traits).
PAGE_ROWS = 50

FACET_TITLES = {
    "genus": N_("Genus"),
    "crop": N_("Crop"),
    "country": N_("Country of origin"),
    "sampstat": N_("Biological status"),
    "available": N_("Available"),
}


def _map_svg(points: list[dict[str, Any]]) -> Markup | None:
    """Collecting sites as a server-rendered SVG (equirectangular longitude/latitude)."""
    if not points:
        return None
    from iofs.http.charts import vega_lite_svg

    return vega_lite_svg(
        {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "width": 640,
            "height": 320,
            "data": {
                "values": [{"lon": p["lon"], "lat": p["lat"], "taxon": p["taxon"]} for p in points]
            },
            "mark": {"type": "circle", "size": 30, "opacity": 0.7, "color": "#1b7f5b"},
            "encoding": {
                "x": {
                    "field": "lon",
                    "type": "quantitative",
                    "title": _("Longitude (°)"),
                    "scale": {"domain": [-180, 180]},
                },
                "y": {
                    "field": "lat",
                    "type": "quantitative",
                    "title": _("Latitude (°)"),
                    "scale": {"domain": [-90, 90]},
                },
                "tooltip": [{"field": "taxon"}],
            },
        }
    )


@router.get("/genebank", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: Annotated[str, Query(max_length=128)] = "",
    genus: Annotated[str, Query(max_length=64)] = "",
    crop: Annotated[str, Query(max_length=128)] = "",
    country: Annotated[str, Query(max_length=3)] = "",
    sampstat: Annotated[str, Query(max_length=3)] = "",
    available: Annotated[str, Query(max_length=5)] = "",
    traits: Annotated[str, Query(max_length=256)] = "",
    page: Annotated[int, Query(ge=1, le=200)] = 1,
    after: str | None = AFTER,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Search accessions by taxon, crop, country, biological status and availability.

    The search pages by id (keyset, ``after``); a trait search, whose matches come from the
    in-memory trait index, keeps numbered pages (``page``, at most 200 of 50)."""
    flag = {"true": True, "false": False}.get(available)
    query = service.SearchQuery(
        text=q,
        genus=genus,
        crop=crop,
        country=country,
        sampstat=sampstat,
        available=flag,
        limit=50,
        offset=(page - 1) * 50,
    )
    trait_error = None
    if traits.strip():
        try:
            total, found = service.trait_search(
                session,
                principal,
                service.parse_criteria(traits),
                limit=50,
                offset=(page - 1) * 50,
                filters=query,
            )
        except service.GenebankError as error:
            trait_error, total, found = str(error), 0, []
        result = service.SearchResult(total, found, {})
        keyset: dict[str, Any] = {}
    else:
        result, listed = service.search_page(
            session, principal, replace(query, offset=0), after, secret_of(request)
        )
        keyset = pager_context(request, listed)
    filters = {
        "q": q,
        "genus": genus,
        "crop": crop,
        "country": country,
        "sampstat": sampstat,
        "available": available,
        "traits": traits,
    }

    def link(**changes: Any) -> str:
        values = {**filters, **changes}
        return "/genebank?" + urlencode({k: v for k, v in values.items() if v})

    points = service.collecting_points(session, principal, query, limit=2000)
    return render(
        request,
        "genebank/search.html",
        {
            "result": result,
            "filters": filters,
            "link": link,
            "page": page,
            "facet_titles": FACET_TITLES,
            "sampstat_labels": SAMPSTAT_LABELS,
            "map_svg": _map_svg(points),
            "points": len(points),
            "points_url": "/api/v1/genebank/collecting-sites?"
            + urlencode({k: v for k, v in filters.items() if v and k != "traits"}),
            "trait_error": trait_error,
            "is_curator": allows(principal, "genebank.read_internal"),
            **keyset,
        },
    )


def _accession_context(session: Session, principal: Principal, accession_id: int) -> dict[str, Any]:
    accession = service.get_accession(session, principal, accession_id)
    internal = allows(principal, "genebank.read_internal")
    context: dict[str, Any] = {
        "a": accession,
        "passport": service.mcpd_values(accession),
        "sampstat_labels": SAMPSTAT_LABELS,
        # MCPD code lists shown as "label (code)"; STORAGE may hold several codes "12;13".
        "code_labels": {
            "SAMPSTAT": SAMPSTAT_LABELS,
            "COLLSRC": COLLSRC_LABELS,
            "STORAGE": STORAGE_LABELS,
            "MLSSTAT": MLSSTAT_LABELS,
        },
        "reason_labels": REASON_LABELS,
        "distribution_states": DISTRIBUTION_STATES,
        "collections": COLLECTIONS,
        "origins": ORIGINS,
        "purposes": PURPOSES,
        "mta_types": MTA_TYPES,
        "smta_forms": SMTA_FORMS,
        "internal": internal,
        "can_write": allows(principal, "genebank.collection.write"),
        "can_edit_passport": allows(principal, "genebank.passport.write"),
        "can_distribute": allows(principal, "genebank.distribute") and accession.available,
        "today": date.today().isoformat(),
        "error": None,
        "failed": None,
        "warnings": [],
        "pdci": service.accession_pdci(accession),
        "trait_summaries": service.trait_summaries(session, accession.id),
        "progenitors": service.progenitors_of(session, accession.id),
    }
    if internal:
        statuses = service.lot_statuses(session, principal, accession.id)
        context.update(
            statuses=statuses,
            tests={s.lot.id: [t for t in service.tests_of(session, [s.lot.id])] for s in statuses},
            duplicates=service.duplicates_of(session, accession.id),
            shipments=service.distributions(session, principal, accession.id),
            history=service.history(session, principal, accession.id),
        )
    return context


@router.get("/genebank/accessions/{accession_id}", response_class=HTMLResponse)
def accession_page(
    request: Request,
    accession_id: RecordId,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Passport data; for curators also lots, tests, duplicates, distributions, history."""
    return render(
        request, "genebank/accession.html", _accession_context(session, principal, accession_id)
    )


def _after_post(
    request: Request,
    session: Session,
    principal: Principal,
    accession_id: int,
    action: Any,
    anchor: str,
) -> Response:
    """Run a form action; errors re-render the page (422), warnings show after success."""
    try:
        warnings = action()
    except service.GenebankError as error:
        session.rollback()
        context = _accession_context(session, principal, accession_id)
        context["error"] = str(error)
        context["failed"] = request.url.path  # the form that failed opens again
        return render(request, "genebank/accession.html", context, status_code=422)
    session.commit()
    if warnings:
        context = _accession_context(session, principal, accession_id)
        context["warnings"] = warnings
        return render(request, "genebank/accession.html", context)
    return RedirectResponse(f"/genebank/accessions/{accession_id}#{anchor}", status_code=303)


@router.post("/genebank/accessions/{accession_id}/availability", response_class=HTMLResponse)
def post_availability(
    request: Request,
    accession_id: RecordId,
    available: Annotated[str, Form(max_length=5)],
    principal: Principal = Depends(require("genebank.passport.write")),
    session: Session = Depends(db_session),
) -> Response:
    def action() -> list[str]:
        service.set_available(session, principal, accession_id, available == "true")
        return []

    return _after_post(request, session, principal, accession_id, action, "passport")


@router.post("/genebank/accessions/{accession_id}/passport", response_class=HTMLResponse)
async def post_passport(
    request: Request,
    accession_id: RecordId,
    principal: Principal = Depends(require("genebank.passport.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Edit passport descriptors; validated like an imported MCPD row."""
    form = await request.form()
    changes = {
        key: value[:4000]
        for key, value in form.multi_items()
        if isinstance(value, str) and key in service.FIELD_OF
    }

    def action() -> list[str]:
        return service.edit_passport(session, principal, accession_id, changes)

    return _after_post(request, session, principal, accession_id, action, "passport")


@router.post("/genebank/accessions/{accession_id}/progenitors", response_class=HTMLResponse)
def post_progenitor(
    request: Request,
    accession_id: RecordId,
    data: Annotated[ProgenitorIn, Form()],
    principal: Principal = Depends(require("genebank.passport.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Record a progenitor: an accession here (number) or a DOI held elsewhere."""

    def action() -> list[str]:
        service.add_progenitor(
            session, principal, accession_id, data.progenitor_id, data.doi, data.accenumb
        )
        return []

    return _after_post(request, session, principal, accession_id, action, "progenitors")


@router.post("/genebank/accessions/{accession_id}/lots", response_class=HTMLResponse)
def post_lot(
    request: Request,
    accession_id: RecordId,
    data: Annotated[LotIn, Form()],
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> Response:
    def action() -> list[str]:
        _lot, warnings = service.create_lot(session, principal, accession_id, data)
        return warnings

    return _after_post(request, session, principal, accession_id, action, "lots")


@router.post("/genebank/accessions/{accession_id}/safety-duplicates", response_class=HTMLResponse)
def post_safety_duplicate(
    request: Request,
    accession_id: RecordId,
    data: Annotated[SafetyDuplicateIn, Form()],
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Record a safety duplicate deposit (e.g. at the Svalbard Global Seed Vault)."""

    def action() -> list[str]:
        service.add_safety_duplicate(session, principal, accession_id, data)
        return []

    return _after_post(request, session, principal, accession_id, action, "duplicates")


@router.post("/genebank/lots/{lot_id}/tests", response_class=HTMLResponse)
def post_test(
    request: Request,
    lot_id: RecordId,
    data: Annotated[GerminationTestIn, Form()],
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> Response:
    lot = service.get_lot(session, lot_id)

    def action() -> list[str]:
        _test, warnings = service.record_germination_test(
            session, principal, lot_id, data.tested_on, data.sown, data.germinated, data.method
        )
        return warnings

    return _after_post(request, session, principal, lot.accession_id, action, "lots")


@router.post("/genebank/lots/{lot_id}/distributions", response_class=HTMLResponse)
def post_distribution(
    request: Request,
    lot_id: RecordId,
    data: Annotated[DistributionIn, Form()],
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> Response:
    lot = service.get_lot(session, lot_id)

    def action() -> list[str]:
        service.distribute(session, principal, lot_id, data)
        return []

    return _after_post(request, session, principal, lot.accession_id, action, "distributions")


@router.post(
    "/genebank/accessions/{accession_id}/distribution-requests", response_class=HTMLResponse
)
def post_request(
    request: Request,
    accession_id: RecordId,
    data: Annotated[RequestIn, Form()],
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> Response:
    def action() -> list[str]:
        service.request_sample(session, principal, accession_id, data)
        return []

    return _after_post(request, session, principal, accession_id, action, "distributions")


@router.post("/genebank/distributions/{distribution_id}/order", response_class=HTMLResponse)
def post_order(
    request: Request,
    distribution_id: RecordId,
    data: Annotated[OrderIn, Form()],
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> Response:
    distribution = service.get_distribution(session, principal, distribution_id)

    def action() -> list[str]:
        service.order_sample(session, principal, distribution_id, data)
        return []

    return _after_post(
        request, session, principal, distribution.accession_id, action, "distributions"
    )


@router.post("/genebank/distributions/{distribution_id}/{step}", response_class=HTMLResponse)
def post_step(
    request: Request,
    distribution_id: RecordId,
    step: str,
    data: Annotated[DatedIn, Form()],
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> Response:
    """Ship an ordered sample (stock goes down) or cancel a request or an order."""
    if step not in {"ship", "cancel"}:
        raise service.UnknownRecord(_("No such distribution."), "distribution_id")
    distribution = service.get_distribution(session, principal, distribution_id)

    def action() -> list[str]:
        (service.ship_sample if step == "ship" else service.cancel_sample)(
            session, principal, distribution_id, data.on
        )
        return []

    return _after_post(
        request, session, principal, distribution.accession_id, action, "distributions"
    )


@router.get("/genebank/curator", response_class=HTMLResponse)
def curator_dashboard(
    request: Request,
    reason: Annotated[str, Query(pattern=one_of(["", *REASON_WEIGHTS]))] = "",
    after: str | None = AFTER,
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Counts and the regeneration queue, a page at a time; ``reason`` keeps the lots with
    that reason (overdue tests, stock alerts…)."""
    board = service.dashboard(session, principal)
    page = service.queue_page(board.queue, after, PAGE_ROWS, secret_of(request), reason)
    return render(
        request,
        "genebank/curator.html",
        {
            "d": board,
            "rows": page.items,
            "reason": reason,
            "reason_labels": REASON_LABELS,
            "facet_titles": FACET_TITLES,
            "columns": mcpd.MCPD_COLUMNS,
            **pager_context(request, page),
        },
    )


@router.get("/genebank/smta", response_class=HTMLResponse)
def smta_page(
    request: Request,
    after: str | None = AFTER,
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Shipped SMTA distributions not yet reported to Easy-SMTA, a page at a time, and the
    XML to upload (of every one)."""
    page = service.unreported_page(session, principal, after, PAGE_ROWS, secret_of(request))
    return render(
        request,
        "genebank/smta.html",
        {
            "rows": page.items,
            "smta_forms": SMTA_FORMS,
            "can_mark": allows(principal, "genebank.distribute"),
            **pager_context(request, page),
        },
    )


@router.post("/genebank/smta", response_class=HTMLResponse)
async def post_smta_reported(
    request: Request,
    principal: Principal = Depends(require("genebank.distribute")),
    session: Session = Depends(db_session),
) -> Response:
    """Mark the ticked distributions as reported to Easy-SMTA."""
    form = await request.form()
    ids = [
        int(v)
        for v in form.getlist("distribution_ids")
        if isinstance(v, str) and v.isdigit() and len(v) < 10
    ]
    if ids:
        service.mark_reported(session, principal, ids)
        session.commit()
    return RedirectResponse("/genebank/smta", status_code=303)


@router.get("/genebank/quality", response_class=HTMLResponse)
def quality_page(
    request: Request,
    check: Annotated[str, Query(pattern=one_of(["", *service.CHECKS]))] = "",
    after: str | None = AFTER,
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """PDCI per collection and the curators' "to fix" list, a page at a time; ``check``
    keeps the findings of that check (coordinates outside the country, duplicates…)."""
    findings = service.plausibility(session, principal)
    page = service.findings_page(findings, after, PAGE_ROWS, secret_of(request), check)
    return render(
        request,
        "genebank/quality.html",
        {
            "collections": service.collection_quality(session, principal),
            "findings": page.items,
            "total": len(findings),
            "check": check,
            "counts": service.finding_counts(findings),
            "checks": service.CHECKS,
            **pager_context(request, page),
        },
    )


def _basket_context(session: Session, principal: Principal, ids: list[int]) -> dict[str, Any]:
    accessions = []
    for accession_id in ids[:50]:
        try:
            accession = service.get_accession(session, principal, accession_id)
        except service.UnknownRecord:
            continue
        if accession.available:
            accessions.append(accession)
    return {
        "accessions": accessions,
        "requester": service.requester_of(session, principal),
        "smta_text": service.SMTA_TEXT,
        "smta_sha256": service.SMTA_SHA256,
        "purposes": PURPOSES,
        "error": None,
    }


@router.get("/genebank/basket", response_class=HTMLResponse)
def basket_page(
    request: Request,
    ids: Annotated[list[int], Query(max_length=50)],
    principal: Principal = Depends(require("genebank.request")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The accessions chosen on the catalogue, the requester's details and the SMTA to
    accept (click-wrap)."""
    return render(request, "genebank/basket.html", _basket_context(session, principal, ids))


@router.post("/genebank/requests", response_class=HTMLResponse)
async def post_public_request(
    request: Request,
    data: Annotated[RequesterIn, Form()],
    principal: Principal = Depends(require("genebank.request")),
    session: Session = Depends(db_session),
) -> Response:
    """Submit the basket; without the SMTA accepted nothing is recorded."""
    form = await request.form()
    ids = [
        int(v)
        for v in form.getlist("accession_ids")
        if isinstance(v, str) and v.isdigit() and len(v) < 10
    ]
    accepted = form.get("accept_smta")
    try:
        service.submit_public_request(
            session, principal, data, ids, accepted if isinstance(accepted, str) else ""
        )
    except service.GenebankError as error:
        session.rollback()
        context = _basket_context(session, principal, ids)
        context["error"] = str(error)
        return render(request, "genebank/basket.html", context, status_code=422)
    session.commit()
    return RedirectResponse("/genebank/my-requests", status_code=303)


#: A request list's status filter: requests with a sample in this state ("" every request).
RequestStatusQuery = Annotated[str, Query(pattern=one_of(["", *DISTRIBUTION_STATES]))]


def _requests_context(
    request: Request, page: Page[service.RequestStatus], status: str, curator: bool
) -> dict[str, Any]:
    """What ``genebank/requests.html`` reads: a page of requests, the filter, the pager."""
    return {
        "requests": page.items,
        "status": status,
        "distribution_states": DISTRIBUTION_STATES,
        "curator": curator,
        **pager_context(request, page),
    }


@router.get("/genebank/my-requests", response_class=HTMLResponse)
def my_requests_page(
    request: Request,
    status: RequestStatusQuery = "",
    after: str | None = AFTER,
    principal: Principal = Depends(require("genebank.request")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The requester's requests and the status of each sample, newest first, a page at a
    time; ``status`` keeps those with a sample in that state."""
    page = service.my_requests_page(
        session, principal, after, PAGE_ROWS, secret_of(request), status or None
    )
    return render(
        request, "genebank/requests.html", _requests_context(request, page, status, False)
    )


@router.get("/genebank/requests", response_class=HTMLResponse)
def public_requests_page(
    request: Request,
    status: RequestStatusQuery = "",
    after: str | None = AFTER,
    principal: Principal = Depends(require("genebank.read_internal")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Every public request, newest first, a page at a time (curators order and ship them
    from the accession pages); ``status`` keeps those with a sample in that state."""
    page = service.public_requests_page(
        session, principal, after, PAGE_ROWS, secret_of(request), status or None
    )
    return render(request, "genebank/requests.html", _requests_context(request, page, status, True))


def _traits_context(
    request: Request, session: Session, principal: Principal, after: str | None = None
) -> dict[str, Any]:
    """What ``genebank/traits.html`` reads: a page of trait definitions (by code), the
    forms' state and the pager."""
    page = service.traits_page(session, after, PAGE_ROWS, secret_of(request))
    return {
        "traits": page.items,
        **pager_context(request, page),
        "scales": TRAIT_SCALES,
        "internal": allows(principal, "genebank.read_internal"),
        "can_write": allows(principal, "genebank.collection.write"),
        "error": None,
        "issues": [],
        "imported": None,
    }


@router.get("/genebank/traits", response_class=HTMLResponse)
def traits_page(
    request: Request,
    after: str | None = AFTER,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Trait definitions, a page at a time; curators define traits and import observations
    here."""
    return render(
        request, "genebank/traits.html", _traits_context(request, session, principal, after)
    )


def _blank_to_none(form: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if k in {"minimum", "maximum"} and v == "" else v) for k, v in form.items()}


@router.post("/genebank/traits", response_class=HTMLResponse)
async def post_trait(
    request: Request,
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Define a trait (or update the one with its code)."""
    form = await request.form()
    values = _blank_to_none({k: v[:4000] for k, v in form.items() if isinstance(v, str)})
    try:
        service.define_trait(session, principal, TraitIn.model_validate(values))
    except (service.GenebankError, ValidationError) as error:
        session.rollback()
        context = _traits_context(request, session, principal)
        context["error"] = (
            str(error)
            if isinstance(error, service.GenebankError)
            else _("Check these fields: %(fields)s.")
            % {"fields": ", ".join(sorted({str(e["loc"][0]) for e in error.errors() if e["loc"]}))}
        )
        return render(request, "genebank/traits.html", context, status_code=422)
    session.commit()
    return RedirectResponse("/genebank/traits", status_code=303)


@router.post("/genebank/traits/observations", response_class=HTMLResponse)
@body_limit()
async def post_observations(
    request: Request,
    file: UploadFile = File(...),
    principal: Principal = Depends(require("genebank.collection.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Import an observation file: all rows or none; every bad row is listed."""
    context = _traits_context(request, session, principal)
    try:
        rows = service.read_observation_rows(file.filename or "upload.csv", await file.read())
        context["imported"] = service.import_observations(session, principal, rows)
    except service.ObservationsRejected as error:
        session.rollback()
        context.update(error=str(error), issues=error.issues[:1000])
        return render(request, "genebank/traits.html", context, status_code=422)
    except InputError as error:
        session.rollback()
        context["error"] = str(error)
        return render(request, "genebank/traits.html", context, status_code=422)
    session.commit()
    return render(request, "genebank/traits.html", context)


@router.get("/genebank/climate-smart", response_class=HTMLResponse)
def climate_smart_page(
    request: Request,
    state: Annotated[str, Query(max_length=3)] = "",
    min_share: Annotated[str, Query(max_length=8)] = "",
    sampstat: Annotated[str, Query(max_length=3)] = "",
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """For a member state, accessions collected where severe drought (SPI-12 ≤ −1.5) is at
    least as frequent as in the state."""
    context: dict[str, Any] = {
        "state": state.upper(),
        "min_share": min_share,
        "sampstat": sampstat,
        "found": None,
        "error": None,
        "states": sorted(drought_states()),
        "sampstat_labels": SAMPSTAT_LABELS,
    }
    if state:
        try:
            share = float(min_share) / 100 if min_share.strip() else None
            if share is not None and not 0 <= share <= 1:
                raise ValueError
        except ValueError:
            context["error"] = _("The share is a percentage from 0 to 100.")
            return render(request, "genebank/climate.html", context, status_code=422)
        try:
            context["found"] = service.climate_smart(
                session,
                principal,
                request.app.state.settings,
                state,
                share,
                sampstat if sampstat.isdigit() else "",
                limit=200,
            )
        except service.GenebankError as error:
            context["error"] = str(error)
            return render(
                request,
                "genebank/climate.html",
                context,
                status_code=404 if error.not_found else 422,
            )
    return render(request, "genebank/climate.html", context)


def drought_states() -> frozenset[str]:
    """The 57 OIC states (the drought module's list)."""
    from iofs.monitor.drought import service as drought

    return drought.oic_states()
