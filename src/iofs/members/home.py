"""The home page: membership figures and the map of the 57 OIC states."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from iofs.http.deps import db_session
from iofs.http.templating import render
from iofs.members import service as members

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Session = Depends(db_session)) -> HTMLResponse:
    """Home: membership figures and the map of the 57 OIC states by IOFS status."""
    summary = members.membership_summary(session)
    sessions = members.general_assembly_sessions(session)
    return render(request, "members/home.html", {"summary": summary, "assemblies": sessions})
