"""The newest audit entry of each record type (``audit_head``, #21 item 2): moved in the same
step as the chain's append, so it always equals ``max(id)`` per record type of the log, and a
rolled-back transaction moves nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from iofs.accounts.service import cli_principal
from iofs.audit import service as audit
from iofs.audit.models import AuditEntry, AuditHead


def _heads(session: Session) -> dict[str, int]:
    rows = session.execute(select(AuditHead.record_type, AuditHead.entry_id))
    return {kind: newest for kind, newest in rows}


def _maxima(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(AuditEntry.record_type, func.max(AuditEntry.id)).group_by(AuditEntry.record_type)
    )
    return {kind: newest for kind, newest in rows}


def _write(session: Session, kind: str, *record_ids: str) -> None:
    for record_id in record_ids:
        audit.record(session, cli_principal(), "create", kind, record_id, None, {"n": record_id})


def test_heads_follow_the_chain_per_record_type(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        assert _heads(session) == {}
        _write(session, "kind_a", "1", "2", "3")  # several types and entries in one commit
        _write(session, "kind_b", "1")
        _write(session, "kind_a", "4")
        session.commit()
        first = _heads(session)
        assert first == _maxima(session) == {"kind_a": 5, "kind_b": 4}

        _write(session, "kind_c", "1")
        session.rollback()  # moves nothing
        assert _heads(session) == first
        _write(session, "kind_b", "2")
        session.commit()
        assert _heads(session) == _maxima(session) == {"kind_a": 5, "kind_b": 6}
