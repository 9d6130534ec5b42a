"""Accessions: reading one (the public sees available ones only), its MCPD descriptors, its
availability for distribution and its audit history."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.genebank import mcpd, search
from iofs.genebank.errors import UnknownRecord
from iofs.genebank.models import Accession
from iofs.i18n import gettext as _
from iofs.permissions import Principal, allows, authorize

audit.audited(Accession)

#: MCPD descriptor code -> accession attribute.
FIELD_OF = {code: code.lower() for code in mcpd.MCPD_COLUMNS}


def mcpd_values(accession: Accession) -> dict[str, str]:
    """The accession's MCPD descriptors (code -> text)."""
    return {code: getattr(accession, name) for code, name in FIELD_OF.items()}


def get_accession(session: Session, principal: Principal, accession_id: int) -> Accession:
    """An accession; the public sees only available ones (others are 'not found')."""
    accession = session.get(Accession, accession_id)
    if accession is None or (
        not accession.available and not allows(principal, "genebank.read_internal")
    ):
        raise UnknownRecord(_("No such accession."), "accession_id")
    return accession


def set_available(
    session: Session, principal: Principal, accession_id: int, available: bool
) -> Accession:
    """Mark an accession available for distribution (and visible to the public) or not."""
    authorize(principal, "genebank.passport.write")
    accession = get_accession(session, principal, accession_id)
    before = audit.snapshot(accession)
    accession.available = available
    if audit.updated(session, principal, accession, before):
        search.adjust_counts(
            session,
            Counter({search.count_key(before): -1, search.count_key(audit.snapshot(accession)): 1}),
        )
    return accession


def history(session: Session, principal: Principal, accession_id: int) -> list[dict[str, Any]]:
    """Audit entries of the accession itself, newest first (the latest 50): ``at`` (UTC
    datetime), ``actor``, ``action`` (create, update, delete), ``before`` and ``after``
    (snapshot JSON or ``None``)."""
    authorize(principal, "genebank.read_internal")
    entries = audit.query(
        session,
        audit.AuditFilter(record_type=Accession.__tablename__, record_id=str(accession_id)),
        limit=50,
    )
    return [
        {"at": e.at, "actor": e.actor, "action": e.action, "before": e.before, "after": e.after}
        for e in entries
    ]
