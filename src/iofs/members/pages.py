"""Pages of the member-state registry: the list with filters and one page per state."""

from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from iofs.members import service
from iofs.members.models import IofsStatus, OicGroup
from iofs.web.deps import db_session
from iofs.web.i18n import current_language
from iofs.web.i18n import gettext as _
from iofs.web.templating import render

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
def member_list(request: Request, group: str | None = None, status: str | None = None,
                session: Session = Depends(db_session)) -> HTMLResponse:
    """All OIC member states with filters by OIC group and IOFS status."""
    chosen_group = _choice(OicGroup, group)
    chosen_status = _choice(IofsStatus, status)
    states = service.list_members(session, group=chosen_group, iofs_status=chosen_status)
    language = current_language()
    states.sort(key=lambda m: service.display_name(m, language))
    return render(request, "members/list.html", {
        "states": states,
        "group": chosen_group.value if chosen_group else "",
        "status": chosen_status.value if chosen_status else "",
        "groups": list(OicGroup),
        "statuses": list(IofsStatus),
        "name_of": lambda m: service.display_name(m, language),
    })


@router.get("/members/{iso3}", response_class=HTMLResponse)
def member_page(request: Request, iso3: str,
                session: Session = Depends(db_session)) -> HTMLResponse:
    """One member state: codes, names, OIC and IOFS membership with sources."""
    try:
        state = service.get_member(session, iso3)
    except service.UnknownMemberState:
        raise HTTPException(
            404, _("%(code)s is not the ISO3 code of an OIC member state.") % {"code": iso3[:8]}
        ) from None
    assemblies = [s for s in service.general_assembly_sessions(session)
                  if s.host_iso3 == state.iso3]
    board = [s for s in service.executive_board(session) if s.iso3 == state.iso3]
    return render(request, "members/detail.html", {
        "state": state,
        "name": service.display_name(state, current_language()),
        "assemblies": assemblies,
        "board": board,
    })
