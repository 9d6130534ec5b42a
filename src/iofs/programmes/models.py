"""Programme tables: who gave what, what reached whom, what is still missing.

Programme → project (one per country, optionally one admin1 area); appeals with
requirements per country × sector × year in numbered revisions (0 = original); organisations
(donor states, partners, implementers); contributions with their status history
(pledge → commitment → paid), cash or in kind, parent/child allocation and a new-money flag;
consignments with their pipeline stages (pledged → procured → dispatched → received →
distributed); beneficiary counts by sex and age group (no personal data); a results framework
(indicators with baseline, targets and actuals per period); activities such as trainings;
flows imported from OCHA FTS for reconciliation.

Figures people enter (contributions, status changes, pipeline stages, beneficiary counts,
indicator values) carry a review (:class:`Reviewed`): they count only once a second person
approved them (maker–checker).

Money and tonnes are :class:`~iofs.db.ExactDecimal`: exact on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from iofs.db import Base, ExactDecimal

MONEY = ExactDecimal(20, 2)
RATE = ExactDecimal(20, 10)
TONNES = ExactDecimal(20, 3)


class Reviewed:
    """Maker–checker columns: who entered a figure and who approved or rejected it.

    ``approval`` is ``pending``, ``approved`` or ``rejected``. Labels are the audit log's actor
    labels (``user:7``, ``token:3``, ``cli:amina``) so that CLI and API entries compare too.
    """

    entered_by: Mapped[str] = mapped_column(String(64), default="")
    approval: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    reviewed_by: Mapped[str] = mapped_column(String(64), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    review_note: Mapped[str] = mapped_column(String(500), default="")
    #: Which entry of the figure this is: 1 when entered, one more each time it is entered
    #: again (see ``review.entered``). A reviewer approves the version they saw; every UPDATE
    #: of the row names the version it read, so a write from a stale read fails in the
    #: database (SQLAlchemy's version counter, set by the application).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - a declarative class attribute
        return {
            "version_id_col": cls.__table__.c.version,  # type: ignore[attr-defined]
            "version_id_generator": False,
        }


class ReviewDecision(Base):
    """One approval or rejection of one version of a reviewable figure.

    The unique key (kind, record, version) lets the database refuse a second decision on the
    same version, whichever reviewer or process tries it, on SQLite and PostgreSQL alike.
    """

    __tablename__ = "programmes_review_decision"
    __table_args__ = (UniqueConstraint("kind", "record_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(500), default="")


class Sourced:
    """Where a record's figures come from; ``illustrative`` marks figures not from a source."""

    sources: Mapped[str] = mapped_column(Text, default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)


class Organisation(Sourced, Base):
    """A donor, partner or implementer: a member state (code = ISO3) or another body.

    ``code`` is the organisation's identifier in ``iofs``: ISO3 for states, the IATI
    organisation identifier where one is known (e.g. ``XM-DAC-41140`` for WFP), else a short
    local code. It is also the scope of the donor role.
    """

    __tablename__ = "programmes_organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200), default="")
    name_fr: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))
    iati_org_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: IATI OrganisationType code, e.g. 10 government, 40 multilateral.
    iati_org_type: Mapped[str] = mapped_column(String(4), default="10")
    country: Mapped[str | None] = mapped_column(String(3), nullable=True)


class Programme(Sourced, Base):
    """A programme of IOFS (IATI hierarchy 1), e.g. the Afghanistan Food Security Programme."""

    __tablename__ = "programmes_programme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_ar: Mapped[str] = mapped_column(String(300), default="")
    title_fr: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="implementation")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: OECD DAC 5-digit purpose code, e.g. 72040 emergency food assistance.
    sector_code: Mapped[str] = mapped_column(String(5))
    humanitarian: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Emergency the programme responds to, e.g. a GLIDE number (empty when none).
    emergency: Mapped[str] = mapped_column(String(64), default="")


class Project(Sourced, Base):
    """A programme's work in one country (IATI hierarchy 2), optionally one admin1 area."""

    __tablename__ = "programmes_project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes_programme.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_ar: Mapped[str] = mapped_column(String(300), default="")
    title_fr: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str] = mapped_column(String(3), index=True)
    admin1: Mapped[str] = mapped_column(String(100), default="")
    sector_code: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(16), default="implementation")
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    implementer_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_organisation.id"), nullable=True
    )


class Appeal(Sourced, Base):
    """A call for resources, e.g. the "Flour for Humanity" Gaza Emergency Appeal."""

    __tablename__ = "programmes_appeal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_ar: Mapped[str] = mapped_column(String(300), default="")
    title_fr: Mapped[str] = mapped_column(String(300), default="")
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_programme.id"), nullable=True
    )
    launched_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: The commodity whose tonnes the appeal counts, e.g. "wheat flour" (empty: cash only).
    commodity: Mapped[str] = mapped_column(String(100), default="")


class AppealRevision(Base):
    """A version of an appeal's requirements: 0 is the original, then 1, 2 … revisions."""

    __tablename__ = "programmes_appeal_revision"
    __table_args__ = (UniqueConstraint("appeal_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("programmes_appeal.id"), index=True)
    number: Mapped[int] = mapped_column(SmallInteger)
    issued_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")


class Requirement(Base):
    """What one revision of an appeal asks for one country × sector × year (USD, tonnes)."""

    __tablename__ = "programmes_requirement"
    __table_args__ = (UniqueConstraint("revision_id", "country", "sector_code", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("programmes_appeal_revision.id"), index=True
    )
    country: Mapped[str] = mapped_column(String(3))
    sector_code: Mapped[str] = mapped_column(String(5))
    year: Mapped[int] = mapped_column(SmallInteger)
    amount_usd: Mapped[Decimal] = mapped_column(MONEY)
    quantity_t: Mapped[Decimal | None] = mapped_column(TONNES, nullable=True)


class Contribution(Reviewed, Sourced, Base):
    """Money or goods from a donor, with its status (pledge → commitment → paid).

    ``status`` is the newest *approved* status (see :class:`ContributionStatus`). Cash keeps
    the original amount and currency, the exchange rate (USD per unit of currency), the rate's
    date and source, and the USD value. In-kind keeps commodity, quantity, unit, tonnes and a
    valuation (method and source); its ``amount`` is the valuation in ``currency``.
    A child allocation (``parent_id`` set, e.g. IOFS → an implementing partner) is not new
    money: totals count only ``new_money`` rows, so nothing is counted twice.
    """

    __tablename__ = "programmes_contribution"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("programmes_organisation.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_organisation.id"), nullable=True
    )
    appeal_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_appeal.id"), nullable=True, index=True
    )
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_programme.id"), nullable=True, index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_project.id"), nullable=True
    )
    country: Mapped[str | None] = mapped_column(String(3), nullable=True)
    sector_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    modality: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="pledge")
    decided_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    exchange_rate: Mapped[Decimal] = mapped_column(RATE)
    rate_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    rate_source: Mapped[str] = mapped_column(String(200), default="")
    amount_usd: Mapped[Decimal] = mapped_column(MONEY)
    commodity: Mapped[str] = mapped_column(String(100), default="")
    quantity: Mapped[Decimal | None] = mapped_column(TONNES, nullable=True)
    unit: Mapped[str] = mapped_column(String(8), default="")
    quantity_t: Mapped[Decimal | None] = mapped_column(TONNES, nullable=True)
    valuation_method: Mapped[str] = mapped_column(String(16), default="")
    valuation_source: Mapped[str] = mapped_column(String(300), default="")
    earmarking: Mapped[str] = mapped_column(String(12), default="earmarked")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_contribution.id"), nullable=True
    )
    new_money: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(1000), default="")
    fts_flow_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ContributionStatus(Reviewed, Base):
    """One step of a contribution's history: pledged, committed or paid on a date."""

    __tablename__ = "programmes_contribution_status"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("programmes_contribution.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(12))
    dated: Mapped[date] = mapped_column(Date)
    #: Who confirmed it on the donor's side (a name or office, not personal data beyond that).
    confirmed_by: Mapped[str] = mapped_column(String(200), default="")
    #: The document that proves it: a letter number, a link, a bank reference.
    document: Mapped[str] = mapped_column(String(500), default="")


class ContributionYear(Base):
    """Part of a contribution's USD value to be used in one year (usage-year split)."""

    __tablename__ = "programmes_contribution_year"
    __table_args__ = (UniqueConstraint("contribution_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("programmes_contribution.id"), index=True
    )
    year: Mapped[int] = mapped_column(SmallInteger)
    amount_usd: Mapped[Decimal] = mapped_column(MONEY)


class Consignment(Sourced, Base):
    """A shipment of one commodity followed through the pipeline to its destination."""

    __tablename__ = "programmes_consignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    appeal_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_appeal.id"), nullable=True, index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_project.id"), nullable=True, index=True
    )
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_contribution.id"), nullable=True
    )
    country: Mapped[str] = mapped_column(String(3), index=True)
    commodity: Mapped[str] = mapped_column(String(100))
    origin: Mapped[str] = mapped_column(String(200), default="")
    destination: Mapped[str] = mapped_column(String(200), default="")


class ConsignmentStage(Reviewed, Base):
    """A consignment reaching a pipeline stage: quantity (t), date, document, losses (t)."""

    __tablename__ = "programmes_consignment_stage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consignment_id: Mapped[int] = mapped_column(ForeignKey("programmes_consignment.id"), index=True)
    stage: Mapped[str] = mapped_column(String(12))
    dated: Mapped[date] = mapped_column(Date)
    quantity_t: Mapped[Decimal] = mapped_column(TONNES)
    loss_t: Mapped[Decimal] = mapped_column(TONNES, default=Decimal(0))
    #: Waybill, goods received note or distribution report reference.
    document: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(500), default="")


class Beneficiaries(Reviewed, Sourced, Base):
    """How many people or households were targeted or reached, by sex and age group.

    Counts only: no names, no personal data. ``sex`` is ``female``, ``male`` or ``all``;
    ``age_group`` one of ``0-4``, ``5-17``, ``18-59``, ``60+`` or ``all``.
    """

    __tablename__ = "programmes_beneficiaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_project.id"), nullable=True, index=True
    )
    appeal_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_appeal.id"), nullable=True, index=True
    )
    consignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_consignment.id"), nullable=True
    )
    country: Mapped[str] = mapped_column(String(3))
    measure: Mapped[str] = mapped_column(String(10))
    unit: Mapped[str] = mapped_column(String(12))
    sex: Mapped[str] = mapped_column(String(6), default="all")
    age_group: Mapped[str] = mapped_column(String(6), default="all")
    number: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)


class Indicator(Base):
    """A result indicator of a programme or project (IATI result/indicator)."""

    __tablename__ = "programmes_indicator"
    __table_args__ = (UniqueConstraint("programme_id", "project_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_programme.id"), nullable=True, index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("programmes_project.id"), nullable=True, index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(32))
    #: IATI IndicatorMeasure: ``unit`` (1) or ``percentage`` (2).
    measure: Mapped[str] = mapped_column(String(10), default="unit")
    #: IATI ResultType: ``output`` (1) or ``outcome`` (2).
    result_type: Mapped[str] = mapped_column(String(8), default="output")
    ascending: Mapped[bool] = mapped_column(Boolean, default=True)
    #: How project values roll up to the programme: ``sum`` or ``mean``.
    aggregation: Mapped[str] = mapped_column(String(4), default="sum")
    baseline_year: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    baseline_value: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 4), nullable=True)


class IndicatorValue(Reviewed, Base):
    """A target or actual of an indicator for one period, optionally for one disaggregation."""

    __tablename__ = "programmes_indicator_value"
    __table_args__ = (
        UniqueConstraint(
            "indicator_id", "period_start", "period_end", "kind", "dimension", "dimension_value"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("programmes_indicator.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(6))
    #: Disaggregation, e.g. ``sex`` = ``female``; both empty for the total.
    dimension: Mapped[str] = mapped_column(String(32), default="")
    dimension_value: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[Decimal] = mapped_column(ExactDecimal(20, 4))


class Activity(Sourced, Base):
    """A training or other capacity-building activity of a project, with participants."""

    __tablename__ = "programmes_activity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("programmes_project.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    participants_female: Mapped[int] = mapped_column(Integer, default=0)
    participants_male: Mapped[int] = mapped_column(Integer, default=0)


class FtsFlow(Base):
    """A funding flow as published by OCHA's Financial Tracking Service, for reconciliation."""

    __tablename__ = "programmes_fts_flow"
    __table_args__ = (UniqueConstraint("appeal_id", "fts_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("programmes_appeal.id"), index=True)
    fts_id: Mapped[int] = mapped_column(Integer)
    donor: Mapped[str] = mapped_column(String(300))
    donor_code: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(12))
    amount_usd: Mapped[Decimal] = mapped_column(MONEY)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    destination_country: Mapped[str] = mapped_column(String(3), default="")
    description: Mapped[str] = mapped_column(String(1000), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
