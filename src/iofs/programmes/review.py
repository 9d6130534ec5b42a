"""Maker–checker: a figure counts only once a second person approved it.

Reviewable records (:data:`REVIEWABLE`) carry the :class:`~iofs.programmes.models.Reviewed`
columns. :func:`entered` stamps a new or changed figure as pending with its maker;
:func:`decide` approves or rejects it, refusing the maker as checker. Approving a
contribution also approves the status it was entered with; approving a status step moves the
contribution to its newest approved status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.i18n import gettext as _
from iofs.permissions import PermissionDenied, Principal, allows, authorize
from iofs.programmes import vocabulary as v
from iofs.programmes.models import (
    Beneficiaries,
    ConsignmentStage,
    Contribution,
    ContributionStatus,
    IndicatorValue,
    Reviewed,
)

APPROVE = "programmes.approve"
READ_PENDING = "programmes.read_pending"

#: Kinds of reviewable figures, as named in URLs and the API.
REVIEWABLE: dict[str, type[Reviewed]] = {
    "contribution": Contribution,
    "status": ContributionStatus,
    "stage": ConsignmentStage,
    "beneficiaries": Beneficiaries,
    "indicator_value": IndicatorValue,
}


def entered(record: Reviewed, principal: Principal) -> None:
    """Mark ``record`` as entered (or changed) by ``principal``, awaiting review."""
    record.entered_by = audit.actor_label(principal)
    record.approval = "pending"
    record.reviewed_by = ""
    record.reviewed_at = None
    record.review_note = ""


def current_status(session: Session, contribution: Contribution) -> str:
    """The furthest approved status of ``contribution`` (its creation status when none)."""
    approved = session.execute(select(ContributionStatus.status).where(
        ContributionStatus.contribution_id == contribution.id,
        ContributionStatus.approval == "approved")).scalars().all()
    if not approved:
        return contribution.status
    return max(approved, key=v.CONTRIBUTION_STATUSES.index)


def _stamp(record: Reviewed, principal: Principal, decision: str, note: str,
           moment: datetime) -> None:
    record.approval = decision
    record.reviewed_by = audit.actor_label(principal)
    record.reviewed_at = moment
    record.review_note = note


def decide(session: Session, principal: Principal, kind: str, record_id: int,
           decision: str, note: str = "") -> Reviewed:
    """Approve or reject a pending figure; the person who entered it may not review it."""
    authorize(principal, APPROVE)
    model = REVIEWABLE.get(kind)
    if model is None:
        raise NotFoundError(_("Unknown kind of figure."), "kind")
    if decision not in ("approved", "rejected"):
        raise InputError(_("Choose one of: %(choices)s.") % {"choices": "approved, rejected"},
                         "decision")
    record = session.get(model, record_id)
    if record is None:
        raise NotFoundError(_("No such record."), "id")
    if record.approval != "pending":
        raise InputError(_("This figure was already reviewed."), "decision")
    if record.entered_by == audit.actor_label(principal):
        raise PermissionDenied(APPROVE, _("A figure must be approved by someone other than "
                                          "the person who entered it."), authenticated=True)
    if decision == "rejected" and not note.strip():
        raise InputError(_("Say why the figure is rejected."), "note")
    moment = datetime.now(UTC)
    before = audit.snapshot(record)  # type: ignore[arg-type]
    _stamp(record, principal, decision, note.strip(), moment)
    audit.updated(session, principal, record, before)  # type: ignore[arg-type]
    if isinstance(record, Contribution):
        first = session.execute(select(ContributionStatus).where(
            ContributionStatus.contribution_id == record.id,
            ContributionStatus.approval == "pending",
            ContributionStatus.entered_by == record.entered_by,
        ).order_by(ContributionStatus.id).limit(1)).scalar_one_or_none()
        if first is not None and first.status == record.status:
            step_before = audit.snapshot(first)
            _stamp(first, principal, decision, note.strip(), moment)
            audit.updated(session, principal, first, step_before)
    if isinstance(record, ContributionStatus) and decision == "approved":
        parent = session.get(Contribution, record.contribution_id)
        assert parent is not None
        status = current_status(session, parent)
        if status != parent.status:
            parent_before = audit.snapshot(parent)
            parent.status = status
            audit.updated(session, principal, parent, parent_before)
    return record


def describe(session: Session, record: Reviewed) -> tuple[str, str | None]:
    """A one-line summary of a reviewable figure and the country it concerns."""
    from iofs.programmes.models import Consignment, Indicator, Organisation, Project

    if isinstance(record, Contribution):
        donor = session.get(Organisation, record.donor_id)
        return (f"{record.reference}: {donor.name if donor else '?'}, "
                f"{record.amount_usd:,} USD, {_(v.LABELS[record.status])}", record.country)
    if isinstance(record, ContributionStatus):
        parent = session.get(Contribution, record.contribution_id)
        assert parent is not None
        return (f"{parent.reference}: {_(v.LABELS[record.status])} {record.dated.isoformat()}",
                parent.country)
    if isinstance(record, ConsignmentStage):
        consignment = session.get(Consignment, record.consignment_id)
        assert consignment is not None
        return (f"{consignment.reference}: {_(v.LABELS[record.stage])} {record.quantity_t} t "
                f"{record.dated.isoformat()}", consignment.country)
    if isinstance(record, Beneficiaries):
        return (f"{record.number:,} {_(v.LABELS[record.unit])} {_(v.LABELS[record.measure])} "
                f"({record.as_of.isoformat()})", record.country)
    assert isinstance(record, IndicatorValue)
    indicator = session.get(Indicator, record.indicator_id)
    assert indicator is not None
    project = session.get(Project, indicator.project_id) if indicator.project_id else None
    return (f"{indicator.code} {_(v.LABELS[record.kind])} {record.value} {indicator.unit} "
            f"({record.period_start.isoformat()}–{record.period_end.isoformat()})",
            project.country if project else None)


@dataclass(frozen=True)
class PendingFigure:
    """One figure awaiting review, for the review queue."""

    kind: str
    id: int
    entered_by: str
    summary: str
    country: str | None


def pending(session: Session, principal: Principal | None = None) -> list[PendingFigure]:
    """Figures awaiting review, oldest first within each kind: every one, or only those
    ``principal`` may see (``programmes.read_pending`` for the figure's country)."""
    found: list[PendingFigure] = []
    for kind, model in REVIEWABLE.items():
        rows = session.execute(select(model).where(model.approval == "pending")
                               .order_by(model.id)).scalars()  # type: ignore[attr-defined]
        for row in rows:
            summary, country = describe(session, row)
            found.append(PendingFigure(kind, row.id, row.entered_by,  # type: ignore[attr-defined]
                                       summary, country))
    if principal is None:
        return found
    return [figure for figure in found if allows(principal, READ_PENDING,
                                                 country=figure.country or "", organisation="")]
