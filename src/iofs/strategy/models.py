"""Strategic Vision 2031 tables: results framework, reporting cycle, partnerships.

Pillars → programmes → outcomes → KPIs; each KPI has baselines and yearly targets (overall, or
for one member state) in :class:`KpiPlan`. Member states report values per reporting period in
:class:`KpiValue`; approved values lock. Partnerships: partners, agreements with parties and
obligations, events and forums, capacity-building activities.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from iofs.db import Base


class Pillar(Base):
    """One of the five pillars of IOFS Strategic Vision 2031."""

    __tablename__ = "strategy_pillar"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[int] = mapped_column(SmallInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200), default="")
    name_fr: Mapped[str] = mapped_column(String(200), default="")
    sources: Mapped[str] = mapped_column(Text, default="")


class Programme(Base):
    """A strategic programme under a pillar (e.g. OIC Food Security Reserves)."""

    __tablename__ = "strategy_programme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("strategy_pillar.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sources: Mapped[str] = mapped_column(Text, default="")


class Outcome(Base):
    """An expected result of a programme."""

    __tablename__ = "strategy_outcome"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("strategy_programme.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    statement: Mapped[str] = mapped_column(String(500))
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[str] = mapped_column(Text, default="")


class Kpi(Base):
    """A key performance indicator of an outcome.

    ``direction`` is ``higher`` or ``lower`` (which is better); ``level`` is ``overall`` (one
    value for IOFS) or ``state`` (each member state reports its own); ``data_source`` is
    ``manual`` (entered and approved) or ``feed`` (computed by the feed named in ``feed``).
    ``additive``: state values may be summed into an OIC aggregate.
    """

    __tablename__ = "strategy_kpi"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("strategy_outcome.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(8), default="higher")
    level: Mapped[str] = mapped_column(String(8), default="state")
    additive: Mapped[bool] = mapped_column(Boolean, default=False)
    data_source: Mapped[str] = mapped_column(String(8), default="manual")
    feed: Mapped[str | None] = mapped_column(String(64))
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[str] = mapped_column(Text, default="")


class KpiPlan(Base):
    """A baseline or a yearly target of a KPI, overall (``iso3`` NULL) or for one state."""

    __tablename__ = "strategy_kpi_plan"
    __table_args__ = (UniqueConstraint("kpi_id", "iso3", "kind", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("strategy_kpi.id"), index=True)
    iso3: Mapped[str | None] = mapped_column(ForeignKey("member_state.iso3"))
    kind: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(SmallInteger)
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[str] = mapped_column(Text, default="")


class ReportingPeriod(Base):
    """A reporting round for one year; ``status`` is ``planned``, ``open`` or ``closed``."""

    __tablename__ = "strategy_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(SmallInteger, unique=True)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="planned")


class KpiValue(Base):
    """A reported KPI value for a state (or overall) in a reporting period.

    ``status``: ``submitted`` → ``approved`` (locked) or ``correction_requested`` → (corrected)
    ``submitted`` …. Evidence is a link and/or a file kept by its SHA-256 in
    :class:`EvidenceFile`.
    """

    __tablename__ = "strategy_kpi_value"
    __table_args__ = (UniqueConstraint("kpi_id", "iso3", "period_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("strategy_kpi.id"), index=True)
    iso3: Mapped[str | None] = mapped_column(ForeignKey("member_state.iso3"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("strategy_period.id"), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    evidence_name: Mapped[str] = mapped_column(String(200), default="")
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default="submitted")
    review_comment: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(254), default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: One more with every entry and every review (1 when reported). A reviewer decides on
    #: the version they saw; every UPDATE names the version it read, so a write from a stale
    #: read (a second reviewer, a late correction) fails in the database.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {  # noqa: RUF012 - read once by the mapper
        "version_id_col": version,
        "version_id_generator": False,
    }


class EvidenceFile(Base):
    """An evidence file, stored once by content hash (the audited value row names the hash)."""

    __tablename__ = "strategy_evidence_file"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Partner(Base):
    """A partner organisation (UN agency, university, government body, …)."""

    __tablename__ = "strategy_partner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    acronym: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(24), default="other")
    country: Mapped[str | None] = mapped_column(String(3))
    website: Mapped[str] = mapped_column(String(300), default="")
    sources: Mapped[str] = mapped_column(Text, default="")


class Agreement(Base):
    """A memorandum of understanding, cooperation agreement or host agreement."""

    __tablename__ = "strategy_agreement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="in_force")
    signed_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    #: Days before expiry by which renewal must be decided (notice period).
    notice_days: Mapped[int] = mapped_column(SmallInteger, default=90)
    areas: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[str] = mapped_column(Text, default="")


class AgreementParty(Base):
    """A partner that is party to an agreement (IOFS is always the other party)."""

    __tablename__ = "strategy_agreement_party"
    __table_args__ = (UniqueConstraint("agreement_id", "partner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("strategy_agreement.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("strategy_partner.id"), index=True)


class Obligation(Base):
    """Something an agreement requires by a date, with the person or unit who owns it."""

    __tablename__ = "strategy_obligation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("strategy_agreement.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class Event(Base):
    """A forum, summit, conference or meeting with IOFS participation and outcomes."""

    __tablename__ = "strategy_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16), default="forum")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str | None] = mapped_column(String(3))
    participation: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[str] = mapped_column(Text, default="")


class CapacityActivity(Base):
    """A training, scholarship or workshop, with participants by sex."""

    __tablename__ = "strategy_capacity_activity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16), default="training")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("strategy_agreement.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("strategy_programme.id"))
    participants_female: Mapped[int] = mapped_column(Integer, default=0)
    participants_male: Mapped[int] = mapped_column(Integer, default=0)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[str] = mapped_column(Text, default="")
