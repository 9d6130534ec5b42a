"""The release workflow, after the ECOWAS Regional Food Security Reserve's procedure.

request (a state, or a trigger's draft for the secretariat) → assessment (the technical note
sizing the release) → committee decision (approve, reduce or refuse, with reasons; taken by
someone other than the assessor and the requester: maker–checker) → dispatch from named lots
(release movements in the stock ledger) → delivery (a consignment in the programmes pipeline,
so tonnes delivered are counted once, there) → replenishment obligation (grain-for-grain or
cash, with a due date) → settled. Each step is dated and kept in the request's timeline; the
days from request to delivery are measured against APTERR's 15–45-day target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.permissions import PermissionDenied, Principal, authorize
from iofs.programmes import service as programmes
from iofs.reserves import ledger, registry
from iofs.reserves import vocabulary as v
from iofs.reserves.models import (
    Lot,
    Movement,
    ReleaseRequest,
    Replenishment,
    RequestStep,
    Warehouse,
)
from iofs.reserves.permissions import ASSESS, DECIDE, REQUESTS_WRITE, STOCK_WRITE
from iofs.reserves.schemas import (
    AssessmentIn,
    DecisionIn,
    DeliveryIn,
    DispatchIn,
    ReplenishmentIn,
    RequestIn,
    SettlementIn,
    checked,
)

for _model in (ReleaseRequest, RequestStep, Replenishment):
    audit.audited(_model)


def request(session: Session, reference: str, field: str = "request") -> ReleaseRequest:
    """The release request with ``reference``."""
    found = session.execute(
        select(ReleaseRequest).where(ReleaseRequest.reference == reference)
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(
            _("No release request has the reference %(reference)s.") % {"reference": reference},
            field,
        )
    return found


def _requests_query(*, country: str | None = None, status: str | None = None) -> Any:
    """Release requests of one state and/or status (every request when neither is given),
    unordered: the one query behind :func:`requests` and :func:`requests_page`."""
    query = select(ReleaseRequest)
    if country:
        query = query.where(ReleaseRequest.country == country.upper())
    if status:
        query = query.where(ReleaseRequest.status == status)
    return query


def requests(
    session: Session, *, country: str | None = None, status: str | None = None
) -> list[ReleaseRequest]:
    """Release requests, newest first (of one state or status when given): every one, for
    the CLI and other modules' summaries; lists shown to people read :func:`requests_page`."""
    query = _requests_query(country=country, status=status).order_by(
        ReleaseRequest.requested_on.desc(), ReleaseRequest.id.desc()
    )
    return list(session.execute(query).scalars())


#: Name bound into the release request lists' page cursors.
REQUESTS_SCOPE = "reserves.requests"


def requests_page(
    session: Session,
    after: str | None,
    limit: int,
    secret: str,
    *,
    country: str | None = None,
    status: str | None = None,
) -> Page[ReleaseRequest]:
    """One page of :func:`requests` (newest first: request date, then id) after the cursor
    ``after``, of one state and/or status. Keyset by ``(requested_on, id)``, so a deep page
    reads no earlier rows. Requests are public, as the positions are: no row is hidden."""
    pager = Pager(
        REQUESTS_SCOPE,
        [SortKey(ReleaseRequest.requested_on, True), SortKey(ReleaseRequest.id, True)],
        secret,
    )
    return pager.fetch(
        session,
        _requests_query(country=country, status=status),
        after,
        limit,
        key=lambda row: (row.requested_on, row.id),
    )


def timeline(session: Session, request_id: int) -> list[RequestStep]:
    """A request's steps in the order they were taken."""
    return list(
        session.execute(
            select(RequestStep).where(RequestStep.request_id == request_id).order_by(RequestStep.id)
        ).scalars()
    )


def _step(
    session: Session,
    principal: Principal,
    target: ReleaseRequest,
    step: str,
    dated: date,
    *,
    quantity_t: Decimal | None = None,
    note: str = "",
    pipeline_stage_id: int | None = None,
) -> RequestStep:
    previous = session.execute(
        select(RequestStep.dated)
        .where(RequestStep.request_id == target.id)
        .order_by(RequestStep.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if previous is not None and dated < previous:
        raise InputError(
            _("The date is before the previous step (%(date)s).") % {"date": previous.isoformat()},
            "dated",
        )
    row = RequestStep(
        request_id=target.id,
        step=step,
        dated=dated,
        at=datetime.now(UTC),
        actor=audit.actor_label(principal),
        quantity_t=quantity_t,
        note=note,
        pipeline_stage_id=pipeline_stage_id,
    )
    session.add(row)
    audit.created(session, principal, row)
    return row


def _change(session: Session, principal: Principal, target: ReleaseRequest, **values: Any) -> None:
    before = audit.snapshot(target)
    for name, value in values.items():
        setattr(target, name, value)
    audit.updated(session, principal, target, before)


def _expect(target: ReleaseRequest, *statuses: str) -> None:
    if target.status not in statuses:
        raise InputError(
            _("The request is %(status)s; this step needs it %(expected)s.")
            % {
                "status": _(v.LABELS[target.status]),
                "expected": " / ".join(_(v.LABELS[status]) for status in statuses),
            },
            "status",
        )


def create_request(
    session: Session,
    principal: Principal,
    data: RequestIn | dict[str, Any],
    *,
    draft_from_rule: str = "",
    sizing_note: str = "",
) -> ReleaseRequest:
    """Record a state's release request (focal points: their own states).

    With ``draft_from_rule`` the request is a trigger's draft for the secretariat (status
    ``draft``, permission ``reserves.assess``), carrying the sizing arithmetic; it releases
    nothing until assessed and decided.
    """
    entry = checked(RequestIn, data)
    if draft_from_rule:
        authorize(principal, ASSESS)
    else:
        authorize(principal, REQUESTS_WRITE, country=entry.country)
    if entry.country not in registry.oic_states():
        raise InputError(
            _("%(code)s is not an OIC member state.") % {"code": entry.country}, "country"
        )
    if session.execute(
        select(ReleaseRequest.id).where(ReleaseRequest.reference == entry.reference)
    ).first():
        raise InputError(_("A request with this reference exists."), "reference")
    values = entry.model_dump(exclude={"system", "appeal"})
    row = ReleaseRequest(
        **values,
        status="draft" if draft_from_rule else "requested",
        origin="trigger" if draft_from_rule else "state",
        trigger_rule=draft_from_rule,
        sizing_note=sizing_note,
        requested_by=audit.actor_label(principal),
        system_id=registry.system(session, entry.system).id if entry.system else None,
        appeal=entry.appeal or "",
    )
    session.add(row)
    audit.created(session, principal, row)
    _step(
        session,
        principal,
        row,
        row.status,
        entry.requested_on,
        quantity_t=entry.quantity_t,
        note=sizing_note or entry.reason,
    )
    return row


def assess(
    session: Session, principal: Principal, reference: str, data: AssessmentIn | dict[str, Any]
) -> ReleaseRequest:
    """The technical note: size the release (tonnes) and say why; for the committee."""
    entry = checked(AssessmentIn, data)
    authorize(principal, ASSESS)
    target = request(session, reference)
    _expect(target, "draft", "requested")
    quantity = entry.quantity_t or target.quantity_t
    _change(
        session,
        principal,
        target,
        status="assessed",
        quantity_t=quantity,
        assessed_by=audit.actor_label(principal),
    )
    _step(session, principal, target, "assessed", entry.dated, quantity_t=quantity, note=entry.note)
    return target


def decide(
    session: Session, principal: Principal, reference: str, data: DecisionIn | dict[str, Any]
) -> ReleaseRequest:
    """The committee's decision: approve the assessed tonnes, reduce them (fewer tonnes) or
    refuse, with reasons. The assessor and the requester may not decide (maker–checker)."""
    entry = checked(DecisionIn, data)
    authorize(principal, DECIDE)
    target = request(session, reference)
    _expect(target, "assessed")
    actor = audit.actor_label(principal)
    if actor in (target.assessed_by, target.requested_by):
        raise PermissionDenied(
            DECIDE,
            _(
                "The decision must be taken by someone other than "
                "the person who requested or assessed the release."
            ),
            authenticated=True,
        )
    decided: Decimal | None = target.quantity_t
    if entry.decision == "reduce":
        if entry.quantity_t is None or entry.quantity_t >= target.quantity_t:
            raise InputError(
                _("A reduction approves fewer tonnes than assessed (%(t)s t).")
                % {"t": target.quantity_t},
                "quantity_t",
            )
        decided = entry.quantity_t
    elif entry.decision == "refuse":
        decided = None
    status = {"approve": "approved", "reduce": "reduced", "refuse": "refused"}[entry.decision]
    _change(
        session,
        principal,
        target,
        status=status,
        decision=entry.decision,
        decided_t=decided,
        decision_reason=entry.reason,
        decided_by=actor,
    )
    _step(session, principal, target, status, entry.dated, quantity_t=decided, note=entry.reason)
    return target


def dispatch(
    session: Session, principal: Principal, reference: str, data: DispatchIn | dict[str, Any]
) -> ReleaseRequest:
    """Release approved tonnes from named lots and open the delivery's pipeline consignment.

    Each lot gets a ``release`` movement (its row locked first, so concurrent dispatches never
    overdraw it); the lots must hold the requested commodity and their writers' permission is
    checked for each warehouse's state. The consignment ``RES-<reference>`` serves the
    request's appeal, and records the dispatched tonnes (awaiting approval there).
    """
    entry = checked(DispatchIn, data)
    target = request(session, reference)
    _expect(target, "approved", "reduced")
    appeal = entry.appeal or target.appeal
    if not appeal:
        raise InputError(_("Say which appeal the delivery counts for."), "appeal")
    total = sum((line.quantity_t for line in entry.lots), Decimal(0))
    assert target.decided_t is not None
    if total > target.decided_t:
        raise InputError(
            _("%(total)s t is more than the %(decided)s t decided.")
            % {"total": total, "decided": target.decided_t},
            "lots",
        )
    origins: list[str] = []
    for index, line in enumerate(entry.lots):
        lot = ledger.lot(session, line.lot, f"lots.{index}.lot")
        country = ledger.lot_country(session, lot)
        authorize(principal, STOCK_WRITE, country=country)
        if lot.commodity != target.commodity:
            raise InputError(
                _("Lot %(lot)s holds %(commodity)s.")
                % {"lot": lot.code, "commodity": _(v.LABELS[lot.commodity])},
                f"lots.{index}.lot",
            )
        ledger.append(
            session,
            principal,
            lot,
            "release",
            entry.dated,
            line.quantity_t,
            reason=target.reason[:300],
            document=entry.document,
            request_id=target.id,
        )
        origins.append(f"{lot.code} ({registry.state_name(country)})")
    consignment = programmes.record_consignment(
        session,
        principal,
        {
            "reference": f"RES-{target.reference}",
            "appeal": appeal,
            "country": target.country,
            "commodity": v.LABELS[target.commodity].lower(),
            "origin": ", ".join(origins)[:200],
            "destination": entry.destination,
            "illustrative": target.illustrative,
            "sources": _("Reserve release %(reference)s") % {"reference": target.reference},
        },
    )
    stage_id = programmes.record_stage(
        session,
        principal,
        consignment,
        {
            "stage": "dispatched",
            "dated": entry.dated,
            "quantity_t": total,
            "document": entry.document,
        },
    )
    _change(session, principal, target, status="dispatched", appeal=appeal, consignment=consignment)
    _step(
        session,
        principal,
        target,
        "dispatched",
        entry.dated,
        quantity_t=total,
        note=", ".join(origins),
        pipeline_stage_id=stage_id,
    )
    return target


def dispatched_t(session: Session, request_id: int) -> Decimal:
    """Tonnes released from lots for a request (the sum of its release movements)."""
    rows = session.execute(
        select(Movement.quantity_t).where(
            Movement.request_id == request_id, Movement.kind == "release"
        )
    ).scalars()
    return -sum(rows, Decimal(0))


def deliver(
    session: Session, principal: Principal, reference: str, data: DeliveryIn | dict[str, Any]
) -> ReleaseRequest:
    """Record the grain handed over in the receiving state: the consignment's ``received``
    and ``distributed`` tranches in the programmes pipeline (counted there once approved)."""
    entry = checked(DeliveryIn, data)
    target = request(session, reference)
    authorize(principal, REQUESTS_WRITE, country=target.country)
    _expect(target, "dispatched")
    sent = dispatched_t(session, target.id)
    if entry.quantity_t + entry.loss_t > sent:
        raise InputError(
            _("Delivered tonnes and losses exceed the %(sent)s t dispatched.") % {"sent": sent},
            "quantity_t",
        )
    received_id = programmes.record_stage(
        session,
        principal,
        target.consignment,
        {
            "stage": "received",
            "dated": entry.dated,
            "quantity_t": entry.quantity_t,
            "loss_t": entry.loss_t,
            "document": entry.document,
        },
    )
    stage_id = programmes.record_stage(
        session,
        principal,
        target.consignment,
        {
            "stage": "distributed",
            "dated": entry.dated,
            "quantity_t": entry.quantity_t,
            "document": entry.document,
            "note": _("Handed over to the state's distribution (reserve release)"),
        },
    )
    _change(
        session,
        principal,
        target,
        status="delivered",
        delivered_t=entry.quantity_t,
        delivery_stage_id=stage_id,
    )
    _step(
        session,
        principal,
        target,
        "delivered",
        entry.dated,
        quantity_t=entry.quantity_t,
        note=entry.document,
        pipeline_stage_id=received_id,
    )
    return target


def oblige_replenishment(
    session: Session, principal: Principal, reference: str, data: ReplenishmentIn | dict[str, Any]
) -> Replenishment:
    """The receiving state's obligation to replenish: grain-for-grain (tonnes, default the
    tonnes dispatched) or cash (money with currency), by ``due_on``."""
    entry = checked(ReplenishmentIn, data)
    authorize(principal, ASSESS)
    target = request(session, reference)
    _expect(target, "dispatched", "delivered")
    if session.execute(
        select(Replenishment.id).where(Replenishment.request_id == target.id)
    ).first():
        raise InputError(_("The replenishment is already set."), "form")
    quantity = entry.quantity_t
    if entry.form == "grain" and quantity is None:
        quantity = dispatched_t(session, target.id)
    if entry.form == "cash" and entry.amount is None:
        raise InputError(_("A cash replenishment states its amount."), "amount")
    row = Replenishment(
        request_id=target.id,
        form=entry.form,
        due_on=entry.due_on,
        quantity_t=quantity if entry.form == "grain" else None,
        amount=entry.amount if entry.form == "cash" else None,
        currency=entry.currency if entry.form == "cash" else "",
    )
    session.add(row)
    audit.created(session, principal, row)
    return row


def replenishment(session: Session, request_id: int) -> Replenishment | None:
    """A request's replenishment obligation, if set."""
    return session.execute(
        select(Replenishment).where(Replenishment.request_id == request_id)
    ).scalar_one_or_none()


def settle_replenishment(
    session: Session, principal: Principal, reference: str, data: SettlementIn | dict[str, Any]
) -> Replenishment:
    """Settle the obligation: grain is received into ``lot`` (a receipt movement of the owed
    tonnes); cash is recorded as paid. The request becomes ``replenished``."""
    entry = checked(SettlementIn, data)
    target = request(session, reference)
    authorize(principal, REQUESTS_WRITE, country=target.country)
    _expect(target, "delivered")
    owed = replenishment(session, target.id)
    if owed is None:
        raise InputError(_("Set the replenishment obligation first."), "form")
    lot_id = None
    if owed.form == "grain":
        if not entry.lot:
            raise InputError(_("Name the lot that receives the grain."), "lot")
        lot = ledger.lot(session, entry.lot)
        authorize(principal, STOCK_WRITE, country=ledger.lot_country(session, lot))
        if lot.commodity != target.commodity:
            raise InputError(
                _("Lot %(lot)s holds %(commodity)s.")
                % {"lot": lot.code, "commodity": _(v.LABELS[lot.commodity])},
                "lot",
            )
        assert owed.quantity_t is not None
        ledger.append(
            session,
            principal,
            lot,
            "receipt",
            entry.dated,
            owed.quantity_t,
            reason=_("Replenishment of %(reference)s") % {"reference": reference},
            document=entry.document,
            request_id=target.id,
        )
        lot_id = lot.id
    before = audit.snapshot(owed)
    owed.settled_on, owed.settled_lot_id = entry.dated, lot_id
    audit.updated(session, principal, owed, before)
    _change(session, principal, target, status="replenished")
    _step(
        session,
        principal,
        target,
        "replenished",
        entry.dated,
        quantity_t=owed.quantity_t,
        note=entry.document,
    )
    return owed


@dataclass(frozen=True)
class DueReplenishment:
    """An unsettled replenishment and how many days remain (negative: overdue)."""

    reference: str
    country: str
    form: str
    quantity_t: Decimal | None
    amount: Decimal | None
    currency: str
    due_on: date
    days_left: int


def replenishments_due(session: Session, today: date) -> list[DueReplenishment]:
    """Unsettled replenishment obligations, soonest due first (the reminder list)."""
    rows = session.execute(
        select(Replenishment, ReleaseRequest)
        .join(ReleaseRequest, ReleaseRequest.id == Replenishment.request_id)
        .where(Replenishment.settled_on.is_(None))
        .order_by(Replenishment.due_on)
    ).all()
    return [
        DueReplenishment(
            req.reference,
            req.country,
            owed.form,
            owed.quantity_t,
            owed.amount,
            owed.currency,
            owed.due_on,
            (owed.due_on - today).days,
        )
        for owed, req in rows
    ]


def request_to_delivery_days(session: Session, target: ReleaseRequest) -> int | None:
    """Days from the request (or the trigger's draft) to delivery; None until delivered."""
    steps = timeline(session, target.id)
    delivered = [step.dated for step in steps if step.step == "delivered"]
    if not delivered or not steps:
        return None
    return (delivered[0] - steps[0].dated).days


def pipeline_stage_ids(session: Session, target: ReleaseRequest) -> list[int]:
    """Ids of the programmes pipeline stage records a request wrote (dispatched, received,
    distributed), in the order written."""
    ids = [
        step.pipeline_stage_id
        for step in timeline(session, target.id)
        if step.pipeline_stage_id is not None
    ]
    return ids + ([target.delivery_stage_id] if target.delivery_stage_id else [])


def lots_released(session: Session, request_id: int) -> list[tuple[str, str, Decimal]]:
    """(lot code, state ISO3, tonnes) released for a request."""
    rows = session.execute(
        select(Lot.code, Warehouse.country, Movement.quantity_t)
        .join(Lot, Lot.id == Movement.lot_id)
        .join(Warehouse, Warehouse.id == Lot.warehouse_id)
        .where(Movement.request_id == request_id, Movement.kind == "release")
        .order_by(Movement.id)
    ).all()
    return [(code, country, -quantity) for code, country, quantity in rows]
