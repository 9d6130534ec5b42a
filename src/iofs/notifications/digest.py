"""The digest run: for every subscriber of a frequency, the new items of their topics, in
their language, sent over one SMTP connection and recorded in the sent-mail log.

Idempotent: a user who received the digest of a period (``2026-12-02`` daily, ``2026-W49``
weekly) gets nothing more in that period, and an item once delivered (its key in
``notification_delivered_item``) is never sent to that user again. A failed message is
recorded as ``failed`` with the reason and retried by the next run of the period.

Two runs at the same moment (a schedule and the command line) do not both send: a digest is
first recorded as ``sending`` with its items as delivered, in one commit, and the unique
(user, item) key lets only one run do so. A process killed between that commit and the SMTP
answer leaves the row ``sending``: that user's items of the period are then not sent again
(at most once, rather than twice).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from iofs.config import Settings
from iofs.i18n import current_language, set_language
from iofs.notifications import compose, tokens
from iofs.notifications.mail import Mailer, MailError, check_configured, sender_domain
from iofs.notifications.models import DeliveredItem, SentMail, Subscription
from iofs.notifications.topics import FREQUENCIES, TOPICS, Context, Item

#: Topics whose items do not depend on who reads them (only on language and states): read
#: once per language and states in a run.
SHARED_TOPICS = frozenset({"risk_watchlist", "price_alerts"})
#: Status of a digest claimed by a run and being handed to the SMTP server.
SENDING = "sending"


def period_of(frequency: str, today: date) -> str:
    """The digest period containing ``today``: the ISO date (daily) or ISO week (weekly)."""
    if frequency == "weekly":
        year, week, _day = today.isocalendar()
        return f"{year}-W{week:02d}"
    return today.isoformat()


def base_url(settings: Settings) -> str:
    """Where links in mail point: ``IOFS_PUBLIC_URL``, else the address ``iofs serve`` uses."""
    return settings.public_url or f"http://{settings.host}:{settings.port}"


@dataclass
class Recipient:
    """One digest of the run: who, in which language, which topics and items, what happened."""

    user_id: int
    email: str
    name: str
    language: str
    topics: list[str]
    items: list[Item]
    subject: str = ""
    status: str = "planned"
    error: str = ""


@dataclass
class DigestReport:
    """What a run did: ``recipients`` with items; users already served this period."""

    frequency: str
    period: str
    dry_run: bool
    recipients: list[Recipient] = field(default_factory=list)
    already_sent: int = 0
    nothing_new: int = 0

    @property
    def sent(self) -> int:
        return sum(r.status == "sent" for r in self.recipients)

    @property
    def failed(self) -> int:
        return sum(r.status == "failed" for r in self.recipients)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (a job's result)."""
        return {
            "frequency": self.frequency,
            "period": self.period,
            "dry_run": self.dry_run,
            "sent": self.sent,
            "failed": self.failed,
            "already_sent": self.already_sent,
            "nothing_new": self.nothing_new,
            "errors": sorted({r.error for r in self.recipients if r.error}),
        }


def _subscribers(session: Session, frequency: str) -> dict[int, list[Subscription]]:
    rows = session.scalars(
        select(Subscription)
        .where(Subscription.frequency == frequency)
        .order_by(Subscription.user_id, Subscription.id)
    )
    grouped: dict[int, list[Subscription]] = defaultdict(list)
    for row in rows:
        grouped[row.user_id].append(row)
    return grouped


def _served(session: Session, user_id: int, frequency: str, period: str) -> bool:
    found = session.scalar(
        select(SentMail.id).where(
            SentMail.user_id == user_id,
            SentMail.frequency == frequency,
            SentMail.period == period,
            SentMail.status.in_(("sent", SENDING)),
        )
    )
    return found is not None


def _delivered(session: Session, user_id: int) -> set[str]:
    return set(
        session.scalars(select(DeliveredItem.item_key).where(DeliveredItem.user_id == user_id))
    )


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _gather(
    session: Session,
    settings: Settings,
    user: Any,
    subscriptions: list[Subscription],
    today: date,
    shared: dict[tuple[str, str, tuple[str, ...]], list[Item]],
) -> list[Item]:
    from iofs.accounts import service as accounts

    principal = accounts.principal_for(user)
    seen = _delivered(session, user.id)
    items: list[Item] = []
    for subscription in subscriptions:
        topic = TOPICS.get(subscription.topic)
        if topic is None:
            continue
        states = tuple(subscription.states or ())
        context = Context(session, settings, principal, _aware(subscription.created_at), today)
        cache_key = (topic.name, current_language(), states)
        if topic.name in SHARED_TOPICS and cache_key in shared:
            found = shared[cache_key]
        else:
            found = topic.gather(context, states)
            if topic.name in SHARED_TOPICS:
                shared[cache_key] = found
        for item in found:
            if item.key not in seen:
                seen.add(item.key)
                items.append(item)
    return items


def _claim(
    session: Session, recipient: Recipient, frequency: str, period: str, message_id: str
) -> SentMail | None:
    """Record the digest as being sent, with its items as delivered, and commit: the unique
    (user, item) key makes a second run at the same moment skip this user instead of sending
    the same items again. None when another run claimed them first."""
    row = SentMail(
        user_id=recipient.user_id,
        recipient=recipient.email,
        subject=recipient.subject[:300],
        topics=",".join(recipient.topics)[:200],
        language=recipient.language,
        frequency=frequency,
        period=period,
        items=len(recipient.items),
        status=SENDING,
        error="",
        message_id=message_id[:250],
        sent_at=datetime.now(UTC),
    )
    session.add(row)
    try:
        session.flush()
        for item in recipient.items:
            session.add(
                DeliveredItem(user_id=recipient.user_id, item_key=item.key, sent_mail_id=row.id)
            )
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return row


def _finish(session: Session, row: SentMail, recipient: Recipient) -> None:
    """The outcome of a claimed digest; a failed one gives its items back for the next run."""
    row.status = recipient.status
    row.error = recipient.error[:500]
    row.sent_at = datetime.now(UTC)
    if recipient.status != "sent":
        session.execute(delete(DeliveredItem).where(DeliveredItem.sent_mail_id == row.id))
    session.commit()


def run_digest(
    factory: sessionmaker[Session],
    settings: Settings,
    frequency: str = "daily",
    *,
    dry_run: bool = False,
    today: date | None = None,
    progress: Any = None,
) -> DigestReport:
    """Send the ``frequency`` digest of ``today``'s period to every subscriber with new items.

    ``dry_run`` composes every digest and sends and records nothing. Raises
    :class:`~iofs.notifications.mail.MailNotConfigured` (before reading anything) when SMTP
    is not configured and this is not a dry run. ``progress(done, total)`` is called per user.
    """
    from iofs.accounts import service as accounts

    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    if not dry_run:
        check_configured(settings)
    today = today or datetime.now(UTC).date()
    period = period_of(frequency, today)
    report = DigestReport(frequency, period, dry_run)
    secret = settings.resolved_secret_key()
    base = base_url(settings)
    before = current_language()
    shared: dict[tuple[str, str, tuple[str, ...]], list[Item]] = {}
    mailer = None if dry_run else Mailer(settings)
    try:
        with factory() as session:
            grouped = _subscribers(session, frequency)
            for done, (user_id, subscriptions) in enumerate(grouped.items(), start=1):
                if progress is not None:
                    progress(done - 1, len(grouped))
                user = accounts.get_user(session, user_id)
                if not user.active:
                    continue
                if _served(session, user_id, frequency, period):
                    report.already_sent += 1
                    continue
                set_language(user.preferred_language)
                items = _gather(session, settings, user, subscriptions, today, shared)
                if not items:
                    report.nothing_new += 1
                    continue
                topics = [s.topic for s in subscriptions]
                recipient = Recipient(
                    user_id, user.email, user.display_name, current_language(), topics, items
                )
                token = tokens.make(secret, user_id, tuple(topics))
                message = compose.digest_message(
                    sender=settings.smtp_sender or "iofs@localhost",
                    recipient=user.email,
                    name=user.display_name,
                    frequency=frequency,
                    items=items,
                    today=today,
                    base_url=base,
                    unsubscribe_url=f"{base}/notifications/unsubscribe?token={token}",
                    domain=sender_domain(settings),
                )
                recipient.subject = str(message["Subject"])
                report.recipients.append(recipient)
                if mailer is None:
                    continue
                row = _claim(session, recipient, frequency, period, str(message["Message-ID"]))
                if row is None:
                    recipient.status = "skipped"
                    report.already_sent += 1
                    continue
                try:
                    mailer.send(message)
                    recipient.status = "sent"
                except MailError as error:
                    recipient.status, recipient.error = "failed", str(error)
                _finish(session, row, recipient)
            if progress is not None:
                progress(len(grouped), len(grouped))
    finally:
        set_language(before)
        if mailer is not None:
            mailer.close()
    return report


def send_check(settings: Settings, factory: sessionmaker[Session], address: str) -> str:
    """Send a test message to ``address`` and log it; returns its Message-ID.

    Raises :class:`MailError` (also recorded as a failed message) when it cannot be sent.
    """
    check_configured(settings)
    message = compose.check_message(
        sender=settings.smtp_sender or "",
        recipient=address,
        domain=sender_domain(settings),
        base_url=base_url(settings),
    )
    failure = ""
    with Mailer(settings) as mailer:
        try:
            mailer.send(message)
        except MailError as error:
            failure = str(error)
    with factory() as session:
        session.add(
            SentMail(
                user_id=None,
                recipient=address,
                subject=str(message["Subject"]),
                topics="",
                language=current_language(),
                frequency="",
                period="test",
                items=0,
                status="failed" if failure else "sent",
                error=failure[:500],
                message_id=str(message["Message-ID"]),
                sent_at=datetime.now(UTC),
            )
        )
        session.commit()
    if failure:
        raise MailError(failure)
    return str(message["Message-ID"])
