"""Strategic Vision 2031 KPI feeds from the programmes: tonnes distributed, people trained,
funding received. Approved figures only (maker–checker), by year; ``iso3`` is the country
the food went to or the project worked in (None: IOFS-wide)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from iofs.feeds import register_feed
from iofs.i18n import N_
from iofs.programmes.models import Activity, Consignment, ConsignmentStage, Contribution, Project
from iofs.programmes.vocabulary import FUNDING_STATUSES


def _year(column: InstrumentedAttribute[date], year: int) -> ColumnElement[bool]:
    return column.between(date(year, 1, 1), date(year, 12, 31))


def tonnes_distributed(session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Tonnes of food distributed in ``year`` (approved distribution tranches)."""
    query = (
        select(ConsignmentStage.quantity_t)
        .join(Consignment, Consignment.id == ConsignmentStage.consignment_id)
        .where(
            ConsignmentStage.stage == "distributed",
            ConsignmentStage.approval == "approved",
            _year(ConsignmentStage.dated, year),
        )
    )
    if iso3:
        query = query.where(Consignment.country == iso3.upper())
    rows = session.execute(query).scalars().all()
    return sum((Decimal(str(value)) for value in rows), Decimal(0)) if rows else None


def people_trained(session: Session, iso3: str | None, year: int) -> Decimal | None:
    """Participants (women and men) of programme trainings and activities begun in ``year``."""
    query = (
        select(Activity.participants_female, Activity.participants_male)
        .join(Project, Project.id == Activity.project_id)
        .where(_year(Activity.starts_on, year))
    )
    if iso3:
        query = query.where(Project.country == iso3.upper())
    rows = session.execute(query).all()
    return Decimal(sum(female + male for female, male in rows)) if rows else None


def funding_received(session: Session, iso3: str | None, year: int) -> Decimal | None:
    """USD committed or paid as new money (approved), decided in ``year``."""
    query = select(Contribution.amount_usd).where(
        Contribution.approval == "approved",
        Contribution.new_money.is_(True),
        Contribution.status.in_(FUNDING_STATUSES),
        _year(Contribution.decided_on, year),
    )
    if iso3:
        query = query.where(Contribution.country == iso3.upper())
    rows = session.execute(query).scalars().all()
    return sum(rows, Decimal(0)) if rows else None


register_feed(
    "programmes.tonnes_distributed",
    N_("Food distributed by IOFS programmes (approved tranches)"),
    "t",
    tonnes_distributed,
)
register_feed(
    "programmes.people_trained",
    N_("Participants of IOFS programme trainings and activities"),
    "persons",
    people_trained,
)
register_feed(
    "programmes.funding_received",
    N_("New money committed or paid to IOFS programmes"),
    "USD",
    funding_received,
)
