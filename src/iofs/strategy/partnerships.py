"""Partnerships: partner organisations, agreements with parties and obligations, renewal and
expiry reminders, events and forums, capacity-building activities.

Reminders (:func:`due`): an agreement in force whose expiry date falls within the window (or
has passed), whose renewal notice date (expiry − notice days) falls within it, and every open
obligation due within the window or overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs import validation
from iofs.audit import service as audit
from iofs.errors import InputError, NotFoundError
from iofs.feeds import register_feed
from iofs.i18n import N_
from iofs.i18n import gettext as _
from iofs.permissions import Principal, allows, authorize
from iofs.strategy import framework
from iofs.strategy import vocabulary as v
from iofs.strategy.models import (
    Agreement,
    AgreementParty,
    CapacityActivity,
    Event,
    Obligation,
    Partner,
    Programme,
)
from iofs.strategy.schemas import (
    ActivityIn,
    AgreementIn,
    EventIn,
    ObligationIn,
    PartnerIn,
    checked,
)

for _model in (Partner, Agreement, AgreementParty, Obligation, Event, CapacityActivity):
    audit.audited(_model)

WRITE = "strategy.partnerships.write"
DEFAULT_WINDOW_DAYS = 60


def _get(
    session: Session,
    model: type[Agreement] | type[Partner] | type[Programme],
    record_id: int | None,
    field: str,
) -> None:
    if record_id is not None and session.get(model, record_id) is None:
        raise NotFoundError(_("No such record."), field)


def put_partner(
    session: Session, principal: Principal, data: PartnerIn | dict[str, Any]
) -> Partner:
    """Create or update the partner called ``data.name``."""
    entry = checked(PartnerIn, data)
    return framework.put_record(
        session,
        principal,
        Partner,
        {"name": entry.name},
        {
            "kind": entry.kind,
            "acronym": entry.acronym,
            "country": validation.country(entry.country),
            "website": validation.url(entry.website, "website"),
            "sources": entry.sources,
        },
        permission=WRITE,
    )


def put_agreement(
    session: Session, principal: Principal, data: AgreementIn | dict[str, Any]
) -> Agreement:
    """Create or update the agreement titled ``data.title`` and add its parties."""
    authorize(principal, WRITE)
    entry = checked(AgreementIn, data)
    if entry.signed_on and entry.expires_on and entry.expires_on < entry.signed_on:
        raise InputError(_("The expiry date is before the signature date."), "expires_on")
    for partner_id in entry.partner_ids:
        _get(session, Partner, partner_id, "partner_ids")
    agreement = framework.put_record(
        session,
        principal,
        Agreement,
        {"title": entry.title},
        {
            "kind": entry.kind,
            "status": entry.status,
            "signed_on": entry.signed_on,
            "expires_on": entry.expires_on,
            "notice_days": entry.notice_days,
            "areas": entry.areas,
            "summary": entry.summary,
            "illustrative": entry.illustrative,
            "sources": entry.sources,
        },
        permission=WRITE,
    )
    for partner_id in sorted(set(entry.partner_ids)):
        framework.put_record(
            session,
            principal,
            AgreementParty,
            {"agreement_id": agreement.id, "partner_id": partner_id},
            {},
            permission=WRITE,
        )
    return agreement


def add_obligation(
    session: Session, principal: Principal, agreement_id: int, data: ObligationIn | dict[str, Any]
) -> Obligation:
    """Add an obligation (what, who, by when) to an agreement."""
    authorize(principal, WRITE)
    _get(session, Agreement, agreement_id, "agreement_id")
    entry = checked(ObligationIn, data)
    return framework.put_record(
        session,
        principal,
        Obligation,
        {"agreement_id": agreement_id, "description": entry.description, "due_on": entry.due_on},
        {"owner": entry.owner, "done": False},
        permission=WRITE,
    )


def set_obligation_done(
    session: Session, principal: Principal, obligation_id: int, done: bool
) -> Obligation:
    authorize(principal, WRITE)
    row = session.get(Obligation, obligation_id)
    if row is None:
        raise NotFoundError(_("No such record."), "obligation_id")
    before = audit.snapshot(row)
    row.done = done
    audit.updated(session, principal, row, before)
    return row


def list_partners(session: Session) -> list[Partner]:
    return list(session.execute(select(Partner).order_by(Partner.name)).scalars())


def list_agreements(session: Session, principal: Principal) -> list[Agreement]:
    """Agreements, newest signature first; drafts only for who may read them."""
    query = select(Agreement).order_by(Agreement.signed_on.desc(), Agreement.title)
    if not allows(principal, "strategy.partnerships.read_drafts"):
        query = query.where(Agreement.status.in_(v.PUBLIC_STATUSES))
    return list(session.execute(query).scalars())


def parties(session: Session, agreement_id: int) -> list[Partner]:
    return list(
        session.execute(
            select(Partner)
            .join(AgreementParty, AgreementParty.partner_id == Partner.id)
            .where(AgreementParty.agreement_id == agreement_id)
            .order_by(Partner.name)
        ).scalars()
    )


def obligations(session: Session, agreement_id: int) -> list[Obligation]:
    return list(
        session.execute(
            select(Obligation)
            .where(Obligation.agreement_id == agreement_id)
            .order_by(Obligation.due_on)
        ).scalars()
    )


@dataclass(frozen=True)
class Reminder:
    """Something due: ``kind`` is ``expiry``, ``renewal_notice`` or ``obligation``."""

    kind: str
    due_on: date
    agreement: Agreement
    obligation: Obligation | None
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


REMINDER_LABELS = {
    "expiry": N_("Agreement expires"),
    "renewal_notice": N_("Renewal decision due (notice period)"),
    "obligation": N_("Obligation due"),
}


def due(
    session: Session,
    principal: Principal,
    today: date | None = None,
    days: int = DEFAULT_WINDOW_DAYS,
) -> list[Reminder]:
    """Reminders due within ``days`` of ``today`` (overdue ones included), soonest first."""
    if not 0 <= days <= 3650:
        raise InputError(_("The window must be between 0 and 3650 days."), "days")
    today = today or date.today()
    horizon = today + timedelta(days=days)
    found: list[Reminder] = []
    for agreement in list_agreements(session, principal):
        if agreement.status != "in_force":
            continue
        if agreement.expires_on is not None:
            if agreement.expires_on <= horizon:
                found.append(
                    Reminder(
                        "expiry",
                        agreement.expires_on,
                        agreement,
                        None,
                        (agreement.expires_on - today).days,
                    )
                )
            notice = agreement.expires_on - timedelta(days=agreement.notice_days)
            if agreement.notice_days and today <= notice <= horizon:
                found.append(
                    Reminder("renewal_notice", notice, agreement, None, (notice - today).days)
                )
        for obligation in obligations(session, agreement.id):
            if not obligation.done and obligation.due_on <= horizon:
                found.append(
                    Reminder(
                        "obligation",
                        obligation.due_on,
                        agreement,
                        obligation,
                        (obligation.due_on - today).days,
                    )
                )
    return sorted(found, key=lambda r: (r.due_on, r.kind, r.agreement.id))


def put_event(session: Session, principal: Principal, data: EventIn | dict[str, Any]) -> Event:
    """Create or update the event called ``data.name``."""
    authorize(principal, WRITE)
    entry = checked(EventIn, data)
    if entry.starts_on and entry.ends_on and entry.ends_on < entry.starts_on:
        raise InputError(_("The end date is before the start date."), "ends_on")
    return framework.put_record(
        session,
        principal,
        Event,
        {"name": entry.name},
        {
            "kind": entry.kind,
            "starts_on": entry.starts_on,
            "ends_on": entry.ends_on,
            "place": entry.place,
            "country": validation.country(entry.country),
            "participation": entry.participation,
            "outcomes": entry.outcomes,
            "illustrative": entry.illustrative,
            "sources": entry.sources,
        },
        permission=WRITE,
    )


def list_events(session: Session) -> list[Event]:
    return list(
        session.execute(select(Event).order_by(Event.starts_on.desc(), Event.name)).scalars()
    )


def put_activity(
    session: Session, principal: Principal, data: ActivityIn | dict[str, Any]
) -> CapacityActivity:
    """Create or update the capacity-building activity titled ``data.title``."""
    authorize(principal, WRITE)
    entry = checked(ActivityIn, data)
    if entry.starts_on and entry.ends_on and entry.ends_on < entry.starts_on:
        raise InputError(_("The end date is before the start date."), "ends_on")
    _get(session, Agreement, entry.agreement_id, "agreement_id")
    _get(session, Programme, entry.programme_id, "programme_id")
    return framework.put_record(
        session,
        principal,
        CapacityActivity,
        {"title": entry.title},
        {
            "kind": entry.kind,
            "starts_on": entry.starts_on,
            "ends_on": entry.ends_on,
            "place": entry.place,
            "agreement_id": entry.agreement_id,
            "programme_id": entry.programme_id,
            "participants_female": entry.participants_female,
            "participants_male": entry.participants_male,
            "illustrative": entry.illustrative,
            "sources": entry.sources,
        },
        permission=WRITE,
    )


def list_activities(session: Session) -> list[CapacityActivity]:
    return list(
        session.execute(
            select(CapacityActivity).order_by(
                CapacityActivity.starts_on.desc(), CapacityActivity.title
            )
        ).scalars()
    )


def people_trained(session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Participants (persons, all sexes) in capacity-building activities started in ``year``.

    Activities are not attributed to states, so the feed answers only the IOFS-wide figure
    (``iso3`` None) and None for a state.
    """
    if iso3 is not None:
        return None
    total = 0
    for activity in list_activities(session):
        if activity.starts_on is not None and activity.starts_on.year == year:
            total += activity.participants_female + activity.participants_male
    return Decimal(total)


register_feed(
    "strategy.people_trained",
    N_("People trained in IOFS capacity building"),
    "persons",
    people_trained,
)
