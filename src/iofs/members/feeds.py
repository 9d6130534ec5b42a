"""KPI feeds of the member-state registry: published national figures, membership counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from iofs.feeds import FeedFunction, register_feed
from iofs.i18n import N_
from iofs.members import figures
from iofs.members.models import CountryFigure, IofsStatus, MemberState


def _figure_feed(indicator: str) -> FeedFunction:
    def value(session: Session, iso3: str | None, year: int) -> Decimal | None:
        """A published national figure; overall = the sum over states that published one."""
        query = select(func.sum(CountryFigure.value), func.count()).where(
            CountryFigure.indicator == indicator,
            CountryFigure.year == year,
            CountryFigure.published.is_(True),
        )
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
        MemberState.iofs_status == IofsStatus.MEMBER
    )
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
        CountryFigure.year == year, CountryFigure.published.is_(True)
    )
    if iso3 is not None:
        query = query.where(CountryFigure.iso3 == iso3)
    return Decimal(session.execute(query).scalar_one())


register_feed(
    "members.states_publishing_figures",
    N_("Member states that published national figures"),
    "states",
    figure_reporting_states,
)
