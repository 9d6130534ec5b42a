"""JSON and CSV access to the audit log (admin and secretariat)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from iofs.audit import service
from iofs.audit.params import audit_filter
from iofs.audit.schemas import AuditEntryOut
from iofs.http.deps import db_session
from iofs.http.security import require
from iofs.permissions import Principal

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=list[AuditEntryOut], summary="Audit log entries")
def list_entries(
    where: service.AuditFilter = Depends(audit_filter),
    limit: int = Query(200, ge=1, le=5000),
    offset: int = Query(0, ge=0, le=1_000_000_000),
    _principal: Principal = Depends(require("audit.read")),
    session: Session = Depends(db_session),
) -> list[AuditEntryOut]:
    """Entries newest first, filtered by actor, record and date."""
    return [
        AuditEntryOut.model_validate(e)
        for e in service.query(session, where, limit=limit, offset=offset)
    ]


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
