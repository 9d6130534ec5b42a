"""Pages of the briefs: /countries/{ISO3}, its PDF, /aid-vs-need (+ downloads) and
/bulletin/{YYYY-MM} (+ PDF). Thin: parse, call one service function, render."""

from __future__ import annotations

from pathlib import Path as Path_
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iofs.briefs import aid_vs_need, bulletin, charts, pdf, service
from iofs.data_dependencies import for_state
from iofs.http.deps import db_session
from iofs.http.security import current_principal
from iofs.http.templating import render
from iofs.i18n import current_language
from iofs.permissions import Principal

router = APIRouter(include_in_schema=False)

Iso3Path = Annotated[str, Path(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")]
MonthPath = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")]
MonthQuery = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")]


STYLESHEET = Path_(__file__).parent / "static" / "briefs.css"


@router.get("/briefs/briefs.css")
def stylesheet() -> Response:
    """The stylesheet of the briefs' pages (served from the module, same origin)."""
    return Response(
        STYLESHEET.read_text(encoding="utf-8"),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/countries/{iso3}", response_class=HTMLResponse)
@for_state("iso3")
def country_page(
    request: Request,
    iso3: Iso3Path,
    month: MonthQuery = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """A state's country brief: every block, each linking to its module's page."""
    brief = service.country_brief(session, request.app.state.settings, principal, iso3, month)
    return render(
        request, "briefs/country.html", {"brief": brief, "svg": charts.svg, "month": month or ""}
    )


@router.get("/countries/{iso3}/brief.pdf")
@for_state("iso3")
def country_pdf(
    request: Request,
    iso3: Iso3Path,
    month: MonthQuery = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> Response:
    """The country brief as a PDF (2–4 A4 pages) in the page's language."""
    body = pdf.brief_pdf(
        session, request.app.state.settings, principal, iso3, month, current_language()
    )
    name = f"iofs-brief-{iso3.upper()}-{current_language()}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/aid-vs-need", response_class=HTMLResponse)
def aid_page(
    request: Request,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """Funding received against need for every state, the neglected crises ranked."""
    found = aid_vs_need.compute(session, request.app.state.settings, principal, year)
    return render(
        request,
        "briefs/aid_vs_need.html",
        {
            "found": found,
            "chart": charts.svg(aid_vs_need.scatter(found)),
            "rule": aid_vs_need.rule_text(),
            "year": year,
        },
    )


@router.get("/aid-vs-need/download")
def aid_download(
    request: Request,
    fmt: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> Response:
    """The aid-against-need table as CSV or XLSX (no cell becomes a formula)."""
    found = aid_vs_need.compute(session, request.app.state.settings, principal, year)
    body, media = aid_vs_need.export(found, fmt)
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="iofs-aid-vs-need.{fmt}"'},
    )


@router.get("/bulletin", response_class=HTMLResponse)
def bulletin_latest(request: Request) -> Response:
    """The bulletin of the newest month with data."""
    return RedirectResponse(
        f"/bulletin/{bulletin.default_month(request.app.state.settings)}", status_code=307
    )


@router.get("/bulletin/{month}", response_class=HTMLResponse)
def bulletin_page(
    request: Request,
    month: MonthPath,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The OIC monthly bulletin: headline numbers, watchlist, changes, map, paragraphs."""
    found = bulletin.compute(session, request.app.state.settings, principal, month)
    return render(request, "briefs/bulletin.html", {"b": found, "svg": charts.svg})


@router.get("/bulletin/{month}/bulletin.pdf")
def bulletin_pdf(
    request: Request,
    month: MonthPath,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> Response:
    """The bulletin as a PDF in the page's language."""
    body = pdf.bulletin_pdf(
        session, request.app.state.settings, principal, month, current_language()
    )
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="iofs-bulletin-{month}.pdf"'},
    )
