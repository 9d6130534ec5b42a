"""The reporting cycle: periods open and close; focal points report values with evidence;
the secretariat approves them or asks for a correction; approved values lock.

Who may enter what:

- a state-level KPI's value for a state: that state's focal points and the secretariat
  (``strategy.values.write``, scoped to the state);
- an overall KPI's value (IOFS-wide): the secretariat (``strategy.framework.write``);
- a fed KPI: nobody, the value comes from its feed.

Every write is audited in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from iofs import validation
from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.permissions import PermissionDenied, Principal, allows, authorize
from iofs.strategy import framework
from iofs.strategy import vocabulary as v
from iofs.strategy.models import EvidenceFile, Kpi, KpiValue, ReportingPeriod

audit.audited(ReportingPeriod)
audit.audited(KpiValue)

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
EVIDENCE_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/csv",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# --- periods -------------------------------------------------------------------------------


def put_period(
    session: Session,
    principal: Principal,
    year: int,
    status: str = "planned",
    opens_on: str | date | None = None,
    closes_on: str | date | None = None,
) -> ReportingPeriod:
    """Create or update the reporting period of ``year``."""
    checked = validation.year(year)
    opens = validation.iso_date(opens_on, "opens_on")
    closes = validation.iso_date(closes_on, "closes_on")
    if opens and closes and closes < opens:
        raise InputError(_("The closing date is before the opening date."), "closes_on")
    return framework.put_record(
        session,
        principal,
        ReportingPeriod,
        {"year": checked},
        {
            "status": validation.choice(status, "status", v.PERIOD_STATUSES),
            "opens_on": opens,
            "closes_on": closes,
        },
    )


def set_period_status(
    session: Session, principal: Principal, year: int, status: str
) -> ReportingPeriod:
    """Open or close a period (``planned``, ``open`` or ``closed``)."""
    period = get_period(session, year)
    return put_period(session, principal, period.year, status, period.opens_on, period.closes_on)


def get_period(session: Session, year: int) -> ReportingPeriod:
    period = session.execute(
        select(ReportingPeriod).where(ReportingPeriod.year == year)
    ).scalar_one_or_none()
    if period is None:
        raise NotFoundError(
            _("There is no reporting period for %(year)d.") % {"year": year}, "year"
        )
    return period


def list_periods(session: Session) -> list[ReportingPeriod]:
    return list(
        session.execute(select(ReportingPeriod).order_by(ReportingPeriod.year.desc())).scalars()
    )


def latest_period_year(session: Session) -> int | None:
    """The newest open period's year, else the newest period's, else None."""
    periods = list_periods(session)
    for period in periods:
        if period.status == "open":
            return period.year
    return periods[0].year if periods else None


# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """An uploaded evidence file."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ValueInput:
    """A value as reported: KPI, state (None: overall), year, value, evidence, comment."""

    kpi_id: int
    iso3: str | None
    year: int
    value: str | Decimal
    evidence_url: str = ""
    comment: str = ""


def _authorize_entry(
    session: Session, principal: Principal, kpi: Kpi, iso3: str | None
) -> str | None:
    if kpi.data_source != "manual":
        raise InputError(
            _("This KPI is fed automatically; its values cannot be entered."), "kpi_id"
        )
    if kpi.level == "state":
        if not iso3:
            raise InputError(
                _("This KPI is reported by each member state: choose a state."), "iso3"
            )
        code = framework.state_code(session, iso3)
        authorize(principal, "strategy.values.write", country=code)
        return code
    if iso3:
        raise InputError(_("This KPI has one IOFS-wide value: leave the state empty."), "iso3")
    authorize(principal, "strategy.framework.write")
    return None


def store_evidence(session: Session, evidence: Evidence) -> str:
    """Keep an evidence file (once per content); returns its SHA-256."""
    if not evidence.content:
        raise InputError(_("The evidence file is empty."), "evidence_file")
    if len(evidence.content) > MAX_EVIDENCE_BYTES:
        raise InputError(_("The evidence file is larger than 5 MB."), "evidence_file")
    kind = evidence.content_type.split(";")[0].strip().lower()
    if kind not in EVIDENCE_TYPES:
        raise InputError(
            _("Evidence must be a PDF, image, CSV, text, Excel or Word file."), "evidence_file"
        )
    digest = hashlib.sha256(evidence.content).hexdigest()
    if session.get(EvidenceFile, digest) is None:
        session.add(
            EvidenceFile(
                sha256=digest,
                content_type=kind,
                size=len(evidence.content),
                content=evidence.content,
            )
        )
        session.flush()
    return digest


def find_value(
    session: Session, kpi_id: int, iso3: str | None, period_id: int, *, lock: bool = False
) -> KpiValue | None:
    """The value of a KPI for ``iso3`` (None: overall) in a period; ``lock``: read it fresh
    and lock it until the transaction ends (PostgreSQL), as a write that follows must."""
    query = select(KpiValue).where(KpiValue.kpi_id == kpi_id, KpiValue.period_id == period_id)
    query = query.where(KpiValue.iso3.is_(None) if iso3 is None else KpiValue.iso3 == iso3)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.execute(query).scalar_one_or_none()


def report_value(
    session: Session, principal: Principal, data: ValueInput, evidence: Evidence | None = None
) -> KpiValue:
    """Enter or correct a value in an open period; it becomes ``submitted`` for review.

    Evidence is required: a link, a file, or the file already attached. Approved values are
    locked and refused.
    """
    kpi = framework.get_kpi(session, data.kpi_id)
    code = _authorize_entry(session, principal, kpi, data.iso3)
    period = get_period(session, validation.year(data.year))
    if period.status != "open":
        raise InputError(
            _("The reporting period %(year)d is not open.") % {"year": period.year}, "year"
        )
    amount = validation.number(data.value)
    link = validation.url(data.evidence_url)
    comment = validation.text(data.comment, "comment", 4000)
    existing = find_value(session, kpi.id, code, period.id, lock=True)
    if existing is not None and existing.status == "approved":
        raise InputError(_("This value is approved and locked."), "value")
    digest = store_evidence(session, evidence) if evidence is not None else None
    name = validation.text(evidence.filename, "evidence_file", 200) if evidence else ""
    has_file = digest is not None or (existing is not None and existing.evidence_sha256)
    if not link and not has_file:
        raise InputError(_("Give evidence: a link or a file."), "evidence_url")
    now = datetime.now(UTC)
    actor = audit.actor_label(principal)
    if existing is None:
        row = KpiValue(
            kpi_id=kpi.id,
            iso3=code,
            period_id=period.id,
            value=amount,
            evidence_url=link,
            evidence_name=name,
            evidence_sha256=digest,
            comment=comment,
            status="submitted",
            review_comment="",
            entered_by=actor,
            reviewed_by=None,
            updated_at=now,
        )
        session.add(row)
        audit.created(session, principal, row)
        return row
    before = audit.snapshot(existing)
    existing.value, existing.evidence_url, existing.comment = amount, link, comment
    if digest is not None:
        existing.evidence_sha256, existing.evidence_name = digest, name
    existing.status, existing.entered_by, existing.updated_at = "submitted", actor, now
    existing.reviewed_by = None
    existing.version += 1
    audit.updated(session, principal, existing, before)
    return existing


def get_value(session: Session, value_id: int) -> KpiValue:
    row = session.get(KpiValue, value_id)
    if row is None:
        raise NotFoundError(_("No such value."), "value_id")
    return row


class ReviewConflict(InputError):
    """The value is not as the reviewer saw it: changed since, or already reviewed (409)."""

    status_code = 409


def review_value(
    session: Session,
    principal: Principal,
    value_id: int,
    decision: str,
    comment: str = "",
    *,
    version: int | None = None,
) -> KpiValue:
    """Approve a submitted value (it locks) or ask for a correction (a comment is required).

    Maker–checker: the person who entered the value may not review it. ``version`` is the
    version the reviewer saw (None: as it is now); a value changed since, or already
    reviewed, raises :class:`ReviewConflict`. The row is locked while deciding (PostgreSQL)
    and the decision's UPDATE names the version it read, so two reviews of one version cannot
    both be saved, on either database.
    """
    row = session.execute(
        select(KpiValue)
        .where(KpiValue.id == value_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(_("No such value."), "value_id")
    authorize(principal, "strategy.values.review", country=row.iso3)
    decision = validation.choice(decision, "decision", v.DECISIONS)
    note = validation.text(comment, "comment", 4000, required=decision == "correct")
    if version is not None and row.version != version:
        raise ReviewConflict(
            _(
                "This value changed since you saw it (version %(seen)d, now "
                "%(now)d); review it again."
            )
            % {"seen": version, "now": row.version},
            "version",
        )
    if row.status != "submitted":
        raise ReviewConflict(_("Only submitted values can be reviewed."), "decision")
    if row.entered_by == audit.actor_label(principal):
        raise PermissionDenied(
            "strategy.values.review",
            _("A value must be reviewed by someone other than the person who entered it."),
            authenticated=True,
        )
    before = audit.snapshot(row)
    row.status = "approved" if decision == "approve" else "correction_requested"
    row.review_comment = note
    row.reviewed_by = audit.actor_label(principal)
    row.updated_at = datetime.now(UTC)
    row.version += 1
    audit.updated(session, principal, row, before)
    try:
        with session.begin_nested():
            session.flush()
    except StaleDataError:
        raise ReviewConflict(
            _(
                "This value was changed or reviewed by someone else at the "
                "same moment; review it again."
            ),
            "version",
        ) from None
    return row


def may_see_unapproved(principal: Principal, iso3: str | None) -> bool:
    """Whether ``principal`` may see values of ``iso3`` that are not approved yet."""
    if iso3 is None:
        return allows(principal, "strategy.values.read_unapproved") and not (
            principal.countries() and not allows(principal, "strategy.values.review")
        )
    return allows(principal, "strategy.values.read_unapproved", country=iso3)


def _values_query(
    principal: Principal,
    *,
    iso3: str | None = None,
    year: int | None = None,
    kpi_id: int | None = None,
    status: str | None = None,
) -> Any:
    """Values with their period's year, filtered by state, year, KPI and status, for
    :func:`may_see_unapproved` to decide row by row; unordered. When ``principal`` may read
    unapproved values of no state at all (the public, most readers), approved ones are kept
    in SQL, so a list does not read every unapproved row only to drop it. The one query
    behind :func:`list_values` and :func:`values_page`."""
    query = select(KpiValue, ReportingPeriod.year).join(
        ReportingPeriod, ReportingPeriod.id == KpiValue.period_id
    )
    if iso3:
        query = query.where(KpiValue.iso3 == iso3.upper())
    if year is not None:
        query = query.where(ReportingPeriod.year == year)
    if kpi_id is not None:
        query = query.where(KpiValue.kpi_id == kpi_id)
    if status:
        query = query.where(KpiValue.status == status)
    if not allows(principal, "strategy.values.read_unapproved"):
        query = query.where(KpiValue.status == "approved")
    return query


#: The order of value lists: year, KPI, state (overall values, which have none, first),
#: then the value's id (unique; an overall value has no state to tell it apart).
VALUE_KEYS = [
    SortKey(ReportingPeriod.year),
    SortKey(KpiValue.kpi_id),
    SortKey(func.coalesce(KpiValue.iso3, "")),
    SortKey(KpiValue.id),
]


def _value_key(row: Any) -> tuple[int, int, str, int]:
    value, year = row[0], row[1]
    return (year, value.kpi_id, value.iso3 or "", value.id)


def _visible(principal: Principal, value: KpiValue) -> bool:
    return value.status == "approved" or may_see_unapproved(principal, value.iso3)


def list_values(
    session: Session,
    principal: Principal,
    *,
    iso3: str | None = None,
    year: int | None = None,
    kpi_id: int | None = None,
    status: str | None = None,
) -> list[KpiValue]:
    """Values the principal may see (the public: approved only), filtered, by year, KPI and
    state: every one (a KPI's or a state's values, the report); the API reads
    :func:`values_page`."""
    query = _values_query(principal, iso3=iso3, year=year, kpi_id=kpi_id, status=status)
    rows = session.execute(query.order_by(*(key.column for key in VALUE_KEYS))).all()
    return [row[0] for row in rows if _visible(principal, row[0])]


#: Name bound into the value list's page cursors.
VALUES_SCOPE = "strategy.values"


def values_page(
    session: Session,
    principal: Principal,
    after: str | None,
    limit: int,
    secret: str,
    *,
    iso3: str | None = None,
    year: int | None = None,
    kpi_id: int | None = None,
    status: str | None = None,
) -> Page[KpiValue]:
    """One page of :func:`list_values` after the cursor ``after``: keyset by (year, KPI,
    state, id), each row checked with :func:`may_see_unapproved` as the full list is, so a
    value the principal may not see is on no page."""
    pager = Pager(VALUES_SCOPE, VALUE_KEYS, secret)
    page = pager.fetch_visible(
        session,
        _values_query(principal, iso3=iso3, year=year, kpi_id=kpi_id, status=status),
        after,
        limit,
        key=_value_key,
        visible=lambda row: _visible(principal, row[0]),
        scalars=False,
    )
    return Page(
        items=[row[0] for row in page.items], next=page.next, first=page.first, limit=page.limit
    )


def period_year(session: Session, period_id: int) -> int:
    period = session.get(ReportingPeriod, period_id)
    return period.year if period else 0


def approved_value(session: Session, kpi_id: int, iso3: str | None, year: int) -> Decimal | None:
    """The approved value of a manual KPI for ``iso3`` (None: overall) in ``year``."""
    query = (
        select(KpiValue.value)
        .join(ReportingPeriod, ReportingPeriod.id == KpiValue.period_id)
        .where(
            KpiValue.kpi_id == kpi_id, ReportingPeriod.year == year, KpiValue.status == "approved"
        )
    )
    query = query.where(KpiValue.iso3.is_(None) if iso3 is None else KpiValue.iso3 == iso3)
    return session.execute(query).scalar_one_or_none()


def evidence_file(
    session: Session, principal: Principal, value_id: int
) -> tuple[KpiValue, EvidenceFile]:
    """A value's evidence file, for those who may see the value."""
    row = get_value(session, value_id)
    if row.status != "approved" and not may_see_unapproved(principal, row.iso3):
        raise NotFoundError(_("No such value."), "value_id")
    if not row.evidence_sha256:
        raise NotFoundError(_("This value has no evidence file."), "value_id")
    stored = session.get(EvidenceFile, row.evidence_sha256)
    if stored is None:
        raise NotFoundError(_("This value has no evidence file."), "value_id")
    return row, stored
