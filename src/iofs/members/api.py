"""JSON API of the member-state registry: /api/v1/members."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from iofs.members import service
from iofs.members.models import IofsStatus, OicGroup
from iofs.members.schemas import (
    ExecutiveBoardSeatOut,
    GeneralAssemblySessionOut,
    MemberStateOut,
)
from iofs.web.deps import db_session
from iofs.web.i18n import gettext as _

router = APIRouter(tags=["members"])


@router.get("/members", response_model=list[MemberStateOut], summary="OIC member states")
def list_members(group: OicGroup | None = None, iofs_status: IofsStatus | None = None,
                 session: Session = Depends(db_session)) -> list[MemberStateOut]:
    """All 57 OIC member states, optionally filtered by OIC group and IOFS status."""
    return service.list_members(session, group=group, iofs_status=iofs_status)


@router.get("/members/{iso3}", response_model=MemberStateOut, summary="One member state",
            responses={404: {"description": "Not an OIC member state"}})
def get_member(iso3: str, session: Session = Depends(db_session)) -> MemberStateOut:
    """One member state by ISO 3166-1 alpha-3 code (case-insensitive)."""
    try:
        return service.get_member(session, iso3)
    except service.UnknownMemberState:
        raise HTTPException(
            404, _("%(code)s is not the ISO3 code of an OIC member state.") % {"code": iso3[:8]}
        ) from None


@router.get("/general-assembly", response_model=list[GeneralAssemblySessionOut],
            summary="IOFS General Assembly sessions")
def general_assembly(session: Session = Depends(db_session)) -> list[GeneralAssemblySessionOut]:
    """Sessions of the IOFS General Assembly known from public sources, oldest first."""
    return service.general_assembly_sessions(session)


@router.get("/executive-board", response_model=list[ExecutiveBoardSeatOut],
            summary="IOFS Executive Board composition")
def executive_board(year: int | None = None,
                    session: Session = Depends(db_session)) -> list[ExecutiveBoardSeatOut]:
    """Executive Board seats by year (all years, newest first, unless ``year`` is given)."""
    return service.executive_board(session, year)
