"""The commodity pipeline: consignments followed from pledge to distribution, and the people
they reached.

Stages, in order: pledged → procured → dispatched → received → distributed. A stage may be
recorded in several tranches (e.g. three distribution rounds). ``loss_t`` at a stage is what
was lost since the previous stage, so at each stage the tonnes recorded plus the losses may
not exceed the tonnes of the nearest earlier stage recorded. Beneficiary figures are counts by
sex and age group, never personal data. Focal points record their own states' deliveries;
every figure waits for a second person's approval.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.i18n import gettext as _
from iofs.permissions import Principal, authorize
from iofs.programmes import contributions, registry, review
from iofs.programmes import vocabulary as v
from iofs.programmes.models import Beneficiaries, Consignment, ConsignmentStage
from iofs.programmes.schemas import BeneficiariesIn, ConsignmentIn, StageIn, checked
from iofs.records import Outcome, put_record_outcome

for _model in (Consignment, ConsignmentStage, Beneficiaries):
    audit.audited(_model)

WRITE = "programmes.deliveries.write"


def consignment(session: Session, reference: str, field: str = "consignment") -> Consignment:
    """The consignment with ``reference``."""
    found = session.execute(
        select(Consignment).where(Consignment.reference == reference)
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            _("No consignment has the reference %(reference)s.") % {"reference": reference}, field
        )
    return found


def _attached(
    principal: Principal, owner: str | None, sent: str, mismatch: str, field: str
) -> None:
    """A figure attached to a record of ``owner``'s state: the principal must write for that
    state, and the country sent must be it (records of no state: nothing to check)."""
    if owner is None:
        return
    authorize(principal, WRITE, country=owner)
    if owner != sent:
        raise InputError(mismatch % {"country": owner}, field)


def put_consignment(
    session: Session, principal: Principal, data: ConsignmentIn | dict[str, Any]
) -> Consignment:
    """Create or update a consignment by its reference (waybill series, shipment number)."""
    return put_consignment_outcome(session, principal, data)[0]


def put_consignment_outcome(
    session: Session, principal: Principal, data: ConsignmentIn | dict[str, Any]
) -> tuple[Consignment, Outcome]:
    """:func:`put_consignment`, also returning whether it created, changed or left the
    consignment as it was."""
    entry = checked(ConsignmentIn, data)
    authorize(principal, WRITE, country=entry.country)
    existing = session.execute(
        select(Consignment).where(Consignment.reference == entry.reference)
    ).scalar_one_or_none()
    if existing is not None and existing.country != entry.country:
        authorize(principal, WRITE, country=existing.country)
    values = entry.model_dump(exclude={"reference", "appeal", "project", "contribution"})
    values["appeal_id"] = registry.appeal(session, entry.appeal).id if entry.appeal else None
    values["project_id"] = None
    if entry.project:
        project = registry.project(session, entry.project)
        if project.country != entry.country:
            raise InputError(
                _("The project is in %(country)s.") % {"country": project.country}, "country"
            )
        values["project_id"] = project.id
    values["contribution_id"] = None
    if entry.contribution:
        paid_by = contributions.by_reference(session, entry.contribution, "contribution")
        # the contribution's state decides, not the country sent
        _attached(
            principal,
            paid_by.country,
            entry.country,
            _("The contribution is for %(country)s."),
            "contribution",
        )
        values["contribution_id"] = paid_by.id
    if values["appeal_id"] is None and values["project_id"] is None:
        raise InputError(_("Say which appeal or project the consignment serves."), "appeal")
    return put_record_outcome(
        session,
        principal,
        Consignment,
        {"reference": entry.reference},
        values,
        permission=WRITE,
        country=entry.country,
    )


def consignments(
    session: Session, *, appeal_id: int | None = None, country: str | None = None
) -> list[Consignment]:
    """The consignments (of one appeal, to one country, or all), by reference."""
    query = select(Consignment).order_by(Consignment.reference)
    if appeal_id is not None:
        query = query.where(Consignment.appeal_id == appeal_id)
    if country is not None:
        query = query.where(Consignment.country == country)
    return list(session.execute(query).scalars())


def stages(session: Session, consignment_id: int) -> list[ConsignmentStage]:
    """A consignment's stage records in pipeline order, then date."""
    rows = (
        session.execute(
            select(ConsignmentStage).where(ConsignmentStage.consignment_id == consignment_id)
        )
        .scalars()
        .all()
    )
    return sorted(rows, key=lambda row: (v.PIPELINE_STAGES.index(row.stage), row.dated, row.id))


def stage_totals(rows: list[ConsignmentStage], *, approved_only: bool) -> dict[str, Decimal]:
    """Tonnes per stage (rejected records never count; pending ones when asked)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.approval == "approved" or (not approved_only and row.approval == "pending"):
            totals[row.stage] += row.quantity_t
    return dict(totals)


def add_stage(
    session: Session, principal: Principal, reference: str, data: StageIn | dict[str, Any]
) -> ConsignmentStage:
    """Record a consignment reaching a stage (one tranche); it counts once approved."""
    entry = checked(StageIn, data)
    target = consignment(session, reference)
    authorize(principal, WRITE, country=target.country)
    rows = [row for row in stages(session, target.id) if row.approval != "rejected"]
    index = v.PIPELINE_STAGES.index(entry.stage)
    earlier = [row for row in rows if v.PIPELINE_STAGES.index(row.stage) < index]
    if earlier:
        before_stage = max(earlier, key=lambda row: v.PIPELINE_STAGES.index(row.stage)).stage
        available = sum((row.quantity_t for row in rows if row.stage == before_stage), Decimal(0))
        used = sum(
            (row.quantity_t + row.loss_t for row in rows if row.stage == entry.stage), Decimal(0)
        )
        if used + entry.quantity_t + entry.loss_t > available:
            raise InputError(
                _(
                    "%(stage)s tonnes and losses (%(total)s t) would exceed the "
                    "%(before)s tonnes (%(available)s t)."
                )
                % {
                    "stage": _(v.LABELS[entry.stage]),
                    "before": _(v.LABELS[before_stage]),
                    "total": used + entry.quantity_t + entry.loss_t,
                    "available": available,
                },
                "quantity_t",
            )
        first_earlier = min(row.dated for row in earlier)
        if entry.dated < first_earlier:
            raise InputError(
                _("The date is before an earlier stage (%(date)s).")
                % {"date": first_earlier.isoformat()},
                "dated",
            )
    step = ConsignmentStage(consignment_id=target.id, **entry.model_dump())
    review.entered(step, principal)
    session.add(step)
    audit.created(session, principal, step)
    return step


def put_beneficiaries(
    session: Session, principal: Principal, data: BeneficiariesIn | dict[str, Any]
) -> Beneficiaries:
    """Record people or households targeted or reached (counts only); awaits approval.

    The same project/appeal, measure, unit, sex, age group and date is one figure: entering
    it again replaces the count (and sends it back for approval when it changed).
    """
    return put_beneficiaries_outcome(session, principal, data)[0]


def put_beneficiaries_outcome(
    session: Session, principal: Principal, data: BeneficiariesIn | dict[str, Any]
) -> tuple[Beneficiaries, Outcome]:
    """:func:`put_beneficiaries`, also returning whether it created, changed or left the
    figure as it was."""
    entry = checked(BeneficiariesIn, data)
    # the project's and the consignment's state decide, not the country sent
    project = registry.project(session, entry.project) if entry.project else None
    reached_by = consignment(session, entry.consignment) if entry.consignment else None
    if project is not None:
        _attached(
            principal,
            project.country,
            entry.country,
            _("The project is in %(country)s."),
            "project",
        )
    if reached_by is not None:
        _attached(
            principal,
            reached_by.country,
            entry.country,
            _("The consignment goes to %(country)s."),
            "consignment",
        )
    authorize(principal, WRITE, country=entry.country)
    key: dict[str, Any] = {
        "project_id": project.id if project else None,
        "appeal_id": registry.appeal(session, entry.appeal).id if entry.appeal else None,
        "consignment_id": reached_by.id if reached_by else None,
        "country": entry.country,
        "measure": entry.measure,
        "unit": entry.unit,
        "sex": entry.sex,
        "age_group": entry.age_group,
        "as_of": entry.as_of,
    }
    if key["project_id"] is None and key["appeal_id"] is None:
        raise InputError(_("Say which appeal or project the people were reached by."), "appeal")
    existing = session.execute(select(Beneficiaries).filter_by(**key)).scalar_one_or_none()
    values = {"number": entry.number, "sources": entry.sources, "illustrative": entry.illustrative}
    if existing is None:
        row = Beneficiaries(**key, **values)
        review.entered(row, principal)
        session.add(row)
        audit.created(session, principal, row)
        return row, "created"
    if all(getattr(existing, name) == value for name, value in values.items()):
        return existing, "unchanged"
    before = audit.snapshot(existing)
    for name, value in values.items():
        setattr(existing, name, value)
    review.entered(existing, principal)
    entry_written = audit.updated(session, principal, existing, before)
    return existing, "changed" if entry_written else "unchanged"


def reached(session: Session, country: str) -> list[Beneficiaries]:
    """Approved beneficiary counts in ``country``, newest date first."""
    return list(
        session.execute(
            select(Beneficiaries)
            .where(Beneficiaries.country == country, Beneficiaries.approval == "approved")
            .order_by(Beneficiaries.as_of.desc())
        ).scalars()
    )
