"""Automatic KPI feeds: values the system already knows, so nobody types them again.

A feed is a function ``fn(session, iso3 | None, year) -> Decimal | None`` registered under a
name; a KPI whose ``data_source`` is ``feed`` names its feed and takes its values from it
(``iso3=None`` asks for the OIC/IOFS-wide value). ``None`` means "no value for this year".

Another module registers its feed with one call, at import time of its own module::

    from iofs.strategy.feeds import register_feed
    register_feed("programmes.tonnes_delivered", "Food delivered by IOFS programmes", "t",
                  tonnes_delivered)

Other modules' feeds are reached through :data:`OPTIONAL_FEED_MODULES`:
:func:`load_optional_feeds` imports each one that exists, so this module never imports
them when it is itself imported. ``iofs.strategy.feeds_external`` adapts the FAOSTAT and
price services (imported lazily inside each feed function); ``iofs.programmes.feeds``
registers the programmes' own feeds.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iofs.members import figures
from iofs.members.models import CountryFigure, IofsStatus, MemberState
from iofs.i18n import N_

FeedFunction = Callable[[Session, str | None, int], Decimal | None]


@dataclass(frozen=True)
class Feed:
    """A registered feed: name, description (English msgid), unit and function."""

    name: str
    description: str
    unit: str
    fn: FeedFunction


FEEDS: dict[str, Feed] = {}

#: Modules that may register feeds when they exist (imported lazily by load_optional_feeds).
OPTIONAL_FEED_MODULES = ["iofs.strategy.partnerships", "iofs.strategy.feeds_external",
                         "iofs.programmes.feeds"]


def register_feed(name: str, description: str, unit: str, fn: FeedFunction) -> Feed:
    """Register ``fn`` as feed ``name``; registering the same name again replaces it."""
    feed = Feed(name, description, unit, fn)
    FEEDS[name] = feed
    return feed


def load_optional_feeds() -> None:
    """Import the optional feed modules that exist (missing ones are skipped)."""
    for module in OPTIONAL_FEED_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:
            continue


def feed_value(session: Session, name: str, iso3: str | None, year: int) -> Decimal | None:
    """The value of feed ``name`` for ``iso3`` (None: overall) and ``year``, or None."""
    load_optional_feeds()
    feed = FEEDS.get(name)
    if feed is None:
        return None
    return feed.fn(session, iso3, year)


def available_feeds() -> list[Feed]:
    """Every registered feed, by name."""
    load_optional_feeds()
    return [FEEDS[name] for name in sorted(FEEDS)]


def _figure_feed(indicator: str) -> FeedFunction:
    def value(session: Session, iso3: str | None, year: int) -> Decimal | None:
        """A published national figure; overall = the sum over states that published one."""
        query = select(func.sum(CountryFigure.value), func.count()).where(
            CountryFigure.indicator == indicator, CountryFigure.year == year,
            CountryFigure.published.is_(True))
        if iso3 is not None:
            query = query.where(CountryFigure.iso3 == iso3)
        total, count = session.execute(query).one()
        return None if not count else Decimal(total)
    return value


for _code, _kind in figures.CATALOGUE.items():
    register_feed(f"members.{_code}", _kind.label, _kind.unit, _figure_feed(_code))


def iofs_member_count(session: Session, iso3: str | None, year: int) -> Decimal | None:
    """IOFS member states at the end of ``year`` (count; 1/0 for one state).

    The registry keeps the current status: a member counts for years from the year it signed
    the IOFS Statute when that date is known, and from the current year when it is not. Past
    years before the registry can say are therefore a lower bound.
    """
    this_year = date.today().year
    query = select(MemberState.iso3, MemberState.iofs_statute_signed_on).where(
        MemberState.iofs_status == IofsStatus.MEMBER)
    if iso3 is not None:
        query = query.where(MemberState.iso3 == iso3)
    count = 0
    for _code, signed in session.execute(query):
        since = int(signed[:4]) if signed else this_year
        if since <= year:
            count += 1
    return Decimal(count)


register_feed("members.iofs_member_count", N_("IOFS member states"), "states", iofs_member_count)


def figure_reporting_states(session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Member states that published at least one national figure for ``year`` (count)."""
    query = select(func.count(func.distinct(CountryFigure.iso3))).where(
        CountryFigure.year == year, CountryFigure.published.is_(True))
    if iso3 is not None:
        query = query.where(CountryFigure.iso3 == iso3)
    return Decimal(session.execute(query).scalar_one())


register_feed("members.states_publishing_figures",
              N_("Member states that published national figures"), "states",
              figure_reporting_states)
