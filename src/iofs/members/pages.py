"""Pages of the member-state registry: the list with filters and one page per state."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iofs.http.deps import RecordId, db_session
from iofs.http.security import current_principal, require
from iofs.http.templating import render
from iofs.i18n import current_language
from iofs.i18n import gettext as _
from iofs.members import figures, service
from iofs.members.models import IofsStatus, OicGroup
from iofs.members.schemas import MemberStateOut
from iofs.permissions import Principal, allows

E = TypeVar("E", OicGroup, IofsStatus)

router = APIRouter(include_in_schema=False)


def _choice(kind: type[E], value: str | None) -> E | None:
    """An enum member from a query string; blank or unknown values mean 'all'."""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        return None


@router.get("/members", response_class=HTMLResponse)
def member_list(
    request: Request,
    group: str | None = None,
    status: str | None = None,
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """All OIC member states with filters by OIC group and IOFS status."""
    chosen_group = _choice(OicGroup, group)
    chosen_status = _choice(IofsStatus, status)
    states = service.list_members(session, group=chosen_group, iofs_status=chosen_status)
    language = current_language()
    states.sort(key=lambda m: service.display_name(m, language))
    return render(
        request,
        "members/list.html",
        {
            "states": states,
            "group": chosen_group.value if chosen_group else "",
            "status": chosen_status.value if chosen_status else "",
            "groups": list(OicGroup),
            "statuses": list(IofsStatus),
            "name_of": lambda m: service.display_name(m, language),
        },
    )


@router.get("/members/{iso3}", response_class=HTMLResponse)
def member_page(
    request: Request,
    iso3: str,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """One member state: codes, names, membership with sources, national figures."""
    state = _state_or_404(session, iso3)
    return _member_page(request, session, state, principal)


def _member_page(
    request: Request,
    session: Session,
    state: MemberStateOut,
    principal: Principal,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    assemblies = [
        s for s in service.general_assembly_sessions(session) if s.host_iso3 == state.iso3
    ]
    board = [s for s in service.executive_board(session) if s.iso3 == state.iso3]
    return render(
        request,
        "members/detail.html",
        {
            "state": state,
            "name": service.display_name(state, current_language()),
            "assemblies": assemblies,
            "board": board,
            "figures": figures.list_figures(session, principal, state.iso3),
            "catalogue": figures.CATALOGUE,
            "can_write": allows(principal, "members.figures.write", country=state.iso3),
            "can_publish": allows(principal, "members.figures.publish", country=state.iso3),
            "error": error,
        },
        status_code=status_code,
    )


@router.post("/members/{iso3}/figures", response_class=HTMLResponse)
def add_figure(
    request: Request,
    iso3: str,
    indicator: Annotated[str, Form(max_length=64)],
    year: Annotated[int, Form(ge=1960, le=2100)],
    value: Annotated[str, Form(max_length=40)],
    source: Annotated[str, Form(max_length=500)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    principal: Principal = Depends(require("members.figures.write", country_param="iso3")),
    session: Session = Depends(db_session),
) -> Response:
    """Form post from the country page; the same service call as the API."""
    state = _state_or_404(session, iso3)
    try:
        figures.create_figure(
            session,
            principal,
            state.iso3,
            figures.FigureInput(
                indicator=indicator, year=year, value=value, source=source, note=note
            ),
        )
    except figures.FigureError as error:
        session.rollback()
        return _member_page(request, session, state, principal, error=str(error), status_code=422)
    session.commit()
    return RedirectResponse(f"/members/{state.iso3}#figures", status_code=303)


@router.post("/members/{iso3}/figures/{figure_id}", response_class=HTMLResponse)
def change_figure(
    request: Request,
    iso3: str,
    figure_id: RecordId,
    action: Annotated[str, Form(max_length=16)],
    principal: Principal = Depends(require("members.figures.write", country_param="iso3")),
    session: Session = Depends(db_session),
) -> Response:
    """Delete, publish or withdraw a figure (the service checks the figure's own state)."""
    state = _state_or_404(session, iso3)
    if action == "delete":
        figures.delete_figure(session, principal, figure_id)
    elif action in {"publish", "withdraw"}:
        figures.set_published(session, principal, figure_id, action == "publish")
    else:
        raise HTTPException(422, _("Unknown action."))
    session.commit()
    return RedirectResponse(f"/members/{state.iso3}#figures", status_code=303)


def _state_or_404(session: Session, iso3: str) -> MemberStateOut:
    """The state; an unknown code becomes a 404 page through the app's error handler."""
    return service.get_member(session, iso3)
