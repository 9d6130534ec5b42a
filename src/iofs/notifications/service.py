"""Subscriptions, the sent-mail log and unsubscribing: the functions pages, API and CLI call.

A user reads and changes only their own subscriptions and reads only their own mail
(:data:`~iofs.notifications.permissions.SUBSCRIBE`, checked against the record's user); the
whole log needs :data:`~iofs.notifications.permissions.LOG_READ` (the secretariat). Every
change of a subscription is audited in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from iofs.audit import service as audit
from iofs.errors import InputError
from iofs.http.paging import Page, Pager, SortKey
from iofs.i18n import gettext as _
from iofs.notifications import tokens
from iofs.notifications.models import SentMail, Subscription
from iofs.notifications.permissions import LOG_READ, SUBSCRIBE
from iofs.notifications.schemas import SubscriptionIn
from iofs.notifications.topics import FREQUENCIES, TOPICS
from iofs.permissions import PermissionDenied, Principal, authorize

audit.audited(Subscription)

#: Most rows of the sent-mail log one API page returns.
LOG_LIMIT = 500


def _own_user(principal: Principal) -> int:
    authorize(principal, SUBSCRIBE)
    if principal.user_id is None:
        raise PermissionDenied(SUBSCRIBE, _("Sign in to do this."), authenticated=False)
    return principal.user_id


def subscriptions(session: Session, principal: Principal) -> list[Subscription]:
    """The principal's own subscriptions, in topic order."""
    user_id = _own_user(principal)
    rows = session.scalars(select(Subscription).where(Subscription.user_id == user_id))
    order = list(TOPICS)
    return sorted(rows, key=lambda row: order.index(row.topic) if row.topic in order else 99)


def _states(session: Session, wanted: SubscriptionIn) -> list[str]:
    from iofs.members import service as members

    topic = TOPICS[wanted.topic]
    codes = sorted({code.strip().upper() for code in wanted.states if code.strip()})
    if codes and not topic.states:
        raise InputError(
            _("The topic %(topic)s takes no states.") % {"topic": _(topic.label)}, "states"
        )
    known = members.iso3_codes(session)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InputError(
            _("Not an OIC member state: %(codes)s.") % {"codes": ", ".join(unknown)}, "states"
        )
    if topic.states_required and not codes:
        raise InputError(
            _("Choose at least one state for %(topic)s.") % {"topic": _(topic.label)}, "states"
        )
    return codes


def put_subscriptions(
    session: Session, principal: Principal, wanted: Iterable[SubscriptionIn]
) -> list[Subscription]:
    """Make the principal's subscriptions exactly ``wanted`` (one per topic; topics left out
    are removed). Raises :class:`InputError` naming the field for a bad state or a topic
    given twice."""
    user_id = _own_user(principal)
    chosen: dict[str, SubscriptionIn] = {}
    for entry in wanted:
        if entry.topic in chosen:
            raise InputError(_("A topic is given twice."), "topic")
        if entry.frequency not in FREQUENCIES:
            raise InputError(_("The frequency must be daily or weekly."), "frequency")
        chosen[entry.topic] = entry
    states = {topic: _states(session, entry) for topic, entry in chosen.items()}
    existing = {row.topic: row for row in subscriptions(session, principal)}
    for topic, row in existing.items():
        if topic not in chosen:
            audit.deleted(session, principal, row)
    for topic, entry in chosen.items():
        found = existing.get(topic)
        if found is None:
            row = Subscription(
                user_id=user_id,
                topic=topic,
                states=states[topic],
                frequency=entry.frequency,
                created_at=datetime.now(UTC),
            )
            session.add(row)
            audit.created(session, principal, row)
            continue
        before = audit.snapshot(found)
        found.states = states[topic]
        found.frequency = entry.frequency
        audit.updated(session, principal, found, before)
    session.flush()
    return subscriptions(session, principal)


def mail_language(session: Session, principal: Principal) -> str:
    """The language the principal's digests are written in (their account's)."""
    from iofs.accounts import service as accounts

    return accounts.get_user(session, _own_user(principal)).preferred_language


def set_mail_language(session: Session, principal: Principal, language: str) -> None:
    """Write the principal's digests (and their pages after sign-in) in ``language``."""
    from iofs.accounts import service as accounts

    accounts.set_preferred_language(session, principal, _own_user(principal), language)


#: Name bound into the sent-mail lists' page cursors (with ``.own`` or ``.all``).
SENT_SCOPE = "notifications.sent"
#: The sent-mail lists' order, newest first: when sent, then id (unique).
SENT_KEYS = (SortKey(SentMail.sent_at, descending=True), SortKey(SentMail.id, descending=True))
#: The states of a message in the log: handed to the SMTP server, refused, being handed.
STATUSES = ("sent", "failed", "sending")


def _sent_query(
    principal: Principal, *, everyone: bool = False, status: str | None = None
) -> Select[SentMail]:
    """Messages the log shows (unordered): the principal's own, or with ``everyone`` every
    message (:data:`LOG_READ`, else :class:`PermissionDenied`); ``status`` keeps one state."""
    query = select(SentMail)
    if everyone:
        authorize(principal, LOG_READ)
    else:
        query = query.where(SentMail.user_id == _own_user(principal))
    if status:
        query = query.where(SentMail.status == status)
    return query


def sent_mail_page(
    session: Session,
    principal: Principal,
    after: str | None,
    limit: int,
    secret: str,
    *,
    everyone: bool = False,
    status: str | None = None,
) -> Page[SentMail]:
    """One page of the sent-mail log, newest first (``sent_at``, then id), after the cursor
    ``after`` (a changed cursor, or one of the other list, is a 400): the principal's own
    messages, or with ``everyone`` every message (the secretariat's log, :data:`LOG_READ`);
    ``status`` keeps the messages of one state (:data:`STATUSES`)."""
    pager = Pager(f"{SENT_SCOPE}.{'all' if everyone else 'own'}", SENT_KEYS, secret)
    query = _sent_query(principal, everyone=everyone, status=status)
    return pager.fetch(session, query, after, limit, key=lambda row: (row.sent_at, row.id))


def unsubscribe(session: Session, secret_key: str, token: str) -> tuple[str, list[str]]:
    """Remove the subscriptions an unsubscribe link names; returns (the user's e-mail, the
    topics removed, possibly none when already removed). Raises :class:`InputError` for a
    link that is not one iofs signed."""
    from iofs.accounts import service as accounts

    found = tokens.read(secret_key, token)
    if found is None:
        raise InputError(_("This unsubscribe link is not valid (incomplete or altered)."), "token")
    try:
        user = accounts.get_user(session, found.user_id)
    except InputError:
        raise InputError(
            _("This unsubscribe link is not valid (incomplete or altered)."), "token"
        ) from None
    # The link stands for the user: the audit log names them, acting through the link.
    actor = Principal(user_id=user.id, email=user.email, label="unsubscribe-link")
    removed = []
    for row in session.scalars(
        select(Subscription).where(
            Subscription.user_id == user.id, Subscription.topic.in_(found.topics)
        )
    ):
        removed.append(row.topic)
        audit.deleted(session, actor, row)
    session.flush()
    return user.email, removed
