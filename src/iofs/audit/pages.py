"""The audit log page with filters and CSV export."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from iofs.audit import service
from iofs.audit.params import audit_filter
from iofs.http.deps import db_session
from iofs.http.paging import AFTER, pager_context, secret_of
from iofs.http.security import require
from iofs.http.templating import render
from iofs.permissions import Principal

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    where: service.AuditFilter = Depends(audit_filter),
    after: str | None = AFTER,
    _principal: Principal = Depends(require("audit.read")),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    page = service.entries_page(session, where, after, 200, secret_of(request))
    query = {
        k: v
        for k, v in {
            "actor": where.actor,
            "record_type": where.record_type,
            "record_id": where.record_id,
            "since": where.since.isoformat() if where.since else None,
            "until": where.until.isoformat() if where.until else None,
        }.items()
        if v
    }
    return render(
        request,
        "audit/log.html",
        {
            "entries": page.items,
            **pager_context(request, page),
            "where": where,
            "filtering": bool(query),
            "csv_url": "/api/v1/audit.csv?" + urlencode(query),
        },
    )
