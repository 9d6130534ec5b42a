"""Maker–checker: a figure counts only once a second person approved it.

Reviewable records (:data:`REVIEWABLE`) carry the :class:`~iofs.programmes.models.Reviewed`
columns. :func:`entered` stamps a new or changed figure as pending with its maker and a new
version; :func:`decide` approves or rejects the version the reviewer saw, refusing the maker
as checker, a changed figure and a second decision (409). Approving a
contribution also approves the status it was entered with; approving a status step moves the
contribution to its newest approved status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.http.paging import Page, Pager
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.permissions import PermissionDenied, Principal, allows, authorize
from iofs.programmes import vocabulary as v
from iofs.programmes.models import (
    Beneficiaries,
    ConsignmentStage,
    Contribution,
    ContributionStatus,
    IndicatorValue,
    ReviewDecision,
    Reviewed,
)

APPROVE = "programmes.approve"
#: Columns of a review that a new entry resets.
REVIEW_COLUMNS = ("entered_by", "approval", "reviewed_by", "reviewed_at", "review_note")
READ_PENDING = "programmes.read_pending"

#: Kinds of reviewable figures, as named in URLs and the API.
REVIEWABLE: dict[str, type[Reviewed]] = {
    "contribution": Contribution,
    "status": ContributionStatus,
    "stage": ConsignmentStage,
    "beneficiaries": Beneficiaries,
    "indicator_value": IndicatorValue,
}

#: What each kind of reviewable figure is called on the review queue's filter (msgids).
KIND_LABELS: dict[str, str] = {
    "contribution": N_("Contribution"),
    "status": N_("Contribution status"),
    "stage": N_("Delivery stage"),
    "beneficiaries": N_("Beneficiaries"),
    "indicator_value": N_("Indicator value"),
}


class ReviewConflict(InputError):
    """The figure is not as the reviewer saw it: changed since, or already decided (409)."""

    status_code = 409


def entered(record: Reviewed, principal: Principal) -> None:
    """Mark ``record`` as entered (or changed) by ``principal``, awaiting review: a new
    version (1 for a new record)."""
    record.version = record.version + 1 if record.version else 1
    record.entered_by = audit.actor_label(principal)
    record.approval = "pending"
    record.reviewed_by = ""
    record.reviewed_at = None
    record.review_note = ""
    if inspect(record).persistent:
        # written even when they look unchanged: a decision committed since this row was read
        # must not survive the new figure (the UPDATE still names the version read)
        for name in REVIEW_COLUMNS:
            flag_modified(record, name)


def current_status(session: Session, contribution: Contribution) -> str:
    """The furthest approved status of ``contribution`` (its creation status when none)."""
    approved = (
        session.execute(
            select(ContributionStatus.status).where(
                ContributionStatus.contribution_id == contribution.id,
                ContributionStatus.approval == "approved",
            )
        )
        .scalars()
        .all()
    )
    if not approved:
        return contribution.status
    return max(approved, key=v.CONTRIBUTION_STATUSES.index)


def _stamp(
    record: Reviewed, principal: Principal, decision: str, note: str, moment: datetime
) -> None:
    record.approval = decision
    record.reviewed_by = audit.actor_label(principal)
    record.reviewed_at = moment
    record.review_note = note


def decide(
    session: Session,
    principal: Principal,
    kind: str,
    record_id: int,
    decision: str,
    note: str = "",
    *,
    version: int | None = None,
) -> Reviewed:
    """Approve or reject the pending figure as the reviewer saw it (``version``; None: as it
    is now, for callers that read and decide in one transaction); the person who entered it
    may not review it.

    Raises :class:`ReviewConflict` when the figure changed since that version or was already
    decided. The row is locked while deciding (PostgreSQL); whatever the database, an UPDATE
    from a stale read fails (version counter) and a version takes one decision only (unique
    key of :class:`~iofs.programmes.models.ReviewDecision`).
    """
    authorize(principal, APPROVE)
    model = REVIEWABLE.get(kind)
    if model is None:
        raise NotFoundError(_("Unknown kind of figure."), "kind")
    if decision not in ("approved", "rejected"):
        raise InputError(
            _("Choose one of: %(choices)s.") % {"choices": "approved, rejected"}, "decision"
        )
    record = session.execute(
        select(model)
        .where(model.id == record_id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if record is None:
        raise NotFoundError(_("No such record."), "id")
    if version is not None and record.version != version:
        raise ReviewConflict(
            _(
                "This figure changed since you saw it (version %(seen)d, now "
                "%(now)d); review it again."
            )
            % {"seen": version, "now": record.version},
            "version",
        )
    if record.approval != "pending":
        raise ReviewConflict(_("This figure was already reviewed."), "decision")
    if record.entered_by == audit.actor_label(principal):
        raise PermissionDenied(
            APPROVE,
            _("A figure must be approved by someone other than the person who entered it."),
            authenticated=True,
        )
    if decision == "rejected" and not note.strip():
        raise InputError(_("Say why the figure is rejected."), "note")
    moment = datetime.now(UTC)
    try:
        with session.begin_nested():
            _decide(session, principal, kind, record, decision, note.strip(), moment)
    except (IntegrityError, StaleDataError):
        raise ReviewConflict(
            _(
                "This figure changed or was reviewed by someone else at the "
                "same moment; review it again."
            ),
            "version",
        ) from None
    return record


def _decide(
    session: Session,
    principal: Principal,
    kind: str,
    record: Reviewed,
    decision: str,
    note: str,
    moment: datetime,
) -> None:
    """Stamp the decision on ``record`` (and what follows from it), log it, flush."""
    before = audit.snapshot(record)  # type: ignore[arg-type]
    _stamp(record, principal, decision, note, moment)
    _log(session, principal, kind, record, decision, note, moment)
    audit.updated(session, principal, record, before)  # type: ignore[arg-type]
    if isinstance(record, Contribution):
        first = session.execute(
            select(ContributionStatus)
            .where(
                ContributionStatus.contribution_id == record.id,
                ContributionStatus.approval == "pending",
                ContributionStatus.entered_by == record.entered_by,
            )
            .order_by(ContributionStatus.id)
            .limit(1)
        ).scalar_one_or_none()
        if first is not None and first.status == record.status:
            step_before = audit.snapshot(first)
            _stamp(first, principal, decision, note, moment)
            _log(session, principal, "status", first, decision, note, moment)
            audit.updated(session, principal, first, step_before)
    if isinstance(record, ContributionStatus) and decision == "approved":
        parent = session.get(Contribution, record.contribution_id)
        assert parent is not None
        status = current_status(session, parent)
        if status != parent.status:
            parent_before = audit.snapshot(parent)
            parent.status = status
            audit.updated(session, principal, parent, parent_before)
    session.flush()


def _log(
    session: Session,
    principal: Principal,
    kind: str,
    record: Reviewed,
    decision: str,
    note: str,
    moment: datetime,
) -> None:
    session.add(
        ReviewDecision(
            kind=kind,
            record_id=record.id,  # type: ignore[attr-defined]
            version=record.version,
            decision=decision,
            decided_by=audit.actor_label(principal),
            decided_at=moment,
            note=note,
        )
    )


def describe(session: Session, record: Reviewed) -> tuple[str, str | None]:
    """A one-line summary of a reviewable figure and the country it concerns."""
    from iofs.programmes.models import Consignment, Indicator, Organisation, Project

    if isinstance(record, Contribution):
        donor = session.get(Organisation, record.donor_id)
        return (
            f"{record.reference}: {donor.name if donor else '?'}, "
            f"{record.amount_usd:,} USD, {_(v.LABELS[record.status])}",
            record.country,
        )
    if isinstance(record, ContributionStatus):
        parent = session.get(Contribution, record.contribution_id)
        assert parent is not None
        return (
            f"{parent.reference}: {_(v.LABELS[record.status])} {record.dated.isoformat()}",
            parent.country,
        )
    if isinstance(record, ConsignmentStage):
        consignment = session.get(Consignment, record.consignment_id)
        assert consignment is not None
        return (
            f"{consignment.reference}: {_(v.LABELS[record.stage])} {record.quantity_t} t "
            f"{record.dated.isoformat()}",
            consignment.country,
        )
    if isinstance(record, Beneficiaries):
        return (
            f"{record.number:,} {_(v.LABELS[record.unit])} {_(v.LABELS[record.measure])} "
            f"({record.as_of.isoformat()})",
            record.country,
        )
    assert isinstance(record, IndicatorValue)
    indicator = session.get(Indicator, record.indicator_id)
    assert indicator is not None
    project = session.get(Project, indicator.project_id) if indicator.project_id else None
    return (
        f"{indicator.code} {_(v.LABELS[record.kind])} {record.value} {indicator.unit} "
        f"({record.period_start.isoformat()}–{record.period_end.isoformat()})",
        project.country if project else None,
    )


@dataclass(frozen=True)
class PendingFigure:
    """One figure awaiting review, for the review queue."""

    kind: str
    id: int
    entered_by: str
    summary: str
    country: str | None
    version: int


def pending(session: Session, principal: Principal | None = None) -> list[PendingFigure]:
    """Figures awaiting review, oldest first within each kind: every one, or only those
    ``principal`` may see (``programmes.read_pending`` for the figure's country)."""
    found: list[PendingFigure] = []
    for kind, model in REVIEWABLE.items():
        rows = session.execute(
            select(model).where(model.approval == "pending").order_by(model.id)  # type: ignore[attr-defined]
        ).scalars()
        for row in rows:
            summary, country = describe(session, row)
            found.append(
                PendingFigure(
                    kind,
                    row.id,  # type: ignore[attr-defined]
                    row.entered_by,
                    summary,
                    country,
                    row.version,
                )
            )
    if principal is None:
        return found
    return [
        figure
        for figure in found
        if allows(principal, READ_PENDING, country=figure.country or "", organisation="")
    ]


def _pending_rows(kind: str, country: str | None) -> Select[Any]:
    """Pending figures of ``kind``, of ``country`` when given (the country each kind takes
    from its record, its contribution, its consignment or its indicator's project)."""
    from iofs.programmes.models import Consignment, Indicator, Project

    model = REVIEWABLE[kind]
    statement = select(model).where(model.approval == "pending")
    if not country:
        return statement
    if model is ContributionStatus:
        statement = statement.join(Contribution, Contribution.id == model.contribution_id)
        return statement.where(Contribution.country == country)
    if model is ConsignmentStage:
        statement = statement.join(Consignment, Consignment.id == model.consignment_id)
        return statement.where(Consignment.country == country)
    if model is IndicatorValue:
        statement = statement.join(Indicator, Indicator.id == model.indicator_id).join(
            Project, Project.id == Indicator.project_id
        )
        return statement.where(Project.country == country)
    return statement.where(model.country == country)  # type: ignore[attr-defined]


def pending_page(
    session: Session,
    principal: Principal,
    after: tuple[int, int] | None,
    limit: int,
    kind: str | None = None,
    country: str | None = None,
) -> tuple[list[PendingFigure], bool]:
    """Up to ``limit`` figures awaiting review that ``principal`` may see, in the queue's
    order (kind as in :data:`REVIEWABLE`, then id: each figure's key is ``(kind index, id)``),
    after the key ``after``; filtered by kind and country. Returns the figures and whether
    more follow. Rows are read by key in batches and described only when on the page, so a
    page costs the same at the 9,000th figure as at the first."""
    kinds = list(REVIEWABLE)
    found: list[PendingFigure] = []
    for index, name in enumerate(kinds):
        if (kind and name != kind) or (after is not None and index < after[0]):
            continue
        model = REVIEWABLE[name]
        last = after[1] if after is not None and index == after[0] else 0
        batch = max(limit + 1, 200)
        while len(found) <= limit:
            rows = list(
                session.execute(
                    _pending_rows(name, country)
                    .where(model.id > last)  # type: ignore[attr-defined]
                    .order_by(model.id)  # type: ignore[attr-defined]
                    .limit(batch)
                ).scalars()
            )
            for row in rows:
                summary, place = describe(session, row)
                if allows(principal, READ_PENDING, country=place or "", organisation=""):
                    found.append(
                        PendingFigure(name, row.id, row.entered_by, summary, place, row.version)
                    )
                    if len(found) > limit:
                        break
            if len(rows) < batch:
                break
            last = rows[-1].id
        if len(found) > limit:
            break
    return found[:limit], len(found) > limit


#: Name bound into the review queue's page cursors.
QUEUE_SCOPE = "programmes.review"


def queue_page(
    session: Session,
    principal: Principal,
    after: str | None,
    limit: int,
    secret: str,
    kind: str | None = None,
    country: str | None = None,
) -> Page[PendingFigure]:
    """One page of the review queue (:func:`pending_page`) after the cursor ``after``; a
    changed cursor is a 400 (:class:`iofs.http.paging.BadCursor`)."""
    pager = Pager(QUEUE_SCOPE, [], secret, size=2)
    start = pager.decode(after)
    key = (int(start[0]), int(start[1])) if start is not None else None
    figures, more = pending_page(session, principal, key, limit, kind, country)
    token = None
    if more and figures:
        token = pager.cursor((list(REVIEWABLE).index(figures[-1].kind), figures[-1].id))
    return Page(items=figures, next=token, first=key is None, limit=limit)
