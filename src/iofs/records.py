"""Audited create-or-update of a record by its natural key, permission checked first."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.db import Base
from iofs.permissions import Principal, authorize

M = TypeVar("M", bound=Base)
#: What a create-or-update did to the record.
Outcome = Literal["created", "changed", "unchanged"]


def put_record(
    session: Session,
    principal: Principal,
    model: type[M],
    key: dict[str, Any],
    values: dict[str, Any],
    *,
    permission: str,
    country: str | None = None,
) -> M:
    """Create the ``model`` row with ``key`` or update it to ``values``; audited.

    ``permission`` is checked for ``country`` (when the record belongs to one) before anything
    is read or written; the audit entry is written in the caller's transaction.
    """
    return put_record_outcome(
        session, principal, model, key, values, permission=permission, country=country
    )[0]


def put_record_outcome(
    session: Session,
    principal: Principal,
    model: type[M],
    key: dict[str, Any],
    values: dict[str, Any],
    *,
    permission: str,
    country: str | None = None,
) -> tuple[M, Outcome]:
    """:func:`put_record`, also returning what it did: ``created``, ``changed`` (an update was
    audited) or ``unchanged``."""
    authorize(principal, permission, country=country)
    existing = session.execute(select(model).filter_by(**key)).scalar_one_or_none()
    if existing is None:
        row = model(**key, **values)
        session.add(row)
        audit.created(session, principal, row)
        return row, "created"
    before = audit.snapshot(existing)
    changed = {name: value for name, value in values.items() if getattr(existing, name) != value}
    if not changed:
        return existing, "unchanged"
    for name, value in changed.items():
        setattr(existing, name, value)
    changed_audited = audit.updated(session, principal, existing, before)
    return existing, "changed" if changed_audited else "unchanged"
