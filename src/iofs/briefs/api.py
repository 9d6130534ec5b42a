"""JSON API of the briefs: /api/v1/countries/{ISO3}, /api/v1/aid-vs-need,
/api/v1/bulletin/{YYYY-MM}. The same content as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from iofs.briefs import aid_vs_need, bulletin, service
from iofs.data_dependencies import for_state
from iofs.http.deps import db_session
from iofs.http.security import current_principal
from iofs.permissions import Principal

router = APIRouter(tags=["briefs"])

Iso3Path = Annotated[
    str,
    Path(
        min_length=3,
        max_length=3,
        pattern=r"^[A-Za-z]{3}$",
        description="ISO 3166-1 alpha-3 code of an OIC state",
    ),
]
MonthQuery = Annotated[
    str | None,
    Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; default: each source's latest"),
]


@router.get("/countries/{iso3}", summary="Country brief of one of the 57 OIC states")
@for_state("iso3")
def country_brief(
    request: Request,
    iso3: Iso3Path,
    month: MonthQuery = None,
    charts: Annotated[bool, Query(description="include Vega-Lite specs")] = False,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    """Every block of the brief: facts (value, unit, as of), tables, what is missing and the
    command or page that adds it, and the link to the module's page. 404 only for a code
    that is not one of the 57."""
    brief = service.country_brief(session, request.app.state.settings, principal, iso3, month)
    return brief.record(with_charts=charts)


@router.get("/aid-vs-need", summary="Funding received against need, neglected crises ranked")
def aid_against_need(
    request: Request,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    """Per state: funding (USD, iofs contributions and FTS flows), need (risk class, people
    in IPC phase 3+, appeal requirements), funding per person in P3+ (USD), coverage
    (percent), neglect rank; and the rule used."""
    found = aid_vs_need.compute(session, request.app.state.settings, principal, year)
    return aid_vs_need.record(found)


@router.get("/bulletin/{month}", summary="OIC monthly bulletin")
def monthly_bulletin(
    request: Request,
    month: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")],
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    """Headline numbers, watchlist with drivers, changes since last month, and one
    generated paragraph per watchlist state."""
    found = bulletin.compute(session, request.app.state.settings, principal, month)
    return bulletin.record(found)


@router.get("/bulletin/{month}/map", summary="Map categories of the bulletin's watchlist")
def bulletin_map(
    request: Request,
    month: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")],
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> list[dict[str, str]]:
    """``[{iso3, category, label}]`` for the 57 states: crisis (high risk), alert (on watch)
    or normal."""
    return bulletin.compute(session, request.app.state.settings, principal, month).map_values
