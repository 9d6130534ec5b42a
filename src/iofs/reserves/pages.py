"""Pages of the reserves module: overview (map of warehouses, cover per state), a system, a
warehouse, the release requests with their timelines and supply matches.

Every page is public; the forms of each request step appear to those allowed and post to the
same service calls as the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.errors import InputError
from iofs.http.charts import vega_lite_svg
from iofs.http.deps import db_session
from iofs.http.forms import filled_fields
from iofs.http.paging import AFTER, pager_context, secret_of
from iofs.http.security import current_principal, require
from iofs.http.templating import render
from iofs.i18n import gettext as _
from iofs.permissions import Principal, allows
from iofs.reserves import ledger, matching, registry, releases, triggers, views
from iofs.reserves import vocabulary as v

router = APIRouter(include_in_schema=False)

CodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


def labels() -> dict[str, str]:
    """Every code of the module's vocabularies in the current language."""
    return {code: _(label) for code, label in v.LABELS.items()}


def _warehouse_map(session: Session) -> Any:
    held: dict[str, Decimal] = {}
    for item in ledger.positions(session, held_only=True):
        held[item.warehouse.code] = held.get(item.warehouse.code, Decimal(0)) + item.balance_t
    points = [
        {
            "name": f"{w.name} ({registry.state_name(w.country)})",
            "lon": w.longitude,
            "lat": w.latitude,
            "held": float(held.get(w.code, 0)),
        }
        for w in registry.warehouses(session)
        if w.latitude is not None and w.longitude is not None
    ]
    if not points:
        return None
    return vega_lite_svg(
        {
            "width": 640,
            "height": 320,
            "data": {"values": points},
            "projection": {"type": "equirectangular"},
            "layer": [
                {
                    "mark": {"type": "circle", "opacity": 0.7},
                    "encoding": {
                        "longitude": {"field": "lon", "type": "quantitative"},
                        "latitude": {"field": "lat", "type": "quantitative"},
                        "size": {
                            "field": "held",
                            "type": "quantitative",
                            "title": _("Tonnes held"),
                        },
                        "tooltip": [{"field": "name"}, {"field": "held"}],
                    },
                },
                {
                    "mark": {"type": "text", "dy": -10, "fontSize": 9},
                    "encoding": {
                        "longitude": {"field": "lon", "type": "quantitative"},
                        "latitude": {"field": "lat", "type": "quantitative"},
                        "text": {"field": "name"},
                    },
                },
            ],
        }
    )


@router.get("/reserves", response_class=HTMLResponse)
def overview(request: Request, session: Session = Depends(db_session)) -> HTMLResponse:
    """Systems (pledged vs held vs target), the warehouse map, cover per state, warnings."""
    analytics_dir = request.app.state.settings.analytics_dir
    return render(
        request,
        "reserves/overview.html",
        {
            "systems": registry.systems(session),
            "status": views.status_rows(session),
            "cover": views.cover_rows(session, analytics_dir),
            "map": _warehouse_map(session),
            "warnings": ledger.warnings(session, dt.date.today()),
            "due": releases.replenishments_due(session, dt.date.today()),
            "warehouses": registry.warehouses(session),
            "labels": labels(),
            "state_name": registry.state_name,
        },
    )


@router.get("/reserves/systems/{code}", response_class=HTMLResponse)
def system_page(
    request: Request, code: CodePath, session: Session = Depends(db_session)
) -> HTMLResponse:
    """One reserve system: members, pledges, targets, positions."""
    found = registry.system(session, code)
    return render(
        request,
        "reserves/system.html",
        {
            "system": found,
            "members": registry.members(session, found.id),
            "pledges": registry.pledges(session, found.id),
            "status": [row for row in views.status_rows(session) if row["system"] == found.code],
            "labels": labels(),
            "state_name": registry.state_name,
        },
    )


@router.get("/reserves/warehouses/{code}", response_class=HTMLResponse)
def warehouse_page(
    request: Request, code: CodePath, session: Session = Depends(db_session)
) -> HTMLResponse:
    """One warehouse: its lots, balances, quality tests and ledger."""
    found = registry.warehouse(session, code)
    lots = ledger.positions(session, warehouse_id=found.id)
    return render(
        request,
        "reserves/warehouse.html",
        {
            "warehouse": found,
            "lots": lots,
            "labels": labels(),
            "movements": {item.lot.id: ledger.movements(session, item.lot.id) for item in lots},
            "tests": {item.lot.id: ledger.quality_tests(session, item.lot.id) for item in lots},
            "used_t": sum((item.balance_t for item in lots), Decimal(0)),
            "state_name": registry.state_name,
        },
    )


def _may(principal: Principal, permission: str, country: str | None = None) -> bool:
    return allows(principal, permission, country=country)


#: Release requests shown on one page of ``/reserves/requests``.
REQUESTS_PAGE_SIZE = 100
#: The page's filters: a state (ISO3) and a status, each empty for all.
CountryFilter = Annotated[str, Query(max_length=3, pattern=r"^([A-Za-z]{3})?$")]
StatusFilter = Annotated[
    str, Query(max_length=12, pattern="^(" + "|".join(v.REQUEST_STATUSES) + ")?$")
]


@router.get("/reserves/requests", response_class=HTMLResponse)
def requests_page(
    request: Request,
    country: CountryFilter = "",
    status: StatusFilter = "",
    after: str | None = AFTER,
    session: Session = Depends(db_session),
    principal: Principal = Depends(current_principal),
) -> HTMLResponse:
    """Release requests with their timelines, newest first, 100 a page, of one state and/or
    status; drafts from triggers for the secretariat."""
    page = releases.requests_page(
        session,
        after,
        REQUESTS_PAGE_SIZE,
        secret_of(request),
        country=country or None,
        status=status or None,
    )
    return render(
        request,
        "reserves/requests.html",
        {
            "requests": [views.request_row(session, row) for row in page.items],
            **pager_context(request, page),
            "filters": {"country": country.upper(), "status": status},
            "states": sorted(registry.oic_states(), key=registry.state_name),
            "statuses": v.REQUEST_STATUSES,
            "state_name": registry.state_name,
            "labels": labels(),
            "may_assess": _may(principal, "reserves.assess"),
            "target_days": v.DELIVERY_TARGET_DAYS,
        },
    )


@router.get("/reserves/requests/{reference}", response_class=HTMLResponse)
def request_view(
    request: Request,
    reference: CodePath,
    session: Session = Depends(db_session),
    principal: Principal = Depends(current_principal),
) -> HTMLResponse:
    """One request: timeline, the forms of its next step, supply matches."""
    return request_page(request, reference, session, principal)


def request_page(
    request: Request,
    reference: str,
    session: Session,
    principal: Principal,
    error: InputError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The request page, with an input error of a posted step when there is one."""
    target = releases.request(session, reference)
    need = Decimal(target.decided_t or target.quantity_t)
    found = matching.match(
        session,
        request.app.state.settings.analytics_dir,
        target.country,
        target.commodity,
        need,
        dt.date.today(),
    )
    lots = [item for item in ledger.positions(session, commodity=target.commodity, held_only=True)]
    return render(
        request,
        "reserves/request.html",
        {
            "r": views.request_row(session, target),
            "matches": found,
            "lots": lots,
            "labels": labels(),
            "error": error,
            "today": dt.date.today().isoformat(),
            "state_name": registry.state_name,
            "target_days": v.DELIVERY_TARGET_DAYS,
            "may": {
                "assess": _may(principal, "reserves.assess"),
                "decide": _may(principal, "reserves.decide")
                and audit.actor_label(principal) not in (target.assessed_by, target.requested_by),
                "dispatch": _may(principal, "reserves.stock.write"),
                "deliver": _may(principal, "reserves.requests.write", target.country),
            },
        },
        status_code=status_code,
    )


async def _post_step(
    request: Request,
    session: Session,
    principal: Principal,
    reference: str,
    save: Callable[[dict[str, Any]], object],
) -> Response:
    values: dict[str, Any] = dict(await filled_fields(request))
    try:
        save(values)
    except InputError as error:
        session.rollback()
        return request_page(request, reference, session, principal, error=error, status_code=422)
    session.commit()
    return RedirectResponse(f"/reserves/requests/{quote(reference)}", status_code=303)


def _dispatch_values(values: dict[str, Any]) -> dict[str, Any]:
    lots = []
    for index in range(20):
        code, tonnes = values.pop(f"lot_{index}", ""), values.pop(f"quantity_{index}", "")
        if code and tonnes:
            lots.append({"lot": code, "quantity_t": tonnes})
    return {**values, "lots": lots}


STEPS: dict[str, tuple[str, Callable[..., Any], Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "assessment": ("reserves.assess", releases.assess, dict),
    "decision": ("reserves.decide", releases.decide, dict),
    "dispatch": ("reserves.stock.write", releases.dispatch, _dispatch_values),
    "delivery": ("reserves.requests.write", releases.deliver, dict),
    "replenishment": ("reserves.assess", releases.oblige_replenishment, dict),
    "settlement": ("reserves.requests.write", releases.settle_replenishment, dict),
}


def _step_route(name: str) -> None:
    permission, action, prepare = STEPS[name]

    async def post(
        request: Request,
        reference: CodePath,
        principal: Principal = Depends(require(permission)),
        session: Session = Depends(db_session),
    ) -> Response:
        return await _post_step(
            request,
            session,
            principal,
            reference,
            lambda values: action(session, principal, reference, prepare(values)),
        )

    post.__name__ = f"post_{name}_page"
    router.add_api_route(
        f"/reserves/requests/{{reference}}/{name}",
        post,
        methods=["POST"],
        response_class=HTMLResponse,
    )


for _name in STEPS:
    _step_route(_name)


@router.post("/reserves/drafts", response_class=HTMLResponse)
def raise_drafts(
    request: Request,
    principal: Principal = Depends(require("reserves.assess")),
    session: Session = Depends(db_session),
) -> Response:
    """Evaluate the trigger rules over the OIC states and record sized drafts."""
    settings = request.app.state.settings
    today = dt.date.today()
    drafts = triggers.pilot_drafts(
        settings.analytics_dir, settings, session, sorted(registry.oic_states()), today
    )
    triggers.raise_drafts(session, principal, drafts, today)
    session.commit()
    return RedirectResponse("/reserves/requests", status_code=303)
