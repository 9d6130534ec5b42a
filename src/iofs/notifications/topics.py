"""What a user can subscribe to, and where each topic's items come from.

Each topic reads another module's service and turns what it returns into digest items; no
figure is computed here. Topics:

- ``risk_watchlist``: states on the IOFS risk watchlist (:func:`iofs.monitor.risk.service.
  watchlist_entries`: high risk, or on watch), optionally only chosen states;
- ``price_alerts``: chosen states' food-price series in GIEWS IPA watch or alert, or WFP ALPS
  alert or crisis, in the state's latest priced month
  (:func:`iofs.monitor.prices.service.country_alerts`);
- ``partnership_deadlines``: agreements expiring, renewal notices and obligations due within
  60 days (:func:`iofs.strategy.service.due`);
- ``review_queue``: programme figures awaiting the user's approval (entered by someone else,
  :func:`iofs.programmes.service.pending_figures`);
- ``job_completion``: the user's background jobs that finished
  (:func:`iofs.jobs.service.finished_since`).

Every item has a stable ``key``: a digest never sends a user the same key twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from iofs import countries
from iofs.i18n import N_, current_language
from iofs.i18n import gettext as _
from iofs.notifications.phrases import Day, Month, Num, Phrase, phrase

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from iofs.config import Settings
    from iofs.permissions import Principal


@dataclass(frozen=True)
class Item:
    """One line of a digest: what happened, one sentence of detail, and its page."""

    key: str
    topic: str
    title: str
    detail: Phrase
    path: str


@dataclass(frozen=True)
class Context:
    """What a topic reads with: the database, the installation, who the digest is for."""

    session: Session
    settings: Settings
    principal: Principal
    since: datetime
    today: date


Gather = Callable[[Context, tuple[str, ...]], list[Item]]


@dataclass(frozen=True)
class Topic:
    """A subscription topic: ``label`` an untranslated msgid; ``states`` whether it takes a
    list of states (``required``: it means nothing without one)."""

    name: str
    label: str
    description: str
    gather: Gather
    states: bool = False
    states_required: bool = False


def _state(iso3: str) -> str:
    return countries.name(iso3, current_language())


def risk_watchlist(context: Context, states: tuple[str, ...]) -> list[Item]:
    """Watchlist entries (every state, or only ``states``) in each state's latest month."""
    from iofs.monitor.risk import service as risk

    items = []
    for entry in risk.watchlist_entries(context.settings):
        if states and entry.iso3 not in states:
            continue
        listed = _("high risk") if entry.list == "high" else _("on watch")
        parts = [risk.watch_reasons(entry), entry.drivers, entry.change]
        template = (
            _("%(month)s: %(why)s.")
            if entry.value is None
            else _("%(month)s, risk index %(value)s: %(why)s.")
        )
        items.append(
            Item(
                key=f"risk:{entry.iso3}:{entry.month}:{entry.list}",
                topic="risk_watchlist",
                title=f"{_state(entry.iso3)}: {listed}",
                detail=phrase(
                    template,
                    month=Month(entry.month),
                    value=Num(entry.value, 1),
                    why=_("; ").join(p for p in parts if p),
                ),
                path=f"/risk/{entry.iso3}",
            )
        )
    return items


def price_alerts(context: Context, states: tuple[str, ...]) -> list[Item]:
    """Each chosen state's price alerts in its latest month with prices (nothing when the
    state has no series in watch or alert)."""
    from iofs.monitor.prices import service as prices

    try:
        result = prices.oic_only(prices.signals(context.settings.analytics_dir))
    except prices.NoPriceData:
        return []
    table = result.table
    items = []
    for iso3 in states:
        months = table.loc[table["country"] == iso3, "month"]
        if months.empty:
            continue
        month = str(months.max())
        found = [a for a in prices.country_alerts(result, month) if a.country == iso3]
        if not found or not (found[0].ipa_alert or found[0].ipa_watch or found[0].alps_alert):
            continue
        alert = found[0]
        template = _(
            "%(month)s: %(alert)s series in IPA alert, %(watch)s in IPA watch, %(alps)s in "
            "ALPS alert or crisis, of %(series)s; worst: %(market)s, %(commodity)s (IPA "
            "%(ipa)s)."
        )
        items.append(
            Item(
                key=f"prices:{iso3}:{month}",
                topic="price_alerts",
                title=_("Food prices in %(state)s") % {"state": _state(iso3)},
                detail=phrase(
                    template,
                    month=Month(month),
                    alert=Num(alert.ipa_alert),
                    watch=Num(alert.ipa_watch),
                    alps=Num(alert.alps_alert),
                    series=Num(alert.series),
                    market=alert.worst_market or "—",
                    commodity=alert.worst_commodity or "—",
                    ipa=Num(alert.worst_ipa, 2),
                ),
                path=f"/prices/{iso3}",
            )
        )
    return items


def partnership_deadlines(context: Context, _states: tuple[str, ...]) -> list[Item]:
    """Renewals, expiries and obligations due within the strategy module's window."""
    from iofs.strategy import service as strategy

    items = []
    for reminder in strategy.due(context.session, context.principal, today=context.today):
        what = _(strategy.REMINDER_LABELS[reminder.kind])
        title = f"{what}: {reminder.agreement.title}"
        if reminder.obligation is not None:
            title += f" — {reminder.obligation.description}"
        obligation = reminder.obligation.id if reminder.obligation else 0
        template = _("Overdue since %(date)s.") if reminder.overdue else _("Due on %(date)s.")
        items.append(
            Item(
                key=(
                    f"deadline:{reminder.kind}:{reminder.agreement.id}:{obligation}:"
                    f"{reminder.due_on.isoformat()}"
                ),
                topic="partnership_deadlines",
                title=title,
                detail=phrase(template, date=Day(reminder.due_on)),
                path=f"/partnerships#agreement-{reminder.agreement.id}",
            )
        )
    return items


def review_queue(context: Context, _states: tuple[str, ...]) -> list[Item]:
    """Programme figures the user may approve and did not enter (maker–checker)."""
    from iofs.audit import service as audit
    from iofs.programmes import service as programmes

    if not programmes.may_review(context.principal):
        return []
    me = audit.actor_label(context.principal)
    items = []
    for figure in programmes.pending_figures(context.session, context.principal):
        if figure.entered_by == me:
            continue
        where = _state(figure.country) if figure.country else _("no state")
        items.append(
            Item(
                key=f"review:{figure.kind}:{figure.id}:{figure.version}",
                topic="review_queue",
                title=_("Awaiting your review: %(what)s") % {"what": figure.summary},
                detail=phrase(
                    _("%(state)s; entered by %(who)s."), state=where, who=figure.entered_by
                ),
                path="/programmes/review",
            )
        )
    return items


JOB_STATES = {
    "succeeded": N_("finished"),
    "failed": N_("failed"),
    "cancelled": N_("was cancelled"),
}


def job_completion(context: Context, _states: tuple[str, ...]) -> list[Item]:
    """The user's jobs that finished since the subscription began (or the last digest)."""
    from iofs import modules
    from iofs.jobs import service as jobs

    if context.principal.user_id is None:
        return []
    kinds = modules.job_kinds()
    items = []
    for job in jobs.finished_since(context.session, context.principal.user_id, context.since):
        kind = kinds.get(job.kind)
        title = _(kind.title) if kind is not None else job.kind
        state = _(JOB_STATES.get(job.state, job.state))
        finished = job.finished_at.date() if job.finished_at else context.today
        items.append(
            Item(
                key=f"job:{job.id}",
                topic="job_completion",
                title=f"{title} ({state})",
                detail=phrase(
                    _("Job %(number)s, ended on %(date)s. %(error)s"),
                    number=Num(job.id),
                    date=Day(finished),
                    error=job.error or "",
                ),
                path=f"/jobs/{job.id}",
            )
        )
    return items


TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in (
        Topic(
            "risk_watchlist",
            N_("Risk watchlist"),
            N_("States entering the IOFS risk watchlist (high risk or on watch)."),
            risk_watchlist,
            states=True,
        ),
        Topic(
            "price_alerts",
            N_("Food-price alerts"),
            N_("Food-price series in IPA watch or alert, or ALPS alert, in chosen states."),
            price_alerts,
            states=True,
            states_required=True,
        ),
        Topic(
            "partnership_deadlines",
            N_("Partnership deadlines"),
            N_("Agreements to renew or expiring, and obligations due, within 60 days."),
            partnership_deadlines,
        ),
        Topic(
            "review_queue",
            N_("My review queue"),
            N_("Programme figures awaiting your approval."),
            review_queue,
        ),
        Topic(
            "job_completion",
            N_("My background jobs"),
            N_("Imports, fetches and other jobs you started that finished or failed."),
            job_completion,
        ),
    )
}

FREQUENCIES = {"daily": N_("Daily"), "weekly": N_("Weekly")}
