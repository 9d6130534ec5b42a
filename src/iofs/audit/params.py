"""Query parameters of the audit log, shared by its API and its page."""

from __future__ import annotations

from datetime import date

from fastapi import Query

from iofs.audit import service


def audit_filter(
    actor: str | None = Query(None, max_length=300, description="E-mail or cli:…"),
    record_type: str | None = Query(None, max_length=64, description="Table, e.g. user_account"),
    record_id: str | None = Query(None, max_length=64),
    since: date | None = Query(None, description="From this date (ISO 8601)"),
    until: date | None = Query(None, description="Up to this date, inclusive"),
) -> service.AuditFilter:
    """The filter of an audit-log request (actor, record, dates)."""
    return service.AuditFilter(
        actor=actor, record_type=record_type, record_id=record_id, since=since, until=until
    )
