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
from iofs.strategy.models import (
    Agreement,
    AgreementParty,
    CapacityActivity,
    Event,
    Obligation,
    Partner,
    Programme,
)

for _model in (Partner, Agreement, AgreementParty, Obligation, Event, CapacityActivity):
    audit.audited(_model)

PARTNER_KINDS = ("un_agency", "intergovernmental", "government", "university", "research",
                 "ngo", "private", "other")
AGREEMENT_KINDS = ("mou", "cooperation_agreement", "host_agreement")
AGREEMENT_STATUSES = ("draft", "negotiation", "in_force", "expired", "terminated")
PUBLIC_STATUSES = ("in_force", "expired", "terminated")
EVENT_KINDS = ("forum", "summit", "conference", "workshop", "meeting")
ACTIVITY_KINDS = ("training", "scholarship", "workshop")
LABELS = {
    "mou": N_("Memorandum of understanding"),
    "cooperation_agreement": N_("Cooperation agreement"),
    "host_agreement": N_("Host agreement"),
    "draft": N_("draft"), "negotiation": N_("in negotiation"), "in_force": N_("in force"),
    "expired": N_("expired"), "terminated": N_("terminated"),
    "forum": N_("forum"), "summit": N_("summit"), "conference": N_("conference"),
    "workshop": N_("workshop"), "meeting": N_("meeting"), "training": N_("training"),
    "scholarship": N_("scholarship"),
    "un_agency": N_("UN agency"), "intergovernmental": N_("intergovernmental organisation"),
    "government": N_("government body"), "university": N_("university"),
    "research": N_("research institute"), "ngo": N_("non-governmental organisation"),
    "private": N_("private company"), "other": N_("other"),
}
WRITE = "strategy.partnerships.write"
DEFAULT_WINDOW_DAYS = 60


def _get(session: Session, model: type[Agreement] | type[Partner] | type[Programme],
         record_id: int | None, field: str) -> None:
    if record_id is not None and session.get(model, record_id) is None:
        raise NotFoundError(_("No such record."), field)


def put_partner(session: Session, principal: Principal, name: str, kind: str = "other",
                acronym: str = "", country: str | None = None, website: str = "",
                sources: str = "") -> Partner:
    """Create or update the partner called ``name``."""
    return framework.put_record(session, principal, Partner,
                                {"name": validation.text(name, "name", 200, required=True)}, {
        "kind": validation.choice(kind, "kind", PARTNER_KINDS),
        "acronym": validation.text(acronym, "acronym", 32),
        "country": validation.country(country),
        "website": validation.url(website, "website"),
        "sources": validation.text(sources, "sources", 4000)}, permission=WRITE)


@dataclass(frozen=True)
class AgreementInput:
    title: str
    kind: str
    status: str = "in_force"
    partner_ids: tuple[int, ...] = ()
    signed_on: str | date | None = None
    expires_on: str | date | None = None
    notice_days: int = 90
    areas: str = ""
    summary: str = ""
    illustrative: bool = False
    sources: str = ""


def put_agreement(session: Session, principal: Principal, data: AgreementInput) -> Agreement:
    """Create or update the agreement titled ``data.title`` and add its parties."""
    authorize(principal, WRITE)
    signed = validation.iso_date(data.signed_on, "signed_on")
    expires = validation.iso_date(data.expires_on, "expires_on")
    if signed and expires and expires < signed:
        raise InputError(_("The expiry date is before the signature date."), "expires_on")
    if not 0 <= data.notice_days <= 3650:
        raise InputError(_("The notice period must be between 0 and 3650 days."),
                         "notice_days")
    for partner_id in data.partner_ids:
        _get(session, Partner, partner_id, "partner_ids")
    agreement = framework.put_record(
        session, principal, Agreement,
        {"title": validation.text(data.title, "title", 300, required=True)}, {
            "kind": validation.choice(data.kind, "kind", AGREEMENT_KINDS),
            "status": validation.choice(data.status, "status", AGREEMENT_STATUSES),
            "signed_on": signed, "expires_on": expires, "notice_days": data.notice_days,
            "areas": validation.text(data.areas, "areas", 500),
            "summary": validation.text(data.summary, "summary", 4000),
            "illustrative": bool(data.illustrative),
            "sources": validation.text(data.sources, "sources", 4000)}, permission=WRITE)
    for partner_id in sorted(set(data.partner_ids)):
        framework.put_record(session, principal, AgreementParty,
                             {"agreement_id": agreement.id, "partner_id": partner_id}, {},
                             permission=WRITE)
    return agreement


def add_obligation(session: Session, principal: Principal, agreement_id: int,
                   description: str, due_on: str | date, owner: str = "") -> Obligation:
    """Add an obligation (what, who, by when) to an agreement."""
    authorize(principal, WRITE)
    _get(session, Agreement, agreement_id, "agreement_id")
    due_date = validation.iso_date(due_on, "due_on", required=True)
    text = validation.text(description, "description", 500, required=True)
    return framework.put_record(session, principal, Obligation, {
        "agreement_id": agreement_id, "description": text, "due_on": due_date},
        {"owner": validation.text(owner, "owner", 200), "done": False}, permission=WRITE)


def set_obligation_done(session: Session, principal: Principal, obligation_id: int,
                        done: bool) -> Obligation:
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
        query = query.where(Agreement.status.in_(PUBLIC_STATUSES))
    return list(session.execute(query).scalars())


def parties(session: Session, agreement_id: int) -> list[Partner]:
    return list(session.execute(select(Partner).join(
        AgreementParty, AgreementParty.partner_id == Partner.id).where(
        AgreementParty.agreement_id == agreement_id).order_by(Partner.name)).scalars())


def obligations(session: Session, agreement_id: int) -> list[Obligation]:
    return list(session.execute(select(Obligation).where(
        Obligation.agreement_id == agreement_id).order_by(Obligation.due_on)).scalars())


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


REMINDER_LABELS = {"expiry": N_("Agreement expires"),
                   "renewal_notice": N_("Renewal decision due (notice period)"),
                   "obligation": N_("Obligation due")}


def due(session: Session, principal: Principal, today: date | None = None,
        days: int = DEFAULT_WINDOW_DAYS) -> list[Reminder]:
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
                found.append(Reminder("expiry", agreement.expires_on, agreement, None,
                                      (agreement.expires_on - today).days))
            notice = agreement.expires_on - timedelta(days=agreement.notice_days)
            if agreement.notice_days and today <= notice <= horizon:
                found.append(Reminder("renewal_notice", notice, agreement, None,
                                      (notice - today).days))
        for obligation in obligations(session, agreement.id):
            if not obligation.done and obligation.due_on <= horizon:
                found.append(Reminder("obligation", obligation.due_on, agreement, obligation,
                                      (obligation.due_on - today).days))
    return sorted(found, key=lambda r: (r.due_on, r.kind, r.agreement.id))


@dataclass(frozen=True)
class EventInput:
    name: str
    kind: str = "forum"
    starts_on: str | date | None = None
    ends_on: str | date | None = None
    place: str = ""
    country: str | None = None
    participation: str = ""
    outcomes: str = ""
    illustrative: bool = False
    sources: str = ""


def put_event(session: Session, principal: Principal, data: EventInput) -> Event:
    """Create or update the event called ``data.name``."""
    authorize(principal, WRITE)
    starts = validation.iso_date(data.starts_on, "starts_on")
    ends = validation.iso_date(data.ends_on, "ends_on")
    if starts and ends and ends < starts:
        raise InputError(_("The end date is before the start date."), "ends_on")
    return framework.put_record(session, principal, Event, {
        "name": validation.text(data.name, "name", 300, required=True)}, {
        "kind": validation.choice(data.kind, "kind", EVENT_KINDS),
        "starts_on": starts, "ends_on": ends,
        "place": validation.text(data.place, "place", 200),
        "country": validation.country(data.country),
        "participation": validation.text(data.participation, "participation", 4000),
        "outcomes": validation.text(data.outcomes, "outcomes", 4000),
        "illustrative": bool(data.illustrative),
        "sources": validation.text(data.sources, "sources", 4000)}, permission=WRITE)


def list_events(session: Session) -> list[Event]:
    return list(session.execute(select(Event).order_by(
        Event.starts_on.desc(), Event.name)).scalars())


@dataclass(frozen=True)
class ActivityInput:
    title: str
    kind: str = "training"
    starts_on: str | date | None = None
    ends_on: str | date | None = None
    place: str = ""
    agreement_id: int | None = None
    programme_id: int | None = None
    participants_female: int = 0
    participants_male: int = 0
    illustrative: bool = False
    sources: str = ""


def put_activity(session: Session, principal: Principal,
                 data: ActivityInput) -> CapacityActivity:
    """Create or update the capacity-building activity titled ``data.title``."""
    authorize(principal, WRITE)
    starts = validation.iso_date(data.starts_on, "starts_on")
    ends = validation.iso_date(data.ends_on, "ends_on")
    if starts and ends and ends < starts:
        raise InputError(_("The end date is before the start date."), "ends_on")
    _get(session, Agreement, data.agreement_id, "agreement_id")
    _get(session, Programme, data.programme_id, "programme_id")
    for name, count in (("participants_female", data.participants_female),
                        ("participants_male", data.participants_male)):
        if not 0 <= count <= 1_000_000:
            raise InputError(_("Enter a count from 0 to 1,000,000."), name)
    return framework.put_record(session, principal, CapacityActivity, {
        "title": validation.text(data.title, "title", 300, required=True)}, {
        "kind": validation.choice(data.kind, "kind", ACTIVITY_KINDS),
        "starts_on": starts, "ends_on": ends,
        "place": validation.text(data.place, "place", 200),
        "agreement_id": data.agreement_id, "programme_id": data.programme_id,
        "participants_female": data.participants_female,
        "participants_male": data.participants_male,
        "illustrative": bool(data.illustrative),
        "sources": validation.text(data.sources, "sources", 4000)}, permission=WRITE)


def list_activities(session: Session) -> list[CapacityActivity]:
    return list(session.execute(select(CapacityActivity).order_by(
        CapacityActivity.starts_on.desc(), CapacityActivity.title)).scalars())


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


register_feed("strategy.people_trained", N_("People trained in IOFS capacity building"),
              "persons", people_trained)
