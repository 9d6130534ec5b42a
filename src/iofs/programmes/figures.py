"""Figures: coverage, unmet gap in USD and tonnes, pledge conversion, flows and a timeline.

Definitions (after OCHA FTS, https://fts.unocha.org/content/fts-glossary):

- *funding* = approved, new-money contributions at status commitment or paid; pledges are
  shown but never counted, and child allocations (not new money) never add to totals;
- *coverage* (percent 0–100) = funding ÷ current (newest revision's) requirement × 100;
- *unmet gap* (USD) = requirement − funding, at least 0;
- *delivered* (tonnes) = approved ``distributed`` tranches of the appeal's consignments;
  *unmet gap* (tonnes) = required tonnes − delivered tonnes, at least 0;
- *pledge conversion* (percent) of a donor = USD of its pledges now paid ÷ USD pledged.

Only approved figures count (maker–checker); pending ones are reported apart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from iofs.db import exact_sum, exact_total
from iofs.programmes import registry
from iofs.programmes.models import (
    Appeal,
    Beneficiaries,
    Consignment,
    ConsignmentStage,
    Contribution,
    ContributionStatus,
    Organisation,
    Programme,
)
from iofs.programmes.vocabulary import FUNDING_STATUSES, PIPELINE_STAGES

ZERO = Decimal("0.00")


def percent(part: Decimal, whole: Decimal | None) -> float | None:
    """``part`` ÷ ``whole`` × 100 as a float for display; None when ``whole`` is 0 or None."""
    if not whole:
        return None
    return float(part / whole * 100)


@dataclass
class Funding:
    """USD by the current status of a set of counted contributions.

    ``pledged``, ``committed`` and ``paid`` hold each contribution once, at the stage it has
    reached (pledged and not yet committed; committed and not yet paid; paid). The stages are
    cumulative (OCHA FTS: a pledge becomes a commitment, a commitment is paid), so a paid
    contribution was also committed and pledged: :attr:`pledged_total` and
    :attr:`committed_total` are the cumulative columns of a donor table.
    """

    pledged: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def funded(self) -> Decimal:
        """Commitments plus payments: what counts toward coverage (USD)."""
        return self.committed + self.paid

    @property
    def pledged_total(self) -> Decimal:
        """Everything pledged, whatever stage it has reached since (USD)."""
        return self.pledged + self.committed + self.paid

    @property
    def committed_total(self) -> Decimal:
        """Everything committed, paid or not yet (USD); equal to :attr:`funded`."""
        return self.committed + self.paid

    def add(self, contribution: Contribution) -> None:
        if contribution.status == "paid":
            self.paid += contribution.amount_usd
        elif contribution.status == "commitment":
            self.committed += contribution.amount_usd
        else:
            self.pledged += contribution.amount_usd


@dataclass
class Line:
    """A breakdown line (by country, sector or donor) of an appeal."""

    key: str
    label: str
    required_usd: Decimal = ZERO
    funding: Funding = field(default_factory=Funding)
    required_t: Decimal | None = None
    delivered_t: Decimal = ZERO

    @property
    def coverage_percent(self) -> float | None:
        return percent(self.funding.funded, self.required_usd)

    @property
    def gap_usd(self) -> Decimal:
        return max(self.required_usd - self.funding.funded, ZERO)

    @property
    def gap_t(self) -> Decimal | None:
        if self.required_t is None:
            return None
        return max(self.required_t - self.delivered_t, ZERO)


@dataclass
class AppealFigures:
    """Everything the appeal page shows."""

    appeal: Appeal
    original_usd: Decimal
    original_t: Decimal | None
    total: Line
    pending_usd: Decimal
    by_country: list[Line]
    by_sector: list[Line]
    by_donor: list[Line]
    stage_t: dict[str, Decimal]
    households_reached: int
    people_reached: int


def counted(session: Session, *conditions: object) -> list[Contribution]:
    """Approved, new-money contributions matching ``conditions`` (SQLAlchemy clauses)."""
    return list(
        session.execute(
            select(Contribution)
            .where(
                Contribution.approval == "approved",
                Contribution.new_money.is_(True),
                *conditions,  # type: ignore[arg-type]
            )
            .order_by(Contribution.decided_on, Contribution.id)
        ).scalars()
    )


def _organisations(session: Session) -> dict[int, Organisation]:
    return {row.id: row for row in session.execute(select(Organisation)).scalars()}


def _stage_tonnes(session: Session, consignment_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    if not consignment_ids:
        return {}
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in session.execute(
        select(ConsignmentStage).where(
            ConsignmentStage.consignment_id.in_(consignment_ids),
            ConsignmentStage.approval == "approved",
        )
    ).scalars():
        totals[row.consignment_id][row.stage] += row.quantity_t
    return totals


def appeal_figures(session: Session, appeal: Appeal) -> AppealFigures:
    """Coverage, gaps and pipeline of one appeal, in total and by country, sector, donor."""
    original_usd, original_t, required_usd, required_t = registry.requirement_totals(
        session, appeal.id
    )
    revisions = registry.revisions(session, appeal.id)
    rows = registry.requirements(session, revisions[-1].id) if revisions else []
    contributions = counted(session, Contribution.appeal_id == appeal.id)
    # summed in the database, not read row by row: a large appeal's review queue holds
    # thousands of pending rows (10,000 pending cost 15 ms of CPU per appeal read back)
    pending = session.execute(
        select(exact_sum(session, Contribution.amount_usd)).where(
            Contribution.appeal_id == appeal.id,
            Contribution.approval == "pending",
            Contribution.new_money.is_(True),
        )
    ).scalar_one()
    pending_usd = exact_total(session, pending, Contribution.amount_usd)
    organisations = _organisations(session)

    countries: dict[str, Line] = {}
    sectors: dict[str, Line] = {}
    for row in rows:
        for table, key in ((countries, row.country), (sectors, row.sector_code)):
            line = table.setdefault(key, Line(key, key))
            line.required_usd += row.amount_usd
            if row.quantity_t is not None:
                line.required_t = (line.required_t or ZERO) + row.quantity_t
    total = Line(appeal.code, appeal.title, required_usd=required_usd, required_t=required_t)
    donors: dict[str, Line] = {}
    for contribution in contributions:
        total.funding.add(contribution)
        donor = organisations[contribution.donor_id]
        donors.setdefault(donor.code, Line(donor.code, donor.name)).funding.add(contribution)
        countries.setdefault(
            contribution.country or "", Line(contribution.country or "", "")
        ).funding.add(contribution)
        sectors.setdefault(
            contribution.sector_code or "", Line(contribution.sector_code or "", "")
        ).funding.add(contribution)

    consignments = list(
        session.execute(select(Consignment).where(Consignment.appeal_id == appeal.id)).scalars()
    )
    tonnes = _stage_tonnes(session, [row.id for row in consignments])
    stage_t: dict[str, Decimal] = {stage: ZERO for stage in PIPELINE_STAGES}
    for consignment in consignments:
        for stage, quantity in tonnes.get(consignment.id, {}).items():
            stage_t[stage] += quantity
        delivered = tonnes.get(consignment.id, {}).get("distributed", ZERO)
        countries.setdefault(
            consignment.country, Line(consignment.country, consignment.country)
        ).delivered_t += delivered
    total.delivered_t = stage_t["distributed"]

    reached = (
        session.execute(
            select(Beneficiaries).where(
                Beneficiaries.appeal_id == appeal.id,
                Beneficiaries.approval == "approved",
                Beneficiaries.measure == "reached",
                Beneficiaries.sex == "all",
                Beneficiaries.age_group == "all",
            )
        )
        .scalars()
        .all()
    )
    latest: dict[str, tuple[date, int]] = {}
    for figure in reached:
        # each figure is cumulative as of its date: the newest counts
        if figure.unit not in latest or figure.as_of > latest[figure.unit][0]:
            latest[figure.unit] = (figure.as_of, figure.number)
    return AppealFigures(
        appeal=appeal,
        original_usd=original_usd,
        original_t=original_t,
        total=total,
        pending_usd=pending_usd,
        by_country=sorted(countries.values(), key=lambda line: line.key),
        by_sector=sorted(sectors.values(), key=lambda line: line.key),
        by_donor=sorted(
            donors.values(), key=lambda line: -(line.funding.funded + line.funding.pledged)
        ),
        stage_t=stage_t,
        households_reached=latest.get("households", (date.min, 0))[1],
        people_reached=latest.get("people", (date.min, 0))[1],
    )


@dataclass
class Conversion:
    """How much of a donor's pledging turned into payment."""

    donor: str
    name: str
    pledged_usd: Decimal
    paid_usd: Decimal
    open_usd: Decimal

    @property
    def conversion_percent(self) -> float | None:
        return percent(self.paid_usd, self.pledged_usd)


def pledge_conversion(session: Session) -> list[Conversion]:
    """Per donor: USD of approved contributions that began as a pledge, of which paid, of
    which still open; donors with the largest pledges first."""
    organisations = _organisations(session)
    began_as_pledge = set(
        session.execute(
            select(ContributionStatus.contribution_id).where(
                ContributionStatus.status == "pledge", ContributionStatus.approval == "approved"
            )
        ).scalars()
    )
    table: dict[int, Conversion] = {}
    for contribution in counted(session):
        if contribution.id not in began_as_pledge:
            continue
        donor = organisations[contribution.donor_id]
        line = table.setdefault(donor.id, Conversion(donor.code, donor.name, ZERO, ZERO, ZERO))
        line.pledged_usd += contribution.amount_usd
        if contribution.status == "paid":
            line.paid_usd += contribution.amount_usd
        elif contribution.status == "pledge":
            line.open_usd += contribution.amount_usd
    return sorted(table.values(), key=lambda line: -line.pledged_usd)


@dataclass(frozen=True)
class Flow:
    """USD moving from a donor to an appeal (or programme) for a destination country."""

    donor: str
    target: str
    country: str
    usd: Decimal
    status: str


def flows(
    session: Session,
    appeal_id: int | None = None,
    *,
    donor_id: int | None = None,
    country: str | None = None,
    programme_id: int | None = None,
) -> list[Flow]:
    """Counted commitments and payments as donor → appeal/programme → country flows, summed;
    optionally only those of one appeal, donor, destination country or programme."""
    organisations = _organisations(session)
    appeals = {row.id: row.code for row in session.execute(select(Appeal)).scalars()}
    programmes = {row.id: row.code for row in session.execute(select(Programme)).scalars()}
    conditions = []
    if appeal_id is not None:
        conditions.append(Contribution.appeal_id == appeal_id)
    if donor_id is not None:
        conditions.append(Contribution.donor_id == donor_id)
    if country is not None:
        conditions.append(Contribution.country == country)
    if programme_id is not None:
        conditions.append(Contribution.programme_id == programme_id)
    summed: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for row in counted(session, *conditions):
        if row.status not in FUNDING_STATUSES:
            continue
        target = appeals.get(row.appeal_id or 0) or programmes.get(row.programme_id or 0) or "IOFS"
        summed[(organisations[row.donor_id].code, target, row.country or "", row.status)] += (
            row.amount_usd
        )
    return [
        Flow(donor, target, country, usd, status)
        for (donor, target, country, status), usd in sorted(summed.items())
    ]


@dataclass(frozen=True)
class TimelinePoint:
    """Cumulative USD funded and tonnes delivered up to a date."""

    day: date
    funded_usd: Decimal
    delivered_t: Decimal
    event: str
    #: What happened, for a translated sentence: the donor and funding status of a
    #: contribution step, or the tonnes of a distribution.
    donor: str = ""
    status: str = ""
    distributed_t: Decimal | None = None


def timeline(session: Session, appeal: Appeal) -> list[TimelinePoint]:
    """Dated steps of an appeal: each approved commitment/payment step and distribution."""
    ids = {row.id: row for row in counted(session, Contribution.appeal_id == appeal.id)}
    organisations = _organisations(session)
    events: list[tuple[date, Decimal, Decimal, str, str, str, Decimal | None]] = []
    counted_ids: set[int] = set()
    for step in session.execute(
        select(ContributionStatus)
        .where(
            ContributionStatus.contribution_id.in_(list(ids) or [0]),
            ContributionStatus.approval == "approved",
        )
        .order_by(ContributionStatus.dated)
    ).scalars():
        if step.status not in FUNDING_STATUSES or step.contribution_id in counted_ids:
            continue
        counted_ids.add(step.contribution_id)
        contribution = ids[step.contribution_id]
        donor = organisations[contribution.donor_id].name
        events.append(
            (
                step.dated,
                contribution.amount_usd,
                ZERO,
                f"{donor}: {step.status}",
                donor,
                step.status,
                None,
            )
        )
    consignment_ids = [
        row.id
        for row in session.execute(
            select(Consignment).where(Consignment.appeal_id == appeal.id)
        ).scalars()
    ]
    for row in session.execute(
        select(ConsignmentStage).where(
            ConsignmentStage.consignment_id.in_(consignment_ids or [0]),
            ConsignmentStage.stage == "distributed",
            ConsignmentStage.approval == "approved",
        )
    ).scalars():
        events.append(
            (
                row.dated,
                ZERO,
                row.quantity_t,
                f"{row.quantity_t} t distributed",
                "",
                "",
                row.quantity_t,
            )
        )
    points: list[TimelinePoint] = []
    funded, delivered = ZERO, ZERO
    for day, usd, tonnes, label, donor_name, status, distributed in sorted(
        events, key=lambda event: event[0]
    ):
        funded += usd
        delivered += tonnes
        points.append(TimelinePoint(day, funded, delivered, label, donor_name, status, distributed))
    return points


def _funding(session: Session, condition: object) -> Funding:
    funding = Funding()
    for row in counted(session, condition):
        funding.add(row)
    return funding


def country_funding(session: Session, iso3: str) -> Funding:
    """Counted USD for projects and appeals in ``iso3``."""
    return _funding(session, Contribution.country == iso3)


def programme_funding(session: Session, programme_id: int) -> Funding:
    """Counted USD of one programme (its projects' and appeals' contributions included)."""
    return _funding(session, Contribution.programme_id == programme_id)


def country_delivered_t(session: Session, iso3: str) -> dict[str, Decimal]:
    """Approved tonnes per pipeline stage of consignments to ``iso3``."""
    ids = [
        row.id
        for row in session.execute(select(Consignment).where(Consignment.country == iso3)).scalars()
    ]
    totals: dict[str, Decimal] = {stage: ZERO for stage in PIPELINE_STAGES}
    for by_stage in _stage_tonnes(session, ids).values():
        for stage, quantity in by_stage.items():
            totals[stage] += quantity
    return totals


__all__ = [
    "AppealFigures",
    "Conversion",
    "Flow",
    "Funding",
    "Line",
    "TimelinePoint",
    "appeal_figures",
    "counted",
    "country_delivered_t",
    "country_funding",
    "flows",
    "percent",
    "pledge_conversion",
    "timeline",
]
