"""JSON and CSV access to the audit log (admin and secretariat)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from iofs.audit import service
from iofs.audit.params import audit_filter
from iofs.audit.schemas import AuditEntryOut
from iofs.http.deps import db_session
from iofs.http.paging import AFTER, PageOut, limit_query, link_header, secret_of
from iofs.http.security import require
from iofs.permissions import Principal

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=PageOut[AuditEntryOut], summary="Audit log entries")
def list_entries(
    request: Request,
    response: Response,
    where: service.AuditFilter = Depends(audit_filter),
    after: str | None = AFTER,
    limit: int = limit_query(200, 5000),
    _principal: Principal = Depends(require("audit.read")),
    session: Session = Depends(db_session),
) -> PageOut[AuditEntryOut]:
    """Entries newest first, filtered by actor, record and date, keyset-paged by id: pass a
    page's ``next`` as ``after`` (also in the ``Link: <…>; rel="next"`` header)."""
    page = service.entries_page(session, where, after, limit, secret_of(request))
    link_header(request, response, page)
    return PageOut[AuditEntryOut](
        items=[AuditEntryOut.model_validate(e) for e in page.items], next=page.next
    )


@router.get("/audit.csv", summary="Audit log as CSV", response_class=StreamingResponse)
def export(
    where: service.AuditFilter = Depends(audit_filter),
    _principal: Principal = Depends(require("audit.read")),
    session: Session = Depends(db_session),
) -> StreamingResponse:
    """The filtered log (up to 1,000,000 entries) as CSV."""
    entries = service.query(session, where, limit=1_000_000)
    return StreamingResponse(
        service.export_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
